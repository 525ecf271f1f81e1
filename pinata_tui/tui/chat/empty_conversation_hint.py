"""What an empty conversation shows instead of a blank pane: the model, and what to press."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from pinata_tui.conversation import Conversation
from pinata_tui.sanitize import make_displayable

KEYS = (("Ctrl+L", "choose another model (prices shown)"), ("F2", "your saved conversations"),
        ("Ctrl+J", "a new line in the prompt"), ("F1", "every key"), ("Ctrl+P", "every action, by name"))


class EmptyConversationHint(Static):
    def on_mount(self) -> None:
        self.display = False

    def show_for(self, conversation: Conversation, *, demo: bool) -> None:
        """Shown while ``conversation`` has no messages; hidden otherwise."""
        self.display = not conversation.messages
        if not self.display:
            return
        text = Text("\n")
        text.append("A new conversation with ")
        text.append(make_displayable(conversation.model), style="bold")
        text.append(". Type below and press Enter.\n\n")
        for keys, what in KEYS:
            text.append(f"  {keys:<8}", style="bold")
            text.append(f"{what}\n")
        if demo:
            text.append("\nDemo: Ctrl+P → 'Demo:' makes the next reply think first, get cut at the token limit, "
                        "fail mid-reply, or find the account out of credits.")
        self.update(text)
