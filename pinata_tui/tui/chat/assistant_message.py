"""An assistant reply that can stream: the hot path of the app.

Each delta is sanitised and fed to the reply, a ``StreamingMarkdown`` (see ``tui/markdown``),
which draws at most once a frame, renders finished blocks once into cached lines and redraws
only the unfinished tail. The header (model, status, tokens, cost) is its first line; the
model's reasoning, when it sends any, is a dim section between header and answer: live while
the model thinks, folded to one line once the answer starts, unfolded with ``t`` or a click.

The chat turn (``chat.turn``) owns the message's text; this widget only shows it.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.timer import Timer

from pinata_tui.conversation import ChatMessage, MessageStatus
from pinata_tui.pricing import format_usd_with_source
from pinata_tui.sanitize import make_displayable
from pinata_tui.tui.chat.message_block import STATUS_LABELS, MessageBlock
from pinata_tui.tui.markdown.streaming_markdown import StreamingMarkdown

__all__ = ["AssistantMessage", "StreamingMarkdown"]

LIVE_REASONING_LINES = 4
"""While the model thinks, this many of its latest reasoning lines show (bounded work per delta)."""

LIVE_REASONING_CHARS = 2000
"""Only this much of the reasoning's end is wrapped for the live view, however long it grows."""


def approx_tokens(length: int) -> int:
    """A cheap running estimate for the live "Thinking…" line (about four characters a token), from a text's length."""
    return (length + 3) // 4


class ReplyActionRequested(Message):
    """``regenerate_with`` (pick a model, add an alternative) or ``compare`` (side by side) for ``message``."""

    def __init__(self, message: ChatMessage, action: str) -> None:
        super().__init__()
        self.message = message
        self.action = action


class AssistantMessage(MessageBlock, StreamingMarkdown):
    """A reply: a header naming the model that wrote it (and its status), reasoning, and Markdown."""

    HAS_HEADER = True
    BINDINGS = [
        Binding("t", "toggle_reasoning", "Show/hide reasoning", id="message.reasoning"),
        Binding("m", "reply_action('regenerate_with')", "Regenerate with…", id="message.regenerate_with"),
        Binding("v", "reply_action('compare')", "Compare alternatives", id="message.compare"),
    ]

    def __init__(self, message: ChatMessage, *, branch: tuple[int, int] | None = None, **kwargs: object) -> None:
        super().__init__(message, branch=branch, markdown=make_displayable(message.content), **kwargs)
        self.waiting_note = ""
        self.reasoning_expanded = False
        self._thinking_since: float | None = None
        self._thought_for: float | None = None
        self._thinking_timer: Timer | None = None
        self.set_class(message.is_partial, "-partial")

    # ------------------------------------------------------------ header

    def header_text(self) -> Text:
        message = self.message
        text = Text(make_displayable(message.model or "assistant"), style="bold")
        label = STATUS_LABELS.get(message.status)
        if self.waiting_note and message.status == MessageStatus.STREAMING:
            text.append(f"  · {self.waiting_note}", style=self.themed("italic $warning"))
        elif label:
            text.append(f"  · {label[0]}", style=self.themed(label[1]))
        if message.status != MessageStatus.STREAMING:  # tokens and cost in the header's own (muted) colour
            if message.usage:
                text.append(f"  · {message.usage.completion_tokens:,} tokens")
            if message.cost is not None:
                cost = format_usd_with_source(message.cost, estimate=message.cost_is_estimate,
                                              billed=message.cost_is_billed)
                text.append(f"  · {cost}")
        return text

    def reasoning_text(self) -> tuple[Text, Text | None] | None:
        """The reasoning section as drawn (a summary line, and the text when shown), or None without reasoning."""
        message = self.message
        length = message.reasoning_length  # (drawn again for every piece while it thinks: nothing here joins it whole)
        if not length:
            return None
        thinking = message.status == MessageStatus.STREAMING and not message.content
        usage = message.usage
        tokens = usage.reasoning_tokens if usage and usage.reasoning_tokens else None
        count = f"{tokens:,} tokens" if tokens else f"~{approx_tokens(length):,} tokens"
        if thinking:
            elapsed = time.monotonic() - self._thinking_since if self._thinking_since else 0.0
            tail = make_displayable(message.reasoning_tail(LIVE_REASONING_CHARS)).splitlines()[-LIVE_REASONING_LINES:]
            return (Text(f"▾ Thinking… {elapsed:.0f} s · {count}", style="italic"),
                    Text("\n".join(tail), style="dim"))
        took = f" for {self._thought_for:.0f} s" if self._thought_for is not None else ""
        if not self.reasoning_expanded:
            return Text(f"▸ Thought{took} · {count} · t or click to show", style="dim italic"), None
        return (Text(f"▾ Reasoning{took} · {count} · t or click to hide", style="dim italic"),
                Text(make_displayable(message.reasoning), style="dim"))

    def render_header(self) -> Text:
        return self.styled_header()

    def render_header_extra(self) -> tuple[Text, Text | None] | None:
        return self.reasoning_text()

    def refresh_header(self) -> None:
        self.header_changed()

    def set_waiting_note(self, note: str) -> None:
        self.waiting_note = note
        self.refresh_header()

    # ------------------------------------------------------------ streaming

    def append_text(self, raw: str) -> None:
        """Show one streamed delta (the turn has added it to the message): sanitised per character,
        so split escape sequences are harmless."""
        if self.waiting_note:
            self.waiting_note = ""
            self.refresh_header()
        if self._thinking_since is not None and self._thought_for is None:
            self._thought_for = time.monotonic() - self._thinking_since
            self.refresh_header()  # the live reasoning folds to one line
        self.feed(make_displayable(raw))

    def append_reasoning(self, raw: str) -> None:
        """Show more of the model's thinking (the turn has added it to the message)."""
        if self._thinking_since is None:
            self._thinking_since = time.monotonic()
            self.waiting_note = ""
            # The elapsed time keeps counting even when the model goes quiet between pieces.
            self._thinking_timer = self.set_interval(1.0, self._thinking_tick)
        self.refresh_header()

    def _thinking_tick(self) -> None:
        if self._thought_for is None:
            self.refresh_header()
        elif self._thinking_timer is not None:
            self._thinking_timer.stop()
            self._thinking_timer = None

    async def settle(self, status: MessageStatus) -> None:
        self.message.status = status
        self.waiting_note = ""
        if self._thinking_since is not None and self._thought_for is None:
            self._thought_for = time.monotonic() - self._thinking_since
        self.set_class(self.message.is_partial, "-partial")
        self.set_class(status in (MessageStatus.ERROR, MessageStatus.FAILED), "-failed")
        self.refresh_header()
        await self.finish(make_displayable(self.message.content))

    def action_reply_action(self, action: str) -> None:
        if self.message.status != MessageStatus.STREAMING:
            self.post_message(ReplyActionRequested(self.message, action))

    # ------------------------------------------------------------ reasoning

    def action_toggle_reasoning(self) -> None:
        if not self.message.reasoning:
            self.notify("This reply has no reasoning to show.", severity="information")
            return
        self.reasoning_expanded = not self.reasoning_expanded
        self.refresh_header()

    def on_click(self, event: events.Click) -> None:
        if self.message.reasoning and event.y == 1 and not (
                self.message.status == MessageStatus.STREAMING and not self.message.content):
            event.stop()
            self.action_toggle_reasoning()
