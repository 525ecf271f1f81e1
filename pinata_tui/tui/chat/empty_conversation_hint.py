"""What an empty conversation shows instead of a blank pane: the model, and what to press."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from pinata_tui.conversation import Conversation
from pinata_tui.sanitize import make_displayable
from pinata_tui.tui.chat.conversation_view import ConversationView
from pinata_tui.tui.chat.notice import Notice

if TYPE_CHECKING:
    from textual.screen import Screen

    from pinata_tui.tui.chat.settings_actions import SettingsActions
    from pinata_tui.tui.services import AppServices

    _Base = Screen[None]
else:
    _Base = object

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


class EmptyHintScreen(_Base):
    """The chat screen's empty state (a plain mixin): the hint takes the conversation pane's place
    until a message, or a notice (a palette command's answer), is there to show."""

    if TYPE_CHECKING:
        conversation: Conversation
        services: AppServices
        settings_actions: SettingsActions

    def _show_empty_hint(self, conversation: Conversation | None = None) -> None:
        shown = conversation or self.conversation  # or one previewed (``NewestFirstScreen``)
        self.settings_actions.show(shown)
        hint = self.query_one(EmptyConversationHint)
        hint.show_for(shown, demo=self.services.demo)
        self._set_empty_state(hint.display)

    def leave_empty_state(self) -> None:
        self.query_one(EmptyConversationHint).display = False
        self._set_empty_state(False)

    def _set_empty_state(self, empty: bool) -> None:
        """The hint takes the conversation pane's place, or gives it back.

        The screen's class is right before its first styling (the pane starts hidden); from then on
        the pane is shown or hidden itself: a class changed on the screen restyles every widget in
        it (25-30 ms in tmux, as the first message of every new conversation was sent).
        """
        self.set_class(empty, "-empty-conversation", update=False)
        self.query_one(ConversationView).display = not empty

    def on_notice_added(self, event: Notice.Added) -> None:
        self.leave_empty_state()
