"""Full garbage collections wait while the reader pages through a long conversation (#17).

Each page mounted or unmounted leaves its widgets for the cyclic collector (Textual's widgets hold
reference cycles), and a full collection walks every object not frozen: 30-100 ms with a window of
a long conversation mounted, and while Page Up is held they came every few pages, each one a
visible stall. So while pages come and go, automatic full collections are held off (the young
generations are still collected as usual); one full collection runs once the window has been
still for ``QUIET_SECONDS``, or after ``MAX_PAGES`` page changes however fast they come (which
bounds the garbage waiting: some 1,500 objects a page).
"""

from __future__ import annotations

import gc

from textual.timer import Timer
from textual.widget import Widget

QUIET_SECONDS = 1.0
MAX_PAGES = 60
HELD_THRESHOLD = 1 << 30
"""The third ``gc`` threshold while held: full collections never come due by themselves."""

_held: int | None = None
"""The third threshold before the hold (None: not held). Process-wide, as the collector is."""


def hold_full_collections() -> None:
    global _held
    if _held is None:
        first, second, third = gc.get_threshold()
        _held = third
        gc.set_threshold(first, second, HELD_THRESHOLD)


def release_full_collections(*, collect: bool) -> None:
    """Full collections come due again as before; ``collect``: run one now."""
    global _held
    if _held is not None:
        first, second, _ = gc.get_threshold()
        gc.set_threshold(first, second, _held)
        _held = None
    if collect:
        gc.collect()


class CollectionPause:
    """The hold for one widget (the conversation pane): ``page_changed()`` after each page mounted or
    unmounted; ``stop()`` when the widget goes (without collecting)."""

    def __init__(self, owner: Widget) -> None:
        self._owner = owner
        self._pages = 0
        self._timer: Timer | None = None

    def page_changed(self) -> None:
        hold_full_collections()
        self._pages += 1
        if self._pages >= MAX_PAGES:
            self._pages = 0
            gc.collect()  # still held: the next ones wait again
        if self._timer is not None:
            self._timer.stop()
        self._timer = self._owner.set_timer(QUIET_SECONDS, self._quiet, name="collection-pause")

    def _quiet(self) -> None:
        self._timer = None
        self._pages = 0
        release_full_collections(collect=True)

    def stop(self) -> None:
        if self._timer is not None:  # holding
            self._timer.stop()
            self._timer = None
            self._pages = 0
            release_full_collections(collect=False)
