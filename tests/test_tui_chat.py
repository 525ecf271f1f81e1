"""The chat TUI driven with Pilot (real keys) against the loopback Pinata server."""

from __future__ import annotations

import os
import stat
import sys

import pytest

from pinata_tui.conversation import MessageStatus
from pinata_tui.devserver import Fault, generate_reply
from pinata_tui.tui.chat.assistant_message import AssistantMessage
from pinata_tui.tui.chat.model_switch_marker import ModelSwitchMarker
from pinata_tui.tui.chat.notice import Notice
from pinata_tui.tui.chat.user_message import UserMessage
from pinata_tui.tui.common.help_screen import HelpScreen
from pinata_tui.tui.models.model_picker import ModelPicker
from tests.tui_helpers import chat, make_app, press_now, ready, send_and_wait, shown_header, type_and_send
from tests.waiting import settle, until


def notices(app) -> list[str]:
    return [str(n.render()) for n in chat(app).view.query(Notice)]


async def test_send_streams_a_reply_and_records_usage_and_cost(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "Hello there")
        screen = chat(app)
        user, reply = screen.conversation.messages
        assert (user.role, user.content) == ("user", "Hello there")
        expected = "".join(generate_reply("anthropic/claude-sonnet-4-6",
                                          [{"role": "user", "content": "Hello there"}], server.state.reply_tokens))
        assert reply.content == expected
        assert reply.status == MessageStatus.COMPLETE and reply.model == "anthropic/claude-sonnet-4-6"
        assert reply.usage is not None and reply.usage.completion_tokens == server.state.reply_tokens
        expected_cost = (reply.usage.prompt_tokens * 3.0 + reply.usage.completion_tokens * 15.0) / 1e6
        assert reply.cost == pytest.approx(expected_cost)
        status = screen.status
        assert status.cost == pytest.approx(expected_cost) and not status.cost_is_estimate
        assert "tok/s" in status.last_reply and status.connection == "idle"
        assert status.context_tokens and status.context_tokens > 60
        assert status.balance is not None and status.balance < 100
        [block] = screen.view.query(AssistantMessage)
        assert "anthropic/claude-sonnet-4-6" in shown_header(block)
        assert block.source == expected
        assert server.state.chat_requests()[-1]["body"]["messages"] == [{"role": "user", "content": "Hello there"}]
        assert screen.prompt.text == ""


