"""What a streamed chat completion yields, in order of arrival.

``Retrying`` may come first (0..n times, before any text); then ``TextDelta``
pieces, ``Usage`` whenever the server reports it (usually once, late), and
``Finished`` exactly once, at ``[DONE]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cached_tokens: int | None = None

    @classmethod
    def from_json(cls, data: object) -> "Usage | None":
        if not isinstance(data, dict):
            return None
        try:
            prompt = int(data.get("prompt_tokens") or 0)
            completion = int(data.get("completion_tokens") or 0)
            total = int(data.get("total_tokens") or prompt + completion)
        except (TypeError, ValueError):
            return None
        cached = None
        details = data.get("prompt_tokens_details")
        if isinstance(details, dict) and isinstance(details.get("cached_tokens"), int):
            cached = details["cached_tokens"]
        return cls(prompt, completion, total, cached)


@dataclass(frozen=True, slots=True)
class Finished:
    finish_reason: str | None
    model: str | None = None
    response_id: str | None = None


@dataclass(frozen=True, slots=True)
class Retrying:
    """The request failed in a way worth retrying; the client waits ``delay`` s, then tries again."""

    attempt: int
    """The attempt that just failed (1-based)."""
    max_attempts: int
    delay: float
    reason: str


StreamEvent = Union[TextDelta, Usage, Finished, Retrying]
