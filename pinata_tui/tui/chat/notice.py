"""A line in the conversation about what happened: an error, a retry, a hint."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import Static

from pinata_tui.sanitize import make_displayable


class Notice(Static):
    """A line in the conversation about what happened: an error, a retry, a hint."""

    class Added(Message):
        """A notice was added as something happened (not one of a conversation being loaded)."""

    def __init__(self, text: str, *, kind: str = "info", added: bool = False) -> None:
        self._text = Text(make_displayable(text))
        self.kind = kind
        self.added = added
        super().__init__(self._text, classes=f"notice -{kind}")

    def on_mount(self) -> None:
        if self.added:  # the screen shows it, even in a conversation still empty
            self.post_message(self.Added())
        if self.app.no_color and self.kind in ("error", "warning"):  # colour told which: a word does now
            self.update(Text.assemble((f"{self.kind.capitalize()}: ", "bold"), self._text))
