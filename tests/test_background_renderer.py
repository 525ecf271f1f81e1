"""The background renderer's order of work: what the reader is looking at goes first, and at once."""

from __future__ import annotations

import gc
import selectors
import threading
import time
import weakref
from types import SimpleNamespace

from rich.style import Style
from rich.theme import Theme

from pinata_tui.tui.markdown.background_renderer import AheadJob, BackgroundRenderer, RenderJob
from tests.waiting import wait_for


class Recorder:
    """Stands in for the app: records each batch's jobs (by name), in the order they came."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.arrived = threading.Event()

    def call_from_thread(self, callback, batch) -> None:
        self.batches.append([job.widget.name for job, _ in batch])
        self.arrived.set()

    def delivered(self) -> list[str]:
        return [name for batch in self.batches for name in batch]


def job(app: Recorder, name: str) -> RenderJob:
    widget = SimpleNamespace(name=name, unmounted=False)
    return RenderJob(widget, app, f"# {name}\n\nSome text.", 40, Theme(), True, Style())  # type: ignore[arg-type]


def wait_for_all(app: Recorder, count: int) -> None:
    deadline = time.monotonic() + 10
    while len(app.delivered()) < count and time.monotonic() < deadline:
        app.arrived.wait(0.05)
        app.arrived.clear()
    assert len(app.delivered()) == count


def test_of_a_burst_of_jobs_the_newest_renders_first():
    """A page laid out submits its replies top first; the one at the bottom (on screen when a
    conversation opens) goes first, not whichever came first to a thread that was idle."""
    renderer = BackgroundRenderer()
    renderer.GATHER_SECONDS, renderer.GATHER_MAX_SECONDS = 1.0, 10.0  # far more than the gaps between submits
    app = Recorder()
    try:
        for name in ("top", "middle", "bottom"):
            renderer.submit(job(app, name))
            time.sleep(0.02)
        wait_for_all(app, 3)
        assert app.delivered()[0] == "bottom"
    finally:
        renderer.stop()


def test_a_job_on_screen_is_delivered_at_once_not_with_a_batch():
    renderer = BackgroundRenderer()
    renderer.BATCH_SECONDS = 30.0  # without the rule, everything would come in one batch
    app = Recorder()
    try:
        jobs = [job(app, f"reply {n}") for n in range(4)]
        with renderer._wake:  # all queued before the thread looks
            for queued in jobs:
                renderer.submit(queued)
            renderer.expedite(jobs[1].widget)
        wait_for_all(app, 1)
        assert app.batches[0] == ["reply 1"]
    finally:
        renderer.stop()


class Widget:
    """A stand-in reply widget (one that can be referred to weakly)."""

    name = "reply"
    unmounted = False


def test_a_delivered_job_is_not_kept_while_the_thread_waits_for_the_next():
    """#17: the thread's last batch held its widgets (two blocks of a closed conversation stayed alive
    after Ctrl+N) until another job came or the idle thread ended."""
    renderer = BackgroundRenderer()
    renderer.IDLE_SECONDS = 600.0  # the thread stays, waiting, for the whole test
    app = Recorder()
    try:
        widget = Widget()
        renderer.submit(RenderJob(widget, app, "Some *text*.", 40, Theme(), True, Style()))  # type: ignore[arg-type]
        wait_for_all(app, 1)
        app.batches.clear()
        alive = weakref.ref(widget)
        del widget
        wait_for(lambda: gc.collect() is not None and alive() is None, what="the delivered widget to be let go")
        assert renderer.running
    finally:
        renderer.stop()


def ahead(name: str) -> AheadJob:
    text = f"# {name}\n\nSome *text* rendered ahead."
    return AheadJob((text, 40, "key"), text, 40, Theme(), True, Style())


def test_after_a_reply_rendered_ahead_the_thread_rests_as_long_again():
    """#17: Rich holds the GIL while it renders, so a page rendered ahead took half the event loop's time
    from the frames the reader was paging through; after each reply rendered ahead the thread rests."""
    renderer = BackgroundRenderer()
    rests: list[float] = []
    renderer._rest = rests.append  # type: ignore[method-assign]
    try:
        jobs = [ahead("one"), ahead("two")]
        renderer.render_ahead(jobs)
        wait_for(lambda: all(job.key in renderer._ready for job in jobs), what="both replies rendered ahead")
        assert len(rests) == 2 and all(rest > 0 for rest in rests)
    finally:
        renderer.stop()


def test_a_job_for_the_screen_ends_the_rest_at_once():
    """The rest leaves the GIL to the event loop; it never holds up lines the reader is waiting for."""
    renderer = BackgroundRenderer()
    app = Recorder()
    rested = threading.Event()
    resting = threading.Thread(target=lambda: (renderer._rest(600.0), rested.set()))
    try:
        resting.start()
        wait_for(lambda: resting.is_alive() and not rested.is_set(), what="the rest to begin")
        more = ahead("more")
        renderer.render_ahead([more])  # wakes the thread that rests too, which rests on
        wait_for(lambda: more.key in renderer._ready, what="the reply rendered ahead")
        assert not rested.is_set()
        renderer.submit(job(app, "on screen"))
        wait_for(rested.is_set, what="the rest to end when a job for the screen came")
        wait_for_all(app, 1)
    finally:
        renderer.stop()
        resting.join(10)


def test_replies_are_rendered_ahead_while_the_event_loop_waits_for_input_not_while_it_draws():
    """#17: a reply rendered ahead while the event loop draws a frame takes half the GIL from that frame."""
    renderer = BackgroundRenderer()
    stop = threading.Event()
    selector = selectors.DefaultSelector()

    def waiting_for_input() -> None:
        while not stop.is_set():
            selector.select(0.05)

    def drawing() -> None:
        while not stop.is_set():
            sum(range(100))

    threads = [threading.Thread(target=target) for target in (waiting_for_input, drawing)]
    try:
        for thread in threads:
            thread.start()
        renderer._loop_thread = threads[0].ident
        wait_for(lambda: not renderer._loop_busy(), what="the loop seen waiting for input")
        renderer._loop_thread = threads[1].ident
        wait_for(renderer._loop_busy, what="the loop seen busy")
    finally:
        stop.set()
        for thread in threads:
            thread.join(10)
        selector.close()
