"""Work-arounds for Textual caches that kept drawn lines alive (see pinata_tui/tui/textual_fixes.py)."""

from __future__ import annotations

import gc
import types
import weakref

from rich.segment import Segment
from rich.style import Style
from textual._styles_cache import StylesCache
from textual.color import Color
from textual.strip import Strip

from pinata_tui.tui.textual_fixes import apply_textual_fixes


def holders(strip: Strip) -> list[object]:
    return [r for r in gc.get_referrers(strip) if not isinstance(r, types.FrameType)]


def test_a_strip_left_unchanged_by_an_operation_is_not_stored_in_its_own_cache():
    apply_textual_fixes()
    strip = Strip([Segment("hello "), Segment("world")], 11)
    assert strip.adjust_cell_length(11) is strip
    assert strip.crop_extend(0, 11, None) is strip
    assert list(strip.divide([11])) == [strip]
    assert holders(strip) == []  # no reference cycle: freed as soon as it is dropped
    # Operations that change the strip give Textual's results.
    assert strip.adjust_cell_length(13).text == "hello world  "
    assert strip.crop_extend(2, 13, None).text == "llo world  "
    assert [part.text for part in strip.divide([5, 11])] == ["hello", " world"]


def test_the_background_colour_cache_does_not_hold_the_styles_cache():
    apply_textual_fixes()
    base, background = Color(10, 20, 30), Color(200, 100, 50, 0.5)
    styles_cache = StylesCache()
    inner, outer = styles_cache.get_inner_outer(base, background)
    assert inner.background == base + background and outer.background == base
    alive = weakref.ref(styles_cache)
    del styles_cache
    gc.collect()
    assert alive() is None


def test_a_strip_gets_its_caches_only_when_an_operation_uses_them():
    from textual.cache import FIFOCache

    apply_textual_fixes()
    strip = Strip([Segment("hello "), Segment("world")], 11)
    assert not [r for r in gc.get_referents(strip) if isinstance(r, FIFOCache)]
    cropped = strip.crop(1, 5)
    assert cropped.text == "ello" and strip.crop(1, 5) is cropped  # cached, as in Textual
    assert len([r for r in gc.get_referents(strip) if isinstance(r, FIFOCache)]) == 1
    styled = strip.apply_style(Style(bold=True))
    assert styled.text == "hello world" and all(s.style.bold for s in styled)
    assert strip.apply_style(Style(bold=True)) is styled
    assert [part.text for part in strip.divide([3, 11])] == ["hel", "lo world"]
    assert strip.simplify().text == "hello world" and strip.cell_length == 11


def test_the_fixes_step_aside_on_a_textual_they_were_not_verified_on(monkeypatch):
    from pinata_tui.tui import textual_fixes

    monkeypatch.setattr(textual_fixes, "_applied", False)
    before = (Strip.crop_extend, Strip.divide, StylesCache.get_inner_outer, Strip.__init__)
    assert textual_fixes.apply_textual_fixes(version="8.3.0") is False
    assert (Strip.crop_extend, Strip.divide, StylesCache.get_inner_outer, Strip.__init__) == before


def test_the_pin_and_the_verified_version_agree():
    import tomllib
    from pathlib import Path

    from pinata_tui.tui.textual_fixes import TEXTUAL_VERIFIED, textual_version

    project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())
    assert f"textual=={TEXTUAL_VERIFIED}" in project["project"]["dependencies"]
    assert textual_version() == TEXTUAL_VERIFIED


async def test_an_animation_stopped_by_a_watcher_during_its_own_step_does_not_end_the_app():
    """Fix 8: a scroll_y watcher that scrolls without animation (as the conversation re-anchors at its
    end) stopped the running scroll animation inside the animator's tick, which then raised KeyError."""
    from textual.app import App, ComposeResult
    from textual.containers import VerticalScroll
    from textual.widgets import Static

    from pinata_tui.tui.textual_fixes import apply_textual_fixes

    assert apply_textual_fixes()

    class Reanchoring(VerticalScroll):
        def watch_scroll_y(self, old: float, new: float) -> None:
            super().watch_scroll_y(old, new)
            if new >= 20:  # the animation's last step
                self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)  # stops the animation

    class Demo(App[None]):
        def compose(self) -> ComposeResult:
            with Reanchoring():
                yield Static("\n".join(str(n) for n in range(100)))

    app = Demo()
    async with app.run_test(size=(20, 10)) as pilot:
        scroll = app.query_one(Reanchoring)
        scroll.scroll_to(y=20, animate=True, duration=0.1)
        await pilot.pause(0.3)
        assert app.is_running and scroll.scroll_y == scroll.max_scroll_y


class GoneTerminal:
    """A terminal that has hung up: every write fails as a closed pty's does (EIO)."""

    def __init__(self) -> None:
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        raise OSError(5, "Input/output error")

    def flush(self) -> None:
        raise OSError(5, "Input/output error")

    def fileno(self) -> int:
        return 1


