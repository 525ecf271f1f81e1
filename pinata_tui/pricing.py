"""Cost of a reply from the API's usage and the live catalog's prices (USD per 1M tokens)."""

from __future__ import annotations

from pinata_tui.api.events import Usage
from pinata_tui.api.types import ModelInfo


def reply_cost(usage: Usage, model: ModelInfo | None) -> float | None:
    """prompt_tokens × input rate + completion_tokens × output rate, or None without prices."""
    if model is None or model.input_per_1m is None or model.output_per_1m is None:
        return None
    return (usage.prompt_tokens * model.input_per_1m + usage.completion_tokens * model.output_per_1m) / 1e6


def format_usd(amount: float | None, *, estimate: bool = False) -> str:
    if amount is None:
        return "$?"
    prefix = "~" if estimate else ""
    if amount == 0:
        return f"{prefix}$0"
    if amount < 0.01:
        return f"{prefix}${amount:.4f}"
    return f"{prefix}${amount:.2f}"


def format_price(per_1m: float | None) -> str:
    return "—" if per_1m is None else f"${per_1m:,.2f}"
