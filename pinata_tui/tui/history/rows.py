"""The rows of the history list: a saved conversation, or a conversation that search found.

Rows are :class:`OneLine` visuals: ``OptionList`` asks every option for its height when it is
added, which for Rich ``Text`` means formatting (and wrapping) each row; a ``OneLine`` is one
line by construction and makes its text only when it is first drawn, so filling the list costs
next to nothing and only the rows on screen are ever formatted. Everything shown comes from the
data (titles, snippets, model names: hostile text) and goes into ``Text`` objects, never markup.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime

from rich.text import Text
from textual.content import Content
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual

from pinata_tui.pricing import format_usd
from pinata_tui.sanitize import make_displayable
from pinata_tui.store import ConversationSummary, SearchHit

WIDE = 200
"""The width a row is laid out for when no screen asks (its plain text, ``str(row)``)."""


NARROW = "\u1100"
"""Below this code point every character takes one cell or none (East Asian wide ones start here)."""
MARKS = ("…", "●")
"""Characters above ``NARROW`` that the rows themselves use, one cell each (the snippets' ellipses)."""


def fit(text: Text, width: int) -> Text:
    """``text`` cut to ``width`` cells, with an ellipsis when cut.

    When every character is narrow (the usual case) it is cut by characters: measuring cells,
    as Rich does for any text beyond ASCII (a snippet's «» and …), costs more than the rest of
    drawing the row."""
    plain = text.plain
    for mark in MARKS:
        plain = plain.replace(mark, "")
    if not plain or max(plain) < NARROW:
        plain = text.plain
        if len(plain) > width:  # (a character under NARROW may take no cell: then the row is a bit short)
            text.right_crop(len(plain) - max(0, width - 1))
            text.append("…")
        return text
    text.truncate(width, overflow="ellipsis")
    return text


class OneLine(Visual):
    """One row of a list: always one line (cut with an ellipsis), laid out for the width it is drawn at.

    ``make(width)`` makes the row's text for a width, the first time the row is drawn at it.
    """

    def __init__(self, make: Callable[[int], Text]) -> None:
        self._make = make
        self._width = -1
        self._content: Content | None = None

    def _at(self, width: int) -> Content:
        if self._content is None or width != self._width:
            self._content = Content.from_rich_text(fit(self._make(width), width))  # a Text: never parsed as markup
            self._width = width
        return self._content

    def __str__(self) -> str:
        return self._make(WIDE).plain

    def get_height(self, rules: RulesMap, width: int) -> int:
        return 1

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self._at(container_width).cell_length

    def render_strips(self, width: int, height: int | None, style: Style, options: RenderOptions) -> list[Strip]:
        content = self._at(width)  # one line that fits: nothing to wrap, and no offsets (OptionList selects no text)
        return [Strip(content.render_segments(style), content.cell_length)]


def when(timestamp: float) -> str:
    moment = datetime.fromtimestamp(timestamp)
    if time.time() - timestamp < 20 * 3600:
        return moment.strftime("today %H:%M") if moment.date() == datetime.now().date() else moment.strftime("%a %H:%M")
    return moment.strftime("%Y-%m-%d")


def _cut(text: str, column: int, gap: int = 2) -> str:
    """``text`` in a column of ``column`` characters: cut with an ellipsis to leave ``gap`` spaces, then padded."""
    room = max(1, column - gap)
    if len(text) > room:
        text = text[: room - 1] + "…"
    return f"{text:<{column}}"


def summary_row(item: ConversationSummary, current: bool, width: int = WIDE) -> Text:
    """Marker, title, date, model, cost; narrower than 93 columns, the title and the model share what is left."""
    flexible = width - 22  # the marker (2), the date (12) and the cost (8) keep their width
    title = 42 if flexible >= 71 else max(8, flexible * 42 // 71)
    model = 29 if flexible >= 71 else max(6, flexible - title)
    row = Text(no_wrap=True, overflow="ellipsis")
    row.append("● " if current else "  ", style="bold green")
    row.append(_cut(make_displayable(item.title), title), style="bold" if current else ("" if item.replied else "dim"))
    row.append(f"{when(item.updated_at):<12}", style="dim")
    row.append(_cut(make_displayable(item.model), model, gap=1), style="cyan")
    if item.replied:
        row.append(f"{format_usd(item.cost):>8}")
    else:  # every request failed: nothing was billed, and nothing came back
        row.append(f"{'no reply':>8}", style="italic dim")
    return row


def hit_row(hit: SearchHit, matches: int, width: int = WIDE, snippets: Mapping[int, str] | None = None) -> Text:
    """Title, how many messages matched, the newest match's snippet (from ``snippets`` when given;
    the title takes at most a third)."""
    snippet = hit.snippet if snippets is None else snippets.get(hit.message_id, hit.snippet)
    row = Text(no_wrap=True, overflow="ellipsis")
    row.append(_cut(make_displayable(hit.title), min(42, max(12, width // 3))), style="bold")
    row.append(f"{matches:>3} × ", style="cyan")
    row.append(make_displayable(snippet), style="dim")
    return row


def group_hits(hits: list[SearchHit]) -> list[tuple[SearchHit, int]]:
    """One row per conversation (its newest matching message), with how many messages matched."""
    first: dict[int, SearchHit] = {}
    counts: dict[int, int] = {}
    for hit in hits:
        first.setdefault(hit.conversation_id, hit)
        counts[hit.conversation_id] = counts.get(hit.conversation_id, 0) + 1
    return [(hit, counts[cid]) for cid, hit in first.items()]
