"""Numbers typed by a person (the settings dialog, ``config set``, flags, the palette), read strictly;
and numbers read from a file (``finite_number``), checked.

Python's ``int()`` and ``float()`` take more than anyone means to type: ``1_000``, digits of other
scripts (``١٢``), ``nan``, ``inf``. A value is the plain form only: an optional sign, ASCII
digits and, for a decimal, one point and an exponent (``1e-05``, as ``:g`` shows small values).
Anything else raises ``ValueError`` with one line that says what is wanted. Knows nothing of Textual.
"""

from __future__ import annotations

import math
import re
from typing import Any

_WHOLE = re.compile(r"[+-]?[0-9]{1,18}")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]{1,18}(?:\.[0-9]{0,18})?|\.[0-9]{1,18})(?:[eE][+-]?[0-9]{1,4})?")
"""With an exponent: ``f"{1e-05:g}"`` is how a small value is shown (and so prefilled) again."""


def parse_whole(text: str) -> int:
    """``"800"`` → 800; ``"1_000"``, ``"1.5"``, ``"١٢"`` raise ValueError."""
    if not _WHOLE.fullmatch(text.strip()):
        raise ValueError(f"{text.strip()[:40]!r} is not a whole number (digits only, e.g. 1000)")
    return int(text)


def parse_decimal(text: str) -> float:
    """``"0.7"``, ``".5"``, ``"2"``, ``"1e-05"`` → floats; ``"1_0"``, ``"nan"``, ``"0x1p-2"`` raise ValueError."""
    if not _DECIMAL.fullmatch(text.strip()):
        raise ValueError(f"{text.strip()[:40]!r} is not a number (digits and a point, e.g. 0.7)")
    return float(text)


def whole_number(text: str) -> int:
    """``parse_whole`` as an argparse type (its message, not argparse's "invalid int value")."""
    try:
        return parse_whole(text)
    except ValueError as exc:
        import argparse  # only a command line with arguments gets here

        raise argparse.ArgumentTypeError(str(exc)) from None


def decimal(text: str) -> float:
    """``parse_decimal`` as an argparse type."""
    try:
        return parse_decimal(text)
    except ValueError as exc:
        import argparse  # only a command line with arguments gets here

        raise argparse.ArgumentTypeError(str(exc)) from None


def finite_number(value: Any, low: float = -math.inf, high: float = math.inf) -> float | None:
    """A number read from a file (JSON, TOML): an int or float, not a bool, finite and within
    ``[low, high]``; None for anything else (an int too large for a float included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) and low <= number <= high else None
