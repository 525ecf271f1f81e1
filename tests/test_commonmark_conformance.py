"""Every CommonMark spec example renders the same whole, streamed in pieces, and as Rich renders it.

For each of the 652 examples of the CommonMark spec 0.31.2, three renderings at a fixed width,
compared as plain text, must be identical:

(a) the reply renderer given the whole text at once (what a finished reply, or ``finish``, draws);
(b) the reply renderer fed the text in random pieces (several seeded splits), with a frame after
    each piece (settling finished blocks, rendering settled lines and the live tail), then
    finished;
(c) Rich's ``Markdown`` (the reply's subclass, with left-aligned headings) rendering the whole
    text as one document.

The renderer is driven headless (``ReplyDocument``, the widget's model, with a plain console):
the widget adds only timing and drawing on top of it.

``tests/data/commonmark-spec-0.31.2.json`` is the spec's examples as published at
https://spec.commonmark.org/0.31.2/spec.json, taken unchanged from markdown-it-py's copy
(github.com/executablebooks/markdown-it-py, ``tests/test_cmark_spec/commonmark.json``, last
changed in commit 4535d77edcb5f51450a266135687eeae8bcc5033).
"""

from __future__ import annotations

import io
import json
import random
from collections import Counter
from itertools import pairwise
from pathlib import Path

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.theme import Theme

from pinata_tui.tui.markdown.render import RenderContext, reply_markdown_class
from pinata_tui.tui.markdown.reply_document import ReplyDocument

SPEC = Path(__file__).parent / "data" / "commonmark-spec-0.31.2.json"
WIDTH = 60
SEEDS = (1, 2, 3)

CONSOLE = Console(width=WIDTH, file=io.StringIO(), color_system=None, legacy_windows=False)
CONTEXT = RenderContext(CONSOLE, WIDTH, Theme(), True, Style())
KEY = (WIDTH, "plain")


def examples() -> list[dict]:
    return json.loads(SPEC.read_text(encoding="utf-8"))


def plain(lines: list[list[Segment]]) -> str:
    return "\n".join("".join(segment.text for segment in line).rstrip() for line in lines).rstrip("\n")


def drawn(document: ReplyDocument) -> str:
    """What the widget would draw: the settled lines, then the tail."""
    document.render(CONTEXT, KEY)
    tail = document.render_tail(CONTEXT)
    return "\n".join([*(line.rstrip() for line in document.plain_lines()),
                      *("".join(s.text for s in line).rstrip() for line in tail)]).rstrip("\n")


def whole(text: str) -> str:
    return drawn(ReplyDocument(text))


def splits(text: str, seed: int) -> list[str]:
    """``text`` cut at random places, into 2 to 8 pieces (one character at a time: see below)."""
    rng = random.Random(seed * 7919 + len(text))
    if not text:
        return []
    count = rng.choice([2, 3, 5, 8])
    cuts = sorted(rng.sample(range(1, len(text)), min(count - 1, len(text) - 1))) if len(text) > 1 else []
    bounds = [0, *cuts, len(text)]
    return [text[a:b] for a, b in pairwise(bounds)]


def streamed(text: str, seed: int) -> str:
    document = ReplyDocument()
    for piece in splits(text, seed):
        document.append(piece)
        document.settle()
        drawn(document)  # a frame
    document.finish(text)
    return drawn(document)


def rich_whole(text: str) -> str:
    options = CONSOLE.options.update(width=WIDTH, max_width=WIDTH, min_width=WIDTH, highlight=False)
    markdown = reply_markdown_class()(text, hyperlinks=False)
    return plain(CONSOLE.render_lines(markdown, options, pad=True))


def test_the_spec_file_holds_all_652_examples():
    spec = examples()
    assert len(spec) == 652 and [e["example"] for e in spec] == list(range(1, 653))
    assert len({e["section"] for e in spec}) == 26


def test_every_example_renders_the_same_whole_streamed_and_as_rich_renders_the_document():
    failures: dict[str, list[int]] = {}
    first_difference = ""
    for example in examples():
        text = example["markdown"]
        expected = rich_whole(text)
        renderings = {"whole": whole(text)}
        for seed in SEEDS:
            renderings[f"streamed (seed {seed})"] = streamed(text, seed)
        for name, got in renderings.items():
            if got != expected:
                failures.setdefault(name, []).append(example["example"])
                if not first_difference:
                    first_difference = (f"example {example['example']} ({example['section']}), {name}:\n"
                                        f"{text!r}\n--- Rich, whole document:\n{expected}\n--- got:\n{got}")
    assert not failures, f"{ {name: len(numbers) for name, numbers in failures.items()} }: {failures}\n{first_difference}"


def test_the_splits_cut_everywhere():
    cut_after = Counter()
    for example in examples():
        for seed in SEEDS:
            for piece in splits(example["markdown"], seed)[:-1]:
                cut_after["line end" if piece.endswith("\n") else "mid-line"] += 1
    assert cut_after["line end"] > 300 and cut_after["mid-line"] > 1500


def streamed_by_character(text: str) -> str:
    """Fed one character at a time, settled blocks rendered as they settle (the tail's rendering
    changes nothing that follows, so it is left out here for speed: the test above draws it)."""
    document = ReplyDocument()
    for character in text:
        document.append(character)
        if document.settle():
            document.render(CONTEXT, KEY)
    document.finish(text)
    return drawn(document)


def test_examples_two_by_two_streamed_one_character_at_a_time_render_as_the_whole():
    """Most examples are a block or two: joined in pairs, every block boundary meets a next block,
    and each character's arrival is a frame (a block settles at the earliest moment it can)."""
    spec = examples()
    failures = []
    for index, first in enumerate(spec):
        second = spec[(index * 7 + 3) % len(spec)]
        text = first["markdown"] + second["markdown"]
        if streamed_by_character(text) != rich_whole(text):
            failures.append((first["example"], second["example"]))
    assert not failures
