"""themes/*.toml → textual.theme.Theme, registered with the app; the first theme chosen cheaply."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def register_themes(app: App[Any], user_dir: Path | None) -> tuple[list[str], list[str]]:
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


def set_first_theme(app: App[Any], name: str) -> None:
    """Choose the theme before any CSS is parsed, without the re-parse a theme change costs.

    Setting ``App.theme`` schedules a parse of all the CSS again (~20 ms of start-up) so that
    widgets already styled pick up the new colours. None are styled yet: setting the value,
    the classes and the CSS variables the change would set is enough.
    """
    if app.theme == name:
        return
    refresh_ansi_colours = getattr(app, "_refresh_truecolor_filter", None)
    if refresh_ansi_colours is None:  # a Textual that works differently: take the slow, sure way
        app.theme = name
        return
    app.set_reactive(App.theme, name)
    dark = app.current_theme.dark
    app.set_class(False, *[c for c in app.classes if c.startswith("-theme-")], update=False)
    app.set_class(True, f"-theme-{name}", update=False)
    app.set_class(dark, "-dark-mode", update=False)
    app.set_class(not dark, "-light-mode", update=False)
    refresh_ansi_colours(app.ansi_theme)
    app.stylesheet.set_variables(app.get_css_variables())  # the colours the first parse will use