async def test_enter_sends_ctrl_j_adds_a_line_and_up_recalls(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test() as pilot:
        await ready(pilot)
        screen = chat(app)
        await pilot.press(*"one", "ctrl+j", *"two")
        assert screen.prompt.text == "one\ntwo"
        await pilot.press("enter")
        await until(pilot, lambda: not screen.streaming and len(screen.conversation.messages) == 2)
        assert screen.conversation.messages[0].content == "one\ntwo"
        assert screen.prompt.text == ""
        await pilot.press("up")
        assert screen.prompt.text == "one\ntwo"
        await pilot.press("down")
        assert screen.prompt.text == ""
        await pilot.press("enter")  # empty prompt: nothing is sent
        await pilot.pause()
        assert len(server.state.chat_requests()) == 1


async def test_escape_stops_the_stream_and_keeps_the_partial_text(server, tmp_path):
    server.state.tokens_per_second = 40
    server.state.reply_tokens = 400
    app = make_app(server, tmp_path)
    async with app.run_test() as pilot:
        await ready(pilot)
        screen = chat(app)
        await type_and_send(pilot, "Tell me a long story")
        await until(pilot, lambda: len(screen.conversation.messages) == 2
                    and len(screen.conversation.messages[1].content) > 30, what="some text")
        # The prompt stays usable while the reply streams.
        await press_now(pilot, *"next")
        await until(pilot, lambda: screen.prompt.text == "next", what="the typed text")
        assert screen.streaming
        await press_now(pilot, "escape")
        await until(pilot, lambda: not screen.streaming, what="the stop")
        reply = screen.conversation.messages[1]
        assert reply.status == MessageStatus.STOPPED
        assert 30 < len(reply.content) < len("".join(generate_reply(
            "anthropic/claude-sonnet-4-6", [{"role": "user", "content": "Tell me a long story"}], 400)))
        [block] = screen.view.query(AssistantMessage)
        assert "stopped" in shown_header(block)
        assert block.source.startswith(reply.content[:20])
        assert screen.prompt.text == "next"


async def test_retry_regenerates_and_continue_carries_on_a_cut_reply(server, tmp_path):
    server.state.add_fault(Fault(cut_after=10))
    app = make_app(server, tmp_path)
    async with app.run_test() as pilot:
        await ready(pilot)
        screen = chat(app)
        await send_and_wait(pilot, "Explain pinatas")
        reply = screen.conversation.messages[-1]
        assert reply.status == MessageStatus.INTERRUPTED and reply.content
        partial = reply.content
        assert any("interrupted" in text and "Ctrl+G" in text for text in notices(app))

        await pilot.press("ctrl+g")
        await until(pilot, lambda: not screen.streaming and reply.status != MessageStatus.STREAMING)
        request = server.state.chat_requests()[-1]["body"]
        assert request["messages"][-1] == {"role": "assistant", "content": partial}
        assert reply.status == MessageStatus.COMPLETE and reply.content.startswith(partial)
        assert len(reply.content) > len(partial)
        assert len(screen.conversation.messages) == 2

        await pilot.press("ctrl+r")
        await until(pilot, lambda: len(server.state.chat_requests()) == 3 and not screen.streaming)
        await pilot.pause()
        assert server.state.chat_requests()[-1]["body"]["messages"] == [
            {"role": "user", "content": "Explain pinatas"}]
        assert len(screen.conversation.messages) == 2
        assert screen.conversation.messages[-1].status == MessageStatus.COMPLETE
        assert len(screen.view.query(AssistantMessage)) == 1


async def test_switching_models_sends_the_whole_history_to_the_new_model(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(110, 40)) as pilot:
        await ready(pilot)
        screen = chat(app)
        await send_and_wait(pilot, "First")
        first_reply = screen.conversation.messages[1].content
        await pilot.press("ctrl+l")
        assert isinstance(app.screen, ModelPicker)
        await pilot.press(*"gpt5mini")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, type(screen)))
        assert screen.conversation.model == "openai/gpt-5-mini"
        assert screen.status.model == "openai/gpt-5-mini"
        assert [m.model_id for m in screen.view.query(ModelSwitchMarker)] == ["openai/gpt-5-mini"]
        await send_and_wait(pilot, "Second")
        body = server.state.chat_requests()[-1]["body"]
        assert body["model"] == "openai/gpt-5-mini"
        assert body["messages"] == [
            {"role": "user", "content": "First"},
            {"role": "assistant", "content": first_reply},
            {"role": "user", "content": "Second"},
        ]
        models = [m.model for m in screen.conversation.messages if m.role == "assistant"]
        assert models == ["anthropic/claude-sonnet-4-6", "openai/gpt-5-mini"]
        headers = [shown_header(b) for b in screen.view.query(AssistantMessage)]
        assert "claude-sonnet-4-6" in headers[0] and "gpt-5-mini" in headers[1]


