"""Shared by the hostile-input tests (issue #14): a payload that tries every trick, and a CLI runner.

The runner calls ``pinata_tui.cli.main`` in-process with stdin, stdout and stderr replaced, so a
test can choose whether stdout is a terminal; tests that need a real process (a pty, bytes in
argv) start one.
"""

from __future__ import annotations

import io
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from pinata_tui import cli
from pinata_tui.devserver import DEV_JWT, DEV_LLM_KEY
from pinata_tui.paths import AppPaths

HOSTILE = (
    "A\x1b[2J\x1b[31mred\x1b]0;pwned\x07\x1b]2;title\x1b\\"
    "\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\"
    "\x1b]52;c;cHduZWQ=\x07\x1bP1$qm\x1b\\\x9b2J\x9d0;c1\x9c"
    "\u202egnp.exe\u2066\x00"
    "[bold]B[/bold] [@click=app.quit]q[/] [/x] Z"
)
"""CSI, SGR, OSC 0/2/8/52, DCS, C1 CSI/OSC/ST, BIDI overrides, NUL and Rich/Textual markup."""

MARKUP = ("[bold]B[/bold]", "[@click=app.quit]q[/]", "[/x]")
OBEYED = ("\x1b", "\x07", "\x9b", "\x9c", "\x9d", "\x90", "\x00", "\u202e", "\u2066")


def assert_inert(text: str) -> None:
    """Nothing in ``text`` would be obeyed by a terminal; markup is there as plain characters."""
    for char in OBEYED:
        assert char not in text, f"{char!r} reached the terminal in {text!r}"


def assert_shown(text: str) -> None:
    """The hostile payload was shown (as visible stand-ins), not dropped and not obeyed."""
    assert_inert(text)
    assert "␛]52;c;cHduZWQ=" in text and "⟨U+202E⟩" in text
    for markup in MARKUP:
        assert markup in text


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def all(self) -> str:
        return self.out + self.err


def run_cli(monkeypatch: pytest.MonkeyPatch, *args: str, stdin: str | bytes = b"",
            tty: bool = False) -> Run:
    """``pinata-chat ARGS`` in this process; stdout is a terminal when ``tty``."""
    raw = stdin.encode() if isinstance(stdin, str) else stdin
    out = Terminal() if tty else io.StringIO()
    err = io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"))
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    code = cli.main(list(args))
    return Run(code, out.getvalue(), err.getvalue())


def use_home(monkeypatch: pytest.MonkeyPatch, home: Path, base_url: str, *, retries: int = 1) -> AppPaths:
    """A fresh PINATA_CHAT_HOME pointed at ``base_url`` with the dev credentials and few retries."""
    for name in list(os.environ):
        if name.startswith("PINATA_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PINATA_CHAT_HOME", str(home))
    monkeypatch.setenv("PINATA_BASE_URL", base_url)
    monkeypatch.setenv("PINATA_LLM_KEY", DEV_LLM_KEY)
    monkeypatch.setenv("PINATA_JWT", DEV_JWT)
    paths = AppPaths.under(home)
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text(f"[retry]\nmax_attempts = {retries}\nbase_delay = 0\n", encoding="utf-8")
    return paths


def sse(*chunks: str, done: bool = True) -> str:
    """A raw SSE body from JSON texts (written by hand, so they may hold what json.dumps cannot)."""
    body = "".join(f"data: {chunk}\n\n" for chunk in chunks)
    return body + ("data: [DONE]\n\n" if done else "")


def content_chunk(text_json: str, finish: str = "null") -> str:
    """A chat.completion.chunk whose content is the JSON string literal ``text_json``."""
    return ('{"id":"c1","object":"chat.completion.chunk","model":"m","choices":'
            f'[{{"index":0,"delta":{{"content":{text_json}}},"finish_reason":{finish}}}]}}')
