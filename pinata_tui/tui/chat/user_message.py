"""What the user sent, shown literally (no Markdown, no markup)."""

from __future__ import annotations

from rich.text import Text

from pinata_tui.conversation import ChatMessage, MessageStatus
from pinata_tui.sanitize import make_displayable
from pinata_tui.tui.chat.message_block import MessageBlock


class UserMessage(MessageBlock):
    """What the user sent: shown literally (no Markdown, no markup)."""

    def __init__(self, message: ChatMessage, **kwargs: object) -> None:
        super().__init__(message, **kwargs)
        self.set_class(message.status == MessageStatus.ERROR, "-not-sent")

    def render(self) -> Text:
        return Text("\n").join([self.styled_header(), Text(make_displayable(self.message.content))])

    def header_text(self) -> Text:
        text = Text("You", style="bold")
        if self.message.status == MessageStatus.ERROR:
            text.append("  · not sent", style=self.themed("bold $error"))
        return text

    def mark_not_sent(self) -> None:
        self.message.status = MessageStatus.ERROR
        self.add_class("-not-sent")
        self.refresh_header()

    def mark_sent(self) -> None:
        """Sent again (the same message, not a copy)."""
        self.message.status = MessageStatus.COMPLETE
        self.remove_class("-not-sent")
        self.refresh_header()
