"""An assistant reply that can stream: the hot path of the app.

Each delta is sanitised and fed to the reply, a ``StreamingMarkdown`` (see ``markdown_lines``),
which draws at most once a frame, renders finished blocks once into cached lines and redraws
only the unfinished tail. The header (model, status, tokens) is its first line.
"""

from __future__ import annotations

from rich.text import Text

from pinata_tui.conversation import ChatMessage, MessageStatus
from pinata_tui.sanitize import make_displayable
from pinata_tui.tui.widgets.markdown_lines import StreamingMarkdown
from pinata_tui.tui.widgets.message_block import STATUS_LABELS, MessageBlock

__all__ = ["AssistantMessage", "StreamingMarkdown"]


class AssistantMessage(MessageBlock, StreamingMarkdown):
    """A reply: a header naming the model that wrote it (and its status), and Markdown."""

    HAS_HEADER = True

    def __init__(self, message: ChatMessage, **kwargs: object) -> None:
        super().__init__(message, markdown=make_displayable(message.content), **kwargs)
        self.waiting_note = ""
        self.set_class(message.is_partial, "-partial")

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

    def render_header(self) -> Text:
        return self.styled_header()

    def refresh_header(self) -> None:
        self.header_changed()

    def set_waiting_note(self, note: str) -> None:
        self.waiting_note = note
        self.refresh_header()

    def append_text(self, raw: str) -> None:
        """Take one streamed delta: sanitised per character, so split escape sequences are harmless."""
        if self.waiting_note:
            self.set_waiting_note("")
        shown = make_displayable(raw)
        self.message.content += raw
        self.feed(shown)

    async def settle(self, status: MessageStatus) -> None:
        self.message.status = status
        self.waiting_note = ""
        self.set_class(status in (MessageStatus.STOPPED, MessageStatus.INTERRUPTED), "-partial")
        self.set_class(status == MessageStatus.ERROR, "-failed")
        self.refresh_header()
        await self.finish(make_displayable(self.message.content))
