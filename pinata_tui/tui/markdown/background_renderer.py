"""Finished replies rendered off the event loop: one thread per app, started when first needed.

The app owns its renderer (``renderer_for(app)``) and stops it when it closes
(``stop_renderer(app)``, from ``PinataChatApp.on_unmount``); a renderer also lets its thread go
after a while with nothing to do, so an app that never stops it (a test's host app) leaves no
thread behind for long. Nothing starts at import.
"""

from __future__ import annotations

import io
import selectors
import sys
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from rich.console import Console
from rich.style import Style
from rich.theme import Theme

from pinata_tui.tui.markdown.packed_lines import PackedLines
from pinata_tui.tui.markdown.render import Lead, References, RenderContext, render_piece

if TYPE_CHECKING:
    from pinata_tui.tui.markdown.streaming_markdown import StreamingMarkdown


class _App(Protocol):
    def call_from_thread(self, callback: Callable[..., Any], *args: Any) -> Any: ...


@dataclass(frozen=True)
class RenderJob:
    """Everything the renderer thread needs, captured on the event loop (DOM reads are not thread-safe)."""

    widget: StreamingMarkdown
    app: _App
    text: str
    width: int
    theme: Theme
    dark: bool
    style: Style


@dataclass(frozen=True)
class AheadJob:
    """A reply not mounted yet (the page the reader is heading for), rendered ahead: its lines wait
    under ``key`` (its text, width and theme) for the widget that will show it."""

    key: tuple[object, ...]
    text: str
    width: int
    theme: Theme
    dark: bool
    style: Style


