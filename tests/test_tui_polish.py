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
        # A hit's row is "conversation:message"; the plain listing's rows hold the conversation alone.
        await until(pilot, lambda: options.option_count == 1 and ":" in (options.get_option_at_index(0).id or ""),
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


async def test_the_quiet_note_goes_as_soon_as_data_comes_again(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        status = chat(app).status
        status.connection = "streaming"
        status.stream_active()
        status._last_data -= status.SILENCE_SECONDS + 1  # as if the stream had been quiet that long
        status._check_silence()
        assert status.connection_detail.startswith("no data for")
        status.stream_active()  # a piece arrives
        assert status.connection_detail == ""
        status.connection_detail = "(retried)"
        status.stream_active()
        assert status.connection_detail == "(retried)"  # any other detail stays


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


async def test_a_conversation_that_never_got_a_reply_is_marked_in_f2(server, tmp_path):
    server.state.balance_micro = 0
    app = make_app(server, tmp_path)
    async with app.run_test(size=(110, 30)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "this one fails")
        server.state.balance_micro = 10_000_000
        await pilot.press("ctrl+n")
        await send_and_wait(pilot, "this one works")
        await pilot.press("f2")
        options = app.screen.query_one(OptionList)
        await until(pilot, lambda: options.option_count == 2, what="both conversations")
        rows = [str(options.get_option_at_index(i).prompt) for i in range(2)]
        assert "no reply" not in rows[0] and "this one works" in rows[0]
        assert "this one fails" in rows[1] and rows[1].rstrip().endswith("no reply")


async def test_account_actions_in_the_palette_set_and_forget_the_jwt_and_show_credits(server, tmp_path):
    from pinata_tui.config import read_config
    from pinata_tui.devserver import DEV_JWT

    app = make_app(server, tmp_path, jwt=None)
    async with app.run_test(size=(110, 30)) as pilot:
        await ready(pilot)
        screen = chat(app)
        assert screen.status.balance is None
        app.key_actions.set_jwt()
        await pilot.pause()
        app.screen.query_one(Input).value = f"  {DEV_JWT}\n"
        await pilot.press("enter")
        await until(pilot, lambda: any("JWT set" in n for n in notices(app)), what="the JWT to be set")
        assert app.settings.jwt == DEV_JWT
        assert read_config(AppPaths.under(tmp_path).config_file)["jwt"] == DEV_JWT
        assert DEV_JWT not in " ".join(notices(app))  # shown masked, never whole
        await until(pilot, lambda: screen.status.balance is not None, what="credits in the status bar")
        await app.key_actions.show_balance()
        assert any("Credits: 100.00 credits available" in n for n in notices(app))
        app.key_actions.set_topup()
        await pilot.pause()
        app.screen.query_one(Input).value = "10 50"
        await pilot.press("enter")
        await until(pilot, lambda: any("Auto top-up is on: 50 credits" in n for n in notices(app)))
        assert (server.state.topup_threshold, server.state.topup_amount) == (10, 50)
        app.key_actions.topup_off()
        await pilot.pause()
        await pilot.click("#dialog-yes")
        await until(pilot, lambda: any(n == "Auto top-up is off." for n in notices(app)))
        assert server.state.topup_amount is None
        await app.key_actions.forget_jwt()
        assert app.settings.jwt is None and "jwt" not in read_config(AppPaths.under(tmp_path).config_file)
        assert screen.status.balance is None


async def test_a_pasted_key_with_a_line_break_inside_is_refused_without_echoing_it(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(110, 30)) as pilot:
        await ready(pilot)
        app.key_actions.set_key()
        await pilot.pause()
        app.screen.query_one(Input).value = "pk-secret\rpart-two-9876"
        await pilot.press("enter")
        await until(pilot, lambda: any("inference key" in n.lower() for n in notices(app)))
        assert "pk-secret" not in " ".join(notices(app)) and app.settings.llm_key != "pk-secret\rpart-two-9876"


async def test_the_export_dialog_chooses_format_and_place_and_asks_before_replacing(server, tmp_path):
    from textual.widgets import RadioButton

    from pinata_tui.tui.chat.export_dialog import ExportDialog
    from pinata_tui.tui.common.confirm_dialog import ConfirmDialog

    exports = tmp_path / "out"
    app = make_app(server, tmp_path, export_dir=str(exports))
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "export me")
        await pilot.press("ctrl+s")
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        path_input = dialog.query_one("#export-path", Input)
        assert path_input.value.startswith(str(exports)) and path_input.value.endswith(".md")
        await pilot.click("#export-json")
        assert dialog.query_one("#export-json", RadioButton).value and path_input.value.endswith(".json")
        path_input.focus()
        await pilot.press("enter")
        await until(pilot, lambda: list(exports.glob("*.json")), what="the JSON file")
        [written] = exports.glob("*.json")
        assert '"format": "pinata-chat/1"' in written.read_text()
        await pilot.press("ctrl+s")
        await pilot.click("#export-json")
        app.screen.query_one("#export-path", Input).focus()
        await pilot.press("enter")
        assert isinstance(app.screen, ConfirmDialog)  # it exists: asked first
        await pilot.click("#dialog-no")
        assert isinstance(app.screen, ExportDialog)
        await pilot.press("escape")
        assert not isinstance(app.screen, ExportDialog)


async def test_the_demo_answers_whole_and_readable_not_repeating_itself(tmp_path):
    from pinata_tui.api import PinataClient, TextDelta
    from pinata_tui.demo import start_demo
    from pinata_tui.settings import Settings

    demo = start_demo()
    try:
        demo.server.state.tokens_per_second = None
        settings = demo.settings_for(Settings())
        async with PinataClient(settings) as client:
            for question in ("Why is the sky blue?", "And at sunset?"):
                text = "".join([e.text async for e in client.stream_chat(settings.model, [
                    {"role": "user", "content": question}]) if isinstance(e, TextDelta)])
                assert text.startswith(f"## You asked: {question}") and text.rstrip().endswith("Pinata.")
                assert text.count("## You asked") == 1 and text.count("```") == 2
    finally:
        demo.stop()
    assert not demo.paths_for(AppPaths.under(tmp_path)).data_dir.exists()


async def test_the_welcome_screen_refuses_a_key_with_a_line_break_without_echoing_it(server, tmp_path):
    from pinata_tui.tui.account.welcome_screen import WelcomeScreen

    app = make_app(server, tmp_path, llm_key=None, jwt=None)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, WelcomeScreen)
        app.screen.query_one("#welcome-key", Input).value = "pk-abc\ndef-secret-1234"
        await pilot.click("#welcome-use-key")
        status = app.screen.query_one("#welcome-status")
        await until(pilot, lambda: "inference key" in str(status.render()).lower(), what="the refusal")
        assert "def-secret" not in str(status.render()) and isinstance(app.screen, WelcomeScreen)
        assert app.settings.llm_key is None


