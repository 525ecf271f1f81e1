"""The out-of-credits warning shown on a 402, instead of a stack trace."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Static

from pinata_tui.api.errors import BILLING_URL, MICROCREDITS_PER_CREDIT
from pinata_tui.pricing import format_credits


class CreditsBanner(Horizontal):
    """Hidden until ``show_out_of_credits``; gone when dismissed, after a successful reply, or in a new
    conversation. One banner, at most three rows: text on the left, the two buttons on the right."""

    available_microcredits: reactive[int | None] = reactive(None, init=False)
    balance: reactive[float | None] = reactive(None, init=False)

    class Dismissed(Message):
        pass

    class ResendRequested(Message):
        pass

    def compose(self) -> ComposeResult:
        return []  # built when first shown: most sessions never run out, and Buttons cost start-up time

    def _build(self) -> None:
        self.mount(Static(id="credits-text"),
                   Vertical(Button("Resend ^R", id="credits-resend", variant="warning", compact=True),
                            Button("Dismiss", id="credits-dismiss", compact=True),
                            id="credits-actions"))

    def show_out_of_credits(self, available_microcredits: int | None) -> None:
        if not self.children:
            self._build()
        self.available_microcredits = available_microcredits
        self.balance = None
        self.display = True
        self._render_text()

    def hide(self) -> None:
        self.display = False

    def watch_balance(self) -> None:
        if self.children:
            self._render_text()

    def _render_text(self) -> None:
        text = Text()
        text.append("Out of credits", style="bold")
        micro = self.available_microcredits
        if micro is not None:
            text.append(f": {format_credits(micro / MICROCREDITS_PER_CREDIT)} left ({micro:,} microcredits)")
        if self.balance is not None and (micro is None or abs(self.balance - micro / MICROCREDITS_PER_CREDIT) > 1e-9):
            text.append(f"; balance now {format_credits(self.balance)}")
        text.append(". Buy credits at ")
        text.append(BILLING_URL, style="underline")
        text.append(" (Billing) or turn on auto top-up.")
        self.query_one("#credits-text", Static).update(text)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "credits-dismiss":
            self.hide()
            self.post_message(self.Dismissed())
        elif event.button.id == "credits-resend":
            self.post_message(self.ResendRequested())
