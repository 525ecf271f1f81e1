"""Rendered lines to Textual ``Strip``s for the reply widget: the tail, the header rows, a selection."""

from __future__ import annotations

from rich.console import Console
from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from pinata_tui.sanitize import make_displayable


def to_strips(lines: list[list[Segment]], width: int, reuse: list[Strip],
              reused_lines: list[list[Segment]] | None = None) -> list[Strip]:
    """``lines`` as Strips; a line equal to the same line in ``reuse`` keeps that Strip (and Textual
    sees it unchanged: only the rows that differ are repainted). ``reused_lines``, if given, are
    the lines ``reuse`` was made from: a line that is the very same list needs no comparing."""
    known = reused_lines or []
    return [reuse[i] if i < len(reuse) and reuse[i].cell_length == width
            and ((i < len(known) and known[i] is line) or list(reuse[i]) == line)
            else Strip(line, width) for i, line in enumerate(lines)]


def header_strips(console: Console, width: int, header: Text, extra: tuple[Text, Text | None] | None,
                  style: Style) -> list[Strip]:
    """The header line (cut with an ellipsis), then ``extra``: a line, and a body indented by two
    columns, both wrapped to the width."""
    options = console.options.update(width=width, max_width=width, min_width=width, height=1, no_wrap=True,
                                     overflow="ellipsis", highlight=False)
    lines = console.render_lines(header, options, style=style, pad=True)
    strips = [Strip(lines[0], width)]
    if extra is not None:
        line, body = extra
        wrapped = console.options.update(width=width, max_width=width, min_width=width, highlight=False)
        rendered = console.render_lines(line, wrapped, style=style, pad=True)
        if body is not None:
            rendered += console.render_lines(Padding(body, (0, 0, 0, 2)), wrapped, style=style, pad=True)
        strips += [Strip(segments, width) for segments in rendered]
    return strips


def header_text(header: Text, extra: tuple[Text, Text | None] | None) -> list[str]:
    """The header rows as plain text, unwrapped (before there is a width to draw them at)."""
    rows = [make_displayable(header.plain)]
    for part in extra or ():
        rows += make_displayable(part.plain).split("\n") if part is not None else []
    return rows


def highlight(strip: Strip, start: int, end: int, style: Style) -> Strip:
    """``strip`` with characters ``start`` to ``end`` (-1: the end of the text) in ``style``."""
    text = strip.text
    end = len(text.rstrip()) if end == -1 else min(end, len(text))
    if start >= end:
        return strip
    segments: list[Segment] = []
    position = 0
    for segment in strip:
        piece, piece_style, control = segment
        after = position + len(piece)
        if control or after <= start or position >= end:
            segments.append(segment)
        else:
            cut1, cut2 = max(start - position, 0), min(end - position, len(piece))
            if cut1:
                segments.append(Segment(piece[:cut1], piece_style))
            segments.append(Segment(piece[cut1:cut2], piece_style + style if piece_style else style))
            if cut2 < len(piece):
                segments.append(Segment(piece[cut2:], piece_style))
        position = after
    return Strip(segments, strip.cell_length)