async def test_copying_nothing_and_continuing_nothing_each_say_so(server, tmp_path):
    from pinata_tui.tui.chat.message_block import CopyRequested

    app = make_app(server, tmp_path)
    async with app.run_test() as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "hello")
        chat(app).post_message(CopyRequested("", "message"))  # `y` on a reply that only thought
        await chat(app).action_continue_reply()  # the palette's entry, with the last reply complete
        await until(pilot, lambda: len(app._notifications) >= 2, what="two answers")
        said = [str(n.message) for n in app._notifications]
        assert "Nothing to copy: this message has no text." in said and app.clipboard == ""
        assert any(s.startswith("Nothing to continue") for s in said)
        assert len(chat(app).conversation.messages) == 2


async def test_a_40_column_status_bar_says_a_retry_or_an_error_before_the_model(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(40, 12)) as pilot:
        await ready(pilot)
        await pilot.app.workers.wait_for_complete()
        status = chat(app).status

        def shown_with(state: str) -> str:  # drawn at once: nothing in between sets the figures again
            status.connection, status.cost, status.balance = state, 0.0146, 99.98
            return str(status.render())

        assert shown_with("idle").startswith("● │ claude")  # idle: the model has the room
        for state in ("retrying", "error"):
            shown = shown_with(state)
            assert shown.startswith(f"● {state} │ $0.0146 │ 99.98"), shown  # the model id gave way
