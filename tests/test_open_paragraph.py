"""The open paragraph of a streaming reply is wrapped again only from its last lines, and draws
exactly what a full render of the same text draws (``pinata_tui/tui/markdown/open_paragraph.py``).

Each reply below is streamed into a ``ReplyDocument`` in random pieces, with a frame after each;
every frame's tail must be, segment for segment (text and style), what ``render_piece`` renders
from the same tail in one go. The replies gather what can change text already wrapped: emphasis,
code spans and links opened early and closed late (or never), hard breaks, setext underlines that
turn a paragraph into a heading, lazy continuation lines, tables whose header row comes first,
link definitions arriving after their links, wide characters, words longer than the width, tabs.
"""

from __future__ import annotations

import io
import random

import pytest
from rich.console import Console
from rich.style import Style

from pinata_tui.tui.markdown import open_paragraph
from pinata_tui.tui.markdown.render import START, RenderContext, markdown_theme, render_piece
from pinata_tui.tui.markdown.reply_document import ReplyDocument
from tests.markdown_helpers import stream_in_pieces

WIDTH = 48
CONSOLE = Console(width=WIDTH, file=io.StringIO(), color_system="truecolor", legacy_windows=False)
CONTEXT = RenderContext(CONSOLE, WIDTH, markdown_theme({}, True), True, Style(color="#e0e0e0", bgcolor="#101010"))

WORDS = ("the quick brown fox jumps over the lazy dog while a model streams its reply at a steady pace "
         "and the terminal keeps up").split()


def words(count: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(count))


REPLIES = {
    "plain long paragraph": words(400) + ".",
    "emphasis, code and links closed late": (
        f"Some **bold {words(30, 1)}** then *an emphasis that opens here {words(60, 2)} and closes here* "
        f"and `a code span {words(12, 3)}` and [a link text {words(20, 4)}](https://example.org/{'x' * 30}) "
        f"and ~~struck {words(25, 5)}~~ and ``double `tick` code`` then ![an image]({'i' * 10}.png) "
        f"**never closed {words(40, 6)}"),
    "unclosed openers": f"*a `b [c <d e_ {words(80, 7)} f* g` h] i> j_ {words(30, 8)} **",
    "hard breaks": (f"{words(20, 9)}  \n{words(25, 10)}\\\n{words(5, 11)}\n{words(30, 12)}  \n\n"
                    f"{words(40, 13)}"),
    "setext headings": (f"{words(30, 14)}\n{words(20, 15)}\n===\n\n{words(40, 16)}\n---\n\n{words(20, 17)}\n- \n"
                        f"{words(10, 18)}\n=== not an underline {words(10, 19)}"),
    "lazy continuation": f"> {words(20, 20)}\n{words(30, 21)}\nmore lazy text\n\n{words(40, 22)}",
    "table after its header row": (f"{words(25, 23)}\n| name | value |\n|---|---|\n| a | 1 |\n\n"
                                   f"| x | y |\n| --- | --- |\n| {words(8, 24)} | 2 |\n"),
    "definitions after their links": (f"See [the docs] and [PEP 8][pep8] {words(60, 25)} and [later] again.\n\n"
                                      "[the docs]: https://docs.python.org/3/\n[pep8]: https://peps.python.org/pep-0008/\n"
                                      f"{words(30, 26)} [later]\n\n[later]: <https://example.org> \"title\"\n"),
    "wide characters and long words": (f"日本語のテキスト {words(10, 27)} 文字列の折り返し 🎉🎉 {'x' * 130} "
                                       f"{words(20, 28)} {'y' * 60}z {'漢' * 40} {words(15, 29)}"),
    "entities, autolinks and html": (f"&amp; &copy &#35; {words(20, 30)} <https://example.org/{'p' * 20}> "
                                     f"<span class=\"x\">{words(15, 31)}</span> <kbd>Ctrl</kbd> {words(20, 32)} "
                                     f"&notanentity; <!-- a comment {words(8, 33)} --> {words(10, 34)}"),
    "tabs and kbd left open": f"{words(20, 35)}\t{words(10, 36)} <kbd>{words(30, 37)}\n\n{words(30, 38)}",
    "after other blocks": (f"# Title\n\n- item one\n- item two\n\n---\n{words(50, 39)}\n\n```\ncode\n```\n"
                           f"{words(60, 40)} *open {words(20, 41)}"),
}


def frames(text: str, seed: int, sizes: tuple[int, int] = (1, 12)):
    """Stream ``text`` into a document; yield (document, its tail's lines as drawn) after each piece."""
    document = ReplyDocument()
    for _ in stream_in_pieces(document, text, seed, sizes):
        document.render(CONTEXT, (WIDTH,))
        yield document, document.render_tail(CONTEXT)


def full_render(document: ReplyDocument):
    tail = document.tail
    if not tail.strip():
        return []
    lead = document.chunks[-1].lead if document.chunks else START
    return render_piece(CONTEXT, tail, document._references, lead).lines


@pytest.mark.parametrize("name", REPLIES)
def test_each_frame_of_the_open_paragraph_is_what_a_full_render_draws(name):
    text = REPLIES[name]
    for seed in range(4):
        for document, drawn in frames(text, seed):
            assert drawn == full_render(document), f"{name}, seed {seed}, tail ending {document.tail[-60:]!r}"


def test_random_cuts_of_mixed_markdown_render_as_in_full():
    text = "\n\n".join(REPLIES.values())
    for seed in range(4):
        for document, drawn in frames(text, 100 + seed, sizes=(1, 40)):
            assert drawn == full_render(document), f"seed {seed}, tail ending {document.tail[-60:]!r}"


def test_a_change_far_back_in_the_paragraph_is_redrawn():
    """An emphasis closed 20 lines after it opened restyles (and rewraps) text drawn long ago."""
    opening = f"start *{words(150, 42)} "
    document = ReplyDocument()
    document.append(opening)
    document.settle()
    before = document.render_tail(CONTEXT)
    document.append("end* done")
    after = document.render_tail(CONTEXT)
    assert after == full_render(document)
    assert before[0] != after[0]  # the first line lost its "*" and turned italic


def test_a_growing_paragraph_wraps_only_its_last_lines_again(monkeypatch):
    wrapped: list[int] = []
    real = open_paragraph.divide_line
    monkeypatch.setattr(open_paragraph, "divide_line",
                        lambda text, width, fold=True: wrapped.append(len(text)) or real(text, width, fold))
    document = ReplyDocument()
    text = words(1500) + "."
    for start in range(0, len(text), 20):
        document.append(text[start:start + 20])
        document.settle()
        lines = document.render_tail(CONTEXT)
    assert len(lines) > 150
    # After the first frames, each frame wraps the last line or two, not the paragraph.
    assert max(wrapped[10:]) < 3 * WIDTH
