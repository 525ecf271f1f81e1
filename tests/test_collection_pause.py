"""Full garbage collections wait while the reader pages through a long conversation (#17)."""

from __future__ import annotations

import gc

from pinata_tui.tui.chat import collection_pause
from pinata_tui.tui.chat.collection_pause import HELD_THRESHOLD, MAX_PAGES, CollectionPause
from tests.test_tui_long_conversation import open_long, opened
from tests.waiting import until


class Collections:
    """Counts full collections asked for (``gc.collect()``), and runs them."""

    def __init__(self, monkeypatch) -> None:
        self.count = 0
        collect = gc.collect

        def counting(generation: int = 2) -> int:
            self.count += generation == 2
            return collect(generation)

        monkeypatch.setattr(collection_pause.gc, "collect", counting)


async def test_full_collections_wait_while_pages_change_and_one_runs_once_the_window_is_still(
        server, tmp_path, monkeypatch):
    monkeypatch.setattr(collection_pause, "QUIET_SECONDS", 0.3)
    collections = Collections(monkeypatch)
    before = gc.get_threshold()
    app, running = await open_long(server, tmp_path)
    async with running as pilot:
        screen, view = await opened(pilot)
        for _ in range(2):
            await view.load_earlier()
            await until(pilot, lambda: not view.window_changing)
            assert gc.get_threshold() == (*before[:2], HELD_THRESHOLD)  # the young generations as usual
        assert collections.count == 0
        await until(pilot, lambda: gc.get_threshold() == before, what="the hold ends once the window is still")
        assert collections.count == 1


class Owner:
    """Stands for the conversation pane: timers that never fire by themselves."""

    class Timer:
        def __init__(self) -> None:
            self.stopped = False

        def stop(self) -> None:
            self.stopped = True

    def set_timer(self, delay, callback, name=None):
        return self.Timer()


def test_a_collection_runs_every_max_pages_however_fast_they_come_and_stop_lets_go(monkeypatch):
    collections = Collections(monkeypatch)
    before = gc.get_threshold()
    pause = CollectionPause(Owner())  # type: ignore[arg-type]
    try:
        for _ in range(MAX_PAGES - 1):
            pause.page_changed()
        assert collections.count == 0 and gc.get_threshold()[2] == HELD_THRESHOLD
        pause.page_changed()
        assert collections.count == 1 and gc.get_threshold()[2] == HELD_THRESHOLD  # still held after it
    finally:
        pause.stop()  # the pane goes: the hold ends, without a collection
    assert gc.get_threshold() == before and collections.count == 1
