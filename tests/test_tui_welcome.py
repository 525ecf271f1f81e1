"""First run without a key, and key management from the command palette."""

from __future__ import annotations

import stat

from textual.widgets import Checkbox, Input

from pinata_tui.config import read_config
from pinata_tui.conversation import MessageStatus
from pinata_tui.devserver import DEV_JWT, DEV_LLM_KEY
from pinata_tui.paths import AppPaths
from pinata_tui.store import ConversationStore
from pinata_tui.tui.account.welcome_screen import WelcomeScreen
from pinata_tui.tui.chat.notice import Notice
from pinata_tui.tui.common.confirm_dialog import ConfirmDialog
from tests.tui_helpers import chat, make_app, ready, send_and_wait
from tests.waiting import until


def notices(app) -> list[str]:
    return [str(n.render()) for n in chat(app).view.query(Notice)]


async def test_first_run_with_a_pasted_key(server, tmp_path):
    app = make_app(server, tmp_path, llm_key=None, jwt=None)
    async with app.run_test(size=(110, 40)) as pilot:
        await ready(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        key_input = app.screen.query_one("#welcome-key", Input)
        assert key_input.password and app.screen.query_one("#welcome-jwt", Input).password
        await pilot.press(*DEV_LLM_KEY, "enter")
        await until(pilot, lambda: not isinstance(app.screen, WelcomeScreen))
        assert app.settings.llm_key == DEV_LLM_KEY
        config = AppPaths.under(tmp_path).config_file
        assert read_config(config)["llm_key"] == DEV_LLM_KEY
        assert stat.S_IMODE(config.stat().st_mode) == 0o600
        await send_and_wait(pilot, "hi")
        assert chat(app).conversation.last_reply.status == MessageStatus.COMPLETE


async def test_first_run_enabling_with_a_jwt_saves_the_new_key_first(server, tmp_path):
    server.state.enabled, server.state.llm_keys = False, set()
    app = make_app(server, tmp_path, llm_key=None, jwt=None)
    async with app.run_test(size=(110, 40)) as pilot:
        await ready(pilot)
        app.screen.query_one("#welcome-jwt", Input).value = DEV_JWT
        app.screen.query_one("#welcome-jwt", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, WelcomeScreen))
        [key] = server.state.llm_keys
        saved = read_config(AppPaths.under(tmp_path).config_file)
        assert saved["llm_key"] == key and "jwt" not in saved  # the JWT only when asked
        assert any("Inference enabled" in n for n in notices(app)) and all(key not in n for n in notices(app))
        await send_and_wait(pilot, "hi")
        assert chat(app).conversation.last_reply.status == MessageStatus.COMPLETE


async def test_first_run_can_remember_the_jwt(server, tmp_path):
    app = make_app(server, tmp_path, llm_key=None, jwt=None)
    async with app.run_test(size=(110, 40)) as pilot:
        await ready(pilot)
        app.screen.query_one("#welcome-jwt", Input).value = DEV_JWT
        app.screen.query_one("#welcome-remember", Checkbox).value = True
        await pilot.click("#welcome-enable")
        await until(pilot, lambda: not isinstance(app.screen, WelcomeScreen))
        assert read_config(AppPaths.under(tmp_path).config_file)["jwt"] == DEV_JWT


async def test_first_run_with_a_bad_jwt_says_so_and_stays(server, tmp_path):
    app = make_app(server, tmp_path, llm_key=None, jwt=None)
    async with app.run_test(size=(110, 40)) as pilot:
        await ready(pilot)
        app.screen.query_one("#welcome-jwt", Input).value = "not-the-jwt"
        await pilot.click("#welcome-enable")
        await until(pilot, lambda: "rejected the Pinata JWT" in str(app.screen.query_one("#welcome-status").render()))
        assert isinstance(app.screen, WelcomeScreen)
        assert not AppPaths.under(tmp_path).config_file.exists()


async def test_first_run_demo(server, tmp_path):
    app = make_app(server, tmp_path, llm_key=None, jwt=None)
    async with app.run_test(size=(110, 40)) as pilot:
        await ready(pilot)
        await pilot.click("#welcome-demo")
        await until(pilot, lambda: not isinstance(app.screen, WelcomeScreen))
        assert app.demo and app.settings.base_url != server.url
        assert chat(app).query_one("#demo-banner").display
        app.demo_session.server.state.tokens_per_second = None  # paced for people to watch; not needed here
        await send_and_wait(pilot, "show me")
        assert chat(app).conversation.last_reply.status == MessageStatus.COMPLETE
        assert server.state.chat_requests() == []  # it went to the demo's own server
        assert not AppPaths.under(tmp_path).config_file.exists()
        demo_database = app.paths.database
        assert demo_database != AppPaths.under(tmp_path).database and demo_database.exists()
    # Issue #13: a demo started from the welcome screen writes into a throwaway folder, never the real history.
    real = AppPaths.under(tmp_path).database
    if real.exists():
        with ConversationStore(real) as store:
            assert store.list_conversations() == []
    assert not demo_database.exists()  # the throwaway folder went when the app closed


