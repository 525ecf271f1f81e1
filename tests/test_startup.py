"""Start-up: the cyclic GC is paused from the command line until the first frame, then resumed."""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile

import pytest

from pinata_tui import cli
from pinata_tui.cli_parser import build_parser, parse_arguments
from pinata_tui.paths import AppPaths
from pinata_tui.tui.chat.chat_screen import ChatScreen
from pinata_tui.tui.chat.prompt_input import PromptInput
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


@pytest.mark.parametrize(("size", "height_class"), [((100, 30), "-tall"), ((100, 15), "-short")])
async def test_the_chat_screen_is_the_first_screen_and_complete_when_it_mounts(server, tmp_path, monkeypatch,
                                                                               size, height_class):
    """#17 cold start: the chat screen is the app's default screen (not pushed over an empty one), and
    what its first frame shows is settled before it is first styled: the prompt has the focus as it is
    composed, the class for the terminal's height and the empty conversation's are set (set later, each
    restyled the whole screen, and the focus and the height drew the first frame a second time)."""
    seen: dict[str, object] = {}
    mounted = ChatScreen.on_mount

    async def on_mount(screen: ChatScreen) -> None:
        seen.update(focused=screen.focused, classes=set(screen.classes), stack=list(screen.app.screen_stack))
        await mounted(screen)

    monkeypatch.setattr(ChatScreen, "on_mount", on_mount)
    app = make_app(server, tmp_path)
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        screen = app.chat
        assert app.screen_stack == [screen] and seen["stack"] == [screen]
        assert isinstance(seen["focused"], PromptInput)
        assert {height_class, "-empty-conversation"} <= seen["classes"]  # type: ignore[operator]
        assert screen.focused is screen.prompt


def test_the_entry_module_loads_with_the_collector_paused_and_leaves_it_on():
    """#17: ``pinata_tui.cli``'s imports load with the cyclic collector paused (about 40 collections ran
    during them: 5 ms of a cold start); it is on again once the module has loaded."""
    code = ("import gc, json, sys\n"
            "seen = []\n"
            "class Watch:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        seen.append((name, gc.isenabled()))\n"
            "sys.meta_path.insert(0, Watch())\n"
            "import pinata_tui.cli\n"
            "print(json.dumps([seen, gc.isenabled()]))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seen, enabled = json.loads(result.stdout)
    loaded_by_cli = seen[[name for name, _ in seen].index("pinata_tui.cli") + 1:]
    assert {"asyncio", "pinata_tui.cli_parser", "pinata_tui.config"} <= {name for name, _ in loaded_by_cli}
    # (``from __future__`` comes first in any module, before the pause)
    assert [name for name, collecting in loaded_by_cli if collecting and name != "__future__"] == []
    assert enabled


def test_what_the_entry_modules_imports_built_is_frozen_before_the_collector_resumes():
    """#17: resumed with the imports' objects (~30,000) in its youngest generation, the collector's next
    collection walked them all (6-9 ms of a cold start); frozen first, no collection ever walks them."""
    code = ("import gc, json\n"
            "walked = []\n"
            "gc.callbacks.append(lambda phase, info: walked.append(info['generation']) if phase == 'stop' else None)\n"
            "young_before = gc.get_count()[0]\n"
            "import pinata_tui.cli\n"
            "print(json.dumps([gc.get_freeze_count(), gc.get_count()[0], walked]))\n")
    # Compiled ahead into a cache of its own: compiling a module whose cached bytecode is stale (or not
    # written: PYTHONDONTWRITEBYTECODE) collects before the entry module's first line can pause the collector.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as cache:
        run = [sys.executable, "-X", f"pycache_prefix={cache}", "-c"]
        subprocess.run([*run, "import pinata_tui.cli"], env=env, check=True)
        result = subprocess.run([*run, code], env=env, capture_output=True, text=True, check=True)
    frozen, young, walked = json.loads(result.stdout)
    assert frozen > 10_000
    assert young < gc.get_threshold()[0]  # what the imports left young: less than one collection's worth
    assert walked == []  # no collection during the imports, nor right after them


def test_the_collector_is_on_again_when_an_import_of_the_entry_module_fails():
    code = ("import gc, sys\n"
            "sys.modules['pinata_tui.cli_list'] = None  # importing it raises ImportError\n"
            "try:\n"
            "    import pinata_tui.cli\n"
            "except ImportError:\n"
            "    print(gc.isenabled())\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "True"


@pytest.mark.parametrize("argv", [[], ["--demo"], ["ask", "hello"], ["-m", "x/y", "-c"], ["list", "--search", "a"]])
def test_the_command_line_reads_as_the_full_parser_reads_it(argv):
    """With no arguments no parser is built (the app's start: ``APP_DEFAULTS``); the result reads the same."""
    assert vars(parse_arguments(argv)) == vars(build_parser().parse_args(argv))
