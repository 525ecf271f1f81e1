"""One layout per change, not two (``textual_fixes`` fix 14).

Textual 8.2's layout gives each widget it placed its new ``virtual_size`` through the reactive,
which is declared ``layout=True``: setting it asks for another layout and a repaint of the whole
widget. So every layout in which a widget's virtual size changed was followed, a frame later, by a
second layout that changed nothing and by a second drawing of that widget in full. While a reply
streams, the reply and the conversation pane grow in every layout: each frame of the reply came
twice, and the second drew every visible line of both again.

The layout now sets it as Textual's own scrolling path already does (``layout=False``: the value
without the reactive's side effects). Nothing in Textual watches ``virtual_size``; a widget class
that does (``watch_virtual_size``) keeps Textual's way, so its watcher still runs.
"""

from __future__ import annotations

from functools import cache

from textual.geometry import Size
from textual.widget import Widget


@cache
def _watches_virtual_size(cls: type[Widget]) -> bool:
    return hasattr(cls, "watch_virtual_size") or hasattr(cls, "_watch_virtual_size")


def set_virtual_size_without_a_second_layout() -> None:
    original = Widget._size_updated

    def _size_updated(self: Widget, size: Size, virtual_size: Size, container_size: Size,
                      layout: bool = True) -> bool:
        if layout and not _watches_virtual_size(type(self)):
            layout = False  # the layout that calls this is the one that placed it
        return original(self, size, virtual_size, container_size, layout)

    Widget._size_updated = _size_updated  # type: ignore[method-assign]
