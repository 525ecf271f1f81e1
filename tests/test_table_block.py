"""Tables laid out directly (``pinata_tui/tui/markdown/table_block.py``) draw, segment for segment (text
and style), what Rich's ``Table`` draws for the same Markdown: alignments, inline styles in cells (the
header's too), empty cells, one column, a header alone, rows with missing or extra cells, tables in
lists and quotes, both themes, widths from roomy to too narrow (Rich's path then), wide characters."""

from __future__ import annotations

import io
from typing import Any, ClassVar

import pytest
from rich.console import Console
from rich.markdown import Markdown, MarkdownElement, TableElement
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from pinata_tui.tui.markdown import render, table_block
from pinata_tui.tui.markdown.render import RenderContext, markdown_theme, reply_markdown_class
from pinata_tui.tui.markdown.table_block import table_segments

TABLES = [
    "| name | value | note |\n|---|---|---|\n| alpha | 1 | first |\n| beta | 22 | second |",
    "| left | centre | right | none |\n|:---|:---:|---:|---|\n| a | b | c | d |\n| longer text | x | 12345 | |",
    "| **bold** head | *em* | `code` |\n|---|---|---|\n| a [link](https://example.org) | ~~struck~~ | `x = 1` |",
    "| only |\n|---|\n| one column |\n| two |",
    "| header | alone |\n|---|---|",
    "| a | b |\n|---|---|\n| missing |\n| one | two | three extra |",
    "| | |\n|---|---|\n| | |",
    "| trailing spaces   |  x  |\n|---|---|\n|  padded  | y |",
    "| 日本語 | wide |\n|---|---|\n| 🎉 | x |",
    "| 👨\u200d👩\u200d👧 | e\u0301 |\n|---|---|\n| joined | combining |",
    "| a | b |\n|---|---|\n| " + "long words " * 12 + "| c |",
    "| escaped \\| pipe | &amp; entity |\n|---|---|\n| <kbd>Ctrl</kbd> | x |",
]

DOCUMENT = "".join([
    "# Tables\n\n", *(table + "\n\n" for table in TABLES),
    "- in a list\n\n  | a | b |\n  |---|---|\n  | 1 | 2 |\n\n",
    "> | quoted | table |\n> |---|---|\n> | q | t |\n\n",
    "1. numbered\n   | x | y |\n   |:-:|--:|\n   | 3 | 4 |\n",
])


class RichTableMarkdown(Markdown):
    """The reply's Markdown, but with Rich's own table (what was drawn before)."""

    elements: ClassVar[dict[str, type[MarkdownElement]]] = {**reply_markdown_class().elements,
                                                            "table_open": TableElement}


def lines(context: RenderContext, cls: type[Markdown]) -> list:
    console, width = context.console, context.width
    tokens = render.parser().parse(DOCUMENT, {})
    options = console.options.update(width=width, max_width=width, min_width=width, highlight=False)
    with console.use_theme(context.theme):
        return console.render_lines(render.markdown_from_tokens(tokens, context.code_theme, cls), options,
                                    style=context.style, pad=True)


@pytest.mark.parametrize("dark", [True, False])
@pytest.mark.parametrize("width", [120, 60, 30, 12, 4])
def test_replies_with_tables_render_as_they_did_with_richs_table(dark, width):
    console = Console(width=width, file=io.StringIO(), color_system="truecolor", legacy_windows=False)
    context = RenderContext(console, width, markdown_theme({}, dark), dark, Style(color="#e0e0e0", bgcolor="#101010"))
    assert lines(context, reply_markdown_class()) == lines(context, RichTableMarkdown)


def test_the_direct_layout_draws_the_tables_that_fit(monkeypatch):
    """(Else the test above compares Rich with itself.)"""
    console = Console(width=120, file=io.StringIO(), color_system="truecolor", legacy_windows=False)
    options = console.options
    header, rows = [Text("name"), Text("value")], [[Text("alpha"), Text("1")]]
    assert table_segments(console, options, header, rows) is not None
    assert table_segments(console, options.update_width(8), header, rows) is None  # it would wrap
    assert table_segments(console, options, [Text("日本")], [[Text("x")]]) is None  # wide characters: Rich's path
    assert table_segments(console, options, header, [[Text("a")]]) is None  # a short row: Rich's path
    drawn: list[bool] = []

    def counting(*args: Any) -> list[Segment] | None:
        segments = table_segments(*args)
        drawn.append(segments is not None)
        return segments

    monkeypatch.setattr(table_block, "table_segments", counting)
    lines(RenderContext(console, 120, markdown_theme({}, True), True, Style()), reply_markdown_class())
    assert len(drawn) == len(TABLES) + 3 and sum(drawn) >= len(TABLES) - 2
