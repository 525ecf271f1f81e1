"""Start-up: the cyclic GC is paused from the command line until the first frame, then resumed."""

from __future__ import annotations

import argparse
import gc

import pytest

from pinata_tui import cli
from pinata_tui.paths import AppPaths
from tests.tui_helpers import make_app, ready


@pytest.fixture
def gc_restored():
    yield
    gc.enable()
    gc.unfreeze()


async def test_the_first_frame_freezes_start_up_objects_and_resumes_the_collector(server, tmp_path, gc_restored):
    gc.disable()  # as cli.run_tui leaves it
    app = make_app(server, tmp_path)
    async with app.run_test() as pilot:
        await ready(pilot)
        assert gc.isenabled()
        assert gc.get_freeze_count() > 0


def test_the_collector_is_resumed_even_if_the_app_fails_to_start(monkeypatch, tmp_path, gc_restored):
    seen: list[bool] = []

    def failing(args: argparse.Namespace, paths: AppPaths) -> int:
        seen.append(gc.isenabled())
        raise RuntimeError("no terminal")

    monkeypatch.setattr(cli, "_run_tui", failing)
    with pytest.raises(RuntimeError):
        cli.run_tui(argparse.Namespace(), AppPaths.under(tmp_path))
    assert seen == [False] and gc.isenabled()
