"""themes/*.toml → textual.theme.Theme, registered with the app."""

from __future__ import annotations

from textual.app import App
from textual.color import Color, ColorParseError
from textual.theme import Theme

from pinata_tui.theme_files import COLOR_FIELDS, ThemeSpec, load_theme_specs


def to_theme(spec: ThemeSpec) -> Theme:
    """Raises ValueError naming a colour Textual cannot parse."""
    for key in COLOR_FIELDS:
        if key in spec.fields:
            try:
                Color.parse(spec.fields[key])
            except ColorParseError:
                raise ValueError(f"{key} = {spec.fields[key]!r} is not a colour") from None
    return Theme(name=spec.name, **spec.fields)


def register_themes(app: App[object], user_dir) -> tuple[list[str], list[str]]:  # noqa: ANN001 - Path | None
    """Register every good theme; return (names, problems)."""
    specs, problems = load_theme_specs(user_dir)
    names: list[str] = []
    for spec in specs:
        try:
            app.register_theme(to_theme(spec))
        except ValueError as exc:
            problems.append(f"Theme file {spec.path} {exc}; skipped.")
            continue
        names.append(spec.name)
    return names, problems