def test_the_output_thread_outlives_a_closed_terminal_so_the_exit_does_not_hang():
    import threading

    from textual.drivers._writer_thread import MAX_QUEUED_WRITES, WriterThread

    apply_textual_fixes()
    terminal = GoneTerminal()
    writer = WriterThread(terminal)  # type: ignore[arg-type]
    writer.start()

    def a_frame_too_many_then_exit() -> None:
        for _ in range(MAX_QUEUED_WRITES * 3):  # without the fix the thread is dead and this blocks
            writer.write("\x1b[1;1Hframe")
        writer.stop()

    exiting = threading.Thread(target=a_frame_too_many_then_exit, daemon=True)
    exiting.start()
    exiting.join(timeout=30)  # a deadlock guard, not a speed check: it takes milliseconds
    assert not exiting.is_alive(), "the exit waits forever for the output thread"
    assert not writer.is_alive()
    assert terminal.writes == 1  # one failed write, then the output is dropped


def test_the_sigcont_of_a_hang_up_does_not_restart_the_display_but_one_after_ctrl_z_does(monkeypatch):
    from textual.drivers import linux_driver
    from textual.drivers.linux_driver import LinuxDriver

    apply_textual_fixes()
    calls: list[str] = []
    driver = types.SimpleNamespace(_auto_restart=True,
                                   suspend_application_mode=lambda: calls.append("suspend"),
                                   resume_application_mode=lambda: calls.append("resume"))
    monkeypatch.setattr(linux_driver.os, "kill", lambda pid, number: calls.append(f"signal {number}"))
    LinuxDriver._sigcont_application(driver)  # type: ignore[arg-type]  # the terminal closed: SIGHUP + SIGCONT
    assert calls == []
    LinuxDriver._sigtstp_application(driver)  # type: ignore[arg-type]  # Ctrl+Z in the shell
    LinuxDriver._sigcont_application(driver)  # type: ignore[arg-type]  # fg
    assert calls == ["suspend", f"signal {linux_driver.signal.SIGSTOP}", "resume"]
    LinuxDriver._sigcont_application(driver)  # type: ignore[arg-type]  # a stray SIGCONT later
    assert calls[-1] == "resume" and calls.count("resume") == 1


async def test_a_timer_that_fell_behind_ticks_next_at_the_first_time_on_its_grid_after_now(monkeypatch):
    """Fix 10: Textual skipped to the second time on the grid after now, so the screen's update timer,
    resumed just after a frame, drew the next one (a key typed meanwhile) up to two frames later."""
    import asyncio

    from textual import _time
    from textual._context import active_app
    from textual.timer import Timer

    assert apply_textual_fixes()
    clock = [0.0]

    async def sleep(seconds: float) -> None:
        clock[0] += max(0.0, seconds)
        await asyncio.sleep(0)

    monkeypatch.setattr(_time, "get_time", lambda: clock[0])
    monkeypatch.setattr(_time, "sleep", sleep)
    ticks: list[float] = []
    done = asyncio.Event()

    def tick() -> None:
        ticks.append(clock[0])
        if len(ticks) == 1:
            clock[0] = 5.3  # the first tick ran long: the times 2, 3, 4 and 5 have passed
        else:
            done.set()

    class Owner:
        pass

    owner = Owner()
    errors: list[BaseException] = []
    app = types.SimpleNamespace(_exit=False, features=frozenset(), _handle_exception=errors.append)
    active_app.set(app)  # type: ignore[arg-type]
    timer = Timer(owner, 1.0, callback=tick)  # type: ignore[arg-type]
    timer._start()
    await done.wait()
    timer.stop()
    assert errors == []
    assert ticks == [1.0, 6.0]  # Textual's own: [1.0, 7.0]


