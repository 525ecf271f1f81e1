"""One line at the bottom: connection, model, context tokens, last reply's speed, cost, balance.

Laid out by priority at any width: the cost and the credits (what this product exists to show)
are never cut; the last reply's speed goes first, then the connection's detail, then the context
meter, then the model id is shortened (provider dropped, then cut with an ellipsis). Colours come
from the theme through component classes (``app.tcss``), not from Python.
"""

from __future__ import annotations

import time

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget

from pinata_tui.pricing import format_credits, format_usd
from pinata_tui.sanitize import make_displayable

SEPARATOR = " │ "


def shorten_model(model: str, width: int) -> str:
    """``provider/name`` in at most ``width`` cells: the provider goes first, then the name's end."""
    if cell_len(model) <= width:
        return model
    name = model.split("/", 1)[-1]
    if cell_len(name) <= width:
        return name
    return name[: max(1, width - 1)] + "…"


class StatusBar(Widget):
    """Reactive fields, one render. The screen sets fields; nothing here reaches elsewhere.

    It also counts down to a retry by itself (``count_down``), so the screen need not tick.
    """

    COMPONENT_CLASSES = {"status-bar--idle", "status-bar--waiting", "status-bar--streaming",
                         "status-bar--retrying", "status-bar--error", "status-bar--model", "status-bar--dim"}

    model: reactive[str] = reactive("")
    context_tokens: reactive[int | None] = reactive(None)
    tokens_are_estimate: reactive[bool] = reactive(True)
    last_reply: reactive[str] = reactive("")
    cost: reactive[float | None] = reactive(0.0)
    """None: not known yet (a long conversation's newest messages shown while the rest is read)."""
    cost_is_estimate: reactive[bool] = reactive(False)
    balance: reactive[float | None] = reactive(None)
    connection: reactive[str] = reactive("idle")
    connection_detail: reactive[str] = reactive("")

    class ModelClicked(Message):
        """The model's name was clicked: the screen opens the model picker."""

    _model_cells: tuple[int, int] | None = None
    """Where the model's name was last drawn (content cells)."""

    SILENCE_SECONDS = 5.0
    """A stream quiet for this long says so, with how long it has been quiet."""

    _last_data: float | None = None
    _silence_timer: Timer | None = None

    def on_mount(self) -> None:
        # Made here, not on first use: a timer made inside a reply's worker runs in a copy of its
        # context, which holds the worker, and with it that turn's conversation, for good.
        self._silence_timer = self.set_interval(1.0, self._check_silence)
        self._retry_timer = self.set_interval(0.25, self._tick, pause=True)

    _says_silent = False
    """The detail says the stream went quiet (a plain attribute: read per piece, where a reactive costs)."""

    def stream_active(self) -> None:
        """Data arrived: the stream is alive (called per piece, so cheap)."""
        self._last_data = time.monotonic()
        if self._says_silent:
            self._says_silent = False
            if self.connection_detail.startswith("no data"):
                self.connection_detail = ""

    def stream_ended(self) -> None:
        self._last_data = None

    def _check_silence(self) -> None:
        if self._last_data is None or self.connection != "streaming":
            return
        quiet = time.monotonic() - self._last_data
        if quiet >= self.SILENCE_SECONDS:
            self.connection_detail = f"no data for {quiet:.0f} s"
            self._says_silent = True

    _retry_deadline: float | None = None
    _retry_label = ""
    _retry_timer: Timer | None = None

    def count_down(self, delay: float, label: str) -> None:
        """Show "retrying in N s (label)" until ``stop_countdown`` (or the deadline passes)."""
        self._retry_deadline = time.monotonic() + delay
        self._retry_label = label
        self._tick()
        if self._retry_timer is not None:
            self._retry_timer.resume()

    def stop_countdown(self) -> None:
        self._retry_deadline = None
        if self._retry_timer is not None:
            self._retry_timer.pause()

    def _tick(self) -> None:
        if self._retry_deadline is None:
            return
        left = max(0.0, self._retry_deadline - time.monotonic())
        self.connection = "retrying"
        self.connection_detail = f"in {left:.0f} s ({self._retry_label})"

    def _style(self, name: str) -> str:
        return str(self.get_component_rich_style(f"status-bar--{name}", partial=True))

    def fields(self, width: int) -> list[tuple[str, str]]:
        """(text, style) for each field that fits in ``width`` cells, by priority."""
        connection_style = self._style(self.connection if self.connection in (
            "idle", "waiting", "streaming", "retrying", "error") else "error")
        context = "ctx …" if self.context_tokens is None else (
            f"ctx {'~' if self.tokens_are_estimate else ''}{self.context_tokens:,} tok")
        money = [("$…" if self.cost is None else format_usd(self.cost, estimate=self.cost_is_estimate), "")]
        if self.balance is not None:
            money.append((format_credits(self.balance), ""))
        model = make_displayable(self.model or "no model")
        detail = f"● {self.connection} {self.connection_detail}".rstrip()
        speed = [(self.last_reply, "")] if self.last_reply else []

        def total(fields: list[tuple[str, str]]) -> int:
            return sum(cell_len(text) for text, _ in fields) + cell_len(SEPARATOR) * (len(fields) - 1)

        def layout(state: str, model_text: str, with_context: bool, with_speed: bool) -> list[tuple[str, str]]:
            return [(state, connection_style), (model_text, self._style("model")),
                    *([(context, "")] if with_context else []), *(speed if with_speed else []), *money]

        for state, with_context, with_speed in ((detail, True, True), (detail, True, False),
                                                (f"● {self.connection}", True, False),
                                                (f"● {self.connection}", False, False), ("●", False, False)):
            fields = layout(state, model, with_context, with_speed)
            if total(fields) <= width:
                return fields
            rest = total(fields) - cell_len(model)
            if width - rest >= 12:  # the model id, shortened, still says something
                return layout(state, shorten_model(model, width - rest), with_context, with_speed)
        if self.connection in ("retrying", "error"):  # a retry or an error says more than the model id
            fields = [(f"● {self.connection}", connection_style), *money]
            if total(fields) <= width:
                return fields
        return layout("●", shorten_model(model, max(1, width - total(money) - 6)), False, False)

    def render(self) -> Text:
        width = max(1, self.content_region.width or self.size.width)
        text = Text(no_wrap=True, overflow="ellipsis")
        for index, (value, style) in enumerate(self.fields(width)):
            if index:
                text.append(SEPARATOR, style=self._style("dim"))
            start = cell_len(text.plain)
            text.append(value, style=style)
            if index == 1:  # the model (second in every layout)
                self._model_cells = (start, cell_len(text.plain))
        return text

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        cells = self._model_cells
        if offset is not None and cells is not None and cells[0] <= offset.x < cells[1]:
            event.stop()
            self.post_message(self.ModelClicked())
