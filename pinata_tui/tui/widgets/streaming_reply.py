"""An assistant reply that can stream: the hot path of the app.

Deltas are appended with ``Markdown.append`` (Textual re-parses only from the last block
it rendered, so finished blocks are never re-rendered) and coalesced to a frame rate:
``feed`` is a cheap list append, and a background task flushes what accumulated at most
every ``FRAME_SECONDS``. One ``Markdown.update`` at the end tidies half-open blocks
(an unclosed code fence, say).
"""

from __future__ import annotations

import asyncio

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Markdown, Static

from pinata_tui.conversation import ChatMessage, MessageStatus
from pinata_tui.sanitize import make_displayable
from pinata_tui.tui.widgets.message_block import STATUS_LABELS, MessageBlock

FRAME_SECONDS = 1 / 30


class StreamingMarkdown(Markdown):
    """Markdown that takes text in pieces, rendering at most once a frame."""

    def __init__(self, markdown: str = "", **kwargs: object) -> None:
        super().__init__(markdown, **kwargs)  # type: ignore[arg-type]
        self._unflushed: list[str] = []
        self._flush_wake = asyncio.Event()
        self._flush_task: asyncio.Task[None] | None = None

    def feed(self, text: str) -> None:
        if not text:
            return
        self._unflushed.append(text)
        self._flush_wake.set()
        if self._flush_task is None:
            self._flush_task = asyncio.create_task(self._flush_loop())

    async def _flush_loop(self) -> None:
        while True:
            await self._flush_wake.wait()
            self._flush_wake.clear()
            if self._unflushed:
                chunk = "".join(self._unflushed)
                self._unflushed.clear()
                await self.append(chunk)
            await asyncio.sleep(FRAME_SECONDS)

    async def finish(self, full_text: str) -> None:
        """Stop streaming and show ``full_text`` (already sanitised) tidily, once."""
        if self._flush_task is not None:
            self._flush_task.cancel()
            try:
                await self._flush_task
            except asyncio.CancelledError:
                pass
            self._flush_task = None
        self._unflushed.clear()
        await self.update(full_text)

    def on_unmount(self) -> None:
        if self._flush_task is not None:
            self._flush_task.cancel()


class AssistantMessage(MessageBlock):
    """A reply: a header naming the model that wrote it (and its status), and Markdown."""

    def __init__(self, message: ChatMessage, **kwargs: object) -> None:
        super().__init__(message, **kwargs)
        self.waiting_note = ""
        self.set_class(message.is_partial, "-partial")

    def compose(self) -> ComposeResult:
        yield Static(self.header_text(), classes="message-header")
        yield StreamingMarkdown(make_displayable(self.message.content), classes="message-body")

    @property
    def body(self) -> StreamingMarkdown:
        return self.query_one(StreamingMarkdown)

    def header_text(self) -> Text:
        text = Text(self.message.model or "assistant", style="bold")
        label = STATUS_LABELS.get(self.message.status)
        if self.waiting_note and self.message.status == MessageStatus.STREAMING:
            text.append(f"  · {self.waiting_note}", style="italic yellow")
        elif label:
            text.append(f"  · {label[0]}", style=label[1])
        if self.message.usage and self.message.status != MessageStatus.STREAMING:
            text.append(f"  · {self.message.usage.completion_tokens:,} tokens", style="dim")
        return text

    def set_waiting_note(self, note: str) -> None:
        self.waiting_note = note
        self.refresh_header()

    def append_text(self, raw: str) -> None:
        """Take one streamed delta: sanitised per character, so split escape sequences are harmless."""
        if self.waiting_note:
            self.set_waiting_note("")
        shown = make_displayable(raw)
        self.message.content += raw
        self.body.feed(shown)

    async def settle(self, status: MessageStatus) -> None:
        self.message.status = status
        self.waiting_note = ""
        self.set_class(status in (MessageStatus.STOPPED, MessageStatus.INTERRUPTED), "-partial")
        self.set_class(status == MessageStatus.ERROR, "-failed")
        self.refresh_header()
        await self.body.finish(make_displayable(self.message.content))
