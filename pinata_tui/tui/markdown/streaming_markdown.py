"""Markdown rendered to cached lines: one light widget per reply, however long the reply.

Textual's ``Markdown`` widget mounts a widget per block (and more for tables and code), and
the whole tree is laid out again on every change, so a long reply, or a long history, gets
slower and slower. Here a reply is a single Line API widget: finished blocks are rendered
once with Rich into cached ``Strip`` lines, and only the unfinished tail is rendered again,
at most once a frame. Lines are re-rendered only when the width or the theme changes.
"""

from __future__ import annotations

import io
from array import array
import re
import threading
import time
from dataclasses import dataclass
from typing import ClassVar

from functools import cache

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from rich.theme import Theme
from textual.color import Color, ColorParseError
from textual.geometry import Region, Size
from textual.selection import Selection
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

from pinata_tui.sanitize import make_displayable

FRAME_SECONDS = 1 / 30
HEIGHT_STEP = 8
"""While streaming, the height grows in steps of this many lines: each change of height means a
layout and a repaint of the whole screen, so one step per 8 new lines instead of one per line."""
LONG_TAIL = 4_000
"""A tail longer than this (one huge paragraph) is redrawn less often: its cost grows with it."""

_FENCES = ("```", "~~~")


class PackedLines:
    """Rendered lines stored as plain strings and bytes, which the cyclic garbage collector ignores.

    Kept as Rich segments (and Strips, with their seven caches each), the lines of a window of
    long replies are a few hundred thousand tracked objects, and every full collection walked
    them all: pauses of 100-200 ms while scrolling a long history. Packed, a line is one ``str``
    and one ``bytes`` (span lengths and style numbers); segments are rebuilt for a line only
    when it is drawn. Styles are numbered in one table for the process (a theme has a few
    hundred at most).
    """

    _styles: ClassVar[list[Style | None]] = [None]
    _style_numbers: ClassVar[dict[Style, int]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, lines: list[list[Segment]] | None = None) -> None:
        self._texts: list[str] = []
        self._spans: list[bytes] = []
        if lines:
            self.extend(lines)

    def __len__(self) -> int:
        return len(self._texts)

    @classmethod
    def _number(cls, style: Style | None) -> int:
        if style is None:
            return 0
        number = cls._style_numbers.get(style)
        if number is None:
            with cls._lock:  # the renderer thread packs too
                number = cls._style_numbers.get(style)
                if number is None:
                    number = len(cls._styles)
                    cls._styles.append(style)
                    cls._style_numbers[style] = number
        return number

    def extend(self, lines: list[list[Segment]]) -> None:
        for line in lines:
            spans = array("I")
            for text, style, _control in line:
                spans.append(len(text))
                spans.append(self._number(style))
            self._texts.append("".join(segment.text for segment in line))
            self._spans.append(spans.tobytes())

    def text(self, y: int) -> str:
        """The plain text of line ``y``."""
        return self._texts[y]

    def segments(self, y: int) -> list[Segment]:
        text = self._texts[y]
        spans = array("I")
        spans.frombytes(self._spans[y])
        styles = self._styles
        result = []
        position = 0
        for index in range(0, len(spans), 2):
            end = position + spans[index]
            result.append(Segment(text[position:end], styles[spans[index + 1]]))
            position = end
        return result


@cache
def reply_markdown_class() -> type:
    """Rich's Markdown with left-aligned headings. Imported on first use: it pulls in Pygments."""
    from rich.markdown import Heading, Markdown, MarkdownElement

    class LeftHeading(Heading):
        LEVEL_ALIGN: ClassVar = {f"h{i}": "left" for i in range(1, 7)}

    class ReplyMarkdown(Markdown):
        elements: ClassVar[dict[str, type[MarkdownElement]]] = {**Markdown.elements, "heading_open": LeftHeading}

    return ReplyMarkdown


