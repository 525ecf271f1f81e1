"""Running ``pinata-chat`` in the test's own process, and the environment a real one is given.

``run_cli`` calls ``pinata_tui.cli.main`` with stdin, stdout and stderr replaced (stdout a
terminal when asked), so a command costs no interpreter start-up; tests that need a real process
(its exit status, a signal, a pty, bytes in argv) start one with ``pinata_env``'s environment.
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

NO_BACKOFF = "[retry]\nbase_delay = 0\n"
"""A config that keeps the default number of attempts but waits not at all between them."""


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
    """``pinata-chat ARGS`` in this process; stdout is a terminal when ``tty``.

    What a real process would exit with is the code: ``main``'s return value, or the status of a
    ``SystemExit`` (argparse's usage errors).
    """
    raw = stdin.encode() if isinstance(stdin, str) else stdin
    out = Terminal() if tty else io.StringIO()
    err = io.StringIO()
    with monkeypatch.context() as patch:
        patch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"))
        patch.setattr(sys, "stdout", out)
        patch.setattr(sys, "stderr", err)
        try:
            code = cli.main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return Run(code, out.getvalue(), err.getvalue())


def pinata_env(monkeypatch: pytest.MonkeyPatch, home: Path, base_url: str) -> AppPaths:
    """This process's environment as a user's: PINATA_CHAT_HOME=``home`` against ``base_url``.

    Every other PINATA_ variable is removed (the developer's own must not leak in); the dev
    server's key and JWT are set. ``dict(os.environ)`` afterwards is the environment for a
    real process.
    """
    for name in list(os.environ):
        if name.startswith("PINATA_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PINATA_CHAT_HOME", str(home))
    monkeypatch.setenv("PINATA_BASE_URL", base_url)
    monkeypatch.setenv("PINATA_LLM_KEY", DEV_LLM_KEY)
    monkeypatch.setenv("PINATA_JWT", DEV_JWT)
    return AppPaths.under(home)


def write_config(paths: AppPaths, text: str) -> Path:
    """``config.toml`` with ``text`` (the folder made as a user would have it)."""
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text(text, encoding="utf-8")
    return paths.config_file


def use_home(monkeypatch: pytest.MonkeyPatch, home: Path, base_url: str, *, retries: int = 1) -> AppPaths:
    """``pinata_env`` with a config of ``retries`` attempts and no back-off."""
    paths = pinata_env(monkeypatch, home, base_url)
    write_config(paths, f"[retry]\nmax_attempts = {retries}\nbase_delay = 0\n")
    return paths
