"""The history list's rows: one line each at any width, laid out for it, hostile text kept literal."""

from __future__ import annotations

import time

from rich.text import Text
from textual.content import Content
from textual.style import Style
from textual.visual import RenderOptions

from pinata_tui.store import ConversationSummary, SearchHit
from pinata_tui.tui.history.rows import OneLine, hit_row, summary_row

SUMMARY = ConversationSummary(7, "A title that is much longer than any column could hold, by far",
                              "anthropic/claude-sonnet-4-6", time.time(), time.time() - 3 * 86400, 4, 0.0131, 2)
HIT = SearchHit(7, "[bold]Not markup[/bold] \x1b[2J and a long title after it", 12,
                "…the «quokka» said " + "words " * 40, time.time())


def drawn(row: OneLine, width: int) -> str:
    strips = row.render_strips(width, None, Style(), RenderOptions(lambda _: Style(), {}))  # type: ignore[arg-type]
    assert len(strips) == 1
    return "".join(segment.text for segment in strips[0])


def test_a_row_is_one_line_at_any_width_and_cut_with_an_ellipsis():
    row = OneLine(lambda width: hit_row(HIT, 3, width))
    assert row.get_height({}, 20) == 1 and row.get_height({}, 200) == 1  # type: ignore[arg-type]
    for width in (20, 70, 112):
        line = drawn(row, width)
        assert Content(line).cell_length <= width and line.rstrip().endswith("…")
    assert "«quokka»" in drawn(row, 112)


def test_a_narrow_summary_row_keeps_the_date_the_model_and_the_cost():
    wide = summary_row(SUMMARY, False)
    assert wide.plain.startswith("  A title that is much longer than any co…  2")  # 40 characters, 2 spaces
    assert "anthropic/claude-sonnet-4-6" in wide.plain and wide.plain.endswith("$0.0131")
    narrow = summary_row(SUMMARY, False, 70)
    assert narrow.cell_len <= 70 and narrow.plain.endswith("$0.0131") and "anthropic/claude" in narrow.plain
    assert drawn(OneLine(lambda width: summary_row(SUMMARY, True, width)), 70).rstrip().endswith("$0.0131")
    assert "A title that is much long… " in narrow.plain and "anthropic/claude-s… " in narrow.plain  # cut columns say so


def test_a_title_that_fits_its_column_is_not_cut():
    short = ConversationSummary(8, "tmux panes", "m", time.time(), time.time(), 2, 0.0, 1)
    assert summary_row(short, False, 70).plain.startswith("  tmux panes  ") and "…" not in summary_row(short, False, 70).plain


def test_a_row_is_made_from_text_never_markup():
    row = OneLine(lambda width: hit_row(HIT, 1, width))
    assert str(row).startswith("[bold]Not markup[/bold] ␛[2J and a long")
    assert "[bold]Not markup[/bold]" in drawn(row, 112)
    assert isinstance(hit_row(HIT, 1), Text)


def test_wide_characters_are_cut_by_the_cells_they_take():
    wide = SearchHit(7, "会話のタイトルはとても長い", 12, "…«検索»した言葉がここにあります。" * 4, time.time())
    for width in (21, 40, 112):
        line = drawn(OneLine(lambda width: hit_row(wide, 2, width)), width)
        assert Content(line).cell_length <= width and line.rstrip().endswith("…")
