"""config.toml: read with tomllib, written (only when asked) atomically with mode 0600.

Precedence is built here: defaults < config.toml < environment < command-line flags.
What the app remembers by itself (last model, theme choice) lives in the state file
instead, so a hand-written config.toml is never rewritten behind the user's back.
"""

from __future__ import annotations

import math
import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pinata_tui.files import atomic_write_text, ensure_private_dir
from pinata_tui.keymap import unknown_binding_problem
from pinata_tui.numbers import parse_decimal, parse_whole
from pinata_tui.secrets import check_credential, mask_key
from pinata_tui.settings import (
    ENV_ALLOW_INSECURE_HTTP,
    ENV_BASE_URL,
    ENV_JWT,
    ENV_LLM_KEY,
    MAX_RETRY_ATTEMPTS,
    BudgetSettings,
    RetrySettings,
    Settings,
    TimeoutSettings,
    normalize_base_url,
)

SECRET_KEYS = {"llm_key", "jwt"}


class ConfigError(Exception):
    """config.toml cannot be used; the message names the file, the line and the problem."""


@dataclass(frozen=True)
class Option:
    kind: type
    help: str
    minimum: float | None = None
    maximum: float | None = None


OPTIONS: dict[str, Option] = {
    "model": Option(str, "default model id, e.g. anthropic/claude-sonnet-4-6"),
    "system_prompt": Option(str, "system prompt sent first in every conversation"),
    "temperature": Option(float, "sampling temperature (0-2)", 0, 2),
    "top_p": Option(float, "nucleus sampling: only the likeliest tokens up to this probability (0-1)", 0, 1),
    "max_tokens": Option(int, "cap on each reply's length, in tokens", 1, 10_000_000),
    "theme": Option(str, "theme name (see the command palette's theme list)"),
    "export_dir": Option(str, "where Ctrl+S offers to save exports (default: your Documents folder)"),
    "base_url": Option(str, "API base URL: https://agents.pinata.cloud, or the OpenAI-compatible form ending in /v0/llm"),
    "llm_key": Option(str, "inference key (prefer PINATA_LLM_KEY or `pinata-chat enable`)"),
    "jwt": Option(str, "Pinata JWT, for key management and credits"),
    "allow_insecure_http": Option(bool, "send keys over plain http:// to a host other than loopback "
                                  "(default false: refused)"),
    "budget.daily": Option(float, "warn before sending (TUI) or refuse (ask) once today's spend reaches this, USD "
                           "(0: nothing is to be spent; unset: no budget)", 0, 1e6),
    "budget.monthly": Option(float, "the same for this calendar month, USD", 0, 1e6),
    "retry.max_attempts": Option(int, "attempts per request, the first included", 1, MAX_RETRY_ATTEMPTS),
    "retry.base_delay": Option(float, "first backoff delay, seconds", 0, 600),
    "retry.max_delay": Option(float, "longest single backoff, seconds", 0, 3600),
    "retry.max_total_wait": Option(float, "give up after waiting this long in all, seconds", 0, 3600),
    "timeouts.connect": Option(float, "connect timeout, seconds", 0.1, 600),
    "timeouts.read": Option(float, "longest silence mid-stream before it counts as stalled, seconds", 0.1, 3600),
    "timeouts.write": Option(float, "write timeout, seconds", 0.1, 600),
}
"""Every key config.toml understands. ``[keymap]`` maps binding ids (``keymap.BINDING_IDS``) to keys."""


@dataclass
class LoadedConfig:
    settings: Settings
    keymap: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    """Where each effective setting came from: default, config, env or flag."""
    warnings: list[str] = field(default_factory=list)


