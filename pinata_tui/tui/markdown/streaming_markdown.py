"""The reply widget: Markdown that grows in pieces, drawn from cached lines, one light widget per reply.

Textual's ``Markdown`` widget mounts a widget per block (and more for tables and code), and
the whole tree is laid out again on every change, so a long reply, or a long history, gets
slower and slower. Here a reply is a single Line API widget over a ``ReplyDocument``: finished
blocks are rendered once with Rich into cached lines, and only the unfinished tail is rendered
again, at most once a frame. Lines are rendered again only when the width or the theme
changes, or when a link reference definition arrives for a block that links to it.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.selection import Selection
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

if TYPE_CHECKING:
    from pinata_tui.tui.markdown.background_renderer import BackgroundRenderer, Rendered
    from pinata_tui.tui.markdown.render import RenderContext

# The renderer's modules (the document, the open paragraph, the renderer thread, Rich's side) load
# with the first reply widget made, not at import: the chat screen imports this module (a reply's
# class), and an empty conversation's first frame needs none of them. The warm-up after the first
# frame (``PinataChatApp._warm_up``) loads them in a thread; here they are imported where used.

FRAME_SECONDS = 1 / 30
HEIGHT_STEP = 8
"""While streaming, the height grows in steps of this many lines: each change of height means a
layout and a repaint of the whole screen, so one step per 8 new lines instead of one per line."""
BURST_CHARS_PER_SECOND = 8_000
BURST_FRAME_SECONDS = 1 / 10
"""Text arriving faster than ~2,000 tokens a second is a burst (a buffered or cached reply, not a
model typing): nobody reads it as it scrolls past, so it is drawn 10 times a second instead of 30.
Each frame composes the whole screen again: a 4,000-token reply sent at once took 12-18 frames,
now 5-8, and reached the screen sooner."""
LONG_TAIL = 4_000
"""A tail longer than this (one huge paragraph, table or code block) is redrawn less often. A growing
paragraph now costs about the same each frame whatever its length, but every frame also composes
the whole screen again (Textual asks each visible widget for its lines): at 15 frames a second
instead of 30, a 1,500-token paragraph streamed at 100 tok/s cost 2.4-2.7 CPU-s instead of 2.8."""


class StreamingMarkdown(Widget):
    """Markdown that can grow in pieces (``feed``) and is drawn from cached lines."""

    DEFAULT_CSS = """
    StreamingMarkdown {
        height: auto;
    }
    """

    BACKGROUND_MIN_CHARS = 1500
    """A finished message at least this long renders in the background thread."""
    HAS_HEADER = False
    """Subclasses that set this draw ``render_header()`` as their first line."""

    def __init__(self, markdown: str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._waiting_for: tuple[int, tuple[object, ...]] | None = None
        self._header_rows = 1 if self.HAS_HEADER else 0
        self._header_strip: tuple[tuple[object, ...], list[Strip]] | None = None
        self._blank_strip: tuple[tuple[object, ...], Strip] | None = None
        from pinata_tui.tui.markdown.reply_document import ReplyDocument

        self._document = ReplyDocument(markdown)
        self._tail_lines: list[Strip] = []
        self._tail_segments: list[list[Segment]] = []
        """The lines ``_tail_lines`` were made from (the open paragraph keeps the same lists for lines that stay)."""
        self._width = 0
        self._theme_key: tuple[object, ...] = ()
        self._unflushed: list[str] = []
        self._flush_timer: Timer | None = None
        self._flush_pending = False
        self._last_flush = 0.0
        self._burst = False
        """The text came faster than BURST_CHARS_PER_SECOND between the last two flushes."""
        self._streaming = False
        self.unmounted = False
        """Set once unmounted; read by the renderer thread to skip work nobody will see."""
        self._drawing = False
        """True while Textual draws lines (``render_lines``), as opposed to looking one up."""
        self._renderer: BackgroundRenderer | None = None
        """The app's renderer, once this reply has sent it a job."""

    # ------------------------------------------------------------ content

    @property
    def source(self) -> str:
        return self._document.text + "".join(self._unflushed)

    @property
    def rendered(self) -> bool:
        """True once the real lines are drawn (not an estimate awaiting the background renderer)."""
        return self._waiting_for is None and bool(self._width)

    @property
    def base_style(self) -> Style:
        base = self.rich_style
        return Style(color=base.color, bgcolor=base.bgcolor)

    def receive_lines(self, width: int, rendered: Rendered) -> None:
        """Lines from the background renderer (on the event loop)."""
        if self._waiting_for is None or self._waiting_for[0] != width or width != self._width:
            return  # stale: the width or the text changed since it was asked for
        self._waiting_for = None
        self._document.adopt((width, self._theme_key), rendered.lines, rendered.lead, rendered.definitions,
                             rendered.asked)
        self.refresh(layout=True)

    def feed(self, text: str) -> None:
        """Take more text. Cheap: drawing happens at most once a frame."""
        if not text:
            return
        self._unflushed.append(text)
        self._streaming = True
        if self._waiting_for is not None:  # a continued reply: draw it here from now on
            self._waiting_for = None
            self._width = 0
        if not self._flush_pending:
            self._flush_pending = True
            delay = self._last_flush + self._frame_seconds() - time.monotonic()
            if delay > 0:
                self._flush_timer = self.set_timer(delay, self._flush, name="markdown-flush")
            else:
                self.call_later(self._flush)

    def _frame_seconds(self) -> float:
        """The least time between two flushes (and so between two frames of this reply)."""
        frame = FRAME_SECONDS * (1 + self._document.tail_length // LONG_TAIL)
        return max(frame, BURST_FRAME_SECONDS) if self._burst else frame

    def _flush(self) -> None:
        if not self._flush_pending:
            return  # finish() got there first
        self._flush_pending = False
        self._flush_timer = None
        now = time.monotonic()
        if self._unflushed:
            text = "".join(self._unflushed)
            self._unflushed.clear()
            self._burst = len(text) > BURST_CHARS_PER_SECOND * (now - self._last_flush)
            self._document.append(text)
        self._last_flush = now
        self._document.settle()
        self._redraw()

    async def finish(self, full_text: str) -> None:
        """The reply is over: ``full_text`` (already sanitised) is settled, and drawn, once."""
        height_before = self._height()  # rounded up while streaming: the exact height may be less
        if self._flush_timer is not None:
            self._flush_timer.stop()
            self._flush_timer = None
        self._flush_pending = False
        self._streaming = False
        self._waiting_for = None
        self._unflushed.clear()
        self._document.finish(full_text)
        self._redraw(height_before)

    # ---------------------------------------------------------- rendering

    def _render_context(self, width: int) -> RenderContext:
        from pinata_tui.tui.markdown.render import RenderContext, cached_markdown_theme

        dark = self.app.current_theme.dark
        return RenderContext(self.app.console, width, cached_markdown_theme(self.app.theme_variables, dark), dark,
                             self.base_style)

    def _render_tail(self, width: int, reuse: list[Strip] | None = None) -> list[Strip]:
        """Render the tail to Strips; lines equal to the same line in ``reuse`` keep that Strip."""
        from pinata_tui.tui.markdown.strips import to_strips

        lines = self._document.render_tail(self._render_context(width)) if self._document.tail else []
        strips = to_strips(lines, width, reuse or [], self._tail_segments if reuse else None)
        self._tail_segments = lines
        return strips

    def _ensure_rendered(self, width: int) -> int | None:
        """Bring the cached lines up to date with the text, the width and the theme.

        Returns the first settled line that changed (None if none did).
        """
        style = self.rich_style
        theme_key = (self.app.theme, style.color, style.bgcolor)
        document = self._document
        if width != self._width or theme_key != self._theme_key:
            self._width, self._theme_key = width, theme_key
            self._tail_lines = []
            if width and not self._streaming and document.finished and len(document.text) >= self.BACKGROUND_MIN_CHARS:
                # A long finished message: draw it in the background; estimate its height meanwhile
                # (unless it was rendered ahead, as the page the reader was heading for).
                from pinata_tui.tui.markdown.background_renderer import RenderJob, renderer_for

                self._renderer = renderer_for(self.app)
                ahead = self._renderer.take_ahead((document.text, width, theme_key))
                if ahead is not None:
                    self._waiting_for = None
                    document.adopt((width, theme_key), ahead.lines, ahead.lead, ahead.definitions, ahead.asked)
                    return 0
                self._waiting_for = (width, theme_key)
                context = self._render_context(width)
                self._renderer.submit(RenderJob(self, self.app, document.text, width, context.theme, context.dark,
                                                context.style))
                return None
            self._waiting_for = None
            rerender_tail = bool(width)
        else:
            rerender_tail = False
        if self._waiting_for is not None or not width:
            return None
        key = (width, theme_key)
        first_changed = None if document.up_to_date(key) else document.render(self._render_context(width), key)
        if rerender_tail:
            self._tail_lines = self._render_tail(width)
        return first_changed

    def render_ahead(self, texts: list[str]) -> None:
        """Have the renderer thread render these finished replies (sanitised) at this one's width and theme,
        for widgets not mounted yet: they then come with their lines (no estimate, no second layout)."""
        if not self._width or self._waiting_for is not None:
            return  # this one's width and theme are not settled: nothing to go by
        from pinata_tui.tui.markdown.background_renderer import AheadJob, renderer_for

        context = self._render_context(self._width)
        renderer_for(self.app).render_ahead([
            AheadJob((text, self._width, self._theme_key), text, self._width, context.theme, context.dark, context.style)
            for text in texts if len(text) >= self.BACKGROUND_MIN_CHARS])

    def _redraw(self, height_before: int | None = None) -> None:
        """Draw what changed: new settled lines and the tail. Only rows that differ are repainted."""
        if not self._width:
            self.refresh(layout=True)
            return
        if height_before is None:
            height_before = self._height()
        settled_before = len(self._document.lines)
        old_tail = self._tail_lines
        first_changed = self._ensure_rendered(self._width)
        settled_after = len(self._document.lines)
        if first_changed is not None:
            old_tail = []  # the tail now starts elsewhere: nothing to compare with
        new_tail = self._render_tail(self._width, reuse=old_tail)
        self._tail_lines = new_tail
        if self._height() != height_before:
            self.refresh(layout=True)
            return
        if first_changed is not None:
            first_row = first_changed
        else:
            first = next((i for i, (a, b) in enumerate(zip(old_tail, new_tail, strict=False)) if a is not b),
                         min(len(old_tail), len(new_tail)))
            first_row = settled_after + first
        rows = max(settled_before + len(old_tail), settled_after + len(new_tail)) - first_row
        if rows > 0:
            self.refresh(Region(0, self._header_rows + first_row, self._width, rows))

    def _height(self) -> int:
        if self._waiting_for is not None:
            return self._header_rows + self._document.estimate_height(self._width)
        lines = len(self._document.lines) + len(self._tail_lines)
        if self._streaming and lines:
            lines = -(-lines // HEIGHT_STEP) * HEIGHT_STEP
        return self._header_rows + lines

    # ------------------------------------------------------------- header

    def render_header(self) -> Text:
        return Text()

    def render_header_extra(self) -> tuple[Text, Text | None] | None:
        """Rows under the header line (a reply's reasoning): a line, and a body indented by two
        columns, both wrapped to the width; None for none."""
        return None

    def header_changed(self) -> None:
        """Redraw the header (its text changed); lay out again if it gained or lost rows."""
        self._header_strip = None
        if not self.HAS_HEADER or not self._width:
            return
        rows_before = self._header_rows
        self._header_lines()
        if self._header_rows != rows_before:
            self.refresh(layout=True)
        else:
            self.refresh(Region(0, 0, self._width, self._header_rows))

    def _header_lines(self) -> list[Strip]:
        """The header line (cut with an ellipsis) and the extra rows under it, cached per width and theme."""
        key = (self._width, self._theme_key)
        if self._header_strip is None or self._header_strip[0] != key:
            from pinata_tui.tui.markdown.strips import header_strips

            strips = header_strips(self.app.console, self._width, self.render_header(), self.render_header_extra(),
                                   self.base_style)
            self._header_strip = (key, strips)
            self._header_rows = len(strips)
        return self._header_strip[1]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        self._ensure_rendered(width)
        if self.HAS_HEADER and self._width:
            self._header_lines()  # the header's row count at this width
        return self._height()

    def render_lines(self, crop: Region) -> list[Strip]:
        if self._waiting_for is not None and self._renderer is not None:
            self._renderer.expedite(self)  # its blank lines are being drawn: the reader is looking at them
        self._drawing = True
        try:
            return super().render_lines(crop)
        finally:
            self._drawing = False

    def render_line(self, y: int) -> Strip:
        strip = self._row(y)
        selection = self.text_selection
        if selection is not None and (span := selection.get_span(y)) is not None:
            from pinata_tui.tui.markdown.strips import highlight

            strip = highlight(strip, *span, self.screen.get_component_rich_style("screen--selection"))
        if self._drawing:
            return strip
        # The screen asks for a line itself to find where in the text the mouse is (to select):
        # only then are offsets needed. Drawn lines go without them: adding them costs more than
        # the rest of drawing a line, and segments of one style could no longer merge.
        return strip.apply_offsets(0, y)

    def _row(self, y: int) -> Strip:
        if y < self._header_rows:
            header = self._header_lines()
            if y < len(header):
                return header[y]
        y -= self._header_rows
        settled = self._document.lines
        if y < len(settled):
            # Not cached here: Textual caches the lines it draws until the widget changes.
            return Strip(settled.segments(y), self._width)
        y -= len(settled)
        if y < len(self._tail_lines):
            return self._tail_lines[y]
        # Lines still blank (the estimated height of a reply waiting for the renderer): the same
        # strip for all of them, without resolving the widget's style for each.
        key = (self.size.width, self._theme_key)
        if self._blank_strip is None or self._blank_strip[0] != key:
            self._blank_strip = (key, Strip.blank(self.size.width, self.rich_style))
        return self._blank_strip[1]

    # ---------------------------------------------------------- selection

    def plain_lines(self) -> list[str]:
        """The text of each row as drawn (the header first), without trailing spaces.

        Row ``y`` here is row ``y`` on screen, as the selection's offsets count them. A reply
        still waiting for the background renderer has no drawn lines yet: its source stands in.
        """
        if not self._width or self._waiting_for is not None:
            from pinata_tui.tui.markdown.strips import header_text

            header = header_text(self.render_header(), self.render_header_extra()) if self.HAS_HEADER else []
            return [*header, *self.source.splitlines()]
        lines = [strip.text for strip in self._header_lines()] if self.HAS_HEADER else []
        lines.extend(self._document.plain_lines())
        lines.extend(strip.text for strip in self._tail_lines)
        return [line.rstrip() for line in lines]

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected text, for the screen to copy (Ctrl+C): plain text, as drawn."""
        return selection.extract("\n".join(self.plain_lines())), "\n"

    def on_unmount(self) -> None:
        self.unmounted = True
        if self._renderer is not None:
            self._renderer.withdraw(self)
        # Drop the lines now: the widget itself may wait for a (deferred) full garbage collection.
        self._document.drop_lines()
        self._tail_lines = []
        self._width = 0
        if self._flush_timer is not None:
            self._flush_timer.stop()
