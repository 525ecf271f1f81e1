"""Screens that bring their own stylesheets, read when the first of them opens (#17: cold start).

``app.tcss`` holds what the chat screen shows (the first frame), and nothing else: parsing the
whole app's rules before the first frame cost ~10 ms. Every other screen names its own ``.tcss``
files in ``STYLES`` (paths relative to the module that names them, as Textual's ``CSS_PATH``); they
are read when the first such screen is attached, before it and its widgets are styled, in the same
tier as ``app.tcss`` (app rules, not widget defaults: their precedence is unchanged).

Not ``CSS_PATH``: for a screen, Textual reads that after styling it, then parses every stylesheet of
the app again from scratch and restyles every widget in the app (~20 ms at a screen's first opening).
Here nothing already styled is styled again: the rules in these files are for their screens' own
widgets (a screen's type, its ids and classes), never for what the chat screen shows.
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual.screen import ModalScreen, ScreenResultType

if TYPE_CHECKING:
    from textual.app import App


def style_paths(screen_type: type) -> list[Path]:
    """The ``STYLES`` files of ``screen_type`` and of its bases, each beside the module naming it."""
    paths: list[Path] = []
    for cls in reversed(screen_type.__mro__):
        for name in cls.__dict__.get("STYLES", ()):
            path = Path(os.path.abspath(Path(inspect.getfile(cls)).parent / name))  # as Textual keys a file
            if path not in paths:
                paths.append(path)
    return paths


class StyledModal(ModalScreen[ScreenResultType]):
    """A modal screen whose ``STYLES`` are read as it is attached to the app (once per app)."""

    STYLES: ClassVar[tuple[str, ...]] = ()

    def _post_register(self, app: App[object]) -> None:
        super()._post_register(app)
        stylesheet = app.stylesheet
        for path in style_paths(type(self)):
            if not stylesheet.has_source(str(path), ""):
                # As ``Stylesheet.read`` keys a file (which would leave the rules map stale); parsed,
                # alone (the other sources' rules are cached), when the screen is styled just after.
                stylesheet.add_source(path.read_text(encoding="utf-8"), read_from=(str(path), ""))
