"""Markdown to lines with Rich: the reply's Markdown class and theme, and pieces rendered as in the whole.

Rich's ``Markdown`` parses its text with markdown-it and renders the top-level blocks one after
the other into one stream of lines. Between two blocks the only thing carried over is whether
a blank line goes first (after every block but a horizontal rule) and the style of a ``<kbd>``
left open. So a document can be rendered piece by piece, each piece from its own tokens, and
the pieces put end to end give the lines of the whole document, provided each piece starts
with that state (a ``Lead``) and its links are resolved with the whole document's reference
definitions. ``tests/test_commonmark_conformance.py`` holds this to every CommonMark example.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from rich.theme import Theme
from textual.color import Color, ColorParseError

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token
    from rich.markdown import Markdown

References = dict[str, dict[str, Any]]
"""Link reference definitions as markdown-it keeps them: normalised label -> {"href", "title"}."""

_parsers = threading.local()


def parser() -> MarkdownIt:
    """markdown-it set up as Rich's ``Markdown`` sets it up (one per thread: the renderer's too)."""
    from markdown_it import MarkdownIt  # not on the start-up path: the first reply loads it

    md: MarkdownIt | None = getattr(_parsers, "full", None)
    if md is None:
        md = _parsers.full = MarkdownIt().enable("strikethrough").enable("table")
    return md


def block_parser() -> MarkdownIt:
    """The same, for block structure only (and link reference definitions): no inline parsing."""
    from markdown_it import MarkdownIt

    md: MarkdownIt | None = getattr(_parsers, "blocks", None)
    if md is None:
        md = _parsers.blocks = MarkdownIt().enable("strikethrough").enable("table").disable(["inline", "text_join"])
    return md


@cache
def reply_markdown_class() -> type[Markdown]:
    """Rich's Markdown with left-aligned headings, code blocks drawn from Pygments' tokens (``code_block``)
    and tables laid out directly (``table_block``) where they can be.

    Imported on first use: it pulls in Pygments.
    """
    from rich.markdown import Heading, Markdown, MarkdownElement

    from pinata_tui.tui.markdown.code_block import ReplyCodeBlock
    from pinata_tui.tui.markdown.table_block import ReplyTable

    class LeftHeading(Heading):
        LEVEL_ALIGN: ClassVar = {f"h{i}": "left" for i in range(1, 7)}

    class ReplyMarkdown(Markdown):
        elements: ClassVar[dict[str, type[MarkdownElement]]] = {
            **Markdown.elements, "heading_open": LeftHeading, "fence": ReplyCodeBlock, "code_block": ReplyCodeBlock,
            "table_open": ReplyTable}

    return ReplyMarkdown


def markdown_from_tokens(tokens: list[Token], code_theme: str, cls: type[Markdown] | None = None) -> Markdown:
    """A reply Markdown (or ``cls``) for ``tokens`` parsed already, set up as ``Markdown(text)`` sets itself up."""
    cls = cls or reply_markdown_class()
    markdown = cls.__new__(cls)
    markdown.markup = ""
    markdown.parsed = tokens
    markdown.code_theme = code_theme
    markdown.justify = None
    markdown.style = "none"
    markdown.hyperlinks = False
    markdown.inline_code_lexer = None
    markdown.inline_code_theme = code_theme
    return markdown


# ------------------------------------------------------------------ leads


@dataclass(frozen=True)
class Lead:
    """What Rich carries from the blocks before a piece into it."""

    new_line: bool = False
    """A blank line goes before the next block (false at the start and after a horizontal rule)."""
    kbd: int = 0
    """``<kbd>`` tags still open: Rich keeps their style on until they close."""


START = Lead()


def lead_after(tokens: list[Token], lead: Lead) -> Lead:
    """The lead for what follows ``tokens`` (the top-level tokens of a piece that started with ``lead``)."""
    from rich.markdown import Markdown, UnknownElement

    new_line = lead.new_line
    for token in reversed(tokens):
        if token.level == 0 and token.nesting <= 0:
            kind = token.type[:-len("_close")] + "_open" if token.nesting < 0 else token.type
            new_line = (Markdown.elements.get(kind) or UnknownElement).new_line  # the reply's headings are Rich's, aligned
            break
    kbd = lead.kbd + _kbd_balance(tokens)
    return Lead(new_line, max(kbd, 0))


def _kbd_balance(tokens: list[Token]) -> int:
    """``<kbd>`` opened minus closed, counting the tokens Rich's renderer visits."""
    balance = 0
    for token in tokens:
        if token.children and not (token.type == "fence" or token.tag == "img"):
            balance += _kbd_balance(token.children)
        elif token.type == "html_inline":
            balance += (token.content == "<kbd>") - (token.content == "</kbd>")
    return balance


def _lead_tokens(lead: Lead) -> list[Token]:
    """Stand-ins that put Rich's renderer in the state ``lead`` describes, drawing nothing."""
    from markdown_it.token import Token

    tokens = [Token("html_inline", "", 0, content="<kbd>") for _ in range(lead.kbd)]
    if lead.new_line:
        tokens.append(Token("lead_spacer", "", 0))  # an element Rich does not know: no lines, a blank before the next
    return tokens


# ------------------------------------------------------------------ rendering


@dataclass(frozen=True)
class RenderContext:
    """Where and how lines are rendered: the console, the width, the Markdown theme, the base style."""

    console: Console
    width: int
    theme: Theme
    dark: bool
    style: Style

    @property
    def code_theme(self) -> str:
        return "monokai" if self.dark else "xcode"  # friendly: numbers 2.84:1, comments 2.58:1 on light


