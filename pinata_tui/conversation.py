"""A conversation in memory: its messages, and the history sent with each request.

Knows nothing of Textual; the store persists these objects and the TUI shows them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum

from pinata_tui.api.events import Usage


class MessageStatus(str, Enum):
    COMPLETE = "complete"
    STREAMING = "streaming"
    STOPPED = "stopped"
    """The user stopped it; the partial text is kept."""
    INTERRUPTED = "interrupted"
    """The stream broke (cut, stalled, app killed); the partial text is kept."""
    ERROR = "error"
    """The request failed before any text arrived."""
    DISCARDED = "discarded"
    """Replaced by a regenerated reply: kept in the store, not shown or sent."""
    TRUNCATED = "truncated"
    """Cut at the token limit (``finish_reason: "length"``); Ctrl+G continues it."""
    FILTERED = "filtered"
    """Stopped by a content filter (``finish_reason: "content_filter"``)."""
    FAILED = "failed"
    """The server reported an error inside the stream; what arrived is kept."""
    REFUSED = "refused"
    """The model refused; the refusal text is the reply's content."""
    TOOL_CALLS = "tool_calls"
    """The model only asked to call tools, which pinata-chat does not run."""
    EMPTY = "empty"
    """The model finished without any visible text (perhaps after reasoning)."""


PARTIAL_STATUSES = frozenset({MessageStatus.STOPPED, MessageStatus.INTERRUPTED, MessageStatus.TRUNCATED,
                              MessageStatus.FAILED})
"""Replies that ended before the model was done: Ctrl+G asks it to continue."""


@dataclass
class ChatMessage:
    role: str
    content: str
    model: str | None = None
    status: MessageStatus = MessageStatus.COMPLETE
    usage: Usage | None = None
    cost: float | None = None
    cost_is_estimate: bool = False
    cost_is_billed: bool = False
    """``cost`` is what the server said it billed (``usage.cost``), not computed from the catalog."""
    error: str | None = None
    """Why it failed (a user message not sent, or the server's in-stream error), one line."""
    reasoning: str = ""
    """The model's visible thinking, kept apart from the answer."""
    finish_reason: str | None = None
    created_at: float = field(default_factory=time.time)
    id: int | None = None
    tokens: int | None = None
    """Cached token count of ``content`` (for the status bar's context meter)."""

    @property
    def is_partial(self) -> bool:
        return self.status in PARTIAL_STATUSES


@dataclass
class Conversation:
    model: str
    system_prompt: str | None = None
    title: str | None = None
    messages: list[ChatMessage] = field(default_factory=list)
    id: int | None = None

    def add(self, message: ChatMessage) -> ChatMessage:
        self.messages.append(message)
        if self.title is None and message.role == "user" and message.content.strip():
            self.title = title_from_prompt(message.content)
        return message

    def request_history(self, *, leave_out: tuple[ChatMessage, ...] = ()) -> list[dict[str, str]]:
        """The OpenAI ``messages`` for the next request: system prompt, then every turn with text.

        Partial replies go too (the user saw them); failed ones, which hold no text, do not;
        nor do those in ``leave_out`` (a reply being regenerated). Reasoning is never sent back.
        """
        history: list[dict[str, str]] = []
        if self.system_prompt:
            history.append({"role": "system", "content": self.system_prompt})
        for message in self.messages:
            if any(message is left for left in leave_out):
                continue
            if (message.role in ("user", "assistant") and message.content
                    and message.status not in (MessageStatus.ERROR, MessageStatus.DISCARDED)):
                history.append({"role": message.role, "content": message.content})
        return history

    @property
    def last_reply(self) -> ChatMessage | None:
        return next((m for m in reversed(self.messages) if m.role == "assistant"), None)

    @property
    def total_cost(self) -> float:
        return sum(m.cost or 0.0 for m in self.messages)

    @property
    def cost_is_estimate(self) -> bool:
        return any(m.cost_is_estimate for m in self.messages if m.role == "assistant")

    @property
    def cost_is_billed(self) -> bool:
        """Every costed reply's figure came from the server's bill."""
        costed = [m for m in self.messages if m.role == "assistant" and m.cost is not None]
        return bool(costed) and all(m.cost_is_billed for m in costed)


def title_from_prompt(prompt: str, limit: int = 60) -> str:
    """A title from the first prompt: its first line, cut at a word boundary."""
    line = next((ln.strip() for ln in prompt.splitlines() if ln.strip()), "")
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0]
    return (cut if len(cut) > limit // 2 else line[:limit]).rstrip(" ,.;:") + "…"
