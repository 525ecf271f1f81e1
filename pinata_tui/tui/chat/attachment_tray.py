"""The files attached to the next message, as chips above the prompt.

Each chip shows the file's name (literally: control characters are shown, markup is not read)
and size. Clicking a chip, or Delete / Backspace on a focused one, removes it; Backspace in an
empty prompt removes the last one (the chat screen asks for that). When the chips do not all fit
in the row, "+N more" at its right end counts those out of sight (Shift+Tab reaches them).
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import HorizontalScroll
from textual.message import Message
from textual.widgets import Static

from pinata_tui.attachment_content import safe_name
from pinata_tui.attachments import Attachment, human_size

CHIP_NAME_LIMIT = 28
"""Longer names are shortened in the middle (the conversation shows them whole)."""


def short_name(name: str, limit: int = CHIP_NAME_LIMIT) -> str:
    shown = safe_name(name, limit=10_000)
    if len(shown) <= limit:
        return shown
    keep = limit - 1
    return shown[: keep - keep // 2] + "…" + shown[len(shown) - keep // 2:]


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
        attachment = self.attachment
        text = Text("▣ " if attachment.is_image else "≡ ")
        text.append(short_name(attachment.name))
        text.append(f" · {human_size(attachment.size)} ")
        text.append("✕", style="bold")
        return text

    def action_remove(self) -> None:
        self.post_message(self.RemoveRequested(self.attachment))

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.action_remove()


class AttachmentTray(HorizontalScroll, can_focus=False):
    """The chips, in a row that scrolls sideways when they do not fit (then "+N more" says how many
    are out of sight); hidden while there are none."""

    class Changed(Message):
        """Files were added or removed (the context meter counts them)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.attachments: list[Attachment] = []
        self.display = False

    def compose(self) -> ComposeResult:
        more = Static(id="chips-more")
        more.display = False
        yield more

    def on_mount(self) -> None:
        self.watch(self, "scroll_x", self._count_out_of_sight, init=False)

    def on_resize(self) -> None:
        self.call_after_refresh(self._count_out_of_sight)

    def _count_out_of_sight(self) -> None:
        """Show "+N more" while N chips are not wholly in view (it takes room, so count again after)."""
        left, width = int(self.scroll_x), self.scrollable_content_region.width
        hidden = sum(1 for chip in self.query(AttachmentChip)
                     if chip.virtual_region.x < left or chip.virtual_region.right > left + width)
        more = self.query_one("#chips-more", Static)
        if hidden:
            more.update(Text(f"+{hidden} more"))
        if more.display != bool(hidden):
            more.display = bool(hidden)
            self.call_after_refresh(self._count_out_of_sight)

    async def set_attachments(self, attachments: list[Attachment]) -> None:
        self.attachments = list(attachments)
        await self.remove_children(AttachmentChip)
        await self.mount_all([AttachmentChip(a) for a in self.attachments])
        self.display = bool(self.attachments)
        self.call_after_refresh(self._count_out_of_sight)
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
