"""A small modal question: confirm a step (a destructive one in red)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from pinata_tui.tui.common.screen_styles import StyledModal


class ConfirmDialog(StyledModal[bool]):
    """Yes / no. Enter on the focused button; Esc is always no."""
    STYLES = ("dialogs.tcss",)

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(self, question: str, *, yes: str = "Yes", danger: bool = False) -> None:
        super().__init__()
        self.question = question
        self.yes = yes
        self.danger = danger

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.question))
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="dialog-no", compact=True)
                yield Button(self.yes, id="dialog-yes", variant="error" if self.danger else "primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#dialog-no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "dialog-yes")

    def action_cancel(self) -> None:
        self.dismiss(False)