@dataclass
class Piece:
    """Part of a document, parsed and rendered."""

    lines: list[list[Segment]]
    lead: Lead
    """The lead for what follows it."""
    definitions: References
    """Link reference definitions it made that were not known before (with their "map" of lines)."""
    asked: frozenset[str]
    """The reference labels its links looked up: a new definition for one of them changes it."""


class _Lookups(dict[str, dict[str, Any]]):
    """Reference definitions that note which labels the parser looks up."""

    def __init__(self, references: References) -> None:
        super().__init__(references)
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)


def render_piece(context: RenderContext, source: str, references: References, lead: Lead = START) -> Piece:
    """Parse and render ``source`` as it renders after blocks that leave ``lead``, with ``references``.

    A Markdown-rendering bug must cost one message its formatting, not crash the app (on the
    event loop) or stop every later message from rendering (in the renderer thread): if Rich
    fails, the piece is shown as its plain text.
    """
    env: dict[str, Any] = {"references": _Lookups(references)}
    try:
        tokens = parser().parse(source, env)
    except Exception:  # any Markdown bug: the text is shown plain instead
        return Piece(_plain_lines(context, source), lead, {}, frozenset())
    lookups: _Lookups = env["references"]
    definitions = {label: ref for label, ref in lookups.items() if label not in references}
    lines = render_tokens(context, tokens, lead, source)
    return Piece(lines, lead_after(tokens, lead), definitions, frozenset(lookups.asked))


def render_tokens(context: RenderContext, tokens: list[Token], lead: Lead, source: str) -> list[list[Segment]]:
    """Lines of ``tokens`` (``source`` parsed) rendered after blocks that leave ``lead``."""
    console = context.console
    width = context.width
    options = console.options.update(width=width, max_width=width, min_width=width, highlight=False)
    if not tokens:
        return []
    try:
        renderable = markdown_from_tokens(_lead_tokens(lead) + tokens, context.code_theme)
        with console.use_theme(context.theme):
            return console.render_lines(renderable, options, style=context.style, pad=True)
    except Exception:  # any Markdown bug: the text is shown plain instead
        return _plain_lines(context, source)


def _plain_lines(context: RenderContext, source: str) -> list[list[Segment]]:
    width = context.width
    options = context.console.options.update(width=width, max_width=width, min_width=width, highlight=False)
    return context.console.render_lines(Text(source, end=""), options, style=context.style, pad=True)


def render_markdown(context: RenderContext, markdown: str) -> list[list[Segment]]:
    """Lines of a whole document."""
    return render_piece(context, markdown, {}).lines


WARM_UP_SAMPLE = "".join([
    "# Title\n\nSome **bold**, *italic*, `code` and a [link](https://example.org).\n\n- one\n- two\n\n",
    "| a | b |\n|---|---|\n| 1 | 2 |\n\n> quoted\n\n",
    *(f"```{language}\nx\n```\n\n" for language in ("python", "bash", "javascript", "json", "text")),
])
"""What a first reply most likely uses: markdown-it and Rich's Markdown, Pygments' lexers for the
commonest code (each compiles its regular expressions on first use) and both code themes."""


def warm_up() -> None:
    """Load what rendering Markdown needs, ahead of the first reply (0.1 s of CPU on this machine,
    else spent between Enter and the first reply's lines). Off the event loop: a thread of its own."""
    import io

    console = Console(file=io.StringIO(), width=80, color_system="truecolor", legacy_windows=False)
    try:
        for dark in (True, False):
            render_markdown(RenderContext(console, 80, markdown_theme({}, dark), dark, Style()), WARM_UP_SAMPLE)
    except Exception:  # only a head start: the first reply loads whatever is missing
        return


# ------------------------------------------------------------------ the theme


def markdown_theme(variables: dict[str, str], dark: bool) -> Theme:
    """Rich styles for Markdown, taken from the app's Textual theme."""
    def color(name: str, fallback: str) -> str:
        try:
            return Color.parse(variables[name]).hex6
        except (KeyError, ColorParseError):
            return fallback

    primary = color("primary", "magenta")
    secondary = color("secondary", primary)
    accent = color("accent", "yellow")
    muted = color("foreground-muted", "bright_black")
    panel = color("panel", "black" if dark else "white")
    return Theme({
        "markdown.h1": f"bold underline {primary}",
        "markdown.h2": f"bold {primary}",
        "markdown.h3": f"bold {secondary}",
        "markdown.h4": "bold",
        "markdown.h5": "italic",
        "markdown.h6": "italic dim",
        "markdown.code": f"{accent} on {panel}",
        "markdown.link": f"underline {secondary}",
        "markdown.link_url": f"underline {secondary}",
        "markdown.item.bullet": f"bold {primary}",
        "markdown.item.number": f"bold {primary}",
        "markdown.block_quote": f"italic {muted}",
        "markdown.hr": muted,
        "markdown.table.border": muted,
        "markdown.table.header": f"bold {primary}",
    }, inherit=True)


_themes: list[tuple[dict[str, str], bool, Theme]] = []
_THEMES_KEPT = 4


def cached_markdown_theme(variables: dict[str, str], dark: bool) -> Theme:
    """``markdown_theme``, built once per theme: Textual makes a new variables dict when the theme changes."""
    for known, known_dark, theme in _themes:
        if known_dark == dark and (known is variables or known == variables):
            return theme
    theme = markdown_theme(variables, dark)
    _themes.insert(0, (variables, dark, theme))
    del _themes[_THEMES_KEPT:]
    return theme
