"""A newcomer's first hour (issue #15): the things a user would otherwise trip over."""

from __future__ import annotations

import io

from textual.widgets import Input, OptionList

from pinata_tui.api import Usage
from pinata_tui.ask import AskRequest, run_ask
from pinata_tui.conversation import ChatMessage, Conversation
from pinata_tui.devserver import Fault
from pinata_tui.paths import AppPaths
from pinata_tui.store import ConversationStore
from pinata_tui.tui.chat.message_block import MessageBlock
from pinata_tui.tui.chat.notice import Notice
from pinata_tui.tui.common.help_screen import HelpScreen
from pinata_tui.tui.history.history_screen import HistoryScreen

from tests.tui_helpers import chat, make_app, ready, send_and_wait, type_and_send, until


def notices(app) -> list[str]:
    return [str(n.render()) for n in chat(app).view.query(Notice)]


async def test_an_empty_conversation_says_what_to_do(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        hint = chat(app).query_one("#empty-hint")
        assert hint.display and "Ctrl+L" in str(hint.render()) and "claude-sonnet-4-6" in str(hint.render())
        await send_and_wait(pilot, "hello")
        assert not hint.display
        await pilot.press("ctrl+n")
        await until(pilot, lambda: hint.display, what="the hint in a new conversation")


async def test_a_search_hit_opens_scrolled_to_the_message_and_marked(server, tmp_path):
    database = AppPaths.under(tmp_path).database
    with ConversationStore(database) as store:
        conversation = Conversation(model="anthropic/claude-sonnet-4-6")
        for i in range(60):
            store.save_message(conversation, conversation.add(ChatMessage("user", f"question number {i}")))
            text = "the needle is here" if i == 7 else f"answer {i}"
            store.save_message(conversation, conversation.add(ChatMessage(
                "assistant", text, model="anthropic/claude-sonnet-4-6", usage=Usage(5, 5, 10))))
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.press("f2")
        assert isinstance(app.screen, HistoryScreen)
        app.screen.query_one(Input).value = "needle"
        options = app.screen.query_one(OptionList)
        await until(pilot, lambda: options.option_count == 1 and options.get_option_at_index(0).id,
                    what="the search hit")
        await pilot.press("enter")
        screen = chat(app)
        await until(pilot, lambda: isinstance(screen.focused, MessageBlock)
                    and screen.focused.message.content == "the needle is here", what="the hit focused")
        block = screen.focused
        assert block.has_class("-search-hit")
        await pilot.pause()
        assert screen.view.scroll_offset.y <= block.virtual_region.y <= screen.view.scroll_offset.y + 30


async def test_a_quiet_stream_says_how_long_it_has_been_quiet(server, tmp_path):
    server.state.add_fault(Fault(stall_after=3, stall_seconds=8))
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = chat(app)
        screen.status.SILENCE_SECONDS = 1.0
        await type_and_send(pilot, "hello")
        await until(pilot, lambda: screen.status.connection_detail.startswith("no data for"),
                    what="the silence to be noted")
        await until(pilot, lambda: not screen.streaming, timeout=15)


async def test_an_unknown_model_offers_the_picker_not_a_resend(server, tmp_path):
    app = make_app(server, tmp_path, model="nobody/no-such-model")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "hello")
        [message] = [n for n in notices(app) if "refused" in n or "Unknown model" in n and "Ctrl+L" in n][-1:]
        assert "Ctrl+L to choose another model" in message
        assert "press Enter (or Ctrl+R) to send it again" not in message


async def test_a_rejected_key_points_to_the_apps_own_key_actions(server, tmp_path):
    app = make_app(server, tmp_path, llm_key="pk-wrong-key-0000")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "hello")
        assert any("Key: set inference key" in n and "Key: enable" in n for n in notices(app))


async def test_help_shows_each_bindings_id_for_the_keymap(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        ids = {description: binding_id for _, description, binding_id in app.screen.bindings}
        assert ids["Models"] == "app.models" and ids["Retry"] == "chat.retry"


async def test_a_broken_theme_file_is_named_once_not_at_every_start(server, tmp_path):
    user_dir = AppPaths.under(tmp_path).user_themes_dir
    user_dir.mkdir(parents=True)
    (user_dir / "broken.toml").write_text('name = "broken"\nprimary = \n')
    for start, expected in ((1, True), (2, False)):
        app = make_app(server, tmp_path)
        posted: list[object] = []
        async with app.run_test(message_hook=posted.append) as pilot:
            await ready(pilot)
            await app.workers.wait_for_complete()
            told = [m for m in posted if type(m).__name__ == "Notify" and "broken.toml" in str(m.notification.message)]
            assert bool(told) is expected, f"start {start}"
    (user_dir / "broken.toml").write_text('name = "broken"\nprimary = "nope"\n')  # a different problem
    app = make_app(server, tmp_path)
    posted = []
    async with app.run_test(message_hook=posted.append) as pilot:
        await ready(pilot)
        await app.workers.wait_for_complete()
        assert any(type(m).__name__ == "Notify" and "broken.toml" in str(m.notification.message) for m in posted)


async def test_ask_says_the_retry_wait_once(server, settings, tmp_path):
    server.state.add_fault(Fault(status=429, retry_after="0"))
    out, err = io.StringIO(), io.StringIO()
    request = AskRequest(prompt="hi", model="anthropic/claude-sonnet-4-6", system_prompt=None, as_json=False,
                         save=False)
    code = await run_ask(request, settings, tmp_path / "db.sqlite3", out=out, err=err)
    assert code == 0
    [line] = [ln for ln in err.getvalue().splitlines() if "Retrying" in ln]
    assert "Try again" not in line and line.count("in 0 s") == 1