async def test_key_commands_in_the_demo_never_touch_the_real_config(server, tmp_path):
    config = AppPaths.under(tmp_path).config_file
    config.parent.mkdir(parents=True)
    config.write_text('jwt = "the-users-real-jwt-abcdef"\ntheme = "nord"\n', encoding="utf-8")
    app = make_app(server, tmp_path, llm_key=None, jwt="the-users-real-jwt-abcdef")
    async with app.run_test(size=(110, 40)) as pilot:
        await ready(pilot)
        await app.start_demo()
        await pilot.pause()
        app.key_actions.enable()  # the palette's "Key: enable", against the demo's stand-in server
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog) and app.screen.query("#dialog-yes"),
                    what="the confirmation")
        await pilot.click("#dialog-yes")
        await until(pilot, lambda: any("minted" in n for n in notices(app)), what="the new key")
        assert any("the demo's throwaway config.toml, not yours," in n for n in notices(app))
        await app.key_actions.forget_jwt()
        assert read_config(app.paths.config_file).get("llm_key", "").startswith("pk-dev-")
    assert read_config(config) == {"jwt": "the-users-real-jwt-abcdef", "theme": "nord"}


async def test_a_palette_answer_in_a_new_empty_conversation_shows_at_once_and_stays(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        screen = chat(app)
        assert screen.has_class("-empty-conversation")
        await app.key_actions.status()
        await pilot.pause()
        [notice] = screen.view.query(Notice)
        await until(pilot, lambda: notice.region.height >= 1 and notice.region.y + notice.region.height <= 24
                    and notice.region in screen.region, what="the notice on screen")
        assert "Inference is enabled" in str(notice.render())
        assert not screen.has_class("-empty-conversation")  # the pane, with the answer, takes the hint's place
        await send_and_wait(pilot, "and now a question")
        assert [type(n).__name__ for n in screen.view.children if type(n).__name__ == "Notice"] == ["Notice"]


async def test_palette_key_commands(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(110, 40)) as pilot:
        await ready(pilot)
        await app.key_actions.status()
        assert any("Inference is enabled" in n and "pk-…cdef" in n for n in notices(app))
        app.key_actions.disable()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.click("#dialog-yes")
        await until(pilot, lambda: any("Inference disabled" in n for n in notices(app)))
        assert not server.state.enabled
        app.key_actions.enable()
        await pilot.pause()
        await pilot.click("#dialog-yes")
        await until(pilot, lambda: any("new inference key was minted" in n for n in notices(app)))
        [key] = server.state.llm_keys
        assert app.settings.llm_key == key
        assert read_config(AppPaths.under(tmp_path).config_file)["llm_key"] == key
        await send_and_wait(pilot, "works again")
        assert chat(app).conversation.last_reply.status == MessageStatus.COMPLETE


async def test_switching_settings_while_a_request_is_in_flight_does_not_crash(server, tmp_path):
    from pinata_tui.devserver import Fault

    server.state.add_fault(Fault(route="models", delay=1.0))
    app = make_app(server, tmp_path)
    async with app.run_test(size=(110, 40)) as pilot:
        await until(pilot, lambda: any("/llm/models" in r["path"] for r in server.state.requests),
                    what="the catalog request to reach the server (which holds it for a second)")
        app.services.use_settings(app.settings.replace(llm_key=DEV_LLM_KEY))
        await until(pilot, lambda: app.catalog_source == "live", what="the slow catalog to arrive")
        await send_and_wait(pilot, "still fine")
        assert chat(app).conversation.last_reply.status == MessageStatus.COMPLETE


async def test_the_first_message_of_a_new_conversation_does_not_restyle_the_whole_screen(server, tmp_path):
    """#17: leaving the empty state changed a class on the screen, which restyled every widget in it
    (25-30 ms in tmux, as each new conversation's first message went); now the pane is shown itself."""
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = chat(app)
        assert not screen.view.display and screen.query_one("#empty-hint").display
        restyled: list[int] = []
        update_nodes = app.stylesheet.update_nodes

        def counted(nodes, animate=False):  # type: ignore[no-untyped-def]
            nodes = list(nodes)
            restyled.append(len(nodes))
            return update_nodes(nodes, animate)

        app.stylesheet.update_nodes = counted  # type: ignore[method-assign]
        await send_and_wait(pilot, "hello")
        assert screen.view.display and not screen.query_one("#empty-hint").display
        assert not screen.has_class("-empty-conversation")
        whole_screen = len(list(screen.walk_children(with_self=True)))
        assert max(restyled, default=0) < whole_screen // 2, (restyled, whole_screen)