class BackgroundRenderer:
    """Renders finished messages off the event loop, most recently requested first, in one thread.

    Last in, first out: the page just opened renders bottom-up (the newest message first, since
    it was mounted last), and when the user scrolls up, the page just loaded jumps the queue.
    A widget has at most one job waiting; unmounting it withdraws the job, so a reader racing
    through the history neither waits for pages already gone nor keeps their widgets alive.

    Rendering a long reply with Rich takes tens of milliseconds; a saved conversation holds
    hundreds. On the event loop that freezes the app; here the loop only receives the lines,
    in batches (one layout per batch, not one per message).
    """

    BATCH_SECONDS = 0.05
    HOLD_OFF_SECONDS = 0.1
    """After the reader scrolls, how long the renderer waits before its next job: Rich holds the
    GIL while it renders, and a frame drawn meanwhile takes up to twice as long."""
    MAX_HOLD_SECONDS = 0.5
    """However long the reader goes on scrolling, a job waits no longer than this."""

    def __init__(self) -> None:
        self._pending: dict[int, RenderJob] = {}
        """Waiting jobs by id of their widget, oldest first (a dict keeps insertion order)."""
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._quiet_from = 0.0

    def hold_off(self) -> None:
        """The reader is scrolling: leave the event loop the GIL for a moment."""
        self._quiet_from = time.monotonic() + self.HOLD_OFF_SECONDS

    def _wait_for_quiet(self) -> None:
        give_up = time.monotonic() + self.MAX_HOLD_SECONDS
        while (now := time.monotonic()) < min(self._quiet_from, give_up):
            time.sleep(min(self._quiet_from, give_up) - now)

    def submit(self, job: "RenderJob") -> None:
        with self._wake:
            self._pending.pop(id(job.widget), None)  # a newer width or theme replaces the old job
            self._pending[id(job.widget)] = job
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="markdown-renderer", daemon=True)
                self._thread.start()
            self._wake.notify()

    def withdraw(self, widget: object) -> None:
        """Forget the job waiting for ``widget``, if any."""
        with self._wake:
            self._pending.pop(id(widget), None)

    def is_waiting(self, widget: object) -> bool:
        with self._wake:
            return id(widget) in self._pending

    def _next(self, timeout: float) -> "RenderJob | None":
        with self._wake:
            if not self._pending:
                self._wake.wait(timeout)
            if not self._pending:
                return None
            return self._pending.popitem()[1]  # the newest

    def _run(self) -> None:
        consoles: dict[int, Console] = {}
        while True:
            # Nothing bound here between batches: a waiting thread holds no widget alive.
            self._send(self._render_batch(consoles))

    def _render_batch(self, consoles: dict[int, Console]) -> list[tuple["RenderJob", PackedLines]]:
        """Render jobs for up to BATCH_SECONDS (at least one job, waiting for it if need be)."""
        batch: list[tuple[RenderJob, PackedLines]] = []
        deadline = time.monotonic() + self.BATCH_SECONDS
        while time.monotonic() < deadline or not batch:
            job = self._next(timeout=0.5 if not batch else 0.01)
            if job is None:
                if batch:
                    break
                continue
            self._wait_for_quiet()
            if job.widget.unmounted:  # scrolled out of the window while waiting
                continue
            console = consoles.get(job.width)
            if console is None:
                console = consoles[job.width] = Console(width=job.width, color_system="truecolor",
                                                        force_terminal=True, legacy_windows=False,
                                                        file=io.StringIO())
            batch.append((job, PackedLines(render_markdown(console, job.text, job.width, job.theme, job.dark,
                                                           job.style))))
        return batch

    @staticmethod
    def _send(batch: list[tuple["RenderJob", PackedLines]]) -> None:
        batch = [(job, lines) for job, lines in batch if not job.widget.unmounted]
        if not batch:
            return
        try:
            batch[0][0].app.call_from_thread(_deliver, batch)
        except RuntimeError:  # the app has closed: nothing to show the lines on
            pass


@dataclass(frozen=True)
class RenderJob:
    """Everything the renderer thread needs, captured on the event loop (DOM reads are not thread-safe)."""

    widget: "StreamingMarkdown"
    app: object
    text: str
    width: int
    theme: Theme
    dark: bool
    style: Style


def _deliver(batch: list[tuple[RenderJob, PackedLines]]) -> None:
    for job, lines in batch:
        job.widget.receive_lines(job.width, lines)


RENDERER = BackgroundRenderer()


def render_markdown(console: Console, markdown: str, width: int, theme: Theme, dark: bool,
                    style: Style) -> list[list[Segment]]:
    """Lines of a reply as Rich draws its Markdown; the plain text if Rich fails on it.

    A Markdown-rendering bug must cost one message its formatting, not crash the app (on the
    event loop) or stop every later message from rendering (in the renderer thread).
    """
    options = console.options.update(width=width, max_width=width, min_width=width, highlight=False)
    try:
        renderable = reply_markdown_class()(markdown, code_theme="monokai" if dark else "friendly",
                                            hyperlinks=False)
        with console.use_theme(theme):
            return console.render_lines(renderable, options, style=style, pad=True)
    except Exception:
        return console.render_lines(Text(markdown, end=""), options, style=style, pad=True)


