"""The core never imports Textual, so the CLI and scripts start fast and the layers stay apart."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import pinata_tui

UI_PACKAGES = ("pinata_tui.tui",)


def core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(pinata_tui.__path__, "pinata_tui."):
        if not info.name.startswith(UI_PACKAGES) and info.name != "pinata_tui.__main__":
            names.append(info.name)
    return names


def test_core_modules_do_not_import_textual():
    modules = core_modules()
    assert {"pinata_tui.api.client", "pinata_tui.devserver", "pinata_tui.settings", "pinata_tui.cli",
            "pinata_tui.chat.turn", "pinata_tui.chat.endings"} <= set(modules)
    code = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []


def test_the_api_client_knows_nothing_of_the_store_the_chat_logic_or_the_ui():
    code = (
        "import json, sys\n"
        "import pinata_tui.api.client, pinata_tui.api.streaming\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('pinata_tui.store', 'pinata_tui.chat',"
        " 'pinata_tui.tui', 'sqlite3')))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []
