"""A message in the conversation: who wrote it, and its text. Focusable to copy.

Each message is one widget (its header is its first line, not a widget of its own): Textual lays
out every mounted widget on each change of size, and frees unmounted ones in the cyclic garbage
collector, so widgets per message count twice over in a long history.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from pinata_tui.conversation import ChatMessage, MessageStatus

STATUS_LABELS = {
    MessageStatus.STREAMING: ("streaming…", "italic"),
    MessageStatus.STOPPED: ("stopped", "bold yellow"),
    MessageStatus.INTERRUPTED: ("interrupted", "bold red"),
    MessageStatus.ERROR: ("not sent", "bold red"),
    MessageStatus.TRUNCATED: ("cut at the token limit", "bold yellow"),
    MessageStatus.FILTERED: ("blocked by a content filter", "bold yellow"),
    MessageStatus.FAILED: ("failed mid-reply", "bold red"),
    MessageStatus.REFUSED: ("refused", "bold yellow"),
    MessageStatus.TOOL_CALLS: ("tool calls only (not run)", "bold yellow"),
    MessageStatus.EMPTY: ("no visible text", "bold yellow"),
}


def code_blocks(markdown: str) -> list[tuple[str, str]]:
    """(language, code) for each fenced or indented code block, in order."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(markdown)
    return [(t.info.strip(), t.content) for t in tokens if t.type in ("fence", "code_block")]


class CopyRequested(Message):
    """A message block asks the app to copy text (the app knows how: pyperclip or OSC 52)."""

    def __init__(self, text: str, what: str) -> None:
        super().__init__()
        self.text = text
        self.what = what


class MessageBlock(Widget, can_focus=True):
    """Base for user and assistant messages: a header line, then the body."""

    COMPONENT_CLASSES = {"message-header"}
    BINDINGS = [
        Binding("y,c", "copy_message", "Copy message", id="message.copy"),
        Binding("k", "copy_code", "Copy code", id="message.copy_code"),
    ]

    def __init__(self, message: ChatMessage, **kwargs: object) -> None:
        self.message = message
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def header_text(self) -> Text:
        raise NotImplementedError

    def styled_header(self) -> Text:
        """The header as drawn: its own styles over the ``message-header`` component style."""
        header = Text()
        header.append_text(self.header_text())
        header.stylize_before(self.get_component_rich_style("message-header"))
        return header

    def refresh_header(self) -> None:
        self.refresh()

    def action_copy_message(self) -> None:
        self.post_message(CopyRequested(self.message.content, "message"))

    def action_copy_code(self) -> None:
        blocks = code_blocks(self.message.content)
        if not blocks:
            self.notify("This message has no code block.", severity="warning")
        elif len(blocks) == 1:
            self.post_message(CopyRequested(blocks[0][1], "code block"))
        else:
            from pinata_tui.tui.chat.code_block_picker import CodeBlockPicker

            def chosen(code: str | None) -> None:
                if code is not None:
                    self.post_message(CopyRequested(code, "code block"))

            self.app.push_screen(CodeBlockPicker(blocks), chosen)
