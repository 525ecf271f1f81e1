"""Choose a model from the live catalog: fuzzy filter, prices per 1M tokens, current one marked."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.fuzzy import Matcher
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from pinata_tui.api.types import ModelInfo
from pinata_tui.pricing import format_price
from pinata_tui.sanitize import make_displayable


def model_row(model: ModelInfo, current: bool, width: int = 44) -> Text:
    row = Text()
    row.append("● " if current else "  ", style="bold green")
    row.append(f"{make_displayable(model.provider):<12}", style="dim")
    row.append(f"{make_displayable(model.name):<{width - 14}}", style="bold" if current else "")
    row.append(f"{format_price(model.input_per_1m):>9} in ", style="")
    row.append(f"{format_price(model.output_per_1m):>9} out", style="")
    return row


class ModelPicker(ModalScreen[str | None]):
    """Returns the chosen model id, or None when dismissed."""

    BINDINGS = [
        Binding("escape", "dismiss_picker", "Close", id="picker.close"),
        Binding("down", "cursor_down", "Next", show=False, id="picker.down"),
        Binding("up", "cursor_up", "Previous", show=False, id="picker.up"),
    ]

    def __init__(self, models: list[ModelInfo], current: str, *, note: str = "") -> None:
        super().__init__()
        self.models = models
        self.current = current
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Static(Text("Choose a model", style="bold"), id="picker-title")
            yield Input(placeholder="Type to filter (fuzzy): provider, model…", id="picker-filter")
            yield OptionList(id="picker-list")
            hint = "Prices in USD per 1M tokens (input / output), from Pinata's live catalog."
            yield Static(Text(f"{self.note}  {hint}".strip(), style="dim"), id="picker-hint")

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#picker-filter", Input).focus()

    def _fill(self, query: str) -> None:
        options = self.query_one("#picker-list", OptionList)
        options.clear_options()
        models = self.models
        if query.strip():
            matcher = Matcher(query.strip())
            scored = [(matcher.match(m.model_id), m) for m in models]
            models = [m for score, m in sorted(scored, key=lambda p: -p[0]) if score > 0]
        width = max([len(m.name) for m in self.models] + [24]) + 16
        options.add_options(
            Option(model_row(m, m.model_id == self.current, width), id=m.model_id) for m in models
        )
        if not models:
            options.add_option(Option(Text("No model matches.", style="dim"), disabled=True))
            return
        ids = [m.model_id for m in models]
        options.highlighted = ids.index(self.current) if self.current in ids and not query else 0

    @on(Input.Changed, "#picker-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    @on(Input.Submitted, "#picker-filter")
    def _filter_submitted(self) -> None:
        options = self.query_one("#picker-list", OptionList)
        if options.highlighted is not None:
            option = options.get_option_at_index(options.highlighted)
            if option.id:
                self.dismiss(option.id)

    @on(OptionList.OptionSelected, "#picker-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.dismiss(event.option.id)

    def action_cursor_down(self) -> None:
        self.query_one("#picker-list", OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one("#picker-list", OptionList).action_cursor_up()

    def action_dismiss_picker(self) -> None:
        self.dismiss(None)
