"""One line at the bottom: model, context tokens, last reply's speed, cost, balance, connection."""

from __future__ import annotations

import time

from rich.text import Text
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget

from pinata_tui.pricing import format_usd

CONNECTION_STYLES = {
    "idle": "dim",
    "waiting": "bold yellow",
    "streaming": "bold green",
    "retrying": "bold yellow",
    "error": "bold red",
    "offline": "bold red",
}


def format_credits(amount: float) -> str:
    """Enough digits that a nearly empty balance does not read as zero."""
    if amount != 0 and abs(amount) < 1:
        return f"{amount:,.6f} credits"
    return f"{amount:,.2f} credits"


class StatusBar(Widget):
    """Reactive fields, one render. The screen sets fields; nothing here reaches elsewhere.

    It also counts down to a retry by itself (``count_down``), so the screen need not tick.
    """

    model: reactive[str] = reactive("")
    context_tokens: reactive[int | None] = reactive(None)
    tokens_are_estimate: reactive[bool] = reactive(True)
    last_reply: reactive[str] = reactive("")
    cost: reactive[float] = reactive(0.0)
    cost_is_estimate: reactive[bool] = reactive(False)
    balance: reactive[float | None] = reactive(None)
    connection: reactive[str] = reactive("idle")
    connection_detail: reactive[str] = reactive("")

    _retry_deadline: float | None = None
    _retry_label = ""
    _retry_timer: Timer | None = None

    def count_down(self, delay: float, label: str) -> None:
        """Show "retrying in N s (label)" until ``stop_countdown`` (or the deadline passes)."""
        self._retry_deadline = time.monotonic() + delay
        self._retry_label = label
        self._tick()
        if self._retry_timer is None:
            self._retry_timer = self.set_interval(0.25, self._tick)
        else:
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

    def render(self) -> Text:
        sep = (" │ ", "dim")
        state = self.connection + (f" {self.connection_detail}" if self.connection_detail else "")
        parts: list[tuple[str, str] | str] = [
            ("● ", CONNECTION_STYLES.get(self.connection, "")), state, sep, (self.model or "no model", "bold"), sep,
        ]
        if self.context_tokens is None:
            parts.append(("ctx …", "dim"))
        else:
            approx = "~" if self.tokens_are_estimate else ""
            parts.append(f"ctx {approx}{self.context_tokens:,} tok")
        if self.last_reply:
            parts += [sep, self.last_reply]
        parts += [sep, format_usd(self.cost, estimate=self.cost_is_estimate)]
        if self.balance is not None:
            parts += [sep, format_credits(self.balance)]
        return Text.assemble(*parts, no_wrap=True, overflow="ellipsis")
