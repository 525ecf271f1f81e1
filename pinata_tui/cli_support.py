"""What every subcommand shares: the one-line error, loading settings, asking for confirmation."""

from __future__ import annotations

import errno
import sys
from typing import TYPE_CHECKING, Any

from pinata_tui.config import LoadedConfig, load_settings
from pinata_tui.exit_codes import EXIT_ATTACHMENT, EXIT_USAGE
from pinata_tui.paths import AppPaths
from pinata_tui.sanitize import make_displayable

if TYPE_CHECKING:
    from pinata_tui.attachments import Attachment

ENV_DEBUG = "PINATA_DEBUG"
"""Set to show the traceback of an unexpected error (a bug) instead of one line."""

_OS_HINTS = {
    errno.ENOSPC: "the disk is full; free some space and try again",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the storage is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EISDIR: "it is a folder, not a file",
    errno.ENOENT: "the folder does not exist",
    errno.ENOTDIR: "part of the path is not a folder",
}


class CliError(Exception):
    """A failure to report on one line, with an exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def describe_os_error(exc: OSError, *, with_path: bool = True) -> str:
    """An OSError in words a person can act on: "cannot write /x: the disk is full"."""
    reason = _OS_HINTS.get(exc.errno or 0) or exc.strerror or str(exc) or type(exc).__name__
    where = exc.filename if with_path and exc.filename is not None else None
    return f"{where}: {reason}." if where is not None else f"{reason}."


def load(paths: AppPaths, **flags: Any) -> LoadedConfig:
    """Settings from config.toml, the environment and flags; warnings go to stderr."""
    loaded = load_settings(paths.config_file, flags=flags)
    for warning in loaded.warnings:
        print(f"pinata-chat: warning: {make_displayable(warning)}", file=sys.stderr)
    return loaded


def confirm(question: str) -> bool:
    """Ask on the terminal. Without one (a script, CI), refuse rather than guess."""
    if not sys.stdin.isatty():
        raise CliError("this needs confirmation; run it in a terminal, or pass --yes.", EXIT_USAGE)
    answer = input(f"{question} [y/N] ").strip().lower()
    return answer in ("y", "yes")


def read_cli_attachments(names: list[str]) -> list[Attachment]:
    """``-a FILE``s, read and checked; the first that cannot be attached stops ``ask`` with one line.

    A file given twice (``-a x -a ./x``) goes once, as in the app, where attaching it again replaces it."""
    from pinata_tui.attachments import MAX_ATTACHMENTS, AttachmentError, display_name, read_attachment

    if any(not name.strip() for name in names):
        raise CliError("-a needs a file name, and was given an empty one", EXIT_USAGE)
    unique: dict[str, str] = {}
    for name in names:
        unique.setdefault(display_name(name), name)
    if len(unique) > MAX_ATTACHMENTS:
        raise CliError(f"at most {MAX_ATTACHMENTS} files can be attached to one message", EXIT_ATTACHMENT)
    try:
        return [read_attachment(name) for name in unique.values()]
    except AttachmentError as exc:
        raise CliError(str(exc), EXIT_ATTACHMENT) from None
