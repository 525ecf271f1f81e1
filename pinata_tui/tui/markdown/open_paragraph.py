"""The open paragraph at the end of a streaming reply, wrapped again only where it can still change.

A reply's tail (its last, unfinished block) is rendered again on every frame. When that block
is one long paragraph, Rich's word wrapping of the whole paragraph costs far more than parsing
it (3 ms against well under 1 at 1,500 tokens, headless), and it grew with the paragraph, as did
the cost of every frame. This keeps the wrapped lines of the last frame and wraps again only from the
last line that can still change.

Exactness rests on two facts about Rich (checked by tests/test_open_paragraph.py against a
full render, over random cuts of real-looking Markdown):

- Rich's greedy wrapping (``rich._wrap.divide_line``) decides where a line ends from the words
  since the line's start only. So if the paragraph's text before a line start ``s`` is the same
  as last frame (the same characters and the same styles, as parsed from the whole paragraph
  this frame), and the word at ``s`` is still at least as long, every line before ``s`` is the
  same and wrapping from ``s`` on gives the lines after it.
- A wrapped line's segments depend on that line's text and styles only.

The whole paragraph is still parsed each frame (an emphasis or a link opened early and closed
late restyles text from where it opened: comparing this frame's text with the last one's finds
that), but only from the first change on is anything wrapped or drawn again. Anything else (a
heading, a list, a table, tabs, a ``<kbd>`` left open) renders in full, as before.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from rich._wrap import divide_line
from rich.console import Console, ConsoleOptions
from rich.segment import Segment
from rich.text import Span, Text

from pinata_tui.tui.markdown.blocks import line_offsets
from pinata_tui.tui.markdown.render import (
    Lead,
    References,
    RenderContext,
    _lead_tokens,
    _Lookups,
    lead_after,
    markdown_from_tokens,
    parser,
    render_piece,
    render_tokens,
    reply_markdown_class,
)

if TYPE_CHECKING:
    from markdown_it.token import Token
    from rich.markdown import Markdown

PARAGRAPH_SHAPE = ("paragraph_open", "inline", "paragraph_close")
INLINE_TEXT = frozenset({"text", "softbreak", "hardbreak", "link_open", "link_close", "html_inline", "code_inline",
                         "em_open", "em_close", "strong_open", "strong_close", "s_open", "s_close"})
"""Inline tokens Rich turns into the paragraph's text (an image, say, renders as an element of its own)."""


@dataclass
class _Wrapped:
    """The open paragraph as last rendered."""

    key: tuple[object, ...]
    """The console, width, theme, base style and lead it was rendered with."""
    text: Text
    plain: str
    starts: list[int]
    """Where each wrapped line starts in ``plain``."""
    lines: list[list[Segment]]
    """Each wrapped line's segments."""


@cache
def _capturing_markdown_class() -> type[Markdown]:
    """The reply's Markdown class, but a paragraph hands its text over instead of rendering it."""
    from rich.markdown import Paragraph

    base = reply_markdown_class()

    class CapturedParagraph(Paragraph):
        sink: list[tuple[Text, ConsoleOptions]]

        @classmethod
        def create(cls, markdown: Markdown, token: Token) -> CapturedParagraph:
            element = cls(justify=markdown.justify or "left")
            element.sink = markdown.captured  # type: ignore[attr-defined]
            return element

        def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
            self.text.justify = self.justify
            self.sink.append((self.text, options))
            yield from ()

    class CapturingMarkdown(base):  # type: ignore[valid-type, misc]
        elements = {**base.elements, "paragraph_open": CapturedParagraph}

    return CapturingMarkdown


class _Segments:
    """Segments already rendered, for ``Console.render_lines`` to style, split and pad as it does all lines."""

    def __init__(self, segments: Iterable[Segment]) -> None:
        self.segments = segments

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterable[Segment]:
        return self.segments


def _clipped(spans: list[Span], end: int) -> list[tuple[int, int, Any]]:
    return [(start, min(stop, end), style) for start, stop, style in spans if start < end and min(stop, end) > start]


def _same_before(old: _Wrapped, text: Text, plain: str, start: int) -> bool:
    """Whether the lines before ``start`` (a line start of ``old``) are still the lines of ``text``."""
    word_end = start
    old_plain = old.plain
    while word_end < len(old_plain) and not old_plain[word_end].isspace():
        word_end += 1
    # The text before the line and the word that starts it (which may only have grown: it still
    # does not fit on the line before), and the styles before the line.
    return (plain[:word_end] == old_plain[:word_end]
            and _clipped(text.spans, start) == _clipped(old.text.spans, start))


def _wrap(text: Text, console: Console, width: int, base: int) -> tuple[list[Text], list[int]]:
    """``Text.wrap`` for a paragraph (justify left, overflow fold, no tabs), and where each line starts."""
    lines: list[Text] = []
    starts: list[int] = []
    position = base
    for piece in text.split(allow_blank=True):
        piece_text = piece.plain
        offsets = divide_line(piece_text, width, fold=True)
        new_lines = piece.divide(offsets)
        for line in new_lines:
            line.rstrip_end(width)
        new_lines.justify(console, width, justify="left", overflow="fold")
        for line in new_lines:
            line.truncate(width, overflow="fold")
        lines.extend(new_lines)
        starts.extend(position + offset for offset in [0, *offsets])
        position += len(piece_text) + 1  # and the line break
    return lines, starts