def read_config(path: Path) -> dict[str, Any]:
    """The parsed file ({} if absent). Malformed TOML raises ConfigError with line and problem."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 text (byte {exc.start}).") from None
    except RecursionError:
        raise ConfigError(f"{path}: arrays or tables nested too deeply to read.") from None
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends with "(at line L, column C)"; lead with the file and line.
        message = str(exc)
        where = ""
        if "(at line" in message:
            message, _, where = message.rpartition(" (at ")
            where = where.rstrip(")")
        raise ConfigError(f"{path}{', ' + where if where else ''}: {message}.") from None


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and name != "keymap":
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def coerce(key: str, value: Any, *, origin: str) -> Any:
    """Check (and, from text, convert) a value for ``key``. ``origin`` names where it came from."""
    option = OPTIONS.get(key)
    if option is None:
        raise ConfigError(f"{origin}: unknown setting {key!r}. Known: {', '.join(sorted(OPTIONS))}, [keymap].")
    if option.kind is bool:
        return _coerce_bool(key, value, origin)
    if isinstance(value, str) and option.kind is not str:
        try:  # plain digits: not Python's 1_000, 1e3, nan or other scripts' digits
            value = parse_whole(value) if option.kind is int else parse_decimal(value)
        except ValueError:
            raise ConfigError(f"{origin}: {key} must be a {option.kind.__name__}, not {value!r}.") from None
    if option.kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, option.kind) or isinstance(value, bool):
        raise ConfigError(f"{origin}: {key} must be a {option.kind.__name__}, not {value!r}.")
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{origin}: {key} must be a finite number, not {value!r}.")
    checked: Any = value  # of option.kind from here on
    if option.minimum is not None and checked < option.minimum:
        raise ConfigError(f"{origin}: {key} must be at least {option.minimum:g}.")
    if option.maximum is not None and checked > option.maximum:
        raise ConfigError(f"{origin}: {key} must be at most {option.maximum:g}.")
    if option.kind is str and key in ("model", "base_url", "llm_key", "jwt") and not checked.strip():
        raise ConfigError(f"{origin}: {key} must not be empty.")
    if key in SECRET_KEYS:
        try:
            return check_credential(key, checked)
        except ValueError as exc:
            raise ConfigError(f"{origin}: {exc}") from None
    if key == "base_url":
        try:
            return normalize_base_url(checked)
        except ValueError as exc:
            raise ConfigError(f"{origin}: base_url {exc}") from None
    return value


def check_binding_id(binding_id: str, *, origin: str, fix: str = "") -> None:
    """An unknown ``[keymap]`` id (a typo, or one an older version had) is refused, naming the known ones."""
    problem = unknown_binding_problem(binding_id)
    if problem:
        raise ConfigError(f"{origin}: {problem}{fix}")


_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}


def _coerce_bool(key: str, value: Any, origin: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ConfigError(f"{origin}: {key} must be true or false, not {value!r}.")


def permissions_warning(path: Path, data: Mapping[str, Any]) -> str | None:
    """Keys in a file others can read deserve a warning (like ssh's)."""
    if not (SECRET_KEYS & set(data)):
        return None
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return (f"{path} holds a key but others can read it (mode {stat.S_IMODE(mode):o}); "
                f"run: chmod 600 {path}")
    return None


def load_settings(path: Path, env: Mapping[str, str] | None = None,
                  flags: Mapping[str, Any] | None = None) -> LoadedConfig:
    """Defaults < config.toml < environment < flags. Raises ConfigError for a bad file."""
    env = os.environ if env is None else env
    data = read_config(path)
    keymap_raw = data.get("keymap", {})
    if not isinstance(keymap_raw, dict) or not all(isinstance(v, str) for v in keymap_raw.values()):
        raise ConfigError(f"{path}: [keymap] must map binding ids to keys, e.g. \"app.models\" = \"f2\".")
    for binding_id in keymap_raw:
        check_binding_id(binding_id, origin=str(path),
                         fix=f" To drop it: pinata-chat config unset keymap.{binding_id}")
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for key, value in _flatten({k: v for k, v in data.items() if k != "keymap"}).items():
        values[key] = coerce(key, value, origin=str(path))
        sources[key] = "config"
    for key, variable in (("llm_key", ENV_LLM_KEY), ("jwt", ENV_JWT), ("base_url", ENV_BASE_URL),
                          ("allow_insecure_http", ENV_ALLOW_INSECURE_HTTP)):
        if env.get(variable, "").strip():
            values[key] = coerce(key, env[variable].strip(), origin=variable)
            sources[key] = "env"
    for key, value in (flags or {}).items():
        if value is not None:
            values[key] = coerce(key, value, origin="command line")
            sources[key] = "flag"
    retry = RetrySettings(**{k.split(".", 1)[1]: v for k, v in values.items() if k.startswith("retry.")})
    budget = BudgetSettings(**{k.split(".", 1)[1]: v for k, v in values.items() if k.startswith("budget.")})
    timeouts = TimeoutSettings(**{k.split(".", 1)[1]: v for k, v in values.items() if k.startswith("timeouts.")})
    plain = {k: v for k, v in values.items() if "." not in k}
    settings = Settings(**plain, retry=retry, timeouts=timeouts, budget=budget)
    warnings = [w for w in [permissions_warning(path, data)] if w]
    return LoadedConfig(settings, dict(keymap_raw), sources, warnings)


def write_config(path: Path, data: Mapping[str, Any]) -> None:
    """Write atomically: a temporary file (mode 0600 from birth), then rename over the old one."""
    import tomli_w

    ensure_private_dir(path.parent)
    atomic_write_text(path, tomli_w.dumps(dict(data)), mode=0o600)


def set_value(path: Path, key: str, value: Any) -> bool:
    """Set one setting in config.toml (``keymap.<id>`` sets a key binding).

    Returns True when the file had comments, which tomli-w cannot keep (the caller says so).
    """
    data = read_config(path)
    if key.startswith("keymap."):
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{key} must be a key name, like f2 or ctrl+k.")
        binding_id = key.split(".", 1)[1]
        check_binding_id(binding_id, origin="config set")
        data.setdefault("keymap", {})[binding_id] = value
    else:
        value = coerce(key, value, origin="config set")
        section, _, name = key.rpartition(".")
        target = data.setdefault(section, {}) if section else data
        target[name] = value
    had_comments = path.exists() and any(line.lstrip().startswith("#")
                                         for line in path.read_text(encoding="utf-8").splitlines())
    write_config(path, data)
    return had_comments


def unset_value(path: Path, key: str) -> bool:
    """Remove one setting; True if it was there."""
    data = read_config(path)
    if key.startswith("keymap."):  # binding ids hold dots themselves: keymap.app.models
        section, name = key.split(".", 1)
    else:
        section, _, name = key.rpartition(".")
    target = data.get(section, {}) if section else data
    if not isinstance(target, dict) or name not in target:
        return False
    del target[name]
    write_config(path, data)
    return True


def describe(loaded: LoadedConfig) -> list[tuple[str, str, str]]:
    """(setting, shown value, source) for ``config show``. Keys are masked."""
    rows: list[tuple[str, str, str]] = []
    settings = loaded.settings
    for key in OPTIONS:
        if "." in key:
            group, name = key.split(".", 1)
            value = getattr(getattr(settings, group), name)
        else:
            value = getattr(settings, key)
        shown = mask_key(value) if key in SECRET_KEYS else ("(not set)" if value is None else repr(value))
        rows.append((key, shown, loaded.sources.get(key, "default")))
        if key == "base_url":
            rows.append(("  (requests go to)", f"{settings.llm_base_url}/chat/completions, /models, …",
                         "either form of base_url works"))
    for binding_id, keys in loaded.keymap.items():
        rows.append((f"keymap.{binding_id}", repr(keys), "config"))
    return rows

