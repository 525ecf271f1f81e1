"""Where the finished blocks of a growing Markdown text end, from markdown-it's block line ranges.

markdown-it reads a document line by line, and a top-level block, once the next one has begun,
never changes again, whatever text follows: what a new line can do is extend the last block,
or close it and start another. So the text up to the end of the next-to-last top-level block
is settled, and only the last block (with the blank lines and definitions after the one before
it) stays in the live tail. That covers every way a block can stay open: a fence waiting for
its closing marker (of its own character and length: ``~~~`` around ````` ``` `````, ``````` ```` ```````
around ````` ``` `````), an HTML block waiting for its end condition, a list that may continue
after a blank line, a paragraph an underline can still turn into a heading, a table row.

Only complete lines are parsed: a line still arriving may not be what it looks like yet
(``10000`` may be the start of ``10000. b``, ``--`` of ``---``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pinata_tui.tui.markdown.render import References, block_parser

LINE_BREAK = re.compile(r"\r\n|\r|\n")
"""Line breaks as markdown-it's normalisation finds them."""


def complete_end(text: str, start: int = 0) -> int:
    """The end of the last complete line of ``text[start:]`` (``start`` when there is none).

    A ``\\r`` at the very end may be the first half of ``\\r\\n``: not complete yet.
    """
    end = max(text.rfind("\n"), text.rfind("\r", 0, len(text) - 1))
    return end + 1 if end >= start else start


def line_offsets(source: str) -> list[int]:
    """Where each line of ``source`` starts (one more entry for the end, if it ends with a line break)."""
    return [0, *(match.end() for match in LINE_BREAK.finditer(source))]


Definitions = dict[str, tuple[int, dict[str, Any]]]
"""Link reference definitions by label: (where in the text it starts, {"href", "title"})."""


def definitions_in(references: References, offsets: list[int], base: int) -> Definitions:
    """markdown-it's ``env["references"]`` for a source at ``base``, placed in the whole text."""
    return {label: (base + offsets[min(ref["map"][0], len(offsets) - 1)] if ref.get("map") else base,
                    {"href": ref["href"], "title": ref["title"]})
            for label, ref in references.items()}


def top_level_blocks(source: str, env: dict[str, Any] | None = None) -> list[tuple[int, int]]:
    """The line range of each top-level block of ``source`` (link reference definitions make none)."""
    return [(token.map[0], token.map[1]) for token in block_parser().parse(source, {} if env is None else env)
            if token.level == 0 and token.nesting >= 0 and token.map]


@dataclass
class Settling:
    """What parsing the complete lines after ``start`` found."""

    point: int
    """Everything before this is settled (``start`` when nothing more is)."""
    definitions: Definitions = field(default_factory=dict)
    """Link reference definitions in the settled part."""
    tail_definitions: Definitions = field(default_factory=dict)
    """Those after it, in complete lines: stable enough to resolve links with, not settled."""


def settle(text: str, start: int) -> Settling:
    """Where the finished blocks of ``text[start:]`` end (``text[:start]`` is settled already)."""
    end = complete_end(text, start)
    if end <= start:
        return Settling(start)
    source = text[start:end]
    env: dict[str, Any] = {}
    blocks = top_level_blocks(source, env)
    offsets = line_offsets(source)
    definitions = definitions_in(env.get("references", {}), offsets, start)
    if len(blocks) < 2:
        return Settling(start, {}, definitions)
    point = start + offsets[blocks[-2][1]]
    settled = {label: found for label, found in definitions.items() if found[0] < point}
    return Settling(point, settled, {label: found for label, found in definitions.items() if found[0] >= point})


def definitions_of(text: str, start: int, end: int) -> Definitions:
    """The link reference definitions in ``text[start:end]``, a run of whole blocks."""
    source = text[start:end]
    if "]:" not in source:  # every definition has one
        return {}
    env: dict[str, Any] = {}
    top_level_blocks(source, env)
    return definitions_in(env.get("references", {}), line_offsets(source), start)