_RULE = re.compile(r" {0,3}([-*_])( *\1){2,} *")


def ends_with_rule(chunk: str) -> bool:
    """Whether the last block of ``chunk`` is a horizontal rule (a line alone: not a heading's underline)."""
    lines = chunk.rstrip("\n").split("\n")
    return bool(_RULE.fullmatch(lines[-1])) and (len(lines) == 1 or not lines[-2].strip())


_LIST_ITEM = re.compile(r" {0,3}([-*+]|\d{1,9}[.)])( |$)")


def settle_point(text: str, start: int) -> int:
    """Where the finished blocks of ``text[start:]`` end: before the last block known to be new.

    A blank line (outside a code fence) ends a block, but only the next line tells whether a
    new block starts there: an indented line continues a list item or an indented code block,
    and another item continues a (loose) list. Text before a blank line followed by a new
    block will not change how it renders, whatever comes next.
    """
    if text.find("\n\n", start) < 0 and text.find("\n\r\n", start) < 0:
        return start
    in_fence = False
    point = start
    position = start
    blank_end: int | None = None  # just after a run of blank lines outside a fence
    block_is_list = False
    block_started = False
    for line in text[start:].splitlines(keepends=True):
        line_start, position = position, position + len(line)
        stripped = line.strip()
        if not stripped:
            if not in_fence and block_started and line.endswith("\n"):
                blank_end = position
            continue
        if blank_end is not None and not in_fence:
            complete = line.endswith("\n") or len(stripped) >= 5
            if not complete:
                break  # too little of the next line to tell
            continues = line[0] in " \t" or (block_is_list and bool(_LIST_ITEM.match(line)))
            if not continues:
                point = line_start
                block_is_list = False
            blank_end = None
        if not block_started or point == line_start:
            block_is_list = bool(_LIST_ITEM.match(line))
        block_started = True
        if stripped.startswith(_FENCES):
            in_fence = not in_fence
    return point


def markdown_theme(variables: dict[str, str], dark: bool) -> Theme:
    """Rich styles for Markdown, taken from the app's Textual theme."""
    def color(name: str, fallback: str) -> str:
        try:
            return Color.parse(variables[name]).hex6
        except (KeyError, ColorParseError):
            return fallback

    primary = color("primary", "magenta")
    secondary = color("secondary", primary)
    accent = color("accent", "yellow")
    muted = color("foreground-muted", "bright_black")
    panel = color("panel", "black" if dark else "white")
    return Theme({
        "markdown.h1": f"bold underline {primary}",
        "markdown.h2": f"bold {primary}",
        "markdown.h3": f"bold {secondary}",
        "markdown.h4": "bold",
        "markdown.h5": "italic",
        "markdown.h6": "italic dim",
        "markdown.code": f"{accent} on {panel}",
        "markdown.link": f"underline {secondary}",
        "markdown.link_url": f"underline {secondary}",
        "markdown.item.bullet": f"bold {primary}",
        "markdown.item.number": f"bold {primary}",
        "markdown.block_quote": f"italic {muted}",
        "markdown.hr": muted,
        "markdown.table.border": muted,
        "markdown.table.header": f"bold {primary}",
    }, inherit=True)


