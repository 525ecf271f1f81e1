"""Theme files (TOML) found and checked, without Textual: the TUI turns them into Themes.

Shipped themes live in the package (``pinata_tui/themes`` in a wheel; the repository's
top-level ``themes/`` in a checkout); users add their own in ``<config dir>/themes``. A
user theme with a shipped theme's name replaces it. A broken file is reported and skipped.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

COLOR_FIELDS = ("primary", "secondary", "accent", "warning", "error", "success", "foreground",
                "background", "surface", "panel", "boost")
NUMBER_FIELDS = ("luminosity_spread", "text_alpha")
DEFAULT_THEME = "pinata-dark"


@dataclass(frozen=True)
class ThemeSpec:
    name: str
    fields: dict[str, Any]
    path: Path


def shipped_theme_dirs() -> list[Path]:
    here = Path(__file__).resolve().parent
    return [d for d in (here / "themes", here.parent / "themes") if d.is_dir()][:1]


def parse_theme(path: Path) -> ThemeSpec:
    """One theme file. Raises ValueError with a message naming the problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot be read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"is not valid TOML: {exc}") from None
    name = data.get("name", path.stem)
    if not isinstance(name, str) or not name.strip():
        raise ValueError("needs a name")
    if not isinstance(data.get("primary"), str):
        raise ValueError("needs a primary colour, e.g. primary = \"#A66BFF\"")
    fields: dict[str, Any] = {}
    for key, value in data.items():
        if key == "name":
            continue
        if key in COLOR_FIELDS:
            if not isinstance(value, str):
                raise ValueError(f"{key} must be a colour string, not {value!r}")
        elif key == "dark":
            if not isinstance(value, bool):
                raise ValueError("dark must be true or false")
        elif key in NUMBER_FIELDS:
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise ValueError(f"{key} must be a number")
        elif key == "variables":
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise ValueError("[variables] must map names to strings")
        else:
            known = ", ".join(("name", "dark", *COLOR_FIELDS, *NUMBER_FIELDS, "variables"))
            raise ValueError(f"has an unknown field {key!r} (known: {known})")
        fields[key] = value
    return ThemeSpec(name.strip(), fields, path)


def load_theme_specs(user_dir: Path | None) -> tuple[list[ThemeSpec], list[str]]:
    """Every valid theme (shipped first, then the user's), and a line per broken file."""
    specs: dict[str, ThemeSpec] = {}
    problems: list[str] = []
    dirs = shipped_theme_dirs() + ([user_dir] if user_dir is not None and user_dir.is_dir() else [])
    for directory in dirs:
        for path in sorted(directory.glob("*.toml")):
            try:
                spec = parse_theme(path)
            except ValueError as exc:
                problems.append(f"Theme file {path} {exc}; skipped.")
                continue
            specs[spec.name] = spec
    return list(specs.values()), problems
