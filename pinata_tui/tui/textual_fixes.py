"""Work-arounds for Textual 8.2: caches that keep drawn lines alive far longer than needed (most of
them), and a few behaviours that cost speed or hang the app (each says which).

The caches matter for a long conversation: scrolling draws thousands of lines, and every line kept
alive is a dozen objects that each full garbage collection walks (the pauses that made scrolling
to the top of a 1,000-message conversation stutter, measured with ``tests/bench/long_history.py``).

Verified on exactly ``TEXTUAL_VERIFIED`` (pyproject.toml pins it). On any other Textual version
none of them is applied: each reaches into internals that may have changed. When upgrading
Textual, re-check each against the new source, drop those fixed upstream, and move the pin.

1. ``Strip`` memoises its operations, and when ``crop_extend`` or ``divide`` returns the strip
   unchanged (cropping a line to the length it already has, dividing it at its own end) the strip
   is stored in its own cache: a reference cycle. Every drawn line became cyclic garbage that only
   a full collection frees. Both are wrapped so that an unchanged result is returned without being
   cached (the cache would only ever return the same object). (``adjust_cell_length`` has the
   early return upstream since 8.2.) Upstream: no issue filed yet; worth proposing.

2. ``StylesCache.get_inner_outer`` is an instance method under ``functools.lru_cache``, so the
   cache's keys hold up to 1,024 ``StylesCache`` objects, one per widget ever drawn, each with
   every line it rendered. The colours it computes do not depend on the instance; the replacement
   caches them by colour alone. Upstream: Textual issue #6665 (open); drop when it is fixed.

3. ``Region``'s geometry methods memoise up to 4,096 results each. While a long conversation
   scrolls, every widget's region is new on every frame, so those caches fill with regions never
   asked for again: some 25,000 objects, half of what a full collection walked. They are
   rebuilt with room for ``GEOMETRY_CACHE_SIZE`` results, far more than one frame uses.
   Upstream: a tuning choice, not a bug; no issue filed.

4. Every ``Strip`` is created with seven empty caches (seven ``FIFOCache`` objects, tracked by the
   collector); most lines never use more than one. They are created on first use instead,
   which also cut a third of the objects each full collection walked while scrolling.
   Upstream: no issue filed yet; worth proposing.

5. Alt+Enter arrives from tmux and most terminals as ESC then CR in one read. Textual's parser
   turns that into a plain ``enter`` (the ESC is taken as an Alt prefix, which it drops for Enter),
   so Alt+Enter sent the prompt instead of adding a line. ``ESC CR`` is registered as the key
   ``alt+enter``. Upstream: no issue filed yet; worth proposing.

6. The input thread decodes the keyboard as strict UTF-8, so one byte that is not UTF-8 (``é`` typed
   in a Latin-1 terminal) raised in that thread and ended the app with a traceback. It now decodes
   in the terminal's charset (``pinata_tui.terminal``; UTF-8 where that is ASCII), replacing what
   it cannot read with U+FFFD. Upstream: no issue filed yet; worth proposing.

7. ``Input`` draws its value as it stands, so a control character in it (pasted, or in a value
   given to it) went to the terminal: an escape sequence could clear the screen or write the
   clipboard. It is drawn with visible stand-ins, one for one (``sanitize.displayable_same_length``),
   so the cursor's column still fits; the value itself is unchanged. (The prompt box, a
   ``TextArea``, does the same in ``PromptInput.get_line``, a documented hook.) Upstream: no issue
   filed yet; worth proposing.

8. The animator's tick steps each running animation, and deletes it once complete. Stepping a
   scroll animation sets ``scroll_y``; a watcher of ``scroll_y`` that scrolls without animation
   (the conversation re-anchoring at its end) force-stops that very animation, which removes it,
   and the tick's delete then raised ``KeyError`` and ended the app (seen when a message was
   focused, scrolling it into view, as the pane reached its end). The tick now skips an animation
   that is gone and leaves one that was replaced. Upstream: no issue filed yet; worth proposing.

9. A closed terminal (the window shut, tmux killed) sends the app SIGHUP, and the kernel a SIGCONT
   with it. Textual's SIGCONT handler resumed "application mode" as if after Ctrl+Z: a second
   output thread, whose first write to the gone terminal raised (EIO) and ended it; its queue
   filled, and the exit then waited forever to hand it its stop (a process left behind, found
   while a reply streamed). SIGCONT now resumes only after Textual's own SIGTSTP suspended the app,
   and the output thread drops what it cannot write instead of dying, so the exit always ends.
   Upstream: no issue filed yet; worth proposing.

10. A repeating timer that falls behind (``skip``) jumps to the second time on its grid after now,
   not the first: ``count = int((now - start) / interval + 1)`` then ``next = start + (count + 1)
   * interval``. The screen's 60 Hz update timer falls behind whenever it is resumed after a pause
   (it pauses after each frame), so after a frame the next could come only 17-33 ms later, not
   within 17: a key typed just after a frame of a streaming reply was drawn a whole frame late
   (the slow end of key echo while streaming, measured in tmux). The next time is now the first
   one on the grid after now. Upstream: no issue filed yet; worth proposing.

11. A partial update (some rows of the screen changed: the last line of a streaming reply) drew every
   visible widget whose container overlapped the rows to update, each in full: the prompt, the
   status bar, the key bar, the whole reply and the pane behind it, on every frame of a reply, to
   keep a row or two of them. Only the rows of each widget that the update covers are drawn now;
   the rows written to the terminal are the same. Upstream: no issue filed yet; worth proposing.

12. A removed widget keeps every line it drew (in its ``StylesCache``) until the cyclic collector
   frees the widget, which only a full collection does.
   Paging through a long conversation unmounts a page of messages every few key presses: each page
   left ~9,000 objects (mostly drawn lines' segments) for the next full collection, which paused
   the screen for 100 ms and more. The cache is emptied when a widget is unmounted (as Textual empties
   its render cache), so its lines go at once and a page leaves ~1,500 objects.
   Upstream: no issue filed yet; worth proposing.

13. Inside a bracketed paste, an ESC (coloured output pasted) was read as a key sequence and what
   followed replayed as key presses before the paste: a pasted line break was Enter and sent half
   of it. ESC inside a paste is kept as ``␛`` (``tui/paste_escapes.py``). Upstream: worth proposing.

14. A layout that changed a widget's virtual size (a streaming reply, the pane around it) asked for a
   second layout and a full repaint of that widget: every frame of a reply came twice
   (``tui/one_layout.py``). Upstream: worth proposing.

Results are exactly Textual's (but for 5, 6, 7, 9, 10 and 13, on purpose; 11 draws the same rows). ``apply_textual_fixes()`` is idempotent.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual.cache import FIFOCache
from textual.color import Color
from textual.strip import Strip
from textual.widget import Widget

from pinata_tui.tui.one_layout import set_virtual_size_without_a_second_layout
from pinata_tui.tui.paste_escapes import filter_pastes

_applied = False

GEOMETRY_CACHE_SIZE = 256

TEXTUAL_VERIFIED = "8.2.8"
"""The Textual release these patches were read against and tested on (pinned in pyproject.toml)."""


def textual_version() -> str:
    """The installed Textual's version: from the name of its one ``textual-X.Y.Z.dist-info`` folder
    beside it (one directory listing), else from ``importlib.metadata`` (which imports email, zipfile
    and csv: 15-20 ms of start-up, before the first frame)."""
    import textual

    site = os.path.dirname(os.path.dirname(textual.__file__))
    try:
        found = [name for name in os.listdir(site) if name.startswith("textual-") and name.endswith(".dist-info")]
    except OSError:
        found = []
    if len(found) == 1:
        return found[0][len("textual-"):-len(".dist-info")]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("textual")
    except PackageNotFoundError:
        return "unknown"


def apply_textual_fixes(version: str | None = None) -> bool:
    """Apply every fix once, on the verified Textual only. True when they are in place."""
    global _applied
    if _applied:
        return True
    if (version or textual_version()) != TEXTUAL_VERIFIED:
        return False  # another Textual: its internals may differ, so step aside
    _applied = True
    _avoid_strip_self_references()
    _cache_inner_outer_by_colour()
    _smaller_geometry_caches()
    _create_strip_caches_on_first_use()
    _alt_enter_from_escape_return()
    _keyboard_in_the_terminals_charset()
    _input_draws_control_characters_inert()
    _animations_stopped_during_a_tick()
    _survive_a_closed_terminal()
    _timers_skip_to_the_next_tick()
    _partial_updates_draw_only_their_rows()
    _removed_widgets_drop_their_lines()
    filter_pastes()
    set_virtual_size_without_a_second_layout()
    return True


def forget_drawn_lines(widget: Widget) -> None:
    """Let go of every line Textual kept of ``widget`` (it draws them again when next needed).

    Its ``StylesCache`` keeps each line drawn until the widget changes; only on the verified Textual,
    whose cache this is."""
    if _applied:
        widget._styles_cache.clear()


def _removed_widgets_drop_their_lines() -> None:
    on_unmount = Widget._on_unmount

    def dropping_lines(self: Widget) -> None:
        on_unmount(self)
        self._styles_cache.clear()  # (the render and arrangement caches Textual clears itself, just after)

    Widget._on_unmount = dropping_lines  # type: ignore[method-assign]


def _avoid_strip_self_references() -> None:
    crop_extend = Strip.crop_extend
    divide = Strip.divide

    def crop_extend_acyclic(self: Strip, start: int, end: int, style: Style | None) -> Strip:
        if start == 0 and end == self.cell_length:
            return self
        return crop_extend(self, start, end, style)

    def divide_acyclic(self: Strip, cuts: Iterable[int]) -> Sequence[Strip]:
        cuts = list(cuts)
        if [cut for cut in cuts if cut <= self.cell_length] == [self.cell_length]:
            return [self]
        return divide(self, cuts)

    Strip.crop_extend = crop_extend_acyclic  # type: ignore[method-assign]
    Strip.divide = divide_acyclic  # type: ignore[method-assign]


def _cache_inner_outer_by_colour() -> None:
    from textual._styles_cache import StylesCache
    from textual.style import Style as TextualStyle

    textual_cached = StylesCache.get_inner_outer
    if not hasattr(textual_cached, "cache_clear"):
        return  # no longer an lru_cache: fixed upstream, or changed beyond what this knows

    @lru_cache(1024)
    def inner_outer(base_background: Color, background: Color) -> tuple[TextualStyle, TextualStyle]:
        return TextualStyle(background=base_background + background), TextualStyle(background=base_background)

    def get_inner_outer(self: StylesCache, base_background: Color, background: Color) -> tuple[TextualStyle, TextualStyle]:
        return inner_outer(base_background, background)

    StylesCache.get_inner_outer = get_inner_outer  # type: ignore[method-assign,assignment]
    textual_cached.cache_clear()  # let go of any StylesCache already held


def _smaller_geometry_caches() -> None:
    from textual.geometry import Region

    for name, method in list(vars(Region).items()):
        wrapped = getattr(method, "__wrapped__", None)
        if wrapped is not None and hasattr(method, "cache_clear"):
            setattr(Region, name, lru_cache(maxsize=GEOMETRY_CACHE_SIZE)(wrapped))
            method.cache_clear()


_STRIP_CACHE_SIZES = {"_divide_cache": 4, "_crop_cache": 16, "_style_cache": 16, "_filter_cache": 4,
                      "_line_length_cache": 4, "_crop_extend_cache": 4, "_offsets_cache": 4}
_STRIP_SLOTS = {*_STRIP_CACHE_SIZES, "_segments", "_cell_length", "_render_cache", "_link_ids", "_cell_count"}


def _create_strip_caches_on_first_use() -> None:
    if set(getattr(Strip, "__slots__", ())) != _STRIP_SLOTS:
        return  # a Strip this does not know: leave it as it is
    for name, size in _STRIP_CACHE_SIZES.items():
        slot = vars(Strip)[name]

        def cache(self: Strip, slot: Any = slot, size: int = size) -> FIFOCache[Any, Any]:
            try:
                found: FIFOCache[Any, Any] = slot.__get__(self, Strip)
                return found
            except AttributeError:
                created: FIFOCache[Any, Any] = FIFOCache(size)
                slot.__set__(self, created)
                return created

        def set_cache(self: Strip, value: FIFOCache[Any, Any], slot: Any = slot) -> None:
            slot.__set__(self, value)

        setattr(Strip, name, property(cache, set_cache))

    def __init__(self: Strip, segments: Iterable[Segment], cell_length: int | None = None) -> None:
        # Textual 8.2's Strip.__init__, less the seven caches.
        self._segments = list(segments)
        self._cell_length = cell_length
        self._render_cache = None
        self._link_ids = None
        self._cell_count = None

    Strip.__init__ = __init__  # type: ignore[method-assign]


class _NamedKey:
    """Stands in for a ``textual.keys.Keys`` member: the parser reads only ``.value``."""

    def __init__(self, value: str) -> None:
        self.value = value


def _alt_enter_from_escape_return() -> None:
    from textual._ansi_sequences import ANSI_SEQUENCES_KEYS

    sequences: Any = ANSI_SEQUENCES_KEYS  # a plain dict at run time, typed as a read-only Mapping
    sequences.setdefault("\x1b\r", (_NamedKey("alt+enter"),))


def _keyboard_in_the_terminals_charset() -> None:
    import codecs
    from functools import partial

    from pinata_tui.terminal import current

    try:
        from textual.drivers import linux_driver
    except ImportError:  # Windows: its driver reads key events, not bytes
        return

    def decoder(name: str) -> Any:
        wanted = current().encoding  # read as the input thread starts: after the command line decided
        encoding = name if wanted in ("ascii", name) else wanted
        return partial(codecs.getincrementaldecoder(encoding), errors="replace")

    linux_driver.getincrementaldecoder = decoder  # type: ignore[attr-defined,assignment]


def _input_draws_control_characters_inert() -> None:
    from rich.text import Text
    from textual.widgets import Input

    from pinata_tui.sanitize import displayable_same_length

    drawn_value = Input._value

    def inert_value(self: Input) -> Text:
        text: Text = drawn_value.fget(self)  # type: ignore[attr-defined]
        shown = displayable_same_length(text.plain)
        if shown == text.plain:
            return text
        safe = Text(shown, no_wrap=True, overflow="ignore", end="")
        for span in text.spans:
            safe.stylize(span.style, span.start, span.end)
        return safe

    Input._value = property(inert_value)  # type: ignore[method-assign,assignment]


def _animations_stopped_during_a_tick() -> None:
    from textual._animator import Animator

    def tick(self: Animator) -> None:
        # Textual 8.2.8's Animator.__call__, but for the two checks marked.
        if not self._animations:
            self._timer.pause()
            self._idle_event.set()
            if not self._scheduled:
                self._complete_event.set()
        else:
            app_animation_level = self.app.animation_level
            animation_time = self._get_time()
            for animation_key in list(self._animations.keys()):
                animation = self._animations.get(animation_key)
                if animation is None:  # (checked) stopped by a watcher while an earlier one stepped
                    continue
                animation_complete = animation(animation_time, app_animation_level)
                if animation_complete and self._animations.get(animation_key) is animation:  # (checked)
                    del self._animations[animation_key]
                    if animation.on_complete is not None:
                        animation.on_complete()

    Animator.__call__ = tick  # type: ignore[method-assign]


def _survive_a_closed_terminal() -> None:
    from textual.drivers._writer_thread import WriterThread
    from textual.drivers.linux_driver import LinuxDriver

    def run(self: WriterThread) -> None:
        # Textual 8.2.8's WriterThread.run, but a write that fails (the terminal is gone) drops
        # the output from then on instead of ending the thread (which left its queue to fill up).
        get, qsize = self._queue.get, self._queue.qsize
        lost = False
        while (text := get()) is not None:
            if lost:
                continue
            try:
                self._file.write(text)
                if qsize() == 0:
                    self._file.flush()
            except (OSError, ValueError):
                lost = True
        if not lost:
            try:
                self._file.flush()
            except (OSError, ValueError):
                pass

    WriterThread.run = run  # type: ignore[method-assign]

    suspend, resume = LinuxDriver._sigtstp_application, LinuxDriver._sigcont_application

    def on_sigtstp(self: LinuxDriver, *args: Any) -> None:
        self._pinata_suspended = True  # type: ignore[attr-defined]
        suspend(self, *args)

    def on_sigcont(self: LinuxDriver, *args: Any) -> None:
        if getattr(self, "_pinata_suspended", False):  # not the SIGCONT that comes with a hang-up
            self._pinata_suspended = False  # type: ignore[attr-defined]
            resume(self, *args)

    LinuxDriver._sigtstp_application = on_sigtstp  # type: ignore[method-assign]
    LinuxDriver._sigcont_application = on_sigcont  # type: ignore[method-assign]


def _timers_skip_to_the_next_tick() -> None:
    from textual import _time
    from textual.timer import EventTargetGone, Timer

    async def run(self: Timer) -> None:
        # Textual 8.2.8's Timer._run, but for the line marked.
        count = 0
        repeat, interval = self._repeat, self._interval
        await self._active.wait()
        start = _time.get_time()
        while repeat is None or count <= repeat:
            next_timer = start + ((count + 1) * interval)
            now = _time.get_time()
            if self._skip and next_timer < now:
                count = int((now - start) / interval)  # (fixed) next_timer is then the first tick after now
                continue
            await _time.sleep(max(0, next_timer - _time.get_time()))
            count += 1
            await self._active.wait()
            if self._reset:
                start = _time.get_time()
                count = 0
                self._reset = False
                continue
            try:
                await self._tick(next_timer=next_timer, count=count)
            except EventTargetGone:
                break

    Timer._run = run  # type: ignore[method-assign]


def _partial_updates_draw_only_their_rows() -> None:
    from textual._compositor import Compositor
    from textual.geometry import Region

    def get_renders(self: Compositor, crop: Region | None = None) -> Iterable[tuple[Region, Region, list[Strip]]]:
        # Textual 8.2.8's Compositor._get_renders, but a widget is drawn only for the rows of ``crop``
        # (it drew every widget whose container overlapped ``crop``, whole when fully visible).
        # The second item is then the part drawn, which is all its caller uses it for.
        intersection = Region.intersection
        for widget, (region, clip) in self.visible_widgets.items():
            if crop is not None and not crop.overlaps(clip):
                continue
            x, y, width, height = intersection(region, clip)
            if crop is not None:
                top, bottom = max(y, crop.y), min(y + height, crop.bottom)
                y, height = top, bottom - top
            if width > 0 and height > 0:
                part = Region(x, y, width, height)
                yield region, part, widget.render_lines(Region(x - region.x, y - region.y, width, height))

    get_renders.__wrapped__ = Compositor._get_renders  # type: ignore[attr-defined]  # (the tests compare them)
    Compositor._get_renders = get_renders  # type: ignore[method-assign]
