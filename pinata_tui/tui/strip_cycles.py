"""Stop Textual's ``Strip`` from keeping itself alive in its own caches.

``Strip`` memoises its operations, and when an operation returns the strip unchanged (padding
or cropping a line to the length it already has, dividing it at its own end) the strip is stored
in its own cache: a reference cycle. Every line Textual draws goes through such an operation,
so every drawn line becomes cyclic garbage that only a full collection frees. Scrolling a long
history draws thousands of lines, the heap fills with them, and the full collections that free
them paused the UI for 60-130 ms at a time (measured with ``bench/long_history.py``).

``avoid_strip_self_references()`` wraps the three operations so that an unchanged result is
returned without being cached (the cache would only ever return the same object). Results and
the caching of changed results are exactly Textual's. Checked against Textual 8.2.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.style import Style
from textual.strip import Strip

_patched = False


def avoid_strip_self_references() -> None:
    global _patched
    if _patched:
        return
    _patched = True
    adjust_cell_length = Strip.adjust_cell_length
    crop_extend = Strip.crop_extend
    divide = Strip.divide

    def adjust_cell_length_acyclic(self: Strip, cell_length: int, style: Style | None = None) -> Strip:
        if cell_length == self.cell_length:
            return self
        return adjust_cell_length(self, cell_length, style)

    def crop_extend_acyclic(self: Strip, start: int, end: int, style: Style | None) -> Strip:
        if start == 0 and end == self.cell_length:
            return self
        return crop_extend(self, start, end, style)

    def divide_acyclic(self: Strip, cuts: Iterable[int]) -> Sequence[Strip]:
        cuts = list(cuts)
        if [cut for cut in cuts if cut <= self.cell_length] == [self.cell_length]:
            return [self]
        return divide(self, cuts)

    Strip.adjust_cell_length = adjust_cell_length_acyclic  # type: ignore[method-assign]
    Strip.crop_extend = crop_extend_acyclic  # type: ignore[method-assign]
    Strip.divide = divide_acyclic  # type: ignore[method-assign]
