"""Reasoning and the endings of a reply in the TUI (Pilot, real keys) against the loopback server."""

from __future__ import annotations

from pinata_tui.conversation import MessageStatus
from pinata_tui.devserver import Fault
from pinata_tui.store import ConversationStore
from pinata_tui.tui.chat.assistant_message import AssistantMessage
from pinata_tui.tui.chat.notice import Notice
from pinata_tui.tui.chat.user_message import UserMessage
from tests.tui_helpers import chat, make_app, ready, send_and_wait, type_and_send, until


def notices(app) -> list[str]:
    return [str(n.render()) for n in chat(app).view.query(Notice)]


def rows(block: AssistantMessage) -> list[str]:
    return [line.rstrip() for line in block.plain_lines()]


async def test_reasoning_streams_live_then_folds_and_unfolds_with_t_and_a_click(server, tmp_path):
    server.state.tokens_per_second = 20  # two seconds of thinking: the live row is seen by polling
    server.state.reply_tokens = 10
    server.state.add_fault(Fault(reasoning="reasoning_content", reasoning_tokens=40))
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(pilot)
        await type_and_send(pilot, "Think first")
        screen = chat(app)
        await until(pilot, lambda: screen.view.query(AssistantMessage) and
                    screen.conversation.messages[-1].reasoning, what="reasoning to arrive")
        block = screen.view.query(AssistantMessage).last()
        await until(pilot, lambda: any("Thinking…" in r for r in rows(block)), what="the live Thinking… row")
        await until(pilot, lambda: not screen.streaming, what="the reply to finish")
        await pilot.pause()
        reply = screen.conversation.messages[-1]
        assert reply.content and reply.reasoning and reply.status == MessageStatus.COMPLETE
        folded = rows(block)
        assert folded[1].startswith("▸ Thought") and "40 tokens" in folded[1]
        assert not any(reply.reasoning.splitlines()[0][:20] in r for r in folded[2:])
        block.focus()
        await pilot.press("t")
        expanded = rows(block)
        assert expanded[1].startswith("▾ Reasoning")
        assert reply.reasoning.splitlines()[0][:20] in "\n".join(expanded)
        await pilot.click(block, offset=(3, 1))
        assert rows(block)[1].startswith("▸ Thought")
        conversation_id = screen.conversation.id
    with ConversationStore(app.paths.database) as store:
        saved = store.load(conversation_id).messages[-1]
    assert saved.reasoning == reply.reasoning and saved.usage.reasoning_tokens == 40


async def test_a_reasoning_only_reply_cut_at_the_limit_says_so(server, tmp_path):
    server.state.add_fault(Fault(reasoning="reasoning", reasoning_tokens=25, content_tokens=0,
                                 finish_reason="length"))
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "Hard question")
        screen = chat(app)
        reply = screen.conversation.messages[-1]
        assert reply.status == MessageStatus.TRUNCATED and reply.content == ""
        assert any("No visible text: 25 reasoning tokens used" in n for n in notices(app))
        assert "cut at the token limit" in rows(screen.view.query(AssistantMessage).last())[0]
        assert reply.cost is not None and screen.status.cost > 0
        assert "cut at limit" in screen.status.connection_detail


async def test_an_in_stream_error_keeps_the_text_and_shows_the_servers_words_literally(server, tmp_path):
    server.state.add_fault(Fault(stream_error="[bold]Upstream[/] overloaded \x1b]52;c;aGk=\x07",
                                 stream_error_after=6))
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "Hello")
        screen = chat(app)
        reply = screen.conversation.messages[-1]
        assert reply.status == MessageStatus.FAILED and reply.content
        shown = [n for n in notices(app) if "Upstream" in n]
        assert shown and "[bold]Upstream[/] overloaded" in shown[0] and "\x1b" not in shown[0]
        assert "failed mid-reply" in rows(screen.view.query(AssistantMessage).last())[0]


async def test_refusal_and_tool_calls_are_shown_not_blank(server, tmp_path):
    server.state.add_fault(Fault(refusal="I can't help with that."))
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "Do a bad thing")
        screen = chat(app)
        block = screen.view.query(AssistantMessage).last()
        assert "refused" in rows(block)[0] and "I can't help with that." in "\n".join(rows(block))
        server.state.add_fault(Fault(tool_calls=True))
        await send_and_wait(pilot, "What's the weather?")
        reply = screen.conversation.messages[-1]
        assert reply.status == MessageStatus.TOOL_CALLS
        assert any("get_weather" in n and "does not run tools" in n for n in notices(app))


async def test_a_billed_cost_is_labelled_in_the_reply_header(server, tmp_path):
    server.state.add_fault(Fault(usage_cost=0.0123))
    app = make_app(server, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "Hello")
        screen = chat(app)
        assert "$0.0123 billed" in rows(screen.view.query(AssistantMessage).last())[0]
        assert screen.conversation.total_cost == 0.0123


async def test_a_failed_prompt_resent_appears_once(server, tmp_path):
    server.state.add_fault(Fault(status=503, times=3))
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "Only once please")
        screen = chat(app)
        await until(pilot, lambda: screen.prompt.text == "Only once please", what="the prompt to come back")
        await pilot.press("enter")
        await until(pilot, lambda: not screen.streaming and screen.conversation.messages[-1].role == "assistant",
                    what="the resent reply")
        users = screen.view.query(UserMessage)
        assert [u.message.content for u in users] == ["Only once please"]
        assert [m.role for m in screen.conversation.messages] == ["user", "assistant"]
        assert "not sent" not in str(users.first().render())


async def test_a_failed_regenerate_keeps_the_old_reply_on_screen(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "Hello")
        screen = chat(app)
        old = screen.conversation.messages[-1]
        server.state.add_fault(Fault(status=402, times=1))
        await pilot.press("ctrl+r")
        await until(pilot, lambda: not screen.streaming and screen.banner.display, what="the 402")
        await pilot.pause()
        assert screen.conversation.messages[-1] is old
        assert [b.message for b in screen.view.query(AssistantMessage)] == [old]


async def test_a_failed_reply_retried_or_a_cut_one_continued_takes_its_notice_with_it(server, tmp_path):
    server.state.add_fault(Fault(stream_error="upstream overloaded", stream_error_after=6))
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "fail please")
        screen = chat(app)
        assert any("upstream overloaded" in n for n in notices(app))
        await pilot.press("ctrl+r")  # a new alternative replaces the failed reply on screen
        await until(pilot, lambda: not screen.streaming and len(screen.conversation.siblings(
            screen.conversation.messages[1])) == 2, what="the new alternative")
        assert not any("upstream overloaded" in n for n in notices(app))  # not left above the new reply

        server.state.add_fault(Fault(content_tokens=30, finish_reason="length"))
        await send_and_wait(pilot, "cut please")
        assert screen.conversation.messages[-1].status == MessageStatus.TRUNCATED
        cut = [n for n in notices(app) if "Ctrl+G" in n]
        assert cut
        await pilot.press("ctrl+g")
        await until(pilot, lambda: not screen.streaming and screen.conversation.messages[-1].status
                    == MessageStatus.COMPLETE, what="the continuation")
        assert not any(n in notices(app) for n in cut)
