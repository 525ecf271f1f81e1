"""One line over the conversation: its own settings when it has any ("preset code-review · T 0.2 ·
max 4,000 · system ✓", or "system off" when config.toml's system prompt is turned off); hidden when
everything is the default. When the line is too narrow, the hint goes first, then the preset's name
is shortened: the values stay."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widgets import Static

from pinata_tui.conversation import Conversation
from pinata_tui.conversation_settings import summary

HINT = "   (F3 to change)"


class SettingsLine(Static):
    _shown_for: tuple[Conversation, str | None] | None = None

    def show_for(self, conversation: Conversation, *, default_system: str | None) -> None:
        self._shown_for = (conversation, default_system)
        self.display = bool(summary(conversation.settings, conversation.system_prompt, default_system=default_system))
        self._fit()

    def on_resize(self, event: events.Resize) -> None:
        self._fit()

    def _fit(self) -> None:
        if self._shown_for is None:
            return
        conversation, default_system = self._shown_for
        width = self.content_size.width or None
        shown = summary(conversation.settings, conversation.system_prompt, default_system=default_system)
        if width is None or len(shown) + len(HINT) <= width:
            shown += HINT
        else:
            shown = summary(conversation.settings, conversation.system_prompt, default_system=default_system,
                            width=width)
        # A preset's name comes from a file name: plain text, never markup.
        self.update(Text(shown, no_wrap=True, overflow="ellipsis"))