def _highlight(strip: Strip, start: int, end: int, style: Style) -> Strip:
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
        self._estimate: tuple[int, int] | None = None
        self._text = markdown
        self._settled_upto = len(markdown)
        """Everything before this index is settled; a finished message is settled whole."""
        self._chunks: list[str] = [markdown] if markdown else []
        self._settled_lines = PackedLines()
        self._stand_in_heights: dict[tuple[str, int], int] = {}
        self._rendered_chunks = 0
        self._tail_lines: list[Strip] = []
        self._width = 0
        self._theme_key: tuple[object, ...] = ()
        self._unflushed: list[str] = []
        self._flush_timer: Timer | None = None
        self._flush_pending = False
        self._last_flush = 0.0
        self._streaming = False
        self.unmounted = False
        """Set once unmounted; read by the renderer thread to skip work nobody will see."""
        self._drawing = False
        """True while Textual draws lines (``render_lines``), as opposed to looking one up."""

    # ------------------------------------------------------------ content

    @property
    def source(self) -> str:
        return self._text + "".join(self._unflushed)

    @property
    def rendered(self) -> bool:
        """True once the real lines are drawn (not an estimate awaiting the background renderer)."""
        return self._waiting_for is None and bool(self._width)

    @property
    def base_style(self) -> Style:
        base = self.rich_style
        return Style(color=base.color, bgcolor=base.bgcolor)

    def _estimate_height(self, width: int) -> int:
        if self._estimate is None or self._estimate[0] != width:
            lines = 0
            for line in self._text.splitlines() or [""]:
                lines += 1 + len(line) // max(1, width - 4)
            self._estimate = (width, lines)
        return self._estimate[1]

    def receive_lines(self, width: int, lines: PackedLines) -> None:
        """Lines from the background renderer (on the event loop)."""
        if self._waiting_for is None or self._waiting_for[0] != width or width != self._width:
            return  # stale: the width or the text changed since it was asked for
        self._waiting_for = None
        self._settled_lines = lines
        self._rendered_chunks = len(self._chunks)
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
            tail = len(self._text) - self._settled_upto
            frame = FRAME_SECONDS * (1 + tail // LONG_TAIL)
            delay = self._last_flush + frame - time.monotonic()
            if delay > 0:
                self._flush_timer = self.set_timer(delay, self._flush, name="markdown-flush")
            else:
                self.call_later(self._flush)

    def _flush(self) -> None:
        if not self._flush_pending:
            return  # finish() got there first
        self._flush_pending = False
        self._flush_timer = None
        self._last_flush = time.monotonic()
        if self._unflushed:
            self._text += "".join(self._unflushed)
            self._estimate = None
            self._unflushed.clear()
        point = settle_point(self._text, self._settled_upto)
        if point > self._settled_upto:
            self._chunks.append(self._text[self._settled_upto:point])
            self._settled_upto = point
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
        if not full_text.startswith(self._text[: self._settled_upto]):
            self._chunks, self._settled_upto = [], 0
            self._settled_lines = PackedLines()
            self._rendered_chunks = 0
        self._text = full_text
        self._estimate = None
        if len(full_text) > self._settled_upto:
            self._chunks.append(full_text[self._settled_upto:])
            self._settled_upto = len(full_text)
        self._redraw(height_before)

    # ---------------------------------------------------------- rendering

    def _render_tail(self, markdown: str, width: int, reuse: list[Strip] | None = None) -> list[Strip]:
        """Render the tail to Strips; lines equal to the same line in ``reuse`` keep that Strip."""
        lines = self._render_after(self._rendered_chunks - 1, markdown, width)
        old = reuse or []
        return [old[i] if i < len(old) and old[i].cell_length == width and list(old[i]) == line
                else Strip(line, width) for i, line in enumerate(lines)]

    def _render_segments(self, markdown: str, width: int) -> list[list[Segment]]:
        if not markdown.strip():
            return []
        dark = self.app.current_theme.dark
        return render_markdown(self.app.console, markdown, width, markdown_theme(self.app.theme_variables, dark),
                               dark, self.base_style)

    def _ensure_rendered(self, width: int) -> None:
        """Bring the cached lines up to date with the text, the width and the theme."""
        style = self.rich_style
        theme_key = (self.app.theme, style.color, style.bgcolor)
        if width != self._width or theme_key != self._theme_key:
            self._width, self._theme_key = width, theme_key
            self._settled_lines = PackedLines()
            self._rendered_chunks = 0
            self._tail_lines = []
            if width and not self._streaming and len(self._text) >= self.BACKGROUND_MIN_CHARS:
                # A long finished message: draw it in the background; estimate its height meanwhile.
                self._waiting_for = (width, theme_key)
                dark = self.app.current_theme.dark
                RENDERER.submit(RenderJob(self, self.app, self._text, width,
                                          markdown_theme(self.app.theme_variables, dark), dark, self.base_style))
                return
            self._waiting_for = None
            rerender_tail = bool(width)
        else:
            rerender_tail = False
        if self._waiting_for is not None:
            return
        while self._rendered_chunks < len(self._chunks) and width:
            index = self._rendered_chunks
            self._settled_lines.extend(self._render_after(index - 1, self._chunks[index], width))
            self._rendered_chunks += 1
        if rerender_tail:
            self._tail_lines = self._render_tail(self._text[self._settled_upto:], width)

    def _render_after(self, previous: int, markdown: str, width: int) -> list[list[Segment]]:
        """Lines of ``markdown`` as they render after chunk number ``previous`` (-1: at the start).

        Pieces are rendered one at a time, but Rich decides the spacing before a block from the
        block before it: a blank line, except after a horizontal rule (which brings its own), and
        some blocks start differently at the very top. So the piece is rendered behind a stand-in
        for the previous block (a one-word paragraph, or a rule), whose lines are then dropped.
        (Checked against rendering whole documents in tests/test_markdown_lines.py.)
        """
        if previous < 0 or not markdown.strip():
            return self._render_segments(markdown, width)
        stand_in = "---\n\n" if ends_with_rule(self._chunks[previous]) else "x\n\n"
        key = (stand_in, width)
        if key not in self._stand_in_heights:
            self._stand_in_heights[key] = len(self._render_segments(stand_in, width))
        return self._render_segments(stand_in + markdown, width)[self._stand_in_heights[key]:]

    def _redraw(self, height_before: int | None = None) -> None:
        """Draw what changed: new settled lines and the tail. Only rows that differ are repainted."""
        if not self._width:
            self.refresh(layout=True)
            return
        if height_before is None:
            height_before = self._height()
        settled_before = len(self._settled_lines)
        old_tail = self._tail_lines
        self._ensure_rendered(self._width)
        settled_after = len(self._settled_lines)
        if settled_after != settled_before:
            old_tail = []  # the tail now starts elsewhere: nothing to compare with
        new_tail = self._render_tail(self._text[self._settled_upto:], self._width, reuse=old_tail)
        self._tail_lines = new_tail
        if self._height() != height_before:
            self.refresh(layout=True)
            return
        if settled_after != settled_before:
            first_row = settled_before
        else:
            first = next((i for i, (a, b) in enumerate(zip(old_tail, new_tail)) if a is not b),
                         min(len(old_tail), len(new_tail)))
            first_row = settled_after + first
        rows = max(settled_before + len(old_tail), settled_after + len(new_tail)) - first_row
        if rows > 0:
            self.refresh(Region(0, self._header_rows + first_row, self._width, rows))

    def _height(self) -> int:
        if self._waiting_for is not None:
            return self._header_rows + self._estimate_height(self._width)
        lines = len(self._settled_lines) + len(self._tail_lines)
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
            console: Console = self.app.console
            options = console.options.update(width=self._width, max_width=self._width, min_width=self._width,
                                             height=1, no_wrap=True, overflow="ellipsis", highlight=False)
            lines = console.render_lines(self.render_header(), options, style=self.base_style, pad=True)
            strips = [Strip(lines[0], self._width)]
            extra = self.render_header_extra()
            if extra is not None:
                from rich.padding import Padding

                line, body = extra
                wrapped = console.options.update(width=self._width, max_width=self._width,
                                                 min_width=self._width, highlight=False)
                rendered = console.render_lines(line, wrapped, style=self.base_style, pad=True)
                if body is not None:
                    rendered += console.render_lines(Padding(body, (0, 0, 0, 2)), wrapped,
                                                     style=self.base_style, pad=True)
                strips += [Strip(segments, self._width) for segments in rendered]
            self._header_strip = (key, strips)
            self._header_rows = len(strips)
        return self._header_strip[1]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        self._ensure_rendered(width)
        if self.HAS_HEADER and self._width:
            self._header_lines()  # the header's row count at this width
        return self._height()

    def render_lines(self, crop: Region) -> list[Strip]:
        self._drawing = True
        try:
            return super().render_lines(crop)
        finally:
            self._drawing = False

    def render_line(self, y: int) -> Strip:
        strip = self._row(y)
        selection = self.text_selection
        if selection is not None and (span := selection.get_span(y)) is not None:
            strip = _highlight(strip, *span, self.screen.get_component_rich_style("screen--selection"))
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
        settled = self._settled_lines
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
            header = []
            if self.HAS_HEADER:
                extra = self.render_header_extra()
                header = [make_displayable(self.render_header().plain)]
                for part in extra or ():
                    header += make_displayable(part.plain).split("\n") if part is not None else []
            return [*header, *self.source.splitlines()]
        lines = [strip.text for strip in self._header_lines()] if self.HAS_HEADER else []
        settled = self._settled_lines
        lines.extend(settled.text(y) for y in range(len(settled)))
        lines.extend(strip.text for strip in self._tail_lines)
        return [line.rstrip() for line in lines]

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected text, for the screen to copy (Ctrl+C): plain text, as drawn."""
        return selection.extract("\n".join(self.plain_lines())), "\n"

    def on_unmount(self) -> None:
        self.unmounted = True
        RENDERER.withdraw(self)
        # Drop the lines now: the widget itself may wait for a (deferred) full garbage collection.
        self._settled_lines = PackedLines()
        self._tail_lines = []
        self._rendered_chunks = 0
        self._width = 0
        if self._flush_timer is not None:
            self._flush_timer.stop()
