"""What a streamed chat completion yields, in order of arrival.

``Retrying`` may come first (0..n times, before any text); then ``ReasoningDelta``,
``TextDelta``, ``RefusalDelta`` and ``ToolCallDelta`` pieces as they arrive, ``Usage``
whenever the server reports it (usually once, late), and ``Finished`` exactly once: at
``[DONE]``, or when the body ends cleanly after a finish reason arrived.

An error signalled *inside* a 200 stream raises ``StreamFailed``; a stream that breaks off
raises ``StreamInterrupted`` (both carry what had arrived).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MAX_TOKEN_COUNT = 10**12
"""Larger token counts from a server are nonsense (and ``1e999`` would be infinite): refused."""

MAX_COST_USD = 1e6
"""A billed cost above this for one reply is taken as a malformed figure, not shown."""


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    """The model's visible thinking (``delta.reasoning``, ``reasoning_content`` or ``reasoning_details``)."""

    text: str


@dataclass(frozen=True, slots=True)
class RefusalDelta:
    """A refusal (``delta.refusal``), sent instead of content."""

    text: str


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    """The model asked to call a tool. pinata-chat runs no tools; it only says so."""

    name: str | None


def _count(value: object) -> int | None:
    """A token count from JSON: a finite, non-negative whole number in range, else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and (not math.isfinite(value) or not value.is_integer()):
        return None
    number = int(value)
    return number if 0 <= number <= MAX_TOKEN_COUNT else None


def _usd(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) and 0 <= number <= MAX_COST_USD else None


@dataclass(frozen=True, slots=True)
class Usage:
    """Token usage as the server reported it (OpenAI shape, with the fields gateways add).

    ``completion_tokens`` includes ``reasoning_tokens`` (OpenAI's convention); ``cached_tokens``
    and ``cache_write_tokens`` are part of ``prompt_tokens``. ``cost`` is what the server says
    it billed (OpenRouter's ``usage.cost``), when it says so.
    """

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cached_tokens: int | None = None
    reasoning_tokens: int | None = None
    cache_write_tokens: int | None = None
    cost: float | None = None

    @classmethod
    def from_json(cls, data: object) -> Usage | None:
        """None when absent or malformed (a count that is not a sane whole number)."""
        if not isinstance(data, dict):
            return None
        prompt = _count(data.get("prompt_tokens") or 0)
        completion = _count(data.get("completion_tokens") or 0)
        if prompt is None or completion is None:
            return None
        total = _count(data.get("total_tokens") or prompt + completion)
        if total is None:
            return None
        prompt_details = data.get("prompt_tokens_details")
        completion_details = data.get("completion_tokens_details")
        cached = cache_write = reasoning = None
        if isinstance(prompt_details, dict):
            cached = _count(prompt_details.get("cached_tokens"))
            cache_write = _count(prompt_details.get("cache_write_tokens"))
        if isinstance(completion_details, dict):
            reasoning = _count(completion_details.get("reasoning_tokens"))
        if reasoning is None:
            reasoning = _count(data.get("reasoning_tokens"))
        return cls(prompt, completion, total, cached, reasoning, cache_write, _usd(data.get("cost")))


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


StreamEvent = TextDelta | ReasoningDelta | RefusalDelta | ToolCallDelta | Usage | Finished | Retrying
