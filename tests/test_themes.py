"""Themes: shipped as data files (inside the wheel too), user themes, broken files, remembered choice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from textual.color import Color
from textual.notifications import Notify

from pinata_tui.paths import AppPaths
from pinata_tui.state import load_state, remember, remembered
from pinata_tui.theme_files import load_theme_specs, parse_theme
from tests.tui_helpers import make_app, ready, until


def notifications(posted: list[object]) -> list[str]:
    """The text of every toast the app posted (observed through run_test's message hook)."""
    return [m.notification.message for m in posted if isinstance(m, Notify)]


SHIPPED = {"pinata-dark", "pinata-light", "kanagawa", "everforest"}
REPO = Path(__file__).resolve().parent.parent


def test_shipped_theme_files_are_valid():
    specs, problems = load_theme_specs(None)
    assert problems == [] and {s.name for s in specs} == SHIPPED
    light = next(s for s in specs if s.name == "pinata-light")
    assert light.fields["dark"] is False


async def test_app_registers_the_themes_and_uses_pinata_dark(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test() as pilot:
        await ready(pilot)
        assert SHIPPED <= set(app.available_themes) and app.theme == "pinata-dark"


async def test_configured_theme_and_user_themes(server, tmp_path):
    user_dir = AppPaths.under(tmp_path).user_themes_dir
    user_dir.mkdir(parents=True)
    (user_dir / "mine.toml").write_text('name = "mine"\nprimary = "#336699"\ndark = true\n')
    (user_dir / "broken.toml").write_text('name = "broken"\nprimary = \n')
    (user_dir / "badcolour.toml").write_text('name = "badcolour"\nprimary = "not-a-colour"\n')
    (user_dir / "typo.toml").write_text('name = "typo"\nprimary = "#fff"\nprimray = "#000"\n')
    app = make_app(server, tmp_path, theme="mine")
    posted: list[object] = []
    async with app.run_test(message_hook=posted.append) as pilot:
        await ready(pilot)
        assert app.theme == "mine"
        assert "broken" not in app.available_themes and "badcolour" not in app.available_themes
        messages = notifications(posted)
        assert any("broken.toml is not valid TOML" in m for m in messages)
        assert any("badcolour.toml primary = 'not-a-colour' is not a colour" in m for m in messages)
        assert any("typo.toml has an unknown field 'primray'" in m for m in messages)


@pytest.mark.parametrize("theme", ["pinata-light", "kanagawa"])
async def test_the_configured_theme_colours_the_first_screen(server, tmp_path, theme):
    """The theme is chosen before the first CSS parse (no re-parse at start): it must still apply fully."""
    app = make_app(server, tmp_path, theme=theme)
    async with app.run_test() as pilot:
        await ready(pilot)
        chosen = app.get_theme(theme)
        assert app.theme == theme and app.has_class(f"-theme-{theme}")
        assert app.has_class("-light-mode") != chosen.dark and app.has_class("-dark-mode") == chosen.dark
        assert app.screen.styles.background == Color.parse(chosen.background)


async def test_unknown_configured_theme_falls_back_with_a_message(server, tmp_path):
    app = make_app(server, tmp_path, theme="no-such-theme")
    posted: list[object] = []
    async with app.run_test(message_hook=posted.append) as pilot:
        await ready(pilot)
        assert app.theme == "pinata-dark"
        assert any("Unknown theme 'no-such-theme'" in m for m in notifications(posted))


async def test_a_theme_picked_live_is_remembered(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test() as pilot:
        await ready(pilot)
        app.theme = "kanagawa"
        state = AppPaths.under(tmp_path).state_file
        await until(pilot, lambda: load_state(state).get("theme") == "kanagawa")


def test_newest_decision_wins_between_state_and_config(tmp_path):
    state, config = tmp_path / "state.json", tmp_path / "config.toml"
    config.write_text('theme = "everforest"\n')
    os.utime(config, (time.time() - 100, time.time() - 100))
    remember(state, "theme", "kanagawa")
    assert remembered(state, "theme", config, config_sets_it=True) == "kanagawa"
    os.utime(config, (time.time() + 5, time.time() + 5))  # config edited after the pick
    assert remembered(state, "theme", config, config_sets_it=True) is None
    assert remembered(state, "theme", config, config_sets_it=False) == "kanagawa"


def test_parse_theme_explains_problems(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text('name = "t"\n')
    try:
        parse_theme(path)
    except ValueError as exc:
        assert "needs a primary colour" in str(exc)
    else:
        raise AssertionError("a theme without a primary colour was accepted")


def test_the_built_wheel_ships_the_themes_and_presets(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(wheels), str(REPO)], check=True, capture_output=True, timeout=300)
    [wheel] = wheels.glob("pinata_chat-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {f"pinata_tui/themes/{n}.toml" for n in SHIPPED} <= set(names)
    shipped_presets = {p.stem for p in (REPO / "pinata_tui" / "presets").glob("*.toml")}
    assert shipped_presets and {f"pinata_tui/presets/{n}.toml" for n in shipped_presets} <= set(names)
    stylesheets = {str(p.relative_to(REPO)) for p in (REPO / "pinata_tui").rglob("*.tcss")}
    assert {"pinata_tui/tui/app.tcss", "pinata_tui/tui/chat/settings.tcss"} <= stylesheets <= set(names)
    target = tmp_path / "installed"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    code = ("import json; from pinata_tui.theme_files import load_theme_specs, shipped_theme_dirs;"
            "specs, problems = load_theme_specs(None);"
            "from pinata_tui.preset_files import load_presets; presets = load_presets(None);"
            "print(json.dumps([str(shipped_theme_dirs()[0]), sorted(s.name for s in specs), problems,"
            " sorted(presets.presets), presets.problems]))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            env={**os.environ, "PYTHONPATH": str(target)}, cwd=tmp_path, timeout=60)
    where, found, problems, presets, preset_problems = json.loads(result.stdout)
    assert where.startswith(str(target)) and set(found) == SHIPPED and problems == []
    assert set(presets) == shipped_presets and preset_problems == []
