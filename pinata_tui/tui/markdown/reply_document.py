"""A reply's Markdown as settled pieces (rendered once, kept as packed lines) and a live tail.

No Textual here: the widget feeds text in and draws the lines out, and the conformance tests
drive the same object with a plain Rich console.

The text grows at the end. Whenever complete lines arrive, markdown-it's block line ranges
(``blocks.settle``) say which blocks are finished: those become a settled piece, rendered once,
in order, each piece starting from the ``Lead`` the one before left. The tail (the last block,
still growing) is rendered again on every frame.

Link reference definitions apply across the whole reply: ``[docs]`` in the first paragraph
takes its URL from ``[docs]: https://…`` at the bottom. Every piece is parsed with the
definitions known for the whole reply so far (the first definition of a label wins, as in the
whole document), and remembers the labels its links looked up; when a definition appears or
changes, only the pieces that looked its label up are rendered again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.segment import Segment

from pinata_tui.tui.markdown import blocks
from pinata_tui.tui.markdown.blocks import Definitions
from pinata_tui.tui.markdown.open_paragraph import OpenParagraph
from pinata_tui.tui.markdown.packed_lines import PackedLines
from pinata_tui.tui.markdown.render import START, Lead, Piece, References, RenderContext, render_piece


@dataclass
class Chunk:
    """A settled piece of the text: ``text[start:end]``, one or more whole top-level blocks."""

    start: int
    end: int
    definitions: Definitions | None = None
    """The link reference definitions in it (None: not looked for yet)."""
    asked: frozenset[str] = frozenset()
    """The labels its links looked up when it was last rendered."""
    lines: int = 0
    """How many lines it rendered to (at the current width and theme)."""
    lead: Lead = field(default=START)
    """The lead it leaves for what follows."""
    stale: bool = False
    """A definition it looked up has changed since it was rendered."""


class ReplyDocument:
    """The text of a reply, its settled pieces and their lines."""

    def __init__(self, text: str = "") -> None:
        self.text = ""
        self.settled_upto = 0
        """Everything before this index is settled."""
        self.chunks: list[Chunk] = []
        self.lines = PackedLines()
        """The lines of the settled pieces rendered so far, in order."""
        self._rendered = 0
        """How many chunks have lines in ``lines``."""
        self._key: object = None
        self._references: References = {}
        """The definitions in effect: the first of each label in the whole text seen so far."""
        self._tail_definitions: Definitions = {}
        self._checked_upto = 0
        """Where the complete lines ended at the last look for settled blocks."""
        self._finished = False
        self._any_stale = False
        """Some rendered chunk is stale."""
        self._estimate: tuple[int, int, int] | None = None
        self._open = OpenParagraph()
        """The tail's lines, kept from frame to frame while it is one growing paragraph."""
        if text:
            self.finish(text)

    # ------------------------------------------------------------ text

    def append(self, more: str) -> None:
        if more and self._finished:
            self._reopen()
        self.text += more

    def _reopen(self) -> None:
        """More text after ``finish`` (a reply being continued): its last block may go on, so the
        last chunk goes back to the tail, to settle again block by block."""
        self._finished = False
        last = self.chunks.pop()
        if self._rendered > len(self.chunks):
            self._rendered = len(self.chunks)
            self.lines.replace(len(self.lines) - last.lines, len(self.lines), PackedLines())
        self.settled_upto = self._checked_upto = last.start
        self._update_references()

    def settle(self) -> bool:
        """Settle the blocks finished by the text so far; True if any were."""
        complete = blocks.complete_end(self.text, self.settled_upto)
        if complete == self._checked_upto:
            return False  # no new complete line: nothing can have finished
        self._checked_upto = complete
        found = blocks.settle(self.text, self.settled_upto)
        moved = found.point > self.settled_upto
        if moved:
            self._know_definitions()
            self.chunks.append(Chunk(self.settled_upto, found.point, found.definitions))
            self.settled_upto = found.point
        self._tail_definitions = found.tail_definitions
        self._update_references()
        return moved

    def finish(self, full_text: str) -> None:
        """The text is complete: all of it is settled."""
        if self._finished and full_text != self.text:
            self._reopen()
        if not full_text.startswith(self.text[:self.settled_upto]):
            self.chunks, self.settled_upto, self._rendered = [], 0, 0
            self.lines = PackedLines()
        self.text = full_text
        if len(full_text) > self.settled_upto:
            # A single chunk finds its definitions when it is rendered; after others it needs
            # them now, to render the others again if it defines what they link to.
            self._know_definitions()
            definitions = blocks.definitions_of(full_text, self.settled_upto, len(full_text)) if self.chunks else None
            self.chunks.append(Chunk(self.settled_upto, len(full_text), definitions))
            self.settled_upto = len(full_text)
        self._checked_upto = len(full_text)
        self._tail_definitions = {}
        self._finished = bool(self.chunks)
        self._open = OpenParagraph()  # no tail any more: its kept lines would only hold memory
        self._update_references()

    def estimate_height(self, width: int) -> int:
        """About how many lines the text renders to at ``width`` (before it is rendered)."""
        if self._estimate is None or self._estimate[0] != width or self._estimate[1] != len(self.text):
            lines = sum(1 + len(line) // max(1, width - 4) for line in self.text.splitlines() or [""])
            self._estimate = (width, len(self.text), lines)
        return self._estimate[2]

    @property
    def tail(self) -> str:
        return self.text[self.settled_upto:]

    @property
    def finished(self) -> bool:
        """All the text is settled (and the references final)."""
        return self.settled_upto == len(self.text)

    # ------------------------------------------------------ references

    def _know_definitions(self) -> None:
        for chunk in self.chunks:
            if chunk.definitions is None:
                chunk.definitions = blocks.definitions_of(self.text, chunk.start, chunk.end)

    def _update_references(self) -> None:
        """Work out the definitions in effect; mark the rendered chunks that looked up one that changed."""
        first: Definitions = {}
        for definitions in [*(chunk.definitions or {} for chunk in self.chunks), self._tail_definitions]:
            for label, (position, ref) in definitions.items():
                if label not in first or position < first[label][0]:
                    first[label] = (position, ref)
        references = {label: ref for label, (_position, ref) in first.items()}
        if references == self._references:
            return
        changed = {label for label in references.keys() | self._references.keys()
                   if references.get(label) != self._references.get(label)}
        self._references = references
        for chunk in self.chunks[:self._rendered]:
            if not chunk.stale and chunk.asked & changed:
                chunk.stale = self._any_stale = True

    # ------------------------------------------------------ rendering

    def up_to_date(self, key: object) -> bool:
        """Whether the settled lines are rendered, at ``key``, with the definitions in effect."""
        return key == self._key and self._rendered == len(self.chunks) and not self._any_stale

    def render(self, context: RenderContext, key: object) -> int | None:
        """Bring the settled lines up to date; the first line that changed, None if none did.

        ``key`` stands for the width and the theme: when it changes, every line is rendered again.
        """
        first_changed: int | None = None
        if key != self._key:
            self._key = key
            self._rendered = 0
            self.lines = PackedLines()
            first_changed = 0
        row = 0
        self._any_stale = False
        for index, chunk in enumerate(self.chunks[:self._rendered]):
            if chunk.stale:
                piece = self._render_chunk(index, context)
                self.lines.replace(row, row + chunk.lines, PackedLines(piece.lines))
                first_changed = row if first_changed is None else min(first_changed, row)
                chunk.lines = len(piece.lines)
            row += chunk.lines
        while self._rendered < len(self.chunks):
            index = self._rendered
            piece = self._render_chunk(index, context)
            if first_changed is None:
                first_changed = len(self.lines)
            self.lines.extend(piece.lines)
            self.chunks[index].lines = len(piece.lines)
            self._rendered += 1
            if self._any_stale:
                # It defined what an earlier one links to (its definitions were only found now).
                return self._rerender_stale(context, first_changed)
        return first_changed

    def _rerender_stale(self, context: RenderContext, first_changed: int) -> int:
        changed = self.render(context, self._key)
        return first_changed if changed is None else min(first_changed, changed)

    def _render_chunk(self, index: int, context: RenderContext) -> Piece:
        chunk = self.chunks[index]
        lead = self.chunks[index - 1].lead if index else START
        piece = render_piece(context, self.text[chunk.start:chunk.end], self._references, lead)
        chunk.lead, chunk.asked, chunk.stale = piece.lead, piece.asked, False
        if chunk.definitions is None:
            offsets = blocks.line_offsets(self.text[chunk.start:chunk.end])
            chunk.definitions = blocks.definitions_in(piece.definitions, offsets, chunk.start)
            self._update_references()
        return piece

    def render_tail(self, context: RenderContext) -> list[list[Segment]]:
        """The lines of the tail (settled chunks must be rendered first: the tail follows their lead)."""
        tail = self.tail
        if not tail.strip():
            return []
        lead = self.chunks[-1].lead if self.chunks else START
        return self._open.render(context, tail, self._references, lead)

    @property
    def tail_length(self) -> int:
        return len(self.text) - self.settled_upto

    def adopt(self, key: object, lines: PackedLines, piece_lead: Lead, definitions: References,
              asked: frozenset[str]) -> None:
        """Take the lines of the whole (settled) text, rendered elsewhere (the renderer thread)."""
        self._key = key
        self.chunks = [Chunk(0, len(self.text), None, asked, len(lines), piece_lead)]
        self.settled_upto = self._checked_upto = len(self.text)
        self.lines = lines
        self._rendered = 1
        self._tail_definitions = {}
        self._finished = True
        chunk = self.chunks[0]
        chunk.definitions = blocks.definitions_in(definitions, blocks.line_offsets(self.text), 0)
        self._references = {label: ref for label, (_position, ref) in chunk.definitions.items()}

    def drop_lines(self) -> None:
        """Forget the rendered lines (the widget left the screen); the next ``render`` makes them again."""
        self.lines = PackedLines()
        self._rendered = 0
        self._key = None
        self._open = OpenParagraph()

    def plain_lines(self) -> list[str]:
        """The text of each settled line (the tail's are the widget's)."""
        return [self.lines.text(y) for y in range(len(self.lines))]
