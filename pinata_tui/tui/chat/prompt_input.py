"""The prompt box: multi-line, Enter sends, recall of earlier prompts with Up."""

from __future__ import annotations

import re

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea

from pinata_tui.sanitize import displayable_same_length

NEWLINE_KEYS = frozenset({"shift+enter", "alt+enter", "ctrl+j", "shift+\r"})
"""Keys that add a line: Shift+Enter in the kitty form (``shift+enter``) and the xterm
modifyOtherKeys form (``CSI 27;2;13~``, which Textual names ``shift+\r``), Alt+Enter (also sent as
ESC then Enter, see ``textual_fixes``), and Ctrl+J, which every terminal sends."""


COMPLETION_KEYS = frozenset({"up", "down", "tab", "enter", "escape"})
_PATH_TOKEN = re.compile(r"(?:^|\s)@((?:[^\s@\\]|\\.)*\\?)$")
"""An ``@`` at the start or after a space, then the path typed up to the cursor. A space, ``@`` or
backslash in the path is escaped with a backslash, as in a shell (``@My\\ Notes/plan.md``)."""
_ESCAPED = re.compile(r"\\(.?)")
_TO_ESCAPE = re.compile(r"([ \t@\\])")


def escape_path(path: str) -> str:
    """``path`` as written after an ``@`` in the prompt: spaces, ``@`` and backslashes escaped."""
    return _TO_ESCAPE.sub(r"\\\1", path)


def unescape_path(written: str) -> str:
    """The path an ``@`` token in the prompt stands for (a trailing lone backslash is still being typed)."""
    return _ESCAPED.sub(r"\1", written)


class PromptInput(TextArea):
    """Enter sends; Shift+Enter, Alt+Enter or Ctrl+J insert a newline (Ctrl+J works in every terminal).

    Keys that move through the conversation (PageUp/PageDown, Ctrl+Home/Ctrl+End) and Tab (to the
    newest message) belong to the chat screen (its priority bindings).
    """

    BINDINGS = [
        Binding("shift+enter,alt+enter,ctrl+j", "newline", "Newline", id="prompt.newline", show=False),
    ]


    class PathQuery(Message):
        """The ``@path`` being typed at the cursor changed; ``query`` is None when there is none."""

        def __init__(self, query: str | None) -> None:
            super().__init__()
            self.query = query

    class CompletionKey(Message):
        """Up, Down, Tab, Enter or Esc while ``@path`` matches are shown: they steer the matches."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    class BackspaceWhenEmpty(Message):
        """Backspace in an empty prompt: the last attached file goes."""

    class Submitted(Message):
        """The user pressed Enter on a non-empty prompt."""

        def __init__(self, prompt: PromptInput, text: str) -> None:
            super().__init__()
            self.prompt = prompt
            self.text = text

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, soft_wrap=True, tab_behavior="focus", show_line_numbers=False,
                         compact=True, highlight_cursor_line=False)
        self.placeholder = "Message (Enter to send, Ctrl+J for a new line, F1 for help)"
        self.sent_history: list[str] = []
        self._recall: int | None = None
        self.completing = False
        """``@path`` matches are shown (the screen sets it): the keys in ``COMPLETION_KEYS`` steer them."""
        self._path_query: str | None = None
        self.has_attachments = False
        """Files wait above the prompt (the screen sets it): Enter sends even without text."""

    def get_line(self, line_index: int) -> Text:
        """A line as drawn: control characters (pasted, or in a prompt loaded for an edit) show as
        symbols instead of reaching the terminal; one for one, so the cursor's column still fits."""
        line = super().get_line(line_index)
        plain = line.plain
        shown = displayable_same_length(plain)
        if shown == plain:
            return line
        safe = Text(shown, end="", no_wrap=True)
        for span in line.spans:
            safe.stylize(span.style, span.start, span.end)
        return safe

    def remember(self, text: str) -> None:
        if text and (not self.sent_history or self.sent_history[-1] != text):
            self.sent_history.append(text)
        self._recall = None

    def restore(self, text: str) -> bool:
        """Put a prompt that could not be sent back in the box, unless the user is writing a new one."""
        if self.text.strip():
            return False
        self.load_text(text)
        self.move_cursor(self.document.end)
        return True

    def action_newline(self) -> None:
        self.insert("\n")

    def path_token(self) -> tuple[tuple[int, int], str] | None:
        """Where the ``@path`` before the cursor starts (at its ``@``), and the path typed so far (unescaped)."""
        row, column = self.cursor_location
        found = _PATH_TOKEN.search(self.document.get_line(row)[:column])
        return ((row, found.start(1) - 1), unescape_path(found.group(1))) if found else None

    def replace_path_token(self, path: str | None) -> None:
        """Put ``@path`` (escaped) where the ``@path`` before the cursor is; None removes it."""
        token = self.path_token()
        if token is not None:
            self.replace("" if path is None else f"@{escape_path(path)}", token[0], self.cursor_location)

    def _on_text_area_changed(self, event: TextArea.Changed) -> None:
        token = self.path_token()
        query = token[1] if token is not None else None
        if query != self._path_query:
            self._path_query = query
            self.post_message(self.PathQuery(query))

    async def _on_key(self, event: events.Key) -> None:
        if self.completing and event.key in COMPLETION_KEYS:
            event.stop()
            event.prevent_default()
            self.post_message(self.CompletionKey(event.key))
            return
        if event.key == "backspace" and not self.text:
            self.post_message(self.BackspaceWhenEmpty())
        if event.key in NEWLINE_KEYS:
            event.stop()
            event.prevent_default()
            self.action_newline()
            return
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            text = self.text
            if text.strip() or self.has_attachments:
                self.post_message(self.Submitted(self, text))
            return
        if event.key == "up" and self._recall_allowed():
            event.stop()
            event.prevent_default()
            self._step_recall(-1)
            return
        if event.key == "down" and self._recall is not None:
            event.stop()
            event.prevent_default()
            self._step_recall(+1)
            return
        await super()._on_key(event)

    def _recall_allowed(self) -> bool:
        """Up recalls when the box is empty, or already shows a recalled prompt unchanged."""
        if not self.sent_history:
            return False
        if not self.text:
            return True
        return self._recall is not None and self.text == self.sent_history[self._recall]

    def _step_recall(self, step: int) -> None:
        index = len(self.sent_history) if self._recall is None else self._recall
        index += step
        if index >= len(self.sent_history):
            self._recall = None
            self.load_text("")
            return
        self._recall = max(0, index)
        self.load_text(self.sent_history[self._recall])
        self.move_cursor(self.document.end)
