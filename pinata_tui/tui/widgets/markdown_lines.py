"""Markdown rendered to cached lines: one light widget per reply, however long the reply.

Textual's ``Markdown`` widget mounts a widget per block (and more for tables and code), and
the whole tree is laid out again on every change, so a long reply, or a long history, gets
slower and slower. Here a reply is a single Line API widget: finished blocks are rendered
once with Rich into cached ``Strip`` lines, and only the unfinished tail is rendered again,
at most once a frame. Lines are re-rendered only when the width or the theme changes.
"""

from __future__ import annotations

import io
import itertools
import queue
import threading
import time
from dataclasses import dataclass
from typing import ClassVar

from functools import cache

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.theme import Theme
from textual.color import Color, ColorParseError
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget

FRAME_SECONDS = 1 / 30
HEIGHT_STEP = 8
"""While streaming, the height grows in steps of this many lines: each change of height means a
layout and a repaint of the whole screen, so one step per 8 new lines instead of one per line."""
LONG_TAIL = 4_000
"""A tail longer than this (one huge paragraph) is redrawn less often: its cost grows with it."""

_FENCES = ("```", "~~~")


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

    Rendering a long reply with Rich takes tens of milliseconds; a saved conversation holds
    hundreds. On the event loop that freezes the app; here the loop only receives the lines,
    in batches (one layout per batch, not one per message).
    """

    BATCH_SECONDS = 0.05

    def __init__(self) -> None:
        self._queue: queue.PriorityQueue[tuple[int, int, RenderJob]] = queue.PriorityQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._order = itertools.count()

    def submit(self, job: "RenderJob") -> None:
        self._queue.put((-next(self._order), 0, job))
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="markdown-renderer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        consoles: dict[int, Console] = {}
        while True:
            batch: list[tuple[RenderJob, list[list[Segment]]]] = []
            deadline = time.monotonic() + self.BATCH_SECONDS
            while time.monotonic() < deadline or not batch:
                try:
                    _, _, job = self._queue.get(timeout=0.5 if not batch else 0.01)
                except queue.Empty:
                    if batch:
                        break
                    continue
                console = consoles.get(job.width)
                if console is None:
                    console = consoles[job.width] = Console(width=job.width, color_system="truecolor",
                                                            force_terminal=True, legacy_windows=False,
                                                            file=io.StringIO())
                markdown = reply_markdown_class()(job.text, code_theme="monokai" if job.dark else "friendly",
                                                  hyperlinks=False)
                with console.use_theme(job.theme):
                    lines = console.render_lines(
                        markdown, console.options.update(width=job.width, max_width=job.width,
                                                         min_width=job.width, highlight=False),
                        style=job.style, pad=True)
                batch.append((job, lines))
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


def _deliver(batch: list[tuple[RenderJob, list[list[Segment]]]]) -> None:
    for job, lines in batch:
        job.widget.receive_lines(job.width, lines)


RENDERER = BackgroundRenderer()


def settle_point(text: str, start: int) -> int:
    """Where the finished blocks of ``text[start:]`` end: after the last blank line outside a code fence.

    Text before such a blank line will not change how it renders, whatever comes next.
    """
    if text.find("\n\n", start) < 0 and text.find("\n\r\n", start) < 0:
        return start
    in_fence = False
    point = start
    position = start
    previous_blank = False
    for line in text[start:].splitlines(keepends=True):
        position += len(line)
        stripped = line.strip()
        if stripped.startswith(_FENCES):
            in_fence = not in_fence
        blank = not stripped
        if blank and not in_fence and not previous_blank and line.endswith("\n"):
            point = position
        previous_blank = blank
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


class StreamingMarkdown(Widget):
    """Markdown that can grow in pieces (``feed``) and is drawn from cached lines."""

    DEFAULT_CSS = """
    StreamingMarkdown {
        height: auto;
    }
    """

    BACKGROUND_MIN_CHARS = 1500
    """A finished message at least this long renders in the background thread."""

    def __init__(self, markdown: str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._waiting_for: tuple[int, tuple[object, ...]] | None = None
        self._text = markdown
        self._settled_upto = len(markdown)
        """Everything before this index is settled; a finished message is settled whole."""
        self._chunks: list[str] = [markdown] if markdown else []
        self._settled_lines: list[Strip] = []
        self._rendered_chunks = 0
        self._tail_lines: list[Strip] = []
        self._width = 0
        self._theme_key: tuple[object, ...] = ()
        self._unflushed: list[str] = []
        self._flush_timer: Timer | None = None
        self._flush_pending = False
        self._last_flush = 0.0
        self._streaming = False

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
        lines = 0
        for line in self._text.splitlines() or [""]:
            lines += 1 + len(line) // max(1, width - 4)
        return lines

    def receive_lines(self, width: int, lines: list[list[Segment]]) -> None:
        """Lines from the background renderer (on the event loop)."""
        if self._waiting_for is None or self._waiting_for[0] != width or width != self._width:
            return  # stale: the width or the text changed since it was asked for
        self._waiting_for = None
        self._settled_lines = [Strip(line, width) for line in lines]
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
            self._unflushed.clear()
        point = settle_point(self._text, self._settled_upto)
        if point > self._settled_upto:
            self._chunks.append(self._text[self._settled_upto:point])
            self._settled_upto = point
        self._redraw()

    async def finish(self, full_text: str) -> None:
        """The reply is over: ``full_text`` (already sanitised) is settled, and drawn, once."""
        if self._flush_timer is not None:
            self._flush_timer.stop()
            self._flush_timer = None
        self._flush_pending = False
        self._streaming = False
        self._waiting_for = None
        self._unflushed.clear()
        if not full_text.startswith(self._text[: self._settled_upto]):
            self._chunks, self._settled_upto = [], 0
            self._settled_lines, self._rendered_chunks = [], 0
        self._text = full_text
        if len(full_text) > self._settled_upto:
            self._chunks.append(full_text[self._settled_upto:])
            self._settled_upto = len(full_text)
        self._redraw()

    # ---------------------------------------------------------- rendering

    def _render(self, markdown: str, width: int, reuse: list[Strip] | None = None) -> list[Strip]:
        """Render to lines; lines equal to the same line in ``reuse`` keep that Strip (and its caches)."""
        if not markdown.strip():
            return []
        console: Console = self.app.console
        dark = self.app.current_theme.dark
        renderable = reply_markdown_class()(markdown, code_theme="monokai" if dark else "friendly", hyperlinks=False)
        options = console.options.update(width=width, max_width=width, min_width=width, highlight=False)
        base = self.rich_style  # the colours this widget sits on (backgrounds resolved through its parents)
        with console.use_theme(markdown_theme(self.app.theme_variables, dark)):
            lines = console.render_lines(renderable, options, style=Style(color=base.color, bgcolor=base.bgcolor),
                                         pad=True)
        old = reuse or []
        return [old[i] if i < len(old) and old[i].cell_length == width and list(old[i]) == line
                else Strip(line, width) for i, line in enumerate(lines)]

    def _ensure_rendered(self, width: int) -> None:
        """Bring the cached lines up to date with the text, the width and the theme."""
        theme_key = (self.app.theme, self.rich_style.color, self.rich_style.bgcolor)
        if width != self._width or theme_key != self._theme_key:
            self._width, self._theme_key = width, theme_key
            self._settled_lines, self._rendered_chunks = [], 0
            self._tail_lines = self._render(self._text[self._settled_upto:], width) if width else []
            if width and not self._streaming and len(self._text) >= self.BACKGROUND_MIN_CHARS:
                # A long finished message: draw it in the background; estimate its height meanwhile.
                self._waiting_for = (width, theme_key)
                dark = self.app.current_theme.dark
                RENDERER.submit(RenderJob(self, self.app, self._text, width,
                                          markdown_theme(self.app.theme_variables, dark), dark, self.base_style))
                return
            self._waiting_for = None
        if self._waiting_for is not None:
            return
        while self._rendered_chunks < len(self._chunks) and width:
            self._settled_lines.extend(self._render(self._chunks[self._rendered_chunks], width))
            self._rendered_chunks += 1

    def _redraw(self) -> None:
        """Draw what changed: new settled lines and the tail. Only rows that differ are repainted."""
        if not self._width:
            self.refresh(layout=True)
            return
        height_before = self._height()
        settled_before = len(self._settled_lines)
        old_tail = self._tail_lines
        self._ensure_rendered(self._width)
        settled_after = len(self._settled_lines)
        if settled_after != settled_before:
            old_tail = []  # the tail now starts elsewhere: nothing to compare with
        new_tail = self._render(self._text[self._settled_upto:], self._width, reuse=old_tail)
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
            self.refresh(Region(0, first_row, self._width, rows))

    def _height(self) -> int:
        if self._waiting_for is not None:
            return self._estimate_height(self._width)
        lines = len(self._settled_lines) + len(self._tail_lines)
        if self._streaming and lines:
            return -(-lines // HEIGHT_STEP) * HEIGHT_STEP
        return lines

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        self._ensure_rendered(width)
        return self._height()

    def render_line(self, y: int) -> Strip:
        settled = self._settled_lines
        if y < len(settled):
            return settled[y]
        y -= len(settled)
        if y < len(self._tail_lines):
            return self._tail_lines[y]
        return Strip.blank(self.size.width, self.rich_style)

    def on_unmount(self) -> None:
        if self._flush_timer is not None:
            self._flush_timer.stop()
