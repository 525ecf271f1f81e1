"""Where in the conversation the model changed."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from pinata_tui.sanitize import make_displayable


class ModelSwitchMarker(Static):
    """Shows where in the conversation the model changed."""

    def __init__(self, model_id: str) -> None:
        super().__init__(Text(f"── switched to {make_displayable(model_id)} ──"), classes="switch-marker")
        self.model_id = model_id
