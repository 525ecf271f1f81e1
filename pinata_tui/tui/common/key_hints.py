"""The key hints line at the bottom: one widget that re-renders its text when bindings change.

Textual's Footer recomposes a widget per key on every bindings update and focus change;
at start-up alone that cost a third of a second. This draws the same hints as one Text.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class KeyHints(Widget):
    DEFAULT_CSS = """
    KeyHints {
        height: 1;
        padding: 0 1;
        background: $footer-background;
    }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def _bindings_changed(self, screen: object) -> None:
        self.refresh()

    def render(self) -> Text:
        styles = self.app.theme_variables
        key_style = f"bold {styles.get('footer-key-foreground', styles.get('accent', 'yellow'))}"
        text = Text(no_wrap=True, overflow="ellipsis")
        seen: set[str] = set()
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.show or not binding.description or binding.description in seen:
                continue
            seen.add(binding.description)
            if text:
                text.append("  ")
            text.append(self.app.get_key_display(binding), style=key_style if active.enabled else "dim")
            text.append(f" {binding.description}", style="" if active.enabled else "dim")
        text.append("   ^p", style=key_style)
        text.append(" palette")
        return text
