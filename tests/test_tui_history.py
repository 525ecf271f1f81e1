"""History in the TUI: every message saved, reopened, searched, renamed, deleted, exported."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.widgets import Input, OptionList

from pinata_tui.api import Usage
from pinata_tui.conversation import ChatMessage, Conversation, MessageStatus
from pinata_tui.devserver import DEV_LLM_KEY
from pinata_tui.paths import AppPaths
from pinata_tui.store import ConversationStore
from pinata_tui.tui.chat.assistant_message import AssistantMessage
from pinata_tui.tui.chat.conversation_view import PAGE_SIZE
from pinata_tui.tui.chat.message_block import MessageBlock
from pinata_tui.tui.chat.notice import Notice
from pinata_tui.tui.chat.page_loader import LoadEarlier
from pinata_tui.tui.common.confirm_dialog import ConfirmDialog
from pinata_tui.tui.common.text_dialog import TextDialog
from pinata_tui.tui.history.history_screen import HistoryScreen
from tests.tui_helpers import chat, make_app, press_now, ready, send_and_wait, type_and_send
from tests.waiting import until


def stored(home: Path) -> ConversationStore:
    return ConversationStore(AppPaths.under(home).database)


def history_rows(app) -> list[str]:
    options = app.screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


# A turn saves its reply before it settles, and the chat screen's ``streaming`` goes False only once it
# has settled: when a test has waited for ``not screen.streaming`` the store already holds the final rows.


def store_walruses(home: Path, count: int, prompt: Callable[[int], str]) -> None:
    """``count`` saved conversations, "Walrus talk 0" to "Walrus talk {count - 1}", one prompt each."""
    with stored(home) as store:
        for i in range(count):
            conversation = Conversation(model="anthropic/claude-sonnet-4-6", title=f"Walrus talk {i}")
            conversation.add(ChatMessage("user", prompt(i)))
            store.save_conversation(conversation)


async def open_history(pilot, rows: int) -> None:
    """F2, until the list shows ``rows`` rows."""
    await ready(pilot)
    await pilot.press("f2")
    await until(pilot, lambda: isinstance(pilot.app.screen, HistoryScreen) and len(history_rows(pilot.app)) == rows)


async def test_every_exchange_is_saved_as_it_happens(server, tmp_path):
    server.state.tokens_per_second = 60
    server.state.reply_tokens = 300
    app = make_app(server, tmp_path)
    async with app.run_test() as pilot:
        await ready(pilot)
        screen = chat(app)
        await type_and_send(pilot, "Save me")
        # The user's message is on disk before the reply is complete, the reply as it streams.
        await until(pilot, lambda: screen.conversation.id is not None and len(screen.conversation.messages) == 2
                    and screen.conversation.messages[1].id is not None, what="the reply row")
        with stored(tmp_path) as store:
            saved = store.load(screen.conversation.id)
        assert saved.messages[0].content == "Save me"
        assert saved.messages[1].status == MessageStatus.STREAMING
        await until(pilot, lambda: len(screen.conversation.messages[1].content) > 200, timeout=15)
        await press_now(pilot, "escape")
        await until(pilot, lambda: not screen.streaming)
        with stored(tmp_path) as store:
            reply = store.load(screen.conversation.id).messages[1]
        assert reply.status == MessageStatus.STOPPED
        assert reply.content == screen.conversation.messages[1].content


async def test_opening_the_open_conversation_from_f2_while_it_streams_leaves_the_reply_streaming(server, tmp_path):
    server.state.tokens_per_second = 60
    server.state.reply_tokens = 300
    app = make_app(server, tmp_path)
    async with app.run_test() as pilot:
        await ready(pilot)
        screen = chat(app)
        await type_and_send(pilot, "Keep going")
        await until(pilot, lambda: screen.streaming and screen.conversation.id is not None
                    and len(screen.conversation.messages) == 2 and screen.conversation.messages[1].content,
                    what="the reply streaming")
        reply = screen.conversation.messages[1]
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen) and history_rows(app), what="the list")
        await press_now(pilot, "enter")  # the top row: this very conversation
        await until(pilot, lambda: app.screen is screen, what="back to the chat")
        assert screen.streaming and screen.conversation.messages[1] is reply  # not reloaded, not stopped
        await until(pilot, lambda: not screen.streaming, timeout=15, what="the reply to end")
        assert reply.status == MessageStatus.COMPLETE and len(reply.content.split()) > 200
        block = screen.view.block_for(reply)
        assert block is not None and "streaming" not in str(block.render_header())


async def test_opening_another_conversation_while_a_reply_streams_says_it_was_stopped(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test() as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "An earlier one")
        await pilot.press("ctrl+n")
        screen = chat(app)
        server.state.tokens_per_second, server.state.reply_tokens = 100, 600
        await type_and_send(pilot, "Stop me")
        await until(pilot, lambda: screen.streaming and screen.conversation.messages[1:]
                    and screen.conversation.messages[1].content, what="the reply streaming")
        streaming = screen.conversation
        await app.open_saved(1)
        await until(pilot, lambda: any("was stopped to open this one" in str(n.message) for n in app._notifications),
                    what="the notice")
        assert streaming.messages[1].status == MessageStatus.STOPPED
        assert screen.conversation.messages[0].content == "An earlier one"


async def test_a_complete_reply_is_saved_with_usage_and_cost(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test() as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "Hello")
        conversation = chat(app).conversation
    with stored(tmp_path) as store:
        [summary] = store.list_conversations()
        reply = store.load(summary.id).messages[1]
    assert summary.title == "Hello" and summary.model == "anthropic/claude-sonnet-4-6"
    assert reply.status == MessageStatus.COMPLETE and reply.content == conversation.messages[1].content
    assert reply.usage == conversation.messages[1].usage and reply.cost == conversation.messages[1].cost


async def test_a_prompt_that_could_not_be_sent_is_kept_as_not_sent(server, tmp_path):
    server.state.balance_micro = 0
    app = make_app(server, tmp_path)
    async with app.run_test() as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "out of money")
    with stored(tmp_path) as store:
        [message] = store.load(store.last_conversation_id()).messages
    assert (message.content, message.status) == ("out of money", MessageStatus.ERROR)
    assert "Out of credits" in message.error


async def test_regenerated_reply_becomes_the_current_branch_and_the_old_one_its_alternative(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test() as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "again please")
        first = chat(app).conversation.messages[1]
        await pilot.press("ctrl+r")
        await until(pilot, lambda: len(server.state.chat_requests()) == 2 and not chat(app).streaming)
        conversation_id = chat(app).conversation.id
    with stored(tmp_path) as store:
        messages = store.load(conversation_id).messages
        loaded = store.load(conversation_id)
    messages = loaded.messages
    assert [m.role for m in messages] == ["user", "assistant"] and messages[1].id != first.id
    alternatives = loaded.siblings(messages[1])
    assert [m.id for m in alternatives] == [first.id, messages[1].id]
    assert alternatives[0].content == first.content and alternatives[0].status == MessageStatus.COMPLETE


async def test_history_screen_opens_a_saved_conversation_and_continues_it(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(130, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "About otters")
        first_id = chat(app).conversation.id
        first_reply = chat(app).conversation.messages[1].content
        await pilot.press("ctrl+n")
        await send_and_wait(pilot, "About quokkas")
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen) and len(history_rows(app)) == 2)
        rows = history_rows(app)
        assert "About quokkas" in rows[0] and rows[0].startswith("●") and "About otters" in rows[1]
        assert "claude-sonnet-4-6" in rows[1] and "$" in rows[1]
        await pilot.press("down", "down", "enter")
        await until(pilot, lambda: chat(app).conversation.id == first_id)
        screen = chat(app)
        assert [m.content for m in screen.conversation.messages] == ["About otters", first_reply]
        assert len(screen.view.query(MessageBlock)) == 2
        await send_and_wait(pilot, "More otters")
        assert server.state.chat_requests()[-1]["body"]["messages"][:2] == [
            {"role": "user", "content": "About otters"}, {"role": "assistant", "content": first_reply}]
    with stored(tmp_path) as store:
        assert len(store.load(first_id).messages) == 4
        assert len(store.list_conversations()) == 2


async def test_history_search_rename_and_delete(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(130, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "Tell me about the capybara")
        await pilot.press("ctrl+n")
        await send_and_wait(pilot, "Tell me about the axolotl")
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen) and len(history_rows(app)) == 2)
        await pilot.press(*"capybara")
        await until(pilot, lambda: len(history_rows(app)) == 1 and "«capybara»" in history_rows(app)[0])
        app.screen.query_one(Input).value = ""
        await until(pilot, lambda: len(history_rows(app)) == 2)
        await pilot.press("down", "f2")
        assert isinstance(app.screen, TextDialog)
        app.screen.query_one(Input).value = "Axolotl facts"
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen) and "Axolotl facts" in history_rows(app)[0])
        await pilot.press("delete")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")  # cancel: nothing deleted (a deletion happens as the dialog closes)
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="the dialog to close")
        assert len(history_rows(app)) == 2
        with stored(tmp_path) as store:
            assert len(store.list_conversations()) == 2
        await pilot.press("delete")
        await pilot.click("#dialog-yes")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen) and len(history_rows(app)) == 1)
        assert "capybara" in history_rows(app)[0]
    with stored(tmp_path) as store:
        assert [c.title for c in store.list_conversations()] == ["Tell me about the capybara"]


async def test_history_rows_come_a_hundred_at_a_time(server, tmp_path):
    store_walruses(tmp_path, 150, lambda i: f"walrus {i}")
    app = make_app(server, tmp_path)
    async with app.run_test(size=(130, 40)) as pilot:
        await open_history(pilot, 101)
        rows = history_rows(app)
        assert "Walrus talk 149" in rows[0] and "50 more" in rows[-1]
        app.screen.query_one(OptionList).focus()
        await pilot.press("end")  # the highlight reaches the "more" row: the rest come, the highlight on the first
        await until(pilot, lambda: len(history_rows(app)) == 150)
        assert "Walrus talk 49" in history_rows(app)[100]
        assert app.screen.query_one(OptionList).highlighted == 100
        await pilot.press("enter")
        await until(pilot, lambda: chat(app).conversation.title == "Walrus talk 49")


async def test_search_hits_past_the_first_hundred_have_their_snippets_too(server, tmp_path):
    store_walruses(tmp_path, 150, lambda i: f"the walrus number {i}")
    app = make_app(server, tmp_path)
    async with app.run_test(size=(130, 40)) as pilot:
        await open_history(pilot, 101)
        app.screen.query_one(Input).value = "walrus"
        await until(pilot, lambda: len(history_rows(app)) == 101 and "«walrus»" in history_rows(app)[0])
        assert "Walrus talk 149" in history_rows(app)[0] and "the «walrus» number 149" in history_rows(app)[0]
        await until(pilot, lambda: not [w for w in app.screen.workers if w.group == "history-query"
                                        and not w.is_finished], what="the other rows' snippets")
        app.screen.query_one(OptionList).focus()
        await pilot.press("end")
        await until(pilot, lambda: len(history_rows(app)) == 150)
        assert "Walrus talk 49" in history_rows(app)[100] and "the «walrus» number 49" in history_rows(app)[100]


async def test_deleting_the_open_conversation_starts_a_new_one_so_nothing_after_is_lost(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(130, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "Tell me about the capybara")
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen) and len(history_rows(app)) == 1)
        await pilot.press("down", "delete")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog) and app.screen.query("#dialog-yes"))
        await pilot.click("#dialog-yes")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen) and history_rows(app) == ["No saved conversations yet."])
        await pilot.press("escape")
        screen = chat(app)
        await until(pilot, lambda: app.screen is screen and screen.conversation.id is None, what="a new conversation")
        assert screen.conversation.messages == [] and not screen.view.query(MessageBlock)
        await send_and_wait(pilot, "After the deletion")
    with stored(tmp_path) as store:
        [kept] = store.list_conversations()
        assert store.load(kept.id).messages[0].content == "After the deletion"


async def test_a_search_starts_as_the_key_is_typed_and_swaps_the_rows_in_one_step(server, tmp_path):
    store_walruses(tmp_path, 60, lambda i: f"walrus number {i} with tusks" if i % 2 else f"walrus number {i}")
    app = make_app(server, tmp_path)
    async with app.run_test(size=(130, 40)) as pilot:
        await open_history(pilot, 60)
        screen, options = app.screen, app.screen.query_one(OptionList)
        scrollbar_changes: list[bool] = []

        def scrollbar_changed(shown: bool) -> None:
            scrollbar_changes.append(shown)

        screen.watch(options, "show_vertical_scrollbar", scrollbar_changed, init=False)
        screen.query_one(Input).value = "walrus"
        # The query is under way before any message is handled (not after the frame drawing the key).
        assert [w.name for w in screen.workers if w.group == "history-query" and not w.is_finished] == ["refresh_list"]
        await until(pilot, lambda: len(history_rows(app)) == 60 and "«walrus»" in history_rows(app)[0])
        screen.query_one(Input).value = "tusks"
        await until(pilot, lambda: len(history_rows(app)) == 30 and "«tusks»" in history_rows(app)[0])
        assert options.virtual_size.height == 30  # one line a row
        assert scrollbar_changes == []  # the rows were replaced, never emptied first (each flip: a layout)


async def test_continue_reopens_the_last_conversation(server, tmp_path):
    with stored(tmp_path) as store:
        old = Conversation(model="openai/gpt-5-mini")
        for role, text in [("user", "old question"), ("assistant", "old answer")]:
            store.save_message(old, old.add(ChatMessage(role, text, model="openai/gpt-5-mini")))
    app = make_app(server, tmp_path, continue_last=True)
    async with app.run_test() as pilot:
        await ready(pilot)
        await until(pilot, lambda: chat(app).conversation.id == old.id)
        assert chat(app).status.model == "openai/gpt-5-mini"
        await send_and_wait(pilot, "new question")
        body = server.state.chat_requests()[-1]["body"]
        assert body["model"] == "openai/gpt-5-mini" and len(body["messages"]) == 3


async def test_a_corrupt_database_is_reported_and_left_alone(server, tmp_path):
    database = AppPaths.under(tmp_path).database
    database.parent.mkdir(parents=True)
    database.write_bytes(b"garbage, not sqlite" * 50)
    app = make_app(server, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await until(pilot, lambda: app.services.store_error is not None)
        texts = [str(n.render()) for n in chat(app).view.query(Notice)]
        assert any("History is off" in t and str(database) in t for t in texts)
        await send_and_wait(pilot, "still works")
        assert chat(app).conversation.messages[-1].status == MessageStatus.COMPLETE
    assert database.read_bytes() == b"garbage, not sqlite" * 50


async def test_a_thousand_message_conversation_opens_a_page_at_a_time(server, tmp_path):
    with stored(tmp_path) as store:
        big = Conversation(model="anthropic/claude-sonnet-4-6")
        for i in range(500):
            store.save_message(big, big.add(ChatMessage("user", f"question {i}")))
            store.save_message(big, big.add(ChatMessage(
                "assistant", f"## Answer {i}\n\n- a point\n\n```py\nprint({i})\n```\n",
                model="anthropic/claude-sonnet-4-6", usage=Usage(10, 10, 20))))
    app = make_app(server, tmp_path, open_conversation=big.id)
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(pilot)
        screen = chat(app)
        await until(pilot, lambda: screen.conversation.id == big.id and screen.view.query(MessageBlock))
        assert len(screen.view.query(MessageBlock)) == PAGE_SIZE
        assert len(screen.conversation.messages) == 1000
        loader = screen.view.query_one(LoadEarlier)
        assert f"{1000 - PAGE_SIZE:,} earlier messages" in str(loader.render())
        last = screen.view.query(AssistantMessage).last()
        assert "print(499)" in last.message.content
        loader.focus()  # scrolling it into view may load a page by itself, as scrolling up does
        await pilot.press("enter")
        await until(pilot, lambda: len(screen.view.query(MessageBlock)) >= 2 * PAGE_SIZE)
        await until(pilot, lambda: not screen.view.window_changing)
        start, end = screen.view.window
        mounted = len(screen.view.query(MessageBlock))
        assert mounted == end - start and start % PAGE_SIZE == 0
        assert f"{start:,} earlier" in str(screen.view.query_one(LoadEarlier).render())
        first_shown = screen.view.query(MessageBlock).first().message
        assert first_shown is screen.conversation.messages[start]
        counter = app.services.token_counter
        expected = sum(counter.count_message(m.content, big.model) for m in screen.conversation.messages)
        assert expected > 10_000
        await until(pilot, lambda: screen.status.context_tokens == expected,
                    what=f"{expected} tokens in context, not {screen.status.context_tokens}")


async def test_export_from_the_tui_writes_markdown_and_says_where(server, tmp_path):
    exports = tmp_path / "exports"
    app = make_app(server, tmp_path, export_dir=str(exports))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, f"my key {DEV_LLM_KEY} leaked")
        await pilot.press("ctrl+s")  # a dialog: format, file (in export_dir), reasoning; Enter takes them
        await pilot.press("enter")
        await until(pilot, lambda: any("Exported" in str(n.render()) for n in chat(app).view.query(Notice)))
        assert any(str(exports) in str(n.render()) for n in chat(app).view.query(Notice))
    [path] = exports.glob("pinata-chat-*.md")
    text = path.read_text()
    assert text.startswith("# my key") and "## Assistant · anthropic/claude-sonnet-4-6" in text
    assert DEV_LLM_KEY not in text


async def test_f2_in_a_40x12_window_keeps_rows_for_the_conversations(server, tmp_path):
    store_walruses(tmp_path, 5, lambda i: f"walrus {i}")
    app = make_app(server, tmp_path)
    async with app.run_test(size=(40, 12)) as pilot:
        await open_history(pilot, 5)
        rows = app.screen.query_one(OptionList)
        await until(pilot, lambda: rows.content_region.height >= 5, what="room for five rows")
        assert app.screen.query_one("#history-search").region.height == 1  # its frame gave way
    async with make_app(server, tmp_path).run_test(size=(120, 40)) as pilot:
        await open_history(pilot, 5)
        assert pilot.app.screen.query_one("#history-keys").display  # a tall window keeps everything


async def test_deleting_the_open_conversation_while_its_reply_waits_saves_nothing_after_it(server, tmp_path):
    from pinata_tui.devserver import Fault

    server.state.add_fault(Fault(route="chat", first_token_delay=1.5))
    app = make_app(server, tmp_path)
    async with app.run_test(size=(130, 40)) as pilot:
        await ready(pilot)
        screen = chat(app)
        await type_and_send(pilot, "Slow to answer")
        await until(pilot, lambda: screen.streaming and screen.conversation.id is not None, what="the request")
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen) and len(history_rows(app)) == 1)
        await pilot.press("down", "delete")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog) and app.screen.query("#dialog-yes"))
        await pilot.click("#dialog-yes")  # the reply is stopped first: nothing is saved into the deleted one
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen)
                    and history_rows(app) == ["No saved conversations yet."])
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen and screen.conversation.id is None, what="a new conversation")
        await app.workers.wait_for_complete()
        said = [str(n.message) for n in app._notifications]
        assert not any("Could not save" in s for s in said) and not any("was stopped" in s for s in said)
    with stored(tmp_path) as store:
        assert store.list_conversations() == []
