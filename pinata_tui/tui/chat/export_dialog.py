"""Ctrl+S: where and how to export this conversation. Enter takes the defaults."""

from __future__ import annotations

import asyncio
import errno
import os
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, RadioButton, RadioSet, Static

from pinata_tui.conversation import Conversation
from pinata_tui.export import default_export_dir, export_filename
from pinata_tui.sanitize import make_displayable
from pinata_tui.settings import Settings
from pinata_tui.tui.common.confirm_dialog import ConfirmDialog
from pinata_tui.tui.common.screen_styles import StyledModal

EXTENSIONS = {"md": ".md", "json": ".json"}


def writable_target(typed: str, name: str) -> tuple[Path, bool]:
    """The file to write (``name`` in the folder typed, if it is one) and whether it exists; its folder is
    made now (the export would make it), so one that cannot be is said with the dialog still open."""
    path = Path(typed).expanduser()
    if path.is_dir():
        path = path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if not os.access(path.parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise PermissionError(errno.EACCES, "permission denied", str(path.parent))
    return path, path.exists()


class FormCheckbox(Checkbox, inherit_bindings=False):
    """Space ticks it; Enter is left to the dialog, which says "Enter exports"."""

    BINDINGS = [Binding("space", "toggle_button", "Toggle", show=False)]


class FormRadioSet(RadioSet, inherit_bindings=False):
    """Arrows move, Space picks; Enter is left to the dialog, which says "Enter exports"."""

    BINDINGS = [
        Binding("down,right", "next_button", "Next option", show=False),
        Binding("space", "toggle_button", "Toggle", show=False),
        Binding("up,left", "previous_button", "Previous option", show=False),
    ]


@dataclass(frozen=True)
class ExportRequest:
    fmt: str
    path: Path
    include_reasoning: bool
    all_branches: bool = False


class ExportDialog(StyledModal[ExportRequest | None]):
    """Format, file and whether to keep the reasoning; asks before replacing a file."""
    STYLES = ("../common/dialogs.tcss", "export_dialog.tcss")

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
        Binding("enter", "export", "Export", id="dialog.submit", show=False),
    ]

    def __init__(self, default_path: Path, *, has_reasoning: bool, fmt: str = "md", has_branches: bool = False) -> None:
        super().__init__()
        self.default_path = default_path.with_suffix(EXTENSIONS.get(fmt, ".md"))
        self.has_reasoning = has_reasoning
        self.has_branches = has_branches
        self.initial_fmt = fmt

    @classmethod
    def for_conversation(cls, conversation: Conversation, settings: Settings, fmt: str | None) -> ExportDialog:
        """Offered: the conversation's file name in ``export_dir`` (or Documents), in ``fmt`` (Markdown)."""
        folder = default_export_dir(settings.export_dir)
        return cls(folder / export_filename(conversation, "md"), fmt=fmt or "md",
                   has_reasoning=any(m.reasoning for m in conversation.messages),
                   has_branches=conversation.has_branches)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="export-dialog"):
            yield Static(Text("Export this conversation", style="bold"))
            with FormRadioSet(id="export-format"):
                yield RadioButton("Markdown (reads well on GitHub)", value=self.initial_fmt != "json", id="export-md")
                yield RadioButton("JSON (OpenAI messages, for import)", value=self.initial_fmt == "json",
                                  id="export-json")
            reasoning = FormCheckbox("Include the models' reasoning", value=True, id="export-reasoning", compact=True)
            reasoning.display = self.has_reasoning
            yield reasoning
            branches = FormCheckbox("Markdown: add the other branches (JSON always has them)", value=False,
                                id="export-branches", compact=True)
            branches.display = self.has_branches
            yield branches
            yield Input(str(self.default_path), id="export-path", compact=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="export-cancel", compact=True)
                yield Button("Export", id="export-ok", variant="primary", compact=True)
            yield Static(Text("Space ticks, Enter exports, Esc cancels. Keys are never exported.", style="dim"))

    def on_mount(self) -> None:
        path_input = self.query_one("#export-path", Input)
        path_input.focus()
        path_input.cursor_position = len(path_input.value)

    @property
    def fmt(self) -> str:
        return "json" if self.query_one("#export-json", RadioButton).value else "md"

    @on(RadioSet.Changed, "#export-format")
    def _format_changed(self) -> None:
        """Keep the file's extension in step with the format."""
        path_input = self.query_one("#export-path", Input)
        path = Path(path_input.value)
        if path.suffix in EXTENSIONS.values():
            path_input.value = str(path.with_suffix(EXTENSIONS[self.fmt]))

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-ok")
    async def action_export(self) -> None:
        raw = self.query_one("#export-path", Input).value.strip()
        if not raw:
            self.notify("Give a file to write.", severity="warning")
            return
        name = self.default_path.with_suffix(EXTENSIONS[self.fmt]).name
        try:  # the disk in a thread (a slow or network folder must not hold the screen)
            path, exists = await asyncio.to_thread(writable_target, raw, name)
        except OSError as exc:
            self.notify(make_displayable(f"Cannot write in {exc.filename or raw}: {exc.strerror or exc}. "
                                         "Give another folder."), severity="error", markup=False)
            return
        request = ExportRequest(self.fmt, path, self.query_one("#export-reasoning", Checkbox).value,
                                self.query_one("#export-branches", Checkbox).value)
        if not exists:
            self.dismiss(request)
            return

        def replace(yes: bool | None) -> None:
            if yes:
                self.dismiss(request)

        self.app.push_screen(ConfirmDialog(f"{path} exists. Replace it?", yes="Replace"), replace)

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
