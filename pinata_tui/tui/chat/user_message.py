"""What the user sent, shown literally (no Markdown, no markup)."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message

from pinata_tui.attachment_content import describe
from pinata_tui.conversation import ChatMessage, MessageStatus
from pinata_tui.sanitize import make_displayable
from pinata_tui.tui.chat.message_block import MessageBlock


class EditRequested(Message):
    """Edit ``message``: its text goes into the prompt, and sending it starts a new branch."""

    def __init__(self, message: ChatMessage) -> None:
        super().__init__()
        self.message = message


class UserMessage(MessageBlock):
    """What the user sent: shown literally (no Markdown, no markup). ``e`` edits it (a new branch)."""

    BINDINGS = [Binding("e", "edit", "Edit (new branch)", id="message.edit")]

    def __init__(self, message: ChatMessage, *, branch: tuple[int, int] | None = None, **kwargs: object) -> None:
        super().__init__(message, branch=branch, **kwargs)
        self.set_class(message.status == MessageStatus.ERROR, "-not-sent")

    def render(self) -> Text:
        parts = [self.styled_header(), Text(make_displayable(self.message.content))]
        parts += [Text(f"{'▣' if a.is_image else '≡'} {describe(a)}", style="dim")
                  for a in self.message.attachments]
        return Text("\n").join(parts)

    def header_text(self) -> Text:
        text = Text("You", style="bold")
        if self.message.status == MessageStatus.ERROR:
            text.append("  · not sent", style=self.themed("bold $error"))
        return text

    def action_edit(self) -> None:
        self.post_message(EditRequested(self.message))

    def mark_not_sent(self) -> None:
        self.message.status = MessageStatus.ERROR
        self.add_class("-not-sent")
        self.refresh_header()

    def mark_sent(self) -> None:
        """Sent again (the same message, not a copy)."""
        self.message.status = MessageStatus.COMPLETE
        self.remove_class("-not-sent")
        self.refresh_header()
