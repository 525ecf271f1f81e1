"""Fenced code blocks drawn straight from Pygments' tokens, as Rich's ``Syntax`` draws them.

Rich's Markdown draws a code block as ``Syntax(code, lexer, theme, word_wrap=True, padding=1)``:
it looks the lexer up by name and builds the theme again for every block, highlights the code
into one ``Text``, splits it into lines, wraps each line on its own (a ``Text`` laid out, justified
and cut into lines), then pads the lot with ``Padding``, which lays every line out once more.
In a Markdown-dense reply that was a third of the rendering, the lexing itself a fifth of it.

``ReplyCodeBlock`` yields the very segments ``Padding`` yields there (text and style, segment for
segment: ``tests/test_code_block.py`` compares the two over lexers, themes, widths and odd code),
with the lexer and the theme kept from block to block, whenever every line of the code fits the
width (nothing to wrap) and the code holds no control characters (which ``Text`` strips). Anything
else goes through Rich's own path, with the same kept lexer and theme.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.markdown import CodeBlock
from rich.segment import Segment
from rich.style import Style
from rich.syntax import PygmentsSyntaxTheme, Syntax, SyntaxTheme

if TYPE_CHECKING:
    from pygments.lexer import Lexer
    from rich.console import Console, ConsoleOptions, RenderResult

TAB_SIZE = 4
"""``Syntax``'s default, which Rich's Markdown keeps."""
_KEPT = 64
"""At most this many lexers (by the name the fence gave) and themes are kept (per thread)."""
_CONTROL = frozenset(chr(code) for code in range(32) if chr(code) not in "\n\t") | {"\x7f"}

_kept = threading.local()
"""Lexers and themes per thread (the event loop's, the renderer's, the warm-up's): Rich made new ones for every
block, so no lexer was ever shared between threads, and none is here."""


def _kept_for(kind: str) -> dict[str, Any]:
    found: dict[str, Any] | None = getattr(_kept, kind, None)
    if found is None:
        found = {}
        setattr(_kept, kind, found)
    elif len(found) >= _KEPT:
        found.clear()
    return found


def lexer_for(name: str) -> Lexer:
    """The lexer ``Syntax`` finds for ``name`` (plain text when there is none), made once per name and thread."""
    lexers = _kept_for("lexers")
    lexer: Lexer | None = lexers.get(name)
    if lexer is None:
        from pygments.lexers import get_lexer_by_name
        from pygments.util import ClassNotFound

        try:
            lexer = get_lexer_by_name(name, stripnl=False, ensurenl=True, tabsize=TAB_SIZE)
        except ClassNotFound:
            lexer = get_lexer_by_name("text", stripnl=False, ensurenl=True, tabsize=TAB_SIZE)
        lexers[name] = lexer
    return lexer


def theme_for(name: str) -> SyntaxTheme:
    """``Syntax.get_theme(name)``, made once per name and thread (it keeps the styles of the tokens it has seen)."""
    themes = _kept_for("themes")
    theme: SyntaxTheme | None = themes.get(name)
    if theme is None:
        theme = themes[name] = Syntax.get_theme(name)
    return theme


def code_segments(code: str, lexer: Lexer, theme: SyntaxTheme, width: int) -> list[Segment] | None:
    """What ``Padding(Syntax(code, lexer, theme, word_wrap=True, padding=1))`` yields at ``width``,
    or None where this cannot be sure of it (Rich's path then draws the block)."""
    if not isinstance(theme, PygmentsSyntaxTheme) or width < 3 or not _CONTROL.isdisjoint(code):
        return None
    base = theme.get_background_style()
    if not base or base.transparent_background:
        return None
    processed = (code if code.endswith("\n") else code + "\n").expandtabs(TAB_SIZE)
    code_width = width - 2
    token_style = theme.get_style_for_token
    combine, null = Style.combine, Style.null()
    styles: dict[Style | None, Style] = {}
    """Each token style as drawn: the line's (``base``) under it, then ``Padding``'s ``base`` over both."""

    def drawn(style: Style | None) -> Style:
        found = styles.get(style)
        if found is None:
            found = styles[style] = base + (combine((null, base, style)) if style else combine((null, base)))
        return found

    # One line of spans at a time, split at line breaks: (text, style or None), as Text.split divides them.
    lines: list[list[tuple[str, Style | None]]] = [[]]
    seen = 0
    for token_type, value in lexer.get_tokens(processed):
        seen += len(value)
        style = token_style(token_type) or None
        first = True
        for part in value.split("\n"):
            if not first:
                lines.append([])
            first = False
            if part:
                lines[-1].append((part, style))
    if seen != len(processed) or lines[-1]:
        return None  # the lexer changed the text (or did not end it with a line break): not what is measured here
    if not code.endswith("\n"):
        lines.pop()  # the line break added above ends the last line; one the code had leaves a blank line after it
    return _padded(lines, code_width, drawn, base, width)


def _padded(lines: list[list[tuple[str, Style | None]]], code_width: int, draw: Callable[[Style | None], Style],
            base: Style, width: int) -> list[Segment] | None:
    """The lines, each padded to ``code_width`` and given a column on either side, a blank line above and below."""
    segments: list[Segment] = []
    blank = Segment(" " * width + "\n", base)
    edge, new_line = Segment(" ", base), Segment("\n")
    segments.append(blank)
    for spans in lines:
        line = "".join(text for text, _style in spans)
        used = cell_len(line)  # (the whole line: as Rich measures it to pad)
        if used > code_width or not line.isascii() and any(cell_len(char) == 0 for char in line):
            return None  # it wraps, or has zero-width characters (Rich measures and crops those apart): Rich's path
        segments.append(edge)
        # Text.render cuts a segment wherever a span starts or ends: unstyled tokens next to each
        # other (and the padding after them) make one segment; each styled token makes its own.
        run = ""
        for text, style in spans:
            if style is None:
                run += text
                continue
            if run:
                segments.append(Segment(run, draw(None)))
                run = ""
            segments.append(Segment(text, draw(style)))
        run += " " * (code_width - used)
        if run:
            segments.append(Segment(run, draw(None)))
        segments.append(edge)
        segments.append(new_line)
    segments.append(blank)
    return segments


class ReplyCodeBlock(CodeBlock):
    """Rich's code block, drawn from the tokens when it can be (see the module's notes)."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        code = str(self.text).rstrip()
        lexer, theme = lexer_for(self.lexer_name), theme_for(self.theme)
        segments = code_segments(code, lexer, theme, options.max_width)
        if segments is not None:
            yield from segments
        else:
            yield Syntax(code, lexer, theme=theme, word_wrap=True, padding=1)

