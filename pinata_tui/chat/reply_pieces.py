"""A streaming reply's text and reasoning, grown piece by piece in linear time.

``reply.content += piece`` copies the whole text for every piece that arrives: quadratic in the
reply's length (64,000 one-token pieces, a 256 KB reply: 1.5 CPU-s on the event loop; 256,000:
40 s). Here pieces wait in a list and are joined onto the message when they add up to an eighth of
what it already holds (amortised linear), when the message holds nothing yet (so "no text yet",
which the UI shows as *thinking*, is never stale), or once ``MAX_LAG`` has passed; ``flush()`` joins
the rest before the reply is saved and when the stream ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from pinata_tui.conversation import ChatMessage

MAX_LAG = 0.25
"""At most this many seconds of arrived text are missing from the message while it streams (a copy then)."""


class _Pieces:
    """The pieces of one of the message's text fields that are not joined onto it yet."""

    def __init__(self, message: ChatMessage, field: str) -> None:
        self.message, self.field = message, field
        self.waiting: list[str] = []
        self.size = 0
        self.since = 0.0

    def add(self, piece: str, now: float) -> None:
        if not self.waiting:
            self.since = now
        self.waiting.append(piece)
        self.size += len(piece)
        held = len(getattr(self.message, self.field))
        if not held or self.size * 8 >= held or now - self.since >= MAX_LAG:
            self.flush()

    def flush(self) -> None:
        if self.waiting:
            setattr(self.message, self.field, getattr(self.message, self.field) + "".join(self.waiting))
            self.waiting.clear()
            self.size = 0


class ReplyPieces:
    """Grows ``message.content`` and ``message.reasoning`` as pieces arrive; ``flush()`` makes both whole."""

    def __init__(self, message: ChatMessage, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._text = _Pieces(message, "content")
        self._reasoning = _Pieces(message, "reasoning")

    def text(self, piece: str) -> None:
        self._text.add(piece, self._clock())

    def reasoning(self, piece: str) -> None:
        self._reasoning.add(piece, self._clock())

    def flush(self) -> None:
        self._text.flush()
        self._reasoning.flush()
