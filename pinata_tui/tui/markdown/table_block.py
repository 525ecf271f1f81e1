"""Markdown tables laid out directly when every cell fits on one line, as Rich's ``Table`` lays them out.

Rich's Markdown draws a table as a ``Table`` (``box.SIMPLE``, no edge padding, collapsed padding):
it measures every cell (each wrapped in a ``Padding``), then renders every cell through two layers of
``render_lines`` (the cell's ``Padding``, then the ``Text``: wrapped, justified, joined and cut
into lines again). In a Markdown-dense reply that was a quarter of the rendering.

When the table fits the width as measured (each column as wide as its widest cell: nothing to
wrap or shrink) and its cells are single lines of plain characters (one column each, no tabs, no
control characters), ``ReplyTable`` yields the very segments the ``Table`` yields (text and style,
segment for segment: ``tests/test_table_block.py`` compares the two). Anything else goes through
Rich's own ``Table``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich import box
from rich.cells import cell_len
from rich.containers import Lines
from rich.markdown import TableElement
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions, RenderResult

_JOINER = Text("\n")


def _simple(text: Text) -> bool:
    plain = text.plain
    return plain.isprintable() and cell_len(plain) == len(plain) and text.justify in ("default", "left", "center",
                                                                                       "right", None)


def table_segments(console: Console, options: ConsoleOptions, header: list[Text],
                   rows: list[list[Text]]) -> list[Segment] | None:
    """What Rich's Markdown table (``header`` over ``rows``) yields at ``options``, or None where this
    cannot be sure of it (Rich's ``Table`` then draws it)."""
    columns = len(header)
    if not columns or any(len(row) != columns for row in rows):
        return None
    cells = [header, *rows]
    if not all(_simple(text) for row in cells for text in row):
        return None
    # Padding: one column on the right of every column but the last (collapsed, none at the edges).
    right = [1] * (columns - 1) + [0]
    widths = [max(max(len(row[index].plain) for row in cells) + right[index], 1) for index in range(columns)]
    extra = 2 + columns - 1  # the edges and the dividers
    if sum(widths) > options.max_width - extra or options.max_width - extra < 1:
        return None
    substituted = box.SIMPLE.substitute(options, safe=console.safe_box)
    if substituted is not box.SIMPLE:
        return None  # an ASCII or legacy console: Rich's own path
    get_style = console.get_style
    border = get_style("markdown.table.border") + get_style("")
    header_style = get_style("table.header") + get_style("")
    body_style = get_style("") + Style.null()
    null = Style.null()
    divider = Segment(box.SIMPLE.head_vertical, null.background_style + border)
    new_line = Segment.line()
    out: list[Segment] = [Segment(box.SIMPLE.get_top(widths), border), new_line]
    last_row = len(cells) - 1
    for index, row in enumerate(cells):
        if index == 0:
            left, right_edge = box.SIMPLE.head_left, box.SIMPLE.head_right
        elif index == last_row:
            left, right_edge = box.SIMPLE.foot_left, box.SIMPLE.foot_right
        else:
            left, right_edge = box.SIMPLE.mid_left, box.SIMPLE.mid_right
        vertical = (box.SIMPLE.head_vertical if index == 0 else
                    box.SIMPLE.foot_vertical if index == last_row else box.SIMPLE.mid_vertical)
        row_divider = divider if vertical == divider.text else Segment(vertical, null.background_style + border)
        out.append(Segment(left, border))
        style = header_style if index == 0 else body_style
        for column, text in enumerate(row):
            out.extend(_cell(console, text, widths[column] - right[column], right[column], style))
            if column < columns - 1:
                out.append(row_divider)
        out.append(Segment(right_edge, border))
        out.append(new_line)
        if index == 0:
            out.append(Segment(box.SIMPLE.get_row(widths, "head", edge=True), border))
            out.append(new_line)
    out.append(Segment(box.SIMPLE.get_bottom(widths), border))
    out.append(new_line)
    return out


def _cell(console: Console, text: Text, width: int, right: int, style: Style) -> list[Segment]:
    """One cell's line, as ``render_lines(Padding(text, (0, right, 0, 0)), style=style)`` draws it in the table."""
    if width < 1:
        return [Segment(" " * right, style)]  # nothing rendered at width 0: the table fills the cell with its style
    justify = text.justify or "left"
    line = text.copy()
    if justify != "default":
        Lines([line]).justify(console, width, justify=justify, overflow="ellipsis")
    segments = list(_JOINER.join([line]).render(console))
    used = line.cell_len
    null = Style.null()
    if used < width:
        segments.append(Segment(" " * (width - used), null))
    if right:
        segments.append(Segment(" " * right, null))
    if style:
        segments = [Segment(part, style + part_style if part_style else style) for part, part_style, _control in segments]
    return segments


class ReplyTable(TableElement):
    """Rich's Markdown table, laid out directly when it can be (see the module's notes)."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        segments = None
        if self.header is not None and self.header.row is not None:
            header = [cell.content.copy() for cell in self.header.row.cells]
            for heading in header:
                heading.stylize("markdown.table.header")
            rows = [[cell.content for cell in row.cells] for row in (self.body.rows if self.body is not None else [])]
            segments = table_segments(console, options, header, rows)
        if segments is not None:
            yield from segments
        else:
            yield from super().__rich_console__(console, options)