class OpenParagraph:
    """Renders a reply's tail, keeping the wrapped lines of an open paragraph from frame to frame."""

    def __init__(self) -> None:
        self._last: _Wrapped | None = None
        self._before: tuple[tuple[object, ...], References, list[list[Segment]]] | None = None

    def render(self, context: RenderContext, source: str, references: References, lead: Lead) -> list[list[Segment]]:
        """The lines of ``source`` rendered after ``lead``: as ``render_piece`` renders them."""
        tokens: list[Token] | None = None
        try:
            tokens = parser().parse(source, {"references": _Lookups(references)})
            lines = self._render_paragraph(context, tokens, source, references, lead)
        except Exception:  # anything unexpected: the full render (which has its own fallback)
            lines = None
        if lines is None:  # not a plain paragraph: rendered in full, from the tokens parsed already
            self._last = None
            if tokens is None:
                return render_piece(context, source, references, lead).lines
            return render_tokens(context, tokens, lead, source)
        return lines

    def _render_paragraph(self, context: RenderContext, tokens: list[Token], source: str, references: References,
                          lead: Lead) -> list[list[Segment]] | None:
        paragraph, before = tokens[-3:], tokens[:-3]
        if (tuple(token.type for token in paragraph) != PARAGRAPH_SHAPE or paragraph[0].level
                or any(child.type not in INLINE_TEXT for child in paragraph[1].children or ())):
            return None
        paragraph_lead = lead_after(before, lead) if before else lead
        if paragraph_lead.kbd:
            return None
        console, width = context.console, context.width
        options = console.options.update(width=width, max_width=width, min_width=width, highlight=False)
        context_key = (id(console), width, context.theme, context.style)
        with console.use_theme(context.theme):
            before_lines = self._blocks_before(context, before, lead, source, paragraph[0], references)
            markdown = markdown_from_tokens(_lead_tokens(paragraph_lead) + paragraph, context.code_theme,
                                            _capturing_markdown_class())
            captured: list[tuple[Text, ConsoleOptions]] = []
            markdown.captured = captured  # type: ignore[attr-defined]
            lead_lines = console.render_lines(markdown, options, style=context.style, pad=True)
            if len(captured) != 1 or len(lead_lines) != paragraph_lead.new_line:
                return None
            text, paragraph_options = captured[0]
            plain = text.plain
            if (not plain or "\t" in plain or text.justify != "left" or text.no_wrap or paragraph_options.no_wrap
                    or (text.overflow or paragraph_options.overflow or "fold") != "fold"
                    or paragraph_options.max_width != width):
                return None
            key = (*context_key, paragraph_lead, text.style, text.end)
            old = self._last if self._last is not None and self._last.key == key else None
            keep = self._lines_to_keep(old, text, plain)
            start = old.starts[keep] if old is not None and keep else 0
            rest = text[start:] if start else text
            wrapped, starts = _wrap(rest, console, width, start)
            joined = Text("\n").join(wrapped)
            rendered = console.render_lines(_Segments(joined.render(console, end=text.end)), options,
                                            style=context.style, pad=True)
        kept = old.lines[:keep] if old is not None else []
        lines = kept + rendered
        self._last = _Wrapped(key, text, plain, (old.starts[:keep] if old is not None else []) + starts, lines)
        return before_lines + lead_lines + lines

    def _blocks_before(self, context: RenderContext, tokens: list[Token], lead: Lead, source: str, paragraph: Token,
                       references: References) -> list[list[Segment]]:
        """The lines of the blocks before the paragraph (the tail's first lines may not be settled
        yet: the block before a paragraph's first line), kept while their text stays the same."""
        if not tokens:
            return []
        before = source[:line_offsets(source)[paragraph.map[0]]] if paragraph.map else source
        key = (id(context.console), context.width, context.theme, context.style, lead, before)
        if self._before is not None and self._before[0] == key and self._before[1] == references:
            return self._before[2]
        lines = render_tokens(context, tokens, lead, before)
        self._before = (key, dict(references), lines)
        return lines

    @staticmethod
    def _lines_to_keep(old: _Wrapped | None, text: Text, plain: str) -> int:
        """How many of ``old``'s lines are lines of ``text`` too (the last one is always wrapped again)."""
        if old is None:
            return 0
        # The first place the text may differ: nothing from there on can be kept.
        limit = len(old.plain)
        if not plain.startswith(old.plain):
            low, high = 0, min(len(plain), len(old.plain))
            while low < high:  # the longest common prefix
                middle = (low + high + 1) // 2
                if plain[:middle] == old.plain[:middle]:
                    low = middle
                else:
                    high = middle - 1
            limit = low
        candidate = bisect_right(old.starts, limit) - 1
        for keep in range(candidate, max(candidate - 3, 0), -1):
            start = old.starts[keep]
            if 0 < start < len(old.plain) and old.plain[start - 1].isspace() and not old.plain[start].isspace() \
                    and _same_before(old, text, plain, start):
                return keep
        return 0
