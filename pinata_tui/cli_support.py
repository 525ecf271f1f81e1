"""What every subcommand shares: the one-line error, loading settings, asking for confirmation."""

from __future__ import annotations

import sys
from typing import Any

from pinata_tui.exit_codes import EXIT_USAGE
from pinata_tui.config import LoadedConfig, load_settings
from pinata_tui.paths import AppPaths


class CliError(Exception):
    """A failure to report on one line, with an exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def load(paths: AppPaths, **flags: Any) -> LoadedConfig:
    """Settings from config.toml, the environment and flags; warnings go to stderr."""
    loaded = load_settings(paths.config_file, flags=flags)
    for warning in loaded.warnings:
        print(f"pinata-chat: warning: {warning}", file=sys.stderr)
    return loaded


def confirm(question: str) -> bool:
    """Ask on the terminal. Without one (a script, CI), refuse rather than guess."""
    if not sys.stdin.isatty():
        raise CliError("this needs confirmation; run it in a terminal, or pass --yes.", EXIT_USAGE)
    answer = input(f"{question} [y/N] ").strip().lower()
    return answer in ("y", "yes")
