"""What ``pinata-chat`` imports before its first frame (#17: cold start).

The command runs in a subprocess as a user starts it (``cli.main``, headless), and the modules
loaded when the first frame is drawn (``PinataChatApp._load_in_background``, which runs right
after it) are listed. Whatever only a later action needs (sending, the store, the tokenizer,
Markdown, the clipboard) loads after that frame, in the background or on first use.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.cli_helpers import pinata_env

FIRST_FRAME = """
import json, sys
from pinata_tui import cli
from pinata_tui.tui.app import PinataChatApp

def first_frame(app):
    print(json.dumps(sorted(sys.modules)))
    app.exit()

PinataChatApp._load_in_background = first_frame
run = PinataChatApp.run
PinataChatApp.run = lambda app, **kwargs: run(app, headless=True, size=(120, 40))
sys.exit(cli.main([]))
"""

NOT_BEFORE_THE_FIRST_FRAME = (
    "argparse",  # the command line, only when there is one: with no arguments the app's defaults are read as is
    "httpx", "sqlite3", "pinata_tui.store", "markdown_it", "tiktoken", "pygments", "tomli_w", "pyperclip",
    "pinata_tui.api.client",
    "importlib.metadata",  # the Textual version check reads the dist-info folder's name instead
    "pinata_tui.chat.turn", "pinata_tui.tui.chat.reply_presenter",  # sending: warmed up after the frame
    "pinata_tui.account", "pinata_tui.tui.account",  # keys and credits: the palette's, on first use
    "ctypes",  # memory.py's malloc_trim: at the first trim
    "pinata_tui.preset_files",  # -p NAME and "New chat with preset…" load it
    "pinata_tui.api.events", "pinata_tui.api.types",  # a dozen dataclasses: the first reply, the catalog
    # the reply widget's renderer (a reply's class is the chat screen's, its renderer is not): the warm-up's
    "pinata_tui.tui.markdown.reply_document", "pinata_tui.tui.markdown.background_renderer",
    "pinata_tui.tui.markdown.render", "pinata_tui.tui.markdown.open_paragraph", "pinata_tui.tui.markdown.strips",
)


def modules_at_the_first_frame(monkeypatch, tmp_path, server) -> set[str]:
    pinata_env(monkeypatch, tmp_path, server.url)
    result = subprocess.run([sys.executable, "-c", FIRST_FRAME], capture_output=True, text=True, timeout=60,
                            env={**dict(__import__("os").environ), "TERM": "xterm-256color"})
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_nothing_slow_is_imported_before_the_first_frame(monkeypatch, tmp_path, server):
    modules = modules_at_the_first_frame(monkeypatch, tmp_path, server)
    assert "pinata_tui.tui.chat.chat_screen" in modules  # the frame was the chat screen's
    loaded = sorted(name for name in modules if name.split(".")[0] in NOT_BEFORE_THE_FIRST_FRAME
                    or any(name == slow or name.startswith(slow + ".") for slow in NOT_BEFORE_THE_FIRST_FRAME))
    assert loaded == []


def test_the_textual_version_is_read_as_importlib_metadata_reads_it():
    from importlib.metadata import version

    from pinata_tui.tui.textual_fixes import textual_version

    assert textual_version() == version("textual")