async def test_model_picker_marks_the_current_model_and_shows_prices(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(110, 40)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+l")
        picker = app.screen
        assert isinstance(picker, ModelPicker)
        from textual.widgets import OptionList

        options = picker.query_one(OptionList)
        rows = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert len(rows) == len(server.state.catalog)
        current = next(r for r in rows if "claude-sonnet-4-6" in r)
        assert current.startswith("●") and "$3.00 in" in current and "$15.00 out" in current
        await pilot.press("escape")
        assert not isinstance(app.screen, ModelPicker)
        assert chat(app).conversation.model == "anthropic/claude-sonnet-4-6"


async def test_catalog_is_cached_on_disk_and_used_when_offline(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test() as pilot:
        await ready(pilot)
        assert app.catalog_source == "live"
        await until(pilot, (tmp_path / "cache" / "catalog.json").exists, what="the cache file")
    offline = make_app(server, tmp_path, base_url="http://127.0.0.1:9")
    async with offline.run_test() as pilot:
        await until(pilot, lambda: offline.catalog_source == "cache" and len(offline.catalog) > 5)
        await pilot.press("ctrl+l")
        assert isinstance(offline.screen, ModelPicker)


async def test_unknown_model_gets_a_clear_message_with_close_matches(server, tmp_path):
    app = make_app(server, tmp_path, model="anthropic/claude-sonet-4-6")
    async with app.run_test() as pilot:
        await ready(pilot)
        await until(pilot, lambda: any("Unknown model" in n for n in notices(app)))
        [message] = [n for n in notices(app) if "Unknown model" in n]
        assert "Did you mean anthropic/claude-sonnet-4-6" in message and "Ctrl+L" in message
        assert not chat(app).has_class("-empty-conversation")  # shown at once, not after the first message
        app.catalog = list(app.catalog)  # the live catalog after the cached one: the same warning, not again
        await pilot.pause()
        await app.workers.wait_for_complete()
        assert len([n for n in notices(app) if "Unknown model" in n]) == 1


async def test_402_shows_the_credits_banner_and_keeps_the_prompt(server, tmp_path):
    server.state.balance_micro = 0
    app = make_app(server, tmp_path)
    async with app.run_test(size=(110, 40)) as pilot:
        await ready(pilot)
        screen = chat(app)
        await send_and_wait(pilot, "Please answer")
        banner = screen.banner
        assert banner.display
        text = str(banner.query_one("#credits-text").render())
        assert "Out of credits: 0.00 credits left (0 microcredits)" in text
        assert "Billing" in text and "auto top-up" in text
        await until(pilot, lambda: banner.balance is not None, what="the live balance")
        assert screen.status.balance == 0 and "0.00 credits" in str(screen.status.render())
        assert screen.prompt.text == "Please answer"
        [user] = screen.view.query(UserMessage)
        assert "not sent" in shown_header(user)
        assert screen.conversation.request_history() == []
        assert not screen.view.query(AssistantMessage)

        server.state.balance_micro = 5_000_000  # topped up
        await pilot.press("ctrl+r")
        await until(pilot, lambda: not screen.streaming and screen.conversation.last_reply is not None)
        await pilot.pause()
        assert screen.conversation.last_reply.status == MessageStatus.COMPLETE
        assert not banner.display
        assert screen.prompt.text == ""
        assert server.state.chat_requests()[-1]["body"]["messages"] == [
            {"role": "user", "content": "Please answer"}]


async def test_402_amount_comes_from_the_body(server, tmp_path):
    server.state.balance_micro = 2_500
    server.state.add_fault(Fault(status=402, available_at_top=True))
    app = make_app(server, tmp_path, jwt=None)
    async with app.run_test(size=(110, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "hi")
        text = str(chat(app).banner.query_one("#credits-text").render())
        assert "0.002500 credits left (2,500 microcredits)" in text and "balance now" not in text
        await pilot.click("#credits-dismiss")
        assert not chat(app).banner.display


async def test_401_says_what_to_do_and_gives_the_prompt_back(server, tmp_path):
    server.state.llm_keys = set()
    app = make_app(server, tmp_path)
    async with app.run_test(size=(110, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "secret plans")
        [notice] = notices(app)
        assert "rejected the inference key" in notice and "PINATA_LLM_KEY" in notice
        assert "pinata-chat enable" in notice and "pk-dev" not in notice
        assert chat(app).prompt.text == "secret plans"
        assert chat(app).status.connection == "error"


async def test_missing_key_is_explained_in_the_conversation(server, tmp_path):
    app = make_app(server, tmp_path, llm_key=None)
    async with app.run_test(size=(110, 40)) as pilot:
        await ready(pilot)
        await pilot.press("escape")  # skip the welcome screen
        await send_and_wait(pilot, "hello")
        assert any("PINATA_LLM_KEY" in n for n in notices(app))
        assert server.state.chat_requests() == []


async def test_429_shows_a_retry_countdown_then_succeeds(server, tmp_path):
    server.state.add_fault(Fault(status=429, retry_after="1"))
    app = make_app(server, tmp_path)
    async with app.run_test(size=(110, 40)) as pilot:
        await ready(pilot)
        screen = chat(app)
        await type_and_send(pilot, "hi")
        await until(pilot, lambda: screen.status.connection == "retrying", what="the countdown")
        assert "in 1 s (attempt 2/3)" in screen.status.connection_detail
        [block] = screen.view.query(AssistantMessage)
        assert "Rate limited" in shown_header(block)
        await until(pilot, lambda: not screen.streaming)
        assert screen.conversation.last_reply.status == MessageStatus.COMPLETE
        assert len(server.state.chat_requests()) == 2


async def test_429_that_never_clears_is_reported_with_the_prompt_kept(server, tmp_path):
    server.state.add_fault(Fault(status=429, retry_after="0", times=5))
    app = make_app(server, tmp_path)
    async with app.run_test(size=(110, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "hi")
        assert any("Rate limited" in n and "Ctrl+R" in n for n in notices(app))
        assert chat(app).prompt.text == "hi"


async def test_server_error_page_is_shown_readably(server, tmp_path):
    server.state.add_fault(Fault(status=502, html=True, times=5))
    app = make_app(server, tmp_path)
    async with app.run_test(size=(110, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "hi")
        assert any("502" in n and "Bad Gateway" in n and "<html" not in n for n in notices(app))


MALICIOUS = (
    "Here: [bold red]not markup[/] and [link=https://evil.example]click[/link]\n\n"
    "\x1b[2J\x1b[H cleared? \x1b]0;pwned title\x07 \x1b]52;c;ZXZpbA==\x07 clipboard? \x9b31m\n"
)


async def test_markup_and_escape_codes_in_a_reply_are_shown_literally(server, tmp_path):
    server.state.reply_override = MALICIOUS
    app = make_app(server, tmp_path)
    async with app.run_test(size=(110, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "be evil")
        screen = chat(app)
        assert screen.conversation.last_reply.content == MALICIOUS  # stored verbatim
        shown = screen.view.query_one(AssistantMessage).source
        assert "\x1b" not in shown and "\x07" not in shown and "\x9b" not in shown
        assert "␛[2J" in shown and "␛]52;c;ZXZpbA==␇" in shown
        screenshot = app.export_screenshot()
        assert "\x1b" not in screenshot and "\x07" not in screenshot
        assert "[bold&#160;red]not&#160;markup[/]" in screenshot
        assert "␛]0;pwned&#160;title␇" in screenshot


async def test_a_copy_taken_while_the_reply_streams_holds_all_that_arrived(server, tmp_path, monkeypatch):
    from pinata_tui.tui.chat.chat_screen import ChatScreen

    server.state.tokens_per_second, server.state.reply_tokens = 60, 600
    arrived: list[str] = []
    append_text, copy_last_reply = AssistantMessage.append_text, ChatScreen.action_copy_last_reply

    def seen(block: AssistantMessage, raw: str) -> None:
        arrived.append(raw)
        append_text(block, raw)

    asked: list[tuple[str, bool]] = []  # what had arrived when the key was handled, and whether it streamed

    def copy_asked(screen: ChatScreen) -> None:
        asked.append(("".join(arrived), screen.streaming))
        copy_last_reply(screen)

    monkeypatch.setattr(AssistantMessage, "append_text", seen)
    monkeypatch.setattr(ChatScreen, "action_copy_last_reply", copy_asked)
    app = make_app(server, tmp_path)
    copies: list[str] = []
    monkeypatch.setattr(type(app), "copy_text", lambda _app, text, what: copies.append(text))
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(pilot)
        await type_and_send(pilot, "Long please")
        for pieces in (10, 30, 50, 70):
            await until(pilot, lambda pieces=pieces: len(arrived) > pieces, what=f"{pieces} pieces")
            await pilot.press("ctrl+o")
        await until(pilot, lambda: len(copies) == 4, what="four copies")
    assert [(copied, True) for copied in copies] == asked  # each mid-reply, each all that had arrived


async def test_copy_last_reply_and_a_chosen_message(server, tmp_path):
    server.state.reply_override = "Run this:\n\n```sh\necho one\n```\n\nand\n\n```py\nprint(2)\n```\n"
    app = make_app(server, tmp_path)
    async with app.run_test(size=(110, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "commands please")
        await pilot.press("ctrl+o")
        assert app.clipboard == server.state.reply_override
        screen = chat(app)
        [user] = screen.view.query(UserMessage)
        user.focus()
        await pilot.press("y")
        assert app.clipboard == "commands please"
        [reply] = screen.view.query(AssistantMessage)
        reply.focus()
        await pilot.press("k")
        from textual.widgets import OptionList

        options = app.screen.query_one(OptionList)
        assert options.option_count == 2
        await pilot.press("down", "enter")
        assert app.clipboard == "print(2)\n"


async def test_help_lists_the_keys(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(110, 40)) as pilot:
        await ready(pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        keys = {description: key for key, description, _ in app.screen.bindings}
        assert {"Models", "Retry", "New chat", "Quit", "Stop", "Continue", "Export", "Chats"} <= set(keys)
        assert keys["Models"] == "^l" and keys["Stop"] == "esc"
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_help_lists_every_id_of_the_app_the_chat_screen_and_the_messages(server, tmp_path):
    from pinata_tui.keymap import BINDING_IDS

    app = make_app(server, tmp_path)
    async with app.run_test(size=(110, 40)) as pilot:
        await ready(pilot)
        listed = [binding_id for _, _, binding_id in app.binding_rows()]
    wanted = {i for i in BINDING_IDS if i.split(".")[0] in ("app", "chat", "message")}
    assert wanted <= set(listed)  # the chat screen's mixins' (Ctrl+F attach) and End beside Ctrl+End too
    assert len(listed) == len(set(listed))


@pytest.mark.parametrize("width", [116, 76, 36, 28])
def test_help_keeps_room_for_the_descriptions_at_any_width(width):
    from rich.console import Console

    from pinata_tui.tui.common.help_screen import EXTRA_KEYS, KeyTable

    rows = [("esc", "Back to the prompt", "chat.focus_prompt"), ("ctrl+home", "First message", "chat.start"),
            ("left / [", "Previous alternative (on a focused message)", "message.previous_alternative"),
            *((k, d, "") for k, d in EXTRA_KEYS)]
    console = Console(width=width, record=True)
    console.print(KeyTable(rows))
    lines = console.export_text().splitlines()
    assert max(len(line.rstrip()) for line in lines) <= width
    assert "id for [keymap]" in lines[0] if width >= 80 else "id for" not in lines[0]
    words = " ".join(lines).split()
    for phrase in ("Back to the prompt", "Recall earlier prompts", "First message"):
        assert all(word in words for word in phrase.split()), phrase  # whole words: nothing cut to nothing
    for binding_id in ("chat.focus_prompt", "chat.start", "message.previous_alternative"):
        assert binding_id in "".join(words)  # a long id folds, whole, never cut off


async def test_keymap_remaps_a_binding_by_id(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(110, 40)) as pilot:
        await ready(pilot)
        app.apply_keymap({"app.models": "f9"})
        await pilot.press("f9")
        assert isinstance(app.screen, ModelPicker)
        await pilot.press("escape")
        assert ("f9", "Models") in app.key_help()


async def scrolled_up_while_a_long_reply_streams(pilot):
    """Send for a long reply, let it overflow the pane, scroll to the top: the pane stops following."""
    screen = chat(pilot.app)
    view = screen.view
    await type_and_send(pilot, "long please")
    await until(pilot, lambda: view.max_scroll_y > 20, what="the reply to overflow")
    assert view.following and screen.query_one_optional("#more-below") is None  # mounted when first shown
    view.scroll_to(y=0, animate=False)
    await until(pilot, lambda: not view.following and screen.query_one("#more-below").display)
    return screen, view


async def test_pane_stops_following_when_the_user_scrolls_up(server, tmp_path):
    server.state.tokens_per_second = 150
    server.state.reply_tokens = 1500
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen, view = await scrolled_up_while_a_long_reply_streams(pilot)
        reply = screen.conversation.messages[-1]
        read_from = len(reply.content)
        await until(pilot, lambda: len(reply.content) > read_from + 200, what="more of the reply")
        await settle(pilot)
        assert view.scroll_y < view.max_scroll_y - 5  # not dragged back down while reading
        await press_now(pilot, "ctrl+end")
        await until(pilot, lambda: view.following and not screen.query_one("#more-below").display)
        screen.action_stop()
        await until(pilot, lambda: not screen.streaming)


async def test_end_in_the_prompt_follows_as_the_hint_says_unless_the_prompt_has_text(server, tmp_path):
    server.state.tokens_per_second = 150
    server.state.reply_tokens = 1500
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen, view = await scrolled_up_while_a_long_reply_streams(pilot)
        assert screen.focused is screen.prompt
        await press_now(pilot, *"draft", "home", "end")  # with text, End is the prompt's: its cursor goes
        assert screen.prompt.cursor_location == (0, 5) and not view.following
        screen.prompt.load_text("")
        await press_now(pilot, "end")  # an empty prompt: End follows the reply, as the hint under it says
        await until(pilot, lambda: view.following and not screen.query_one("#more-below").display)
        screen.action_stop()
        await until(pilot, lambda: not screen.streaming)


async def test_token_meter_counts_the_draft(server, tmp_path):
    app = make_app(server, tmp_path, model="openai/gpt-4.1")
    async with app.run_test() as pilot:
        await ready(pilot)
        screen = chat(app)
        await until(pilot, lambda: screen.status.context_tokens == 0)
        await pilot.press(*"hello world")
        assert screen.status.context_tokens == 2


async def test_editor_composes_the_prompt(server, tmp_path, monkeypatch):
    script = tmp_path / "fake-editor"
    script.write_text(f"#!{sys.executable}\nimport sys\nopen(sys.argv[1], 'a').write(' and more from the editor\\n')\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("VISUAL", str(script))
    app = make_app(server, tmp_path)
    async with app.run_test() as pilot:
        await ready(pilot)
        await pilot.press(*"draft")
        await pilot.press("ctrl+t")
        await until(pilot, lambda: chat(app).prompt.text == "draft and more from the editor")
    assert not any(name.startswith("pinata-prompt-") for name in os.listdir(os.path.dirname(str(script))))


async def test_token_meter_includes_the_system_prompt(server, tmp_path):
    app = make_app(server, tmp_path, model="openai/gpt-4.1", system_prompt="Answer in French.")
    async with app.run_test() as pilot:
        await ready(pilot)
        screen = chat(app)
        expected = app.services.token_counter.count_message("Answer in French.", "openai/gpt-4.1")
        await until(pilot, lambda: screen.status.context_tokens == expected)
        await pilot.press(*"hello world")
        assert screen.status.context_tokens == expected + 2
