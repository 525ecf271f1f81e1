"""A small modal question: one line of text."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from pinata_tui.tui.common.screen_styles import StyledModal


class TextDialog(StyledModal[str | None]):
    """One line of text (a title, say). Enter accepts; Esc cancels."""
    STYLES = ("dialogs.tcss",)

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(self, question: str, value: str = "", *, password: bool = False) -> None:
        super().__init__()
        self.question = question
        self.value = value
        self.password = password

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.question))
            yield Input(self.value, password=self.password, id="dialog-input")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
