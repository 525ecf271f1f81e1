"""Plain data returned by the client: the catalog, account state, a whole reply."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from pinata_tui.api.events import Usage

MAX_PRICE_PER_1M = 1e6
"""A price above this (USD per million tokens) is taken as malformed."""


def _price(value: object) -> float | None:
    """A catalog price: finite, non-negative and sane, else None (shown as unknown)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        price = float(value)
    except ValueError:
        return None
    return price if math.isfinite(price) and 0 <= price <= MAX_PRICE_PER_1M else None


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """One catalog entry. Prices are USD per million tokens; None where the catalog gives none."""

    model_id: str
    input_per_1m: float | None
    output_per_1m: float | None
    cache_read_per_1m: float | None = None
    cache_write_per_1m: float | None = None

    @property
    def provider(self) -> str:
        return self.model_id.split("/", 1)[0] if "/" in self.model_id else ""

    @property
    def name(self) -> str:
        return self.model_id.split("/", 1)[1] if "/" in self.model_id else self.model_id

    @classmethod
    def from_json(cls, data: object) -> ModelInfo | None:
        if not isinstance(data, dict) or not isinstance(data.get("model_id"), str):
            return None
        return cls(
            model_id=data["model_id"],
            input_per_1m=_price(data.get("input_usd_per_1m_tokens")),
            output_per_1m=_price(data.get("output_usd_per_1m_tokens")),
            cache_read_per_1m=_price(data.get("cache_read_usd_per_1m_tokens")),
            cache_write_per_1m=_price(data.get("cache_write_usd_per_1m_tokens")),
        )

    def to_json(self) -> dict[str, object]:
        return {
            "model_id": self.model_id,
            "input_usd_per_1m_tokens": self.input_per_1m,
            "output_usd_per_1m_tokens": self.output_per_1m,
            "cache_read_usd_per_1m_tokens": self.cache_read_per_1m,
            "cache_write_usd_per_1m_tokens": self.cache_write_per_1m,
        }


@dataclass(frozen=True, slots=True)
class ChatResult:
    """A whole (non-streamed) reply."""

    text: str
    usage: Usage | None
    finish_reason: str | None
    model: str | None
    response_id: str | None
    reasoning: str = ""
    refusal: str = ""
    tool_calls: tuple[str | None, ...] = ()


@dataclass(frozen=True, slots=True)
class KeyStatus:
    enabled: bool
    created_at: datetime | None


@dataclass(frozen=True, slots=True)
class CreditBalance:
    """In credits. ``loaned`` is held against requests still in flight."""

    total: float
    loaned: float
    available: float


@dataclass(frozen=True, slots=True)
class TopUpConfig:
    """Auto top-up: buy ``amount`` credits when ``available`` drops below ``threshold``."""

    threshold: float | None
    amount: int | None

    @property
    def enabled(self) -> bool:
        return self.threshold is not None and self.amount is not None


def parse_timestamp(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
