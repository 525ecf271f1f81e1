"""A line in the conversation about what happened: an error, a retry, a hint."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from pinata_tui.sanitize import make_displayable


class Notice(Static):
    """A line in the conversation about what happened: an error, a retry, a hint."""

    def __init__(self, text: str, *, kind: str = "info") -> None:
        self._text = Text(make_displayable(text))
        self.kind = kind
        super().__init__(self._text, classes=f"notice -{kind}")

    def on_mount(self) -> None:
        if self.app.no_color and self.kind in ("error", "warning"):  # colour told which: a word does now
            self.update(Text.assemble((f"{self.kind.capitalize()}: ", "bold"), self._text))