@dataclass(frozen=True)
class Rendered:
    """A whole text rendered by the thread: its lines, and what the widget needs to go on from them."""

    lines: PackedLines
    lead: Lead
    definitions: References
    asked: frozenset[str]


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
    """Rendered lines go to the event loop in batches of about this much work (one layout per batch);
    a job whose blank lines are on screen goes at once, alone."""
    GATHER_SECONDS = 0.005
    GATHER_MAX_SECONDS = 0.03
    """Before a batch, the thread waits until no job has come for GATHER_SECONDS (at most
    GATHER_MAX_SECONDS): a page being laid out submits its replies top first, and the newest (the
    one at the bottom, on screen when a conversation opens) should go first, not the first to come."""
    # No holding jobs back while the reader scrolls (Rich holds the GIL while it renders): measured in
    # a real terminal (tests/bench/real_terminal.py history), holding Page Up through 10,000 messages
    # with a 0.1 s hold-off showed message text on only 42-68 % of screens (the pages above were still
    # blank when the reader got there), without it on 100 %, and the longest time without a screen
    # update was no better with it.
    AHEAD_MAX = 20
    """At most this many replies rendered ahead wait to be taken (and as many jobs for them)."""
    AHEAD_REST = 1.0
    """After a reply rendered ahead, the thread rests this many times as long as it took (unless a job for
    the screen comes): Rich holds the GIL while it renders, and the event loop, drawing the reader's
    frames meanwhile, got half of it (a 10 ms frame took 30-50 ms beside a page rendered ahead)."""
    AHEAD_WAIT_SECONDS = 0.1
    """A reply is rendered ahead only while the event loop waits for input (polled every AHEAD_POLL_SECONDS),
    or after this long: a frame drawn meanwhile would have half the GIL."""
    AHEAD_POLL_SECONDS = 0.002
    IDLE_SECONDS = 10.0
    """With nothing to do for this long, the thread ends (the next job starts another)."""

    def __init__(self) -> None:
        self._pending: dict[int, RenderJob] = {}
        """Waiting jobs by id of their widget, oldest first (a dict keeps insertion order)."""
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._ending: set[int] = set()
        """Threads told to end (by id): a thread that has let go of ``_thread`` takes no more jobs."""
        self._submitted_at = 0.0
        self._urgent: set[int] = set()
        """Waiting jobs (by id of their widget) whose blank lines are on screen now: taken first, delivered alone."""
        self._ahead: dict[tuple[object, ...], AheadJob] = {}
        """Replies to render ahead, by key, taken only when no widget waits (the newest first)."""
        self._loop_thread: int | None = None
        """The event loop's thread (the one that asks for replies to render ahead)."""
        self._ready: dict[tuple[object, ...], Rendered] = {}
        """Replies rendered ahead, by key, until a widget takes them (the oldest dropped beyond AHEAD_MAX)."""

    @property
    def running(self) -> bool:
        with self._wake:
            return self._thread is not None

    def expedite(self, widget: object) -> None:
        """``widget``'s blank lines are on screen: render its job next, and deliver it alone, at once."""
        key = id(widget)
        with self._wake:
            if key in self._pending and key not in self._urgent:
                self._urgent.add(key)
                self._pending[key] = self._pending.pop(key)  # the newest: taken first
                self._wake.notify()

    def submit(self, job: RenderJob) -> None:
        with self._wake:
            self._pending.pop(id(job.widget), None)  # a newer width or theme replaces the old job
            self._pending[id(job.widget)] = job
            self._submitted_at = time.monotonic()
            self._wake_thread()

    def render_ahead(self, jobs: list[AheadJob]) -> None:
        """Render these replies when nothing on screen waits (the last first): the page the reader is heading for."""
        with self._wake:
            self._loop_thread = threading.get_ident()
            for job in jobs:
                if job.key not in self._ready:
                    self._ahead.pop(job.key, None)
                    self._ahead[job.key] = job
            while len(self._ahead) > self.AHEAD_MAX:
                del self._ahead[next(iter(self._ahead))]  # the oldest: a page the reader has gone past
            if self._ahead:
                self._wake_thread()

    def _wake_thread(self) -> None:
        """(Under the lock.) Work has come: the thread goes on, or starts if it has ended."""
        self._stopping = False
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="markdown-renderer", daemon=True)
            self._thread.start()
        self._wake.notify()

    def take_ahead(self, key: tuple[object, ...]) -> Rendered | None:
        """The lines rendered ahead under ``key``, once (None if there are none); its job, if still waiting, goes."""
        with self._wake:
            self._ahead.pop(key, None)
            return self._ready.pop(key, None)

    def withdraw(self, widget: object) -> None:
        """Forget the job waiting for ``widget``, if any."""
        with self._wake:
            self._pending.pop(id(widget), None)
            self._urgent.discard(id(widget))

    def is_waiting(self, widget: object) -> bool:
        with self._wake:
            return id(widget) in self._pending

    def stop(self, wait: float = 0.0) -> None:
        """Drop the waiting jobs and end the thread (after the job in hand); wait up to ``wait`` seconds."""
        with self._wake:
            self._pending.clear()
            self._urgent.clear()
            self._ahead.clear()
            self._ready.clear()
            self._stopping = True
            thread = self._thread
            self._wake.notify()
        if thread is not None and wait > 0:
            thread.join(wait)

    def _next(self, timeout: float, idle_since: float, gather: bool) -> tuple[RenderJob | AheadJob, bool] | None:
        """The newest job (one for lines on screen first, one to render ahead last) and whether it is one
        for lines on screen; None if none came within ``timeout`` or the thread is to end (``_ending``).
        ``gather``: let a burst of jobs end first."""
        with self._wake:
            if not self._pending and not self._ahead and not self._stopping:
                self._wake.wait(timeout)
            gather_until = time.monotonic() + self.GATHER_MAX_SECONDS
            while (gather and self._pending and not self._urgent and not self._stopping
                   and (now := time.monotonic()) < gather_until
                   and now - self._submitted_at < self.GATHER_SECONDS):
                self._wake.wait(self.GATHER_SECONDS)  # more of the burst may come (submit notifies)
            if self._stopping or (not self._pending and not self._ahead
                                  and time.monotonic() - idle_since > self.IDLE_SECONDS):
                self._thread = None  # under the lock: a job submitted from now on starts a new thread
                self._ending.add(threading.get_ident())
                return None
            if not self._pending:  # ahead only between batches: not to hold up lines rendered for the screen
                return (self._ahead.popitem()[1], False) if self._ahead and gather else None
            for key in reversed(self._pending):
                if key in self._urgent:
                    self._urgent.discard(key)
                    return self._pending.pop(key), True
            return self._pending.popitem()[1], False  # the newest

    def _run(self) -> None:
        consoles: dict[int, Console] = {}
        idle_since = time.monotonic()
        me = threading.get_ident()
        try:
            while me not in self._ending:
                batch = self._render_batch(consoles, idle_since)
                if batch:
                    self._send(batch)
                    idle_since = time.monotonic()
                # Nothing bound here between batches: a waiting thread holds no widget alive (the last
                # batch kept two blocks of a closed conversation until the next job or the thread's end).
                del batch
        finally:
            self._ending.discard(me)

    def _render_batch(self, consoles: dict[int, Console], idle_since: float) -> list[tuple[RenderJob, Rendered]]:
        """Render jobs for up to BATCH_SECONDS (at least one job, waiting for it if need be)."""
        batch: list[tuple[RenderJob, Rendered]] = []
        deadline = time.monotonic() + self.BATCH_SECONDS
        me = threading.get_ident()
        while (time.monotonic() < deadline or not batch) and me not in self._ending:
            if not batch:
                self._until_the_loop_waits()
            taken = self._next(0.5 if not batch else 0.01, idle_since, gather=not batch)
            if taken is None:
                if batch:
                    break
                continue
            job, urgent = taken
            del taken  # (not kept while the next one is waited for)
            if isinstance(job, RenderJob) and job.widget.unmounted:  # scrolled out of the window while waiting
                del job
                continue
            console = consoles.get(job.width)
            if console is None:
                console = consoles[job.width] = Console(width=job.width, color_system="truecolor",
                                                        force_terminal=True, legacy_windows=False,
                                                        file=io.StringIO())
            context = RenderContext(console, job.width, job.theme, job.dark, job.style)
            began = time.monotonic()
            piece = render_piece(context, job.text, {})
            rendered = Rendered(PackedLines(piece.lines), piece.lead, piece.definitions, piece.asked)
            if isinstance(job, AheadJob):
                self._keep_ahead(job.key, rendered)
                self._rest((time.monotonic() - began) * self.AHEAD_REST)
                continue
            batch.append((job, rendered))
            if urgent:
                break  # the reader is looking at its blank lines: deliver now, not after more jobs
        return batch

    def _until_the_loop_waits(self) -> None:
        """While only replies to render ahead are queued: until the event loop waits for input (at most
        AHEAD_WAIT_SECONDS; a job for the screen ends the wait)."""
        until = time.monotonic() + self.AHEAD_WAIT_SECONDS
        with self._wake:
            while (self._ahead and not self._pending and not self._stopping and time.monotonic() < until
                   and self._loop_busy()):
                self._wake.wait(self.AHEAD_POLL_SECONDS)

    def _loop_busy(self) -> bool:
        """True while the event loop's thread runs (or waits for the GIL) rather than waiting for input."""
        frame = sys._current_frames().get(self._loop_thread) if self._loop_thread is not None else None
        return frame is not None and frame.f_code is not _WAITING_FOR_INPUT

    def _rest(self, seconds: float) -> None:
        """Leave the GIL to the event loop for ``seconds``, or until a job for the screen comes."""
        until = time.monotonic() + seconds
        with self._wake:
            while not self._pending and not self._stopping and (left := until - time.monotonic()) > 0:
                self._wake.wait(left)  # (more replies to render ahead wake it too: rest on)

    def _keep_ahead(self, key: tuple[object, ...], rendered: Rendered) -> None:
        with self._wake:
            self._ready[key] = rendered
            while len(self._ready) > self.AHEAD_MAX:
                del self._ready[next(iter(self._ready))]

    @staticmethod
    def _send(batch: list[tuple[RenderJob, Rendered]]) -> None:
        batch = [(job, rendered) for job, rendered in batch if not job.widget.unmounted]
        if not batch:
            return
        try:
            batch[0][0].app.call_from_thread(_deliver, batch)
        except RuntimeError:  # the app has closed: nothing to show the lines on
            pass


def _deliver(batch: list[tuple[RenderJob, Rendered]]) -> None:
    for job, rendered in batch:
        job.widget.receive_lines(job.width, rendered)


_WAITING_FOR_INPUT = selectors.DefaultSelector.select.__code__
"""Where the event loop's thread is while it waits for input (asyncio's selector)."""

_renderers: weakref.WeakKeyDictionary[object, BackgroundRenderer] = weakref.WeakKeyDictionary()


def renderer_for(app: object) -> BackgroundRenderer:
    """The app's renderer (made on first use; its thread starts with its first job)."""
    renderer = _renderers.get(app)
    if renderer is None:
        renderer = _renderers[app] = BackgroundRenderer()
    return renderer


def stop_renderer(app: object, wait: float = 0.0) -> None:
    """Stop the app's renderer, if it has one (the app is closing)."""
    renderer = _renderers.pop(app, None)
    if renderer is not None:
        renderer.stop(wait)
