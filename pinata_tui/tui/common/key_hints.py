"""The key hints line at the bottom: one widget that re-renders its text when bindings change.

Textual's Footer recomposes a widget per key on every bindings update and focus change;
at start-up alone that cost a third of a second. This draws the same hints as one Text, and
remembers where each hint lies so that a click on it presses its key, as a click on the
Footer's keys does (a disabled one rings the bell). The hint under the mouse is underlined.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widget import Widget


class KeyHints(Widget):
    DEFAULT_CSS = """
    KeyHints {
        height: 1;
        padding: 0 1;
        background: $footer-background;
    }
    """

    PALETTE = "palette"

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._spans: list[tuple[int, int, str, bool]] = []
        """(first cell, end cell, key, enabled) of each hint as last drawn."""
        self._hover: int | None = None
        """The first cell of the hint under the mouse."""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def _bindings_changed(self, screen: object) -> None:
        self.refresh()

    def hints(self) -> list[tuple[str, str, str, bool]]:
        """(key as shown, description, key to press, enabled) for each hint, in order."""
        found: list[tuple[str, str, str, bool]] = []
        seen: set[str] = set()
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.show or not binding.description or binding.description in seen:
                continue
            seen.add(binding.description)
            found.append((self.app.get_key_display(binding), binding.description, binding.key, active.enabled))
        if self.app.ENABLE_COMMAND_PALETTE and self.app.COMMAND_PALETTE_BINDING:
            found.append(("^p", self.PALETTE, self.app.COMMAND_PALETTE_BINDING, True))
        return found

    def render(self) -> Text:
        styles = self.app.theme_variables
        key_style = f"bold {styles.get('footer-key-foreground', styles.get('accent', 'yellow'))}"
        text = Text(no_wrap=True, overflow="ellipsis")
        spans: list[tuple[int, int, str, bool]] = []
        hints = self.hints()
        for index, (shown, description, key, enabled) in enumerate(hints):
            palette = description is self.PALETTE
            lead = "   " if palette else ("  " if index else "")
            start = cell_len(text.plain) + len(lead)
            hovered = " underline" if start == self._hover and enabled else ""
            if palette and not hovered:  # "   ^p" in one piece: the frame stays as it always was
                shown, lead = lead + shown, ""
            text.append(lead)
            text.append(shown, style=(key_style if enabled else "dim") + hovered)
            text.append(f" {description}", style=("" if enabled else "dim") + hovered)
            spans.append((start, cell_len(text.plain), key, enabled))
        self._spans = spans
        return text

    def hint_at(self, x: int) -> tuple[int, int, str, bool] | None:
        """The hint drawn over content cell ``x``, if any."""
        return next((span for span in self._spans if span[0] <= x < span[1]), None)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        hint = self.hint_at(offset.x) if offset is not None else None
        if hint is None:
            return
        event.stop()
        if hint[3]:
            self.app.simulate_key(hint[2])  # as if pressed: the binding runs where the key would reach
        else:
            self.app.bell()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        offset = event.get_content_offset(self)
        hint = self.hint_at(offset.x) if offset is not None else None
        hover = hint[0] if hint is not None else None
        if hover != self._hover:
            self._hover = hover
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.refresh()
