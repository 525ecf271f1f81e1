"""Choose a model from the live catalog: ranked filter, prices, and what the next request would cost.

Rows never wrap: at narrow widths the columns go, least needed first (the next request's cost,
then the cache-read price, then the provider), and the name is cut last.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from pinata_tui.api.types import ModelInfo
from pinata_tui.catalog import rank_models
from pinata_tui.pricing import format_price, format_usd
from pinata_tui.sanitize import make_displayable
from pinata_tui.tui.common.screen_styles import StyledModal

COLUMNS = ("provider", "name", "input", "output", "cache", "next")
DROP_ORDER = ("next", "cache", "provider", "output", "input")
"""Dropped in this order when the row would not fit (the name keeps at least ``MIN_NAME`` cells)."""

MIN_NAME = 18


def next_request_cost(model: ModelInfo, context_tokens: int | None) -> float | None:
    """The prompt of the next request (the conversation so far) at this model's input price."""
    if context_tokens is None or model.input_per_1m is None:
        return None
    return context_tokens * model.input_per_1m / 1e6


def model_cells(model: ModelInfo, context_tokens: int | None) -> dict[str, str]:
    cost = next_request_cost(model, context_tokens)
    return {
        "provider": make_displayable(model.provider),
        "name": make_displayable(model.name),
        "input": f"{format_price(model.input_per_1m)} in",
        "output": f"{format_price(model.output_per_1m)} out",
        "cache": f"{format_price(model.cache_read_per_1m)} cached",
        "next": f"next {'—' if cost is None else format_usd(cost)}",
    }


def layout(models: list[ModelInfo], width: int, context_tokens: int | None) -> tuple[list[str], dict[str, int]]:
    """The columns that fit in ``width`` cells and each one's width."""
    rows = [model_cells(m, context_tokens) for m in models]
    widths = {c: max([1] + [cell_len(r[c]) for r in rows]) for c in COLUMNS}
    columns = [c for c in COLUMNS if not (c == "next" and context_tokens is None)]
    for dropped in (None, *DROP_ORDER):
        if dropped in columns:
            columns.remove(dropped)
        others = sum(widths[c] + 2 for c in columns if c != "name")
        if 2 + others + min(widths["name"], MIN_NAME) <= width:
            widths["name"] = min(widths["name"], width - 2 - others)
            return columns, widths
    widths["name"] = max(4, width - 2)
    return columns, widths


def model_row(model: ModelInfo, current: bool, columns: list[str], widths: dict[str, int],
              context_tokens: int | None) -> Text:
    cells = model_cells(model, context_tokens)
    row = Text(no_wrap=True, overflow="ellipsis")
    row.append("● " if current else "  ", style="bold")
    for index, column in enumerate(columns):
        value = cells[column]
        if column == "name" and cell_len(value) > widths["name"]:
            value = value[: max(1, widths["name"] - 1)] + "…"
        text = value.ljust(widths[column]) if column in ("provider", "name") else value.rjust(widths[column])
        # Secondary columns in italics, not dim: dim text falls below 4.5:1 on the light themes.
        style = "italic" if column in ("provider", "cache") else ("bold" if column == "name" and current else "")
        row.append(("  " if index else "") + text, style=style)
    return row


class ModelPicker(StyledModal[str | None]):
    """Returns the chosen model id, or None when dismissed."""
    STYLES = ("model_picker.tcss",)

    BINDINGS = [
        Binding("escape", "dismiss_picker", "Close", id="picker.close"),
        Binding("down", "cursor_down", "Next", show=False, id="picker.down"),
        Binding("up", "cursor_up", "Previous", show=False, id="picker.up"),
    ]

    def __init__(self, models: list[ModelInfo], current: str, *, source: str = "live",
                 context_tokens: int | None = None, title: str = "Choose a model") -> None:
        super().__init__()
        self.title_text = title
        self.models = models
        self.current = current
        self.source = source
        self.context_tokens = context_tokens or None
        """The conversation's tokens so far; None (or 0: nothing to send yet) leaves the cost column out."""
        self._query = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Static(Text(self.title_text, style="bold"), id="picker-title")
            yield Input(placeholder="Type to filter: provider, model…", id="picker-filter", compact=True)
            yield OptionList(id="picker-list")
            yield Static(id="picker-hint")

    def _hint(self, columns: list[str]) -> Text:
        if self.source == "cache":
            where = "A cached copy of the catalog (the live one could not be fetched): prices may be out of date."
        else:
            where = "From Pinata's live catalog."
        costs = "USD per 1M tokens (input, output, cached input)"
        if "next" in columns and self.context_tokens is not None:
            costs += f"; next = what sending this conversation's {self.context_tokens:,} tokens would cost"
        return Text(f"{costs}. {where}", style="italic", no_wrap=True, overflow="ellipsis")

    def on_mount(self) -> None:
        self.query_one("#picker-filter", Input).focus()
        self.call_after_refresh(self._fill)

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._fill)

    def _fill(self) -> None:
        options = self.query_one("#picker-list", OptionList)
        width = max(20, options.scrollable_content_region.width or options.size.width or 60)
        models = rank_models(self._query, self.models)
        columns, widths = layout(self.models, width, self.context_tokens)
        self.query_one("#picker-hint", Static).update(self._hint(columns))
        highlighted = options.highlighted
        options.clear_options()
        options.add_options(Option(model_row(m, m.model_id == self.current, columns, widths, self.context_tokens),
                                   id=m.model_id) for m in models)
        if not models:
            options.add_option(Option(Text("No model matches.", style="dim"), disabled=True))
            return
        ids = [m.model_id for m in models]
        if self._query:
            options.highlighted = 0
        elif highlighted is not None and highlighted < len(ids):
            options.highlighted = highlighted
        else:
            options.highlighted = ids.index(self.current) if self.current in ids else 0

    @on(Input.Changed, "#picker-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._query = event.value
        self.query_one("#picker-list", OptionList).highlighted = None
        self._fill()

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
