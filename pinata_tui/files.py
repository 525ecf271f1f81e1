"""Writing files so that a reader (or a crash) never sees half of one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) so that only its owner can enter it: 0700 whatever the umask.

    A directory that already exists is left as it is (it may be shared, e.g. ``PINATA_CHAT_HOME``'s
    parent); the files pinata-chat keeps in it are 0600 themselves.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=PRIVATE_DIR_MODE)
    except FileExistsError:
        return path
    os.chmod(path, PRIVATE_DIR_MODE)  # mkdir's mode is filtered by the umask; chmod is not
    return path


def tighten_mode(path: Path, mode: int = PRIVATE_FILE_MODE) -> None:
    """Take away group and other access from an existing file of ours (best effort: never fails)."""
    try:
        current = os.stat(path).st_mode & 0o777
        if current & ~mode:
            os.chmod(path, current & mode)
    except OSError:
        pass


def atomic_write_text(path: Path, text: str, *, mode: int | None = None) -> None:
    """Write a temporary file beside ``path`` (with ``mode`` from birth, if given), then rename it over."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
