"""A paste holding escape codes arrives whole, in order, as one paste, with each ESC shown as ␛."""

from __future__ import annotations

import pytest
from textual import events
from textual._xterm_parser import XTermParser

from pinata_tui.tui.paste_escapes import PASTE_END, PASTE_START, PasteEscapes
from pinata_tui.tui.textual_fixes import apply_textual_fixes

PASTED = "pasted line1 \x1b[31mred\x1b[0m\nline2 after newline\nline3"
SHOWN = "pasted line1 ␛[31mred␛[0m\nline2 after newline\nline3"
INPUT = f"a{PASTE_START}{PASTED}{PASTE_END}b"


def test_escapes_inside_a_paste_are_shown_and_nothing_outside_changes():
    assert PasteEscapes().filter(INPUT) == f"a{PASTE_START}{SHOWN}{PASTE_END}b"
    assert PasteEscapes().filter("\x1b[A\x1bx plain") == "\x1b[A\x1bx plain"  # keys, Alt+x: as they were


@pytest.mark.parametrize("cut", range(1, len(INPUT)))
def test_a_paste_read_in_two_pieces_anywhere_comes_out_the_same(cut):
    escapes = PasteEscapes()
    assert escapes.filter(INPUT[:cut]) + escapes.filter(INPUT[cut:]) == f"a{PASTE_START}{SHOWN}{PASTE_END}b"
    assert not escapes.in_paste


def events_for(*chunks: str) -> list[object]:
    assert apply_textual_fixes()
    parser = XTermParser()
    found: list[object] = []
    for chunk in chunks:
        found.extend(parser.feed(chunk))
    return found


def test_the_terminal_parser_gives_one_paste_and_no_keys():
    for chunks in ([INPUT], [INPUT[:20], INPUT[20:41], INPUT[41:]]):
        found = events_for(*chunks)
        keys = [e.key for e in found if isinstance(e, events.Key)]
        pastes = [e.text for e in found if isinstance(e, events.Paste)]
        assert keys == ["a", "b"] and pastes == [SHOWN]
