"""Files attached to a prompt: read safely, checked, and described. Knows nothing of Textual.

- A file is opened without following a final symlink's target blindly: the target must be a
  regular file (never a directory, device, socket or fifo: ``O_NONBLOCK`` so a fifo cannot
  block the open), its real size is checked on the open descriptor **before** reading, and at
  most the limit plus one byte is read (a file that grows meanwhile is still refused).
- Images are recognised by their first bytes (PNG, JPEG, GIF, WebP), never by the extension, and
  taken only with a whole header and a sane size (``image_headers``): a damaged or cut file is refused.
- Anything else must be UTF-8 text without NUL bytes; other files are refused with a message
  that says why and what to do.

``read_attachment`` raises ``AttachmentError`` with one line meant for people. How an attachment
goes into a request, an export and the token meter is in ``attachment_content``.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from pinata_tui.image_headers import ImageHeaderError, image_size

TEXT_LIMIT = 256 * 1024
"""A text attachment's largest size in bytes (256 KiB: about 64,000 tokens)."""
IMAGE_LIMIT = 5 * 1024 * 1024
"""An image attachment's largest size in bytes (5 MiB, the limit most providers set per image)."""
MAX_ATTACHMENTS = 10
"""Files per message."""

IMAGE_MIMES = ("image/png", "image/jpeg", "image/gif", "image/webp")
IMAGE_KINDS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WebP"}


class AttachmentError(Exception):
    """A file cannot be attached; the message (one line) names it and says why."""


@dataclass(eq=False)
class Attachment:
    """One attached file: its text (``kind == "text"``) or bytes (``kind == "image"``)."""

    name: str
    """The path as the user gave it (relative to the working folder when it is inside it)."""
    kind: str
    """``text`` or ``image``."""
    mime: str
    size: int
    """Bytes on disk."""
    text: str | None = None
    data: bytes | None = None
    id: int | None = None
    """Its row in the store, once saved."""

    @property
    def is_image(self) -> bool:
        return self.kind == "image"


def sniff_image(head: bytes) -> str | None:
    """The image MIME type that ``head`` (a file's first bytes) starts, or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def human_size(size: int) -> str:
    """``812 B``, ``1.4 KB``, ``256 KB``, ``5 MB`` (1 KB = 1024 bytes)."""
    if size < 1024:
        return f"{size} B"
    value, unit = (size / 1024, "KB") if size < 1024 * 1024 else (size / (1024 * 1024), "MB")
    return f"{value:.0f} {unit}" if value == int(value) or value >= 100 else f"{value:.1f} {unit}"


def working_folder(cwd: Path | None = None) -> Path | None:
    """``cwd``, else the process's working folder; None when that is gone (deleted or moved)."""
    try:
        return cwd or Path.cwd()
    except OSError:
        return None


def display_name(path: str | Path, cwd: Path | None = None) -> str:
    """``path`` relative to ``cwd`` when it lies inside it, else as given (``~`` expanded)."""
    candidate = Path(os.path.expanduser(str(path)))
    base = working_folder(cwd)
    if candidate.is_absolute() and base is not None:
        try:
            return str(candidate.relative_to(base.resolve()))
        except (ValueError, OSError):
            return str(candidate)
    return str(candidate)


def _kind_of(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def read_attachment(path: str | Path, *, cwd: Path | None = None, text_limit: int = TEXT_LIMIT,
                    image_limit: int = IMAGE_LIMIT) -> Attachment:
    """Read ``path`` (relative to ``cwd``) into an ``Attachment``, or raise ``AttachmentError``."""
    base = working_folder(cwd)
    name = display_name(path, base)
    full = Path(os.path.expanduser(str(path)))
    if not full.is_absolute():
        if base is None:
            raise AttachmentError(f"{name}: the working folder is gone (deleted or moved); give a full path.")
        full = base / full
    try:
        info = os.stat(full)  # follows a symlink: what matters is what it points at
    except FileNotFoundError:
        raise AttachmentError(f"{name}: no such file (or a broken link).") from None
    except OSError as exc:
        raise AttachmentError(f"{name}: cannot be read ({exc.strerror or exc}).") from None
    if not stat.S_ISREG(info.st_mode):
        raise AttachmentError(f"{name} is {_kind_of(info.st_mode)}: only files can be attached.")
    limit = max(text_limit, image_limit)
    try:
        # O_NONBLOCK: if the path was swapped for a fifo since the stat, the open does not wait for a writer.
        fd = os.open(full, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise AttachmentError(f"{name}: cannot be read ({exc.strerror or exc}).") from None
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):
            raise AttachmentError(f"{name} is {_kind_of(opened.st_mode)}: only files can be attached.")
        if opened.st_size > limit:
            raise AttachmentError(f"{name} is too big to attach ({human_size(opened.st_size)}; images up to "
                                  f"{human_size(image_limit)}, text up to {human_size(text_limit)}).")
        with os.fdopen(fd, "rb", closefd=True) as handle:
            fd = -1
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise AttachmentError(f"{name}: cannot be read ({exc.strerror or exc}).") from None
    finally:
        if fd >= 0:
            os.close(fd)
    return attachment_from_bytes(name, raw, text_limit=text_limit, image_limit=image_limit)


def attachment_from_bytes(name: str, raw: bytes, *, text_limit: int = TEXT_LIMIT,
                          image_limit: int = IMAGE_LIMIT) -> Attachment:
    """Check ``raw`` (a file's content) and make it an attachment named ``name``."""
    size = len(raw)
    mime = sniff_image(raw[:16])
    if mime is not None:
        if size > image_limit:
            raise AttachmentError(f"{name} is too big to attach ({human_size(size)}; images up to "
                                  f"{human_size(image_limit)}).")
        try:
            image_size(raw, mime)
        except ImageHeaderError as exc:
            raise AttachmentError(f"{name} is not a valid {IMAGE_KINDS[mime]} image: {exc}.") from None
        return Attachment(name, "image", mime, size, data=raw)
    if size > text_limit:
        raise AttachmentError(f"{name} is too big to attach as text ({human_size(size)}; text up to "
                              f"{human_size(text_limit)}).")
    if b"\0" in raw:
        raise AttachmentError(f"{name} looks binary and is not a PNG, JPEG, GIF or WebP image: only text "
                              "files and those images can be attached.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AttachmentError(f"{name} is not UTF-8 text (bad byte at offset {exc.start:,}): convert it to "
                              "UTF-8 to attach it.") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return Attachment(name, "text", "text/plain", size, text=text)


def complete_path(partial: str, cwd: Path | None = None, limit: int = 8) -> list[str]:
    """Paths that start with ``partial`` (the text after an ``@``): folders end with ``/``.

    Case-insensitive on the last part; hidden entries only when the part starts with a dot.
    Never raises: an unreadable folder gives no matches.
    """
    base = working_folder(cwd)
    head, slash, stem = partial.rpartition("/")
    prefix = head + slash  # "", "/", "src/", "~/notes/"...
    folder = Path(os.path.expanduser(prefix or "."))
    if not folder.is_absolute():
        if base is None:
            return []
        folder = base / folder
    matches: list[str] = []
    try:
        with os.scandir(folder) as entries:
            for entry in sorted(entries, key=lambda e: e.name.lower()):
                if not entry.name.lower().startswith(stem.lower()):
                    continue
                if entry.name.startswith(".") and not stem.startswith("."):
                    continue
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                matches.append(prefix + entry.name + ("/" if is_dir else ""))
                if len(matches) >= limit:
                    break
    except OSError:
        return []
    return matches
