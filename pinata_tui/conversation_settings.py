"""A conversation's own request settings: temperature, top_p, max tokens, and the preset it came from.

Each value is None when the conversation has none of its own: then config.toml's default (or the
model's) applies. The system prompt stays on ``Conversation.system_prompt``. Values are checked
here, at every edge they cross (the settings dialog, preset files, imported JSON), with the same
bounds. Knows nothing of Textual.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from pinata_tui.numbers import finite_number, parse_decimal, parse_whole
from pinata_tui.sanitize import one_line

TEMPERATURE_RANGE = (0.0, 2.0)
TOP_P_RANGE = (0.0, 1.0)
MAX_TOKENS_CAP = 1_000_000
"""No model writes a reply this long; a bigger number is a typo."""
PRESET_NAME_LIMIT = 64


class SettingError(ValueError):
    """A value that cannot be used; the message says what is allowed (one line, no markup)."""


@dataclass(frozen=True)
class ConversationSettings:
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    preset: str | None = None
    """The name of the preset the conversation started from (shown; the values above are what count)."""

    def replace(self, **changes: Any) -> ConversationSettings:
        return replace(self, **changes)

    @property
    def is_default(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))


# ------------------------------------------------------------------ checking values


def _in_range(value: Any, name: str, bounds: tuple[float, float]) -> float:
    low, high = bounds
    number = finite_number(value, low, high)
    if number is None:
        raise SettingError(f"{name} must be a number from {low:g} to {high:g}")
    return number


def check_temperature(value: Any) -> float:
    return _in_range(value, "temperature", TEMPERATURE_RANGE)


def check_top_p(value: Any) -> float:
    return _in_range(value, "top_p", TOP_P_RANGE)


def check_max_tokens(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TOKENS_CAP:
        raise SettingError(f"max tokens must be a whole number from 1 to {MAX_TOKENS_CAP:,}")
    return value


CHECKS = {"temperature": check_temperature, "top_p": check_top_p, "max_tokens": check_max_tokens}


def parse_field(name: str, text: str) -> float | int | None:
    """A value typed in the settings dialog: empty means "the default" (None). Raises SettingError."""
    text = text.strip()
    if not text:
        return None
    value: Any
    try:
        value = parse_whole(text) if name == "max_tokens" else parse_decimal(text)
    except ValueError:
        value = None  # (plain digits only: not Python's 1_000 or 1e3)
    return CHECKS[name](value)


def check_preset_name(value: Any) -> str | None:
    """A preset name is shown in the header and the exports: short, one line. None if unusable."""
    if not isinstance(value, str) or not value.strip():
        return None
    return one_line(value.strip(), PRESET_NAME_LIMIT)


def from_untrusted(data: Any) -> ConversationSettings:
    """Settings from an imported file or a database row: every value that is out of bounds is dropped."""
    if not isinstance(data, Mapping):
        return ConversationSettings()
    kept: dict[str, Any] = {}
    for name, check in CHECKS.items():
        if data.get(name) is None:
            continue
        try:
            kept[name] = check(data.get(name))
        except SettingError:
            continue
    return ConversationSettings(**kept, preset=check_preset_name(data.get("preset")))


def to_json(settings: ConversationSettings) -> dict[str, Any]:
    """The values a conversation has of its own (for the JSON export)."""
    return {f.name: getattr(settings, f.name) for f in fields(settings) if getattr(settings, f.name) is not None}


# ------------------------------------------------------------------ showing and sending


def summary(settings: ConversationSettings, system_prompt: str | None, *, default_system: str | None = None,
            own_system: bool = True, width: int | None = None) -> str:
    """One compact line of what differs from the defaults: "T 0.2 · top_p 0.9 · max 800 · system ✓".

    "system off" when config.toml has a system prompt and the conversation does not; ``own_system``
    False leaves out "system ✓" (an export shows the prompt itself). Past ``width`` characters the
    preset's name is shortened (with "…") so that the values stay.
    """
    values = []
    if settings.temperature is not None:
        values.append(f"T {settings.temperature:g}")
    if settings.top_p is not None:
        values.append(f"top_p {settings.top_p:g}")
    if settings.max_tokens is not None:
        values.append(f"max {settings.max_tokens:,}")
    if system_prompt and system_prompt != default_system and own_system:
        values.append("system ✓")
    elif default_system and not system_prompt:
        values.append("system off")
    name = settings.preset
    if name and width is not None:
        room = width - len(" · ".join(["preset ", *values]))
        if len(name) > room:
            name = name[:max(room - 1, 1)] + "…"
    return " · ".join([f"preset {name}", *values] if name else values)


@dataclass(frozen=True)
class RequestOptions:
    """What one request sends: the conversation's own values, else config.toml's defaults."""

    max_tokens: int | None
    temperature: float | None
    extra: dict[str, Any]
    """Other body fields (``top_p``), merged with a plan's own."""


def request_options(settings: ConversationSettings, *, max_tokens: int | None, temperature: float | None,
                    top_p: float | None = None, extra: Mapping[str, Any] | None = None) -> RequestOptions:
    chosen_top_p = settings.top_p if settings.top_p is not None else top_p
    body = dict(extra or {})
    if chosen_top_p is not None:
        body.setdefault("top_p", chosen_top_p)
    return RequestOptions(
        max_tokens=settings.max_tokens if settings.max_tokens is not None else max_tokens,
        temperature=settings.temperature if settings.temperature is not None else temperature,
        extra=body,
    )