async def test_a_partial_update_draws_only_the_rows_it_covers_and_writes_the_same_rows(server, tmp_path):
    """Fix 11: Textual drew every visible widget whose container overlapped the rows to update, in full
    (the prompt, the status bar and the whole reply to update one line of it). Now only the rows
    covered are drawn, and every row written is what Textual's own drawing gives."""
    from textual._compositor import Compositor
    from textual.geometry import Region

    from tests.tui_helpers import chat, make_app, ready, send_and_wait

    assert apply_textual_fixes()
    ours = Compositor._get_renders
    textuals = ours.__wrapped__  # type: ignore[attr-defined]
    server.state.reply_override = "# Title\n\n" + "Some words that wrap across the width of the pane. " * 12 + (
        "\n\n```python\nx = 1\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    app = make_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "Hi")
        chat(app).prompt.insert("a prompt")
        await pilot.pause()
        compositor = app.screen._compositor
        width, height = compositor.size

        def chops(get_renders, crop: Region) -> list[dict[int, list[object] | None]]:
            compositor._get_renders = types.MethodType(get_renders, compositor)  # type: ignore[method-assign]
            try:
                found = compositor._render_chops(crop, range(crop.y, crop.bottom).__contains__)
            finally:
                del compositor._get_renders
            return [{cut: None if strip is None else list(strip) for cut, strip in found[y].items()}
                    for y in range(crop.y, crop.bottom)]

        for top in range(height):
            for crop in (Region(0, top, width, 1), Region(3, top, width - 6, min(3, height - top))):
                assert chops(ours, crop) == chops(textuals, crop)
                assert all(len(strips) <= crop.height for _, _, strips in ours(compositor, crop))
        one_row = Region(0, 5, width, 1)
        assert any(len(strips) > 1 for _, _, strips in textuals(compositor, one_row))  # what it did


async def test_a_removed_widget_lets_go_of_the_lines_it_drew():
    """Fix 12: a widget removed from the screen no longer holds the lines it drew (its StylesCache kept
    them until the cyclic collector freed the widget: a page of a long conversation left ~9,000
    objects for the next full collection). The widgets still on screen keep theirs."""
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    assert apply_textual_fixes()

    class Demo(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("stays\nhere", id="stays")
            yield Static("goes\naway", id="goes")

    app = Demo()
    async with app.run_test(size=(20, 10)) as pilot:
        stays, goes = app.query_one("#stays"), app.query_one("#goes")
        await pilot.pause()
        assert stays._styles_cache._cache and goes._styles_cache._cache  # both drawn
        drawn = list(goes._styles_cache._cache.values())
        await goes.remove()
        assert goes._styles_cache._cache == {}
        for strip in drawn:  # nothing but this test holds them now
            assert [h for h in holders(strip) if h is not drawn and not isinstance(h, types.CoroutineType)] == []
        assert stays._styles_cache._cache


async def test_a_widget_that_grew_in_a_layout_is_not_laid_out_and_drawn_again(monkeypatch):
    """Fix 14: the layout gives a widget its new virtual size without asking for a second layout."""
    from textual.app import App, ComposeResult
    from textual.containers import VerticalScroll
    from textual.screen import Screen
    from textual.widgets import Static

    apply_textual_fixes()
    layouts: list[int] = []
    refresh_layout = Screen._refresh_layout

    def counted(self: Screen, *args: object, **kwargs: object) -> None:
        layouts.append(1)
        refresh_layout(self, *args, **kwargs)  # type: ignore[arg-type]

    class Watching(Static):
        seen: list[tuple[int, int]]

        def watch_virtual_size(self, size: object) -> None:
            self.seen = [*getattr(self, "seen", []), tuple(size)]  # type: ignore[arg-type]

    class Demo(App[None]):
        def compose(self) -> ComposeResult:
            with VerticalScroll():
                yield Static("\n".join(f"line {n}" for n in range(20)), id="grows")  # the pane scrolls already
                yield Watching("watched", id="watched")

    app = Demo()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        grows, pane = app.query_one("#grows", Static), app.query_one(VerticalScroll)
        monkeypatch.setattr(Screen, "_refresh_layout", counted)
        grows.update("\n".join(f"line {n}" for n in range(30)))
        for _ in range(5):
            await pilot.pause()
        assert len(layouts) == 1  # Textual 8.2.8 alone: 2, the second changing nothing
        assert grows.virtual_size.height == 30 and pane.virtual_size.height == 31
        assert pane.max_scroll_y == 31 - 10  # the pane's scrollbar and limits follow the new size
        watched = app.query_one("#watched", Watching)
        watched.update("watched\nnow two lines")
        for _ in range(3):
            await pilot.pause()
        assert watched.seen[-1][1] == 2  # a widget that watches its virtual size is still told


async def test_a_pane_following_its_end_still_shows_its_last_line_when_a_bar_below_it_grows():
    """Fix 14 keeps the second layout for a scrolling widget whose viewport changed: the first placed
    an anchored pane's end with the old height (the chips, the demo banner, the "more below" bar)."""
    from textual.app import App, ComposeResult
    from textual.containers import VerticalScroll
    from textual.widgets import Static

    apply_textual_fixes()

    class Demo(App[None]):
        CSS = "#bottom { dock: bottom; height: auto; } VerticalScroll { height: 1fr; }"

        def compose(self) -> ComposeResult:
            with VerticalScroll():
                yield Static("\n".join(f"line {n}" for n in range(30)), id="body")
            yield Static("input", id="bottom")

    app = Demo()
    async with app.run_test(size=(40, 12)) as pilot:
        pane = app.query_one(VerticalScroll)
        pane.anchor()
        await pilot.pause()
        app.query_one("#bottom", Static).update("input\nand a bar\nof three lines")
        app.query_one("#body", Static).update("\n".join(f"line {n}" for n in range(33)))
        for _ in range(4):
            await pilot.pause()
        assert pane.container_size.height == 12 - 3
        assert pane.scroll_y == pane.max_scroll_y == 33 - 9  # "line 32" is on screen
