"""One line over the conversation: its own settings when it has any ("preset code-review · T 0.2 ·
max 4,000 · system ✓", or "system off" when config.toml's system prompt is turned off); hidden when
everything is the default."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from pinata_tui.conversation import Conversation
from pinata_tui.conversation_settings import summary


class SettingsLine(Static):
    def show_for(self, conversation: Conversation, *, default_system: str | None) -> None:
        shown = summary(conversation.settings, conversation.system_prompt, default_system=default_system)
        self.display = bool(shown)
        # A preset's name comes from a file name: plain text, never markup.
        self.update(Text(f"{shown}   (F3 to change)", no_wrap=True, overflow="ellipsis"))
