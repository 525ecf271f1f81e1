"""Rendered lines kept as plain strings and bytes, out of the garbage collector's way."""

from __future__ import annotations

import threading
from array import array
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style


class PackedLines:
    """Rendered lines stored as plain strings and bytes, which the cyclic garbage collector ignores.

    Kept as Rich segments (and Strips, with their seven caches each), the lines of a window of
    long replies are a few hundred thousand tracked objects, and every full collection walked
    them all: pauses of 100-200 ms while scrolling a long history. Packed, a line is one ``str``
    and one ``bytes`` (span lengths and style numbers); segments are rebuilt for a line only
    when it is drawn. Styles are numbered in one table for the process (a theme has a few
    hundred at most).
    """

    _styles: ClassVar[list[Style | None]] = [None]
    _style_numbers: ClassVar[dict[Style, int]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, lines: list[list[Segment]] | None = None) -> None:
        self._texts: list[str] = []
        self._spans: list[bytes] = []
        if lines:
            self.extend(lines)

    def __len__(self) -> int:
        return len(self._texts)

    @classmethod
    def _number(cls, style: Style | None) -> int:
        if style is None:
            return 0
        number = cls._style_numbers.get(style)
        if number is None:
            with cls._lock:  # the renderer thread packs too
                number = cls._style_numbers.get(style)
                if number is None:
                    number = len(cls._styles)
                    cls._styles.append(style)
                    cls._style_numbers[style] = number
        return number

    def extend(self, lines: list[list[Segment]]) -> None:
        for line in lines:
            spans = array("I")
            for text, style, _control in line:
                spans.append(len(text))
                spans.append(self._number(style))
            self._texts.append("".join(segment.text for segment in line))
            self._spans.append(spans.tobytes())

    def replace(self, start: int, stop: int, lines: PackedLines) -> None:
        """Put ``lines`` in place of lines ``start`` to ``stop`` (a piece rendered again)."""
        self._texts[start:stop] = lines._texts
        self._spans[start:stop] = lines._spans

    def text(self, y: int) -> str:
        """The plain text of line ``y``."""
        return self._texts[y]

    def segments(self, y: int) -> list[Segment]:
        text = self._texts[y]
        spans = array("I")
        spans.frombytes(self._spans[y])
        styles = self._styles
        result = []
        position = 0
        for index in range(0, len(spans), 2):
            end = position + spans[index]
            result.append(Segment(text[position:end], styles[spans[index + 1]]))
            position = end
        return result
