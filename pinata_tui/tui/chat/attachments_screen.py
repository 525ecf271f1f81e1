"""The chat screen's attachments: the file picker (Ctrl+F), ``@path`` completion in the prompt,
the chips above it, and giving the files back when a message could not be sent.

A base of ``ChatScreen`` (beside ``ContextMeterScreen``): files are read in a thread and checked
by ``pinata_tui.attachments``; a file that cannot be attached is a notification, never a crash,
and its name is shown literally.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.binding import Binding

from pinata_tui.attachment_content import safe_name
from pinata_tui.attachments import MAX_ATTACHMENTS, Attachment, AttachmentError, complete_path, read_attachment
from pinata_tui.tui.chat.attachment_tray import AttachmentChip, AttachmentTray
from pinata_tui.tui.chat.context_meter import ContextMeterScreen
from pinata_tui.tui.chat.first_need import FirstNeedScreen
from pinata_tui.tui.chat.path_completions import PathCompletions
from pinata_tui.tui.chat.prompt_input import PromptInput

if TYPE_CHECKING:
    from pinata_tui.conversation import ChatMessage


class AttachmentsScreen(FirstNeedScreen, ContextMeterScreen):  # the chips: mounted when first needed
    BINDINGS = [Binding("ctrl+f", "attach_file", "Attach", id="chat.attach", show=False)]

    @property
    def completions(self) -> PathCompletions:
        """The ``@path`` matches: an overlay just above the chips (or the prompt), mounted there when first
        wanted, not composed with the screen (an option list and its styles: ~5 ms before the first frame, #17)."""
        for completions in self.query_children(PathCompletions):
            return completions
        completions = PathCompletions(id="path-completions")
        self.mount(completions, before=self.tray)
        return completions

    # ------------------------------------------------------------ attaching

    def action_attach_file(self) -> None:
        from pinata_tui.tui.chat.file_picker import FilePicker

        def chosen(attachment: Attachment | None) -> None:
            self.prompt.focus()
            if attachment is not None:
                self.run_worker(self.tray.add(attachment), group="attach")

        if not self._room_for_another():
            return
        try:
            root = Path.cwd()
        except OSError:
            self.notify("The working folder is gone (deleted or moved): type @ and a full path instead.",
                        severity="warning")
            return
        self.app.push_screen(FilePicker(root), chosen)

    async def attach(self, path: str | Path) -> bool:
        """Read ``path`` (off the event loop) into a chip; a file that cannot be attached is a notification."""
        if not self._room_for_another():
            return False
        try:
            attachment = await asyncio.to_thread(read_attachment, path)
        except AttachmentError as exc:
            self.notify(safe_name(str(exc), limit=400), title="Cannot attach", severity="error", markup=False)
            return False
        await self.tray.add(attachment)
        return True

    def _room_for_another(self) -> bool:
        if len(self.attached) < MAX_ATTACHMENTS:
            return True
        self.notify(f"At most {MAX_ATTACHMENTS} files can go with one message.", severity="warning")
        return False

    @on(AttachmentChip.RemoveRequested)
    async def _remove_chip(self, event: AttachmentChip.RemoveRequested) -> None:
        event.stop()
        await self.tray.discard(event.attachment)
        self.prompt.focus()

    @on(PromptInput.BackspaceWhenEmpty)
    async def _remove_last(self) -> None:
        if self.attached:
            await self.tray.discard(self.attached[-1])

    @on(AttachmentTray.Changed)
    def _tray_changed(self) -> None:
        self.prompt.has_attachments = bool(self.tray.attachments)
        self.context.count_pending(self.tray.attachments, self.conversation.model)
        self.update_totals()

    # ------------------------------------------------------------ @path completion

    @on(PromptInput.PathQuery)
    async def _path_query(self, event: PromptInput.PathQuery) -> None:
        matches = [] if event.query is None else await asyncio.to_thread(complete_path, event.query)
        token = self.prompt.path_token()
        if (token[1] if token is not None else None) != event.query:
            return  # typed on meanwhile: a newer query follows
        if not self.query_children(PathCompletions):
            if not matches:
                return  # nothing to show, nothing shown
            await self.mount(PathCompletions(id="path-completions"), before=self.tray)
        self.completions.show_matches(matches)
        self.prompt.completing = bool(matches)

    def _stop_completing(self) -> None:
        self.completions.hide()
        self.prompt.completing = False

    @on(PromptInput.CompletionKey)
    async def _completion_key(self, event: PromptInput.CompletionKey) -> None:
        if event.key in ("up", "down"):
            self.completions.step(-1 if event.key == "up" else 1)
            return
        chosen = self.completions.chosen
        if event.key == "escape" or chosen is None:
            self._stop_completing()
            return
        if chosen.endswith("/"):  # a folder: go into it, still completing
            self.prompt.replace_path_token(chosen)
            return
        self._stop_completing()
        if await self.attach(chosen):
            self.prompt.replace_path_token(None)

    # ------------------------------------------------------------ sending

    def attachments_match(self, message: ChatMessage) -> bool:
        """The chips are the ones ``message`` (a prompt not sent) carries: sending again resends it."""
        return len(message.attachments) == len(self.attached) and all(
            a is b for a, b in zip(message.attachments, self.attached, strict=True))

    def restore_attachments(self, message: ChatMessage) -> None:
        """A message not sent: its files go back above the prompt (unless others are there now)."""
        if message.attachments and not self.attached:
            self.run_worker(self.tray.set_attachments(message.attachments), group="attach")

    def pending_attachments(self) -> list[Attachment]:
        return list(self.attached)
