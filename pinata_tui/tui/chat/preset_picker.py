""""New chat with preset…": pick one of the presets (shipped and the user's) by name."""

from __future__ import annotations

from rich.console import Group
from rich.padding import Padding
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from pinata_tui.preset_files import Preset
from pinata_tui.sanitize import one_line
from pinata_tui.tui.common.screen_styles import StyledModal

LIST_ROWS = 16
AROUND_LIST = 10


class PresetPicker(StyledModal[str | None]):
    """Enter starts a new conversation with the highlighted preset; Esc cancels."""

    STYLES = ("../common/dialogs.tcss", "settings.tcss")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(self, presets: list[Preset]) -> None:
        super().__init__()
        self.presets = presets

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="preset-picker"):
            yield Static(Text("New chat with preset", style="bold"))
            yield OptionList(*(Option(self._label(p), id=p.name) for p in self.presets), id="preset-list")
            yield Static(Text("Enter starts it · Esc cancels · yours go in presets/ beside config.toml",
                              style="dim"))

    @staticmethod
    def _label(preset: Preset) -> Text | Group:
        # Names, models and descriptions come from files: plain text, one line each.
        label = Text(one_line(preset.name, 40), style="bold")
        label.append(f"  {one_line(preset.model or 'current model', 60)}", style="dim")
        if preset.source == "user":
            label.append("  (yours)", style="dim")
        if not preset.description:
            return label
        # A description that wraps keeps its indent (a hanging block under the name).
        return Group(label, Padding(Text(one_line(preset.description, 200)), (0, 0, 0, 2)))

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_resize(self, event: events.Resize) -> None:
        # The dialog's title, hint, border and padding take AROUND_LIST rows: the list gets the rest.
        self.query_one(OptionList).styles.max_height = max(3, min(LIST_ROWS, event.size.height - AROUND_LIST))

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
