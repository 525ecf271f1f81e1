"""A message in the conversation: who wrote it, and its text. Focusable to copy.

Each message is one widget (its header is its first line, not a widget of its own): Textual lays
out every mounted widget on each change of size, and frees unmounted ones in the cyclic garbage
collector, so widgets per message count twice over in a long history.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from pinata_tui.conversation import ChatMessage, MessageStatus

STATUS_LABELS = {
    MessageStatus.STREAMING: ("streaming…", "italic"),
    MessageStatus.STOPPED: ("stopped", "bold $warning"),
    MessageStatus.INTERRUPTED: ("interrupted", "bold $error"),
    MessageStatus.ERROR: ("not sent", "bold $error"),
    MessageStatus.TRUNCATED: ("cut at the token limit", "bold $warning"),
    MessageStatus.FILTERED: ("blocked by a content filter", "bold $warning"),
    MessageStatus.FAILED: ("failed mid-reply", "bold $error"),
    MessageStatus.REFUSED: ("refused", "bold $warning"),
    MessageStatus.TOOL_CALLS: ("tool calls only (not run)", "bold $warning"),
    MessageStatus.EMPTY: ("no visible text", "bold $warning"),
}
"""Each status's label and style; ``$error`` and ``$warning`` are the theme's (see ``themed``)."""


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


class SiblingRequested(Message):
    """Show another alternative of ``message`` (``step`` -1: the one before, +1: the one after)."""

    def __init__(self, message: ChatMessage, step: int) -> None:
        super().__init__()
        self.message = message
        self.step = step


class MessageBlock(Widget, can_focus=True):
    """Base for user and assistant messages: a header line, then the body.

    A message with alternatives (an edited prompt, a regenerated reply) shows ``◀ 2/3 ▶`` at the
    end of its header; ← and → (or a click on the arrows) ask the screen to show another one.
    """

    COMPONENT_CLASSES = {"message-header"}
    BINDINGS = [
        Binding("y,c", "copy_message", "Copy message", id="message.copy"),
        Binding("k", "copy_code", "Copy code", id="message.copy_code"),
        # Not in the key bar: the header's ◀ n/m ▶ shows them (and takes clicks).
        Binding("left,[", "sibling(-1)", "Previous alternative", id="message.previous_alternative", show=False),
        Binding("right,]", "sibling(1)", "Next alternative", id="message.next_alternative", show=False),
    ]

    class TypedAt(Message):
        """A printable key that means nothing on a message: the screen gives it to the prompt."""

        def __init__(self, character: str) -> None:
            super().__init__()
            self.character = character

    def __init__(self, message: ChatMessage, *, branch: tuple[int, int] | None = None, **kwargs: object) -> None:
        self.message = message
        self.branch = branch
        """(position from 1, count) among its alternatives, or None when it has none."""
        self._arrows_at: tuple[int, int] | None = None
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def set_branch(self, branch: tuple[int, int] | None) -> None:
        if branch != self.branch:
            self.branch = branch
            self.refresh_header()
            self.refresh_bindings()

    def branch_marker(self) -> Text | None:
        if self.branch is None:
            return None
        position, count = self.branch
        return Text.assemble(("◀", "bold" if position > 1 else "dim"), f" {position}/{count} ",
                             ("▶", "bold" if position < count else "dim"))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "sibling":
            return self.branch is not None  # without alternatives, ← and → scroll the pane as usual
        return True

    def action_sibling(self, step: int) -> None:
        if self.branch is not None:
            position, count = self.branch
            if 1 <= position + step <= count:
                self.post_message(SiblingRequested(self.message, step))

    _typing_ahead = False
    """A letter typed here went to the prompt: the keys typed on with it follow it there, even those
    that are this message's keys (they reach it before the focus has moved)."""

    def on_key(self, event: events.Key) -> None:
        """Runs before the bindings (checked as the key bubbles up to the app): a letter that is not a
        key here starts a new question in the prompt, and the rest of what is typed follows it."""
        if event.is_printable and event.character and not event.key.startswith(("ctrl+", "alt+")) \
                and (self._typing_ahead or event.key not in self._bindings.key_to_bindings):
            event.stop()
            event.prevent_default()
            self._typing_ahead = True
            self.post_message(self.TypedAt(event.character))

    def on_mouse_down(self, event: events.MouseDown) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y != 0 or self._arrows_at is None:
            return
        start, end = self._arrows_at
        if start <= offset.x < end:
            event.stop()
            self.action_sibling(-1 if offset.x < (start + end) // 2 else 1)

    def header_text(self) -> Text:
        raise NotImplementedError

    def themed(self, style: str) -> str:
        """A header style with ``$error``/``$warning`` as the theme's colours (ANSI red and yellow fall
        below 4.5:1 on some themes); without colour (NO_COLOR) an error is reversed instead."""
        variables = self.app.theme_variables
        if self.app.no_color:
            return style.replace("$error", "reverse").replace("$warning", "")
        return " ".join(variables.get(word[1:], "") if word.startswith("$") else word for word in style.split())

    def styled_header(self) -> Text:
        """The header as drawn: its own styles over the ``message-header`` component style."""
        header = Text()
        header.append_text(self.header_text())
        marker = self.branch_marker()
        if marker is not None:
            header.append("  ")
            self._arrows_at = (header.cell_len, header.cell_len + marker.cell_len)
            header.append_text(marker)
        else:
            self._arrows_at = None
        header.stylize_before(self.get_component_rich_style("message-header"))
        return header

    def refresh_header(self) -> None:
        self.refresh()

    def on_focus(self, event: events.Focus) -> None:
        if self.app.no_color:  # the header is reversed on focus (app.tcss): draw it again, once styled
            self.call_after_refresh(self.refresh_header)

    def on_blur(self, event: events.Blur) -> None:
        self._typing_ahead = False
        if self.app.no_color:
            self.call_after_refresh(self.refresh_header)

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
