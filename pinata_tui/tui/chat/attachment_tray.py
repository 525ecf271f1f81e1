"""The files attached to the next message, as chips above the prompt.

Each chip shows the file's name (literally: control characters are shown, markup is not read)
and size. Clicking a chip, or Delete / Backspace on a focused one, removes it; Backspace in an
empty prompt removes the last one (the chat screen asks for that).
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.containers import HorizontalGroup
from textual.message import Message
from textual.widgets import Static

from pinata_tui.attachment_content import describe
from pinata_tui.attachments import Attachment


class AttachmentChip(Static, can_focus=True):
    """One attached file. Click, Delete or Backspace removes it."""

    BINDINGS = [Binding("delete,backspace", "remove", "Remove", id="attachments.remove")]

    class RemoveRequested(Message):
        def __init__(self, attachment: Attachment) -> None:
            super().__init__()
            self.attachment = attachment

    def __init__(self, attachment: Attachment) -> None:
        super().__init__(classes="-image" if attachment.is_image else "-text")
        self.attachment = attachment
        self.tooltip = Text("Click, or Delete when focused, to remove")

    def render(self) -> Text:
        text = Text("▣ " if self.attachment.is_image else "≡ ")
        text.append(describe(self.attachment))
        text.append("  ✕", style="bold")
        return text

    def action_remove(self) -> None:
        self.post_message(self.RemoveRequested(self.attachment))

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.action_remove()


class AttachmentTray(HorizontalGroup):
    """The chips; hidden while there are none."""

    class Changed(Message):
        """Files were added or removed (the context meter counts them)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.attachments: list[Attachment] = []
        self.display = False

    async def set_attachments(self, attachments: list[Attachment]) -> None:
        self.attachments = list(attachments)
        await self.remove_children()
        await self.mount_all([AttachmentChip(a) for a in self.attachments])
        self.display = bool(self.attachments)
        self.post_message(self.Changed())

    async def add(self, attachment: Attachment) -> None:
        """Attach a file; one already attached under the same name is replaced by the new read."""
        kept = [a for a in self.attachments if a.name != attachment.name]
        await self.set_attachments([*kept, attachment])

    async def discard(self, attachment: Attachment) -> None:
        await self.set_attachments([a for a in self.attachments if a is not attachment])

    async def clear(self) -> None:
        if self.attachments:
            await self.set_attachments([])
