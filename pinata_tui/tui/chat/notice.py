"""A line in the conversation about what happened: an error, a retry, a hint."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from pinata_tui.sanitize import make_displayable


class Notice(Static):
    """A line in the conversation about what happened: an error, a retry, a hint."""

    def __init__(self, text: str, *, kind: str = "info") -> None:
        super().__init__(Text(make_displayable(text)), classes=f"notice -{kind}")
