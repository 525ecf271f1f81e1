"""Each screen but the chat screen reads its own stylesheet as it first opens, not before the first
frame (``tui/common/screen_styles.py``, #17: cold start), and is styled exactly as if it had been read
at start-up; opening one restyles nothing else in the app."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.css.stylesheet import Stylesheet
from textual.screen import Screen

from pinata_tui.conversation import Conversation
from pinata_tui.store import ConversationStore
from pinata_tui.tui.account.welcome_screen import WelcomeScreen
from pinata_tui.tui.app import PinataChatApp
from pinata_tui.tui.chat.code_block_picker import CodeBlockPicker
from pinata_tui.tui.chat.export_dialog import ExportDialog
from pinata_tui.tui.chat.file_picker import FilePicker
from pinata_tui.tui.chat.settings_dialog import SettingsDialog
from pinata_tui.tui.common.confirm_dialog import ConfirmDialog
from pinata_tui.tui.common.help_screen import HelpScreen
from pinata_tui.tui.common.screen_styles import StyledModal, style_paths
from pinata_tui.tui.common.text_dialog import TextDialog
from pinata_tui.tui.history.history_screen import HistoryScreen
from pinata_tui.tui.models.model_picker import ModelPicker
from tests.tui_helpers import make_app, ready
from tests.waiting import settle, until

SCREENS: dict[str, Callable[[PinataChatApp, Path], Screen]] = {
    "help": lambda app, tmp: HelpScreen([("F1", "Help", "app")]),
    "confirm": lambda app, tmp: ConfirmDialog("Delete it?"),
    "text": lambda app, tmp: TextDialog("Name?", "x"),
    "export": lambda app, tmp: ExportDialog(tmp / "out.md", has_reasoning=True),
    "code blocks": lambda app, tmp: CodeBlockPicker([("python", "print(1)")]),
    "settings": lambda app, tmp: SettingsDialog(Conversation(model="a/b"), app.settings),
    "files": lambda app, tmp: FilePicker(Path(__file__).parent / "bench"),
    "models": lambda app, tmp: ModelPicker([], "a/b"),
    "welcome": lambda app, tmp: WelcomeScreen(),
    "history": lambda app, tmp: HistoryScreen(ConversationStore(tmp / "h.db"), None),
}


def stylesheets(app: PinataChatApp) -> set[str]:
    return {Path(path).name for path, _ in app.stylesheet.source if path.endswith(".tcss")}


def styles(screen: Screen) -> list[tuple[str, str]]:
    return [(f"{type(node).__name__}#{node.id}", node.styles.css) for node in screen.walk_children(with_self=True)]


async def open_screen(server, tmp_path: Path, name: str, *, read_first: bool) -> tuple[list[tuple[str, str]], set[str]]:
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        assert stylesheets(app) == {"app.tcss"}  # the first frame: the chat screen's rules alone
        screen = SCREENS[name](app, tmp_path)
        if read_first:  # as if it had been read at start-up, with app.tcss
            for path in style_paths(type(screen)):
                app.stylesheet.add_source(path.read_text(encoding="utf-8"), read_from=(str(path), ""))
            app.stylesheet.update(app)
        app.push_screen(screen)
        await until(pilot, lambda: app.screen is screen and screen.is_mounted, what="the screen")
        await settle(pilot)
        seen = styles(screen), stylesheets(app)
        app.pop_screen()  # (the file picker's tree reads in a worker until it is closed)
        await settle(pilot)
        return seen


@pytest.mark.parametrize("name", list(SCREENS))
async def test_a_screen_reads_its_stylesheet_as_it_opens_and_is_styled_as_if_read_at_start(server, tmp_path, name):
    lazily, read = await open_screen(server, tmp_path / "a", name, read_first=False)
    eagerly, _ = await open_screen(server, tmp_path / "b", name, read_first=True)
    screen_type = type(SCREENS[name](make_app(server, tmp_path / "c"), tmp_path))
    assert isinstance(screen_type, type) and issubclass(screen_type, StyledModal)
    assert read == {"app.tcss"} | {path.name for path in style_paths(screen_type)} and len(read) > 1
    assert lazily == eagerly


async def test_opening_a_screen_restyles_nothing_else(server, tmp_path, monkeypatch):
    """Textual's ``CSS_PATH`` on a screen parsed every stylesheet again and restyled the whole app
    when the screen first opened (the settings dialog did); ``STYLES`` only adds the screen's rules."""
    updates: list[object] = []
    update = Stylesheet.update
    monkeypatch.setattr(Stylesheet, "update", lambda self, root, animate=False: (updates.append(root),
                                                                                 update(self, root, animate)))
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        updates.clear()
        screen = SettingsDialog(Conversation(model="a/b"), app.settings)
        app.push_screen(screen)
        await until(pilot, lambda: app.screen is screen and screen.is_mounted, what="the settings dialog")
        await settle(pilot)
        assert "settings.tcss" in stylesheets(app)
        assert updates == []
