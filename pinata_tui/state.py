"""What the app remembers by itself (last model, theme), kept apart from the user's config.toml."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from pinata_tui.files import atomic_write_text


def load_state(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def update_state(path: Path, **changes: Any) -> None:
    """Merge ``changes`` into the state file, atomically."""
    data = load_state(path)
    data.update(changes)
    atomic_write_text(path, json.dumps(data, indent=2))


def remember(path: Path, key: str, value: Any) -> None:
    """Record a choice the user made in the app, with when it was made."""
    update_state(path, **{key: value, f"{key}_at": time.time()})


def remembered(path: Path, key: str, config_file: Path, *, config_sets_it: bool) -> Any:
    """The remembered choice, unless config.toml sets the same thing and was edited after it.

    The newest decision wins: picking a theme in the app beats an older config.toml, and
    editing config.toml afterwards beats the remembered pick.
    """
    state = load_state(path)
    value = state.get(key)
    if value is None:
        return None
    if config_sets_it:
        try:
            edited = config_file.stat().st_mtime
        except OSError:
            edited = 0.0
        chosen = state.get(f"{key}_at")
        if not isinstance(chosen, (int, float)) or chosen <= edited:
            return None
    return value


def not_yet_told(path: Path, key: str, problems: list[str]) -> list[str]:
    """The problems not reported before under ``key`` (then remembered as reported).

    A broken theme file is worth one notice, not one at every start; an edited file whose
    problem reads differently is told again.
    """
    told = load_state(path).get(key)
    told = told if isinstance(told, list) else []
    fresh = [p for p in problems if p not in told]
    if fresh or set(told) - set(problems):
        try:
            update_state(path, **{key: problems})
        except OSError:
            pass  # remembering is a convenience
    return fresh
