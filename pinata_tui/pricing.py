"""Cost of a reply from the API's usage and the live catalog's prices (USD per 1M tokens)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # (names in annotations only: not loaded for the status bar's formatting at start-up)
    from pinata_tui.api.events import Usage
    from pinata_tui.api.types import ModelInfo


def reply_cost(usage: Usage, model: ModelInfo | None) -> float | None:
    """The cost of one reply from the catalog's prices, or None without prices.

    Cached prompt tokens are charged at the cache-read price and cache writes at the cache-write
    price (each falling back to the input price when the catalog gives none); completion tokens,
    reasoning included, at the output price.
    """
    if model is None or model.input_per_1m is None or model.output_per_1m is None:
        return None
    cached = min(usage.cached_tokens or 0, usage.prompt_tokens)
    written = min(usage.cache_write_tokens or 0, usage.prompt_tokens - cached)
    plain = usage.prompt_tokens - cached - written
    read_price = model.cache_read_per_1m if model.cache_read_per_1m is not None else model.input_per_1m
    write_price = model.cache_write_per_1m if model.cache_write_per_1m is not None else model.input_per_1m
    return (plain * model.input_per_1m + cached * read_price + written * write_price
            + usage.completion_tokens * model.output_per_1m) / 1e6


def billed_or_computed_cost(usage: Usage, model: ModelInfo | None) -> tuple[float | None, bool]:
    """(cost, billed): the server's own ``usage.cost`` when it sent one, else the catalog's figure."""
    if usage.cost is not None:
        return usage.cost, True
    return reply_cost(usage, model), False


def _decimals(amount: float, most: int) -> str:
    """At least two decimals, at most ``most``, without trailing zeros beyond the second."""
    text = f"{amount:,.{most}f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    return f"{whole}.{frac.ljust(2, '0')}"


def format_usd(amount: float | None, *, estimate: bool = False) -> str:
    """A cost: cents for dollars, four decimals below a dollar (the costs of single replies)."""
    if amount is None:
        return "$?"
    prefix = "~" if estimate else ""
    if amount == 0:
        return f"{prefix}$0"
    if amount < 0.0001:
        return f"{prefix}<$0.0001"
    return f"{prefix}${_decimals(amount, 4 if amount < 1 else 2)}"


def format_usd_with_source(amount: float | None, *, estimate: bool = False, billed: bool = False) -> str:
    """A cost with how it is known: ``$0.0123 billed``, ``~$0.01`` (estimated), or ``$0.0123``."""
    text = format_usd(amount, estimate=estimate)
    return f"{text} billed" if billed and amount is not None else text


def format_price(per_1m: float | None) -> str:
    """A catalog price per million tokens, as precise as the catalog gives it (``$0.175``, not ``$0.17``)."""
    return "—" if per_1m is None else f"${_decimals(per_1m, 4)}"


def format_credits(amount: float) -> str:
    """Enough digits that a nearly empty balance does not read as zero (status bar and banner alike)."""
    if amount != 0 and abs(amount) < 1:
        return f"{amount:,.6f} credits"
    return f"{amount:,.2f} credits"
