"""The export dialog's keys: Enter exports wherever the focus is (but Cancel); Space ticks a box."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.widgets import Checkbox, RadioButton

from pinata_tui.tui.chat.export_dialog import ExportDialog, ExportRequest


class DialogHost(App[None]):
    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.results: list[ExportRequest | None] = []

    def on_mount(self) -> None:
        dialog = ExportDialog(self.path, has_reasoning=True, has_branches=True)
        self.push_screen(dialog, self.results.append)


async def focus(pilot, selector: str) -> None:
    pilot.app.screen.query_one(selector).focus()
    await pilot.pause()


async def test_enter_on_a_checkbox_exports_and_leaves_it_as_it_was(tmp_path):
    app = DialogHost(tmp_path / "chat.md")
    async with app.run_test() as pilot:
        await pilot.pause()
        await focus(pilot, "#export-reasoning")
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == [ExportRequest("md", tmp_path / "chat.md", include_reasoning=True, all_branches=False)]


async def test_space_ticks_the_boxes_and_picks_the_format_then_enter_exports_them(tmp_path):
    app = DialogHost(tmp_path / "chat.md")
    async with app.run_test() as pilot:
        await pilot.pause()
        dialog = app.screen
        await focus(pilot, "#export-reasoning")
        await pilot.press("space")
        await focus(pilot, "#export-branches")
        await pilot.press("space")
        assert not dialog.query_one("#export-reasoning", Checkbox).value
        assert dialog.query_one("#export-branches", Checkbox).value
        await focus(pilot, "#export-format")
        await pilot.press("down", "space")
        assert dialog.query_one("#export-json", RadioButton).value
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == [ExportRequest("json", tmp_path / "chat.json", include_reasoning=False, all_branches=True)]


async def test_enter_on_the_cancel_button_still_cancels(tmp_path):
    app = DialogHost(tmp_path / "chat.md")
    async with app.run_test() as pilot:
        await pilot.pause()
        await focus(pilot, "#export-cancel")
        await pilot.press("enter")
        await pilot.pause()
    assert app.results == [None]


async def test_a_folder_that_cannot_be_made_is_said_and_the_dialog_stays_with_what_was_typed(tmp_path):
    from textual.widgets import Input

    app = DialogHost(tmp_path / "chat.md")
    async with app.run_test() as pilot:
        await pilot.pause()
        field = app.screen.query_one("#export-path", Input)
        (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
        field.value = str(tmp_path / "a-file" / "nowhere" / "chat.md")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog) and field.value.endswith("a-file/nowhere/chat.md")
        assert any("Cannot write in" in str(n.message) and "Not a directory" in str(n.message)
                   for n in app._notifications)
    assert app.results == []
