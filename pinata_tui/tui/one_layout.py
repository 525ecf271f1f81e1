"""One layout per change, not two (``textual_fixes`` fix 14).

Textual 8.2's layout gives each widget it placed its new ``virtual_size`` through the reactive,
which is declared ``layout=True``: setting it asks for another layout and a repaint of the whole
widget. So every layout in which a widget's virtual size changed was followed, a frame later, by a
second layout that changed nothing and by a second drawing of that widget in full. While a reply
streams, the reply and the conversation pane grow in every layout: each frame of the reply came
twice, and the second drew every visible line of both again.

The layout now sets it as Textual's own scrolling path already does (``layout=False``: the value
without the reactive's side effects). Nothing in Textual watches ``virtual_size``; a widget class
that does (``watch_virtual_size``) keeps Textual's way, so its watcher still runs, and so does one
with keylines (drawn for the scrollbars of the layout before). A scrolling widget whose viewport
changed still gets the second layout: the first placed its content with the old viewport's height,
so a pane following its end stopped short of its last lines when a banner appeared below it (found
in review: the attachment chips, the demo banner, the "more below" bar). While a reply streams the
pane's viewport stays as it is, and the reply is not a scrolling widget.
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
        keyline: str = self.styles.keyline[0]  # "none" when unset, whatever the type says
        if not layout or _watches_virtual_size(type(self)) or keyline != "none":
            return original(self, size, virtual_size, container_size, layout)
        viewport_before = self._container_size
        changed = original(self, size, virtual_size, container_size, False)  # the layout calling this placed it
        if viewport_before and viewport_before != self._container_size and self.is_scrollable:
            # A scrolling widget whose viewport changed (a banner or the chips appeared): the layout
            # placed its content for the old viewport (Textual's anchor at the end, the reader's
            # place), and the second layout puts it right, as before.
            self.refresh(layout=True)
        return changed

    Widget._size_updated = _size_updated  # type: ignore[method-assign]
