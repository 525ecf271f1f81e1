"""Scroll anchoring for the conversation pane, as browsers do it: when content above the viewport
changes height (a page mounted or unmounted above, a long reply whose real lines replace its
estimated height), the scroll offset moves by the same amount in the same layout pass, so the text
being read does not jump. At the end of the conversation Textual's own ``anchor`` follows the
stream instead."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.geometry import Size
from textual.layout import DockArrangeResult
from textual.scrollbar import ScrollBar
from textual.widget import Widget

from pinata_tui.tui.chat.page_loader import PageLoader


class AnchoredScroll(VerticalScroll):
    """A ``VerticalScroll`` that keeps the reader's place; ``ConversationView`` is one."""

    _reading_anchor: tuple[Widget, int] | None = None
    _last_arrangement: DockArrangeResult | None = None

    def is_following_stream(self) -> bool:
        """True while the end is followed (then Textual's anchor keeps it in view)."""
        return False

    def arrange(self, size: Size, optimal: bool = False) -> DockArrangeResult:
        """Arrange the children, then keep the reader's place if content above them changed height."""
        arrangement = super().arrange(size, optimal)
        if arrangement is self._last_arrangement:
            self._note_reading_anchor(arrangement)
            return arrangement
        self._last_arrangement = arrangement
        if self.is_following_stream():
            self._reading_anchor = None  # Textual's anchor keeps the end in view
            return arrangement
        if self._reading_anchor is not None:
            widget, old_y = self._reading_anchor
            new_y = next((p.region.y for p in arrangement.placements if p.widget is widget), None)
            if new_y is not None and new_y != old_y:
                viewport = self.container_size.height - self.scrollbar_size_horizontal
                bottom = max(0, arrangement.spatial_map.total_region.bottom - viewport)
                scroll_y = min(max(0, self.scroll_y + new_y - old_y), bottom)
                # As Textual's own anchor does: set without validation (the new virtual size is
                # not known yet), in time for the compositor to place the children with it.
                self.set_reactive(Widget.scroll_y, scroll_y)
                self.set_reactive(Widget.scroll_target_y, scroll_y)
                self.vertical_scrollbar.set_reactive(ScrollBar.position, scroll_y)
        self._note_reading_anchor(arrangement)
        return arrangement

    def _note_reading_anchor(self, arrangement: DockArrangeResult) -> None:
        """Remember the first child visible at the top, and where it is."""
        top = self.scroll_y
        for placement in arrangement.placements:
            if placement.region.bottom > top and not isinstance(placement.widget, PageLoader):
                self._reading_anchor = (placement.widget, placement.region.y)
                return
        self._reading_anchor = None
