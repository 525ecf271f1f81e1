"""How attachments go into a request, an export, and the token meter. Knows nothing of Textual.

- Text files are appended to the prompt as fenced blocks, each after a line naming its path; the
  fence is longer than any run of backticks in the file, so the file cannot close it early.
- Images become OpenAI ``image_url`` content parts holding a ``data:`` URL. Only a message with an
  image has an array as its content (text part first); every other message, with text files or
  none, stays a plain string, which every OpenAI-compatible server and model accepts.
- Images count in the context meter as an estimate (see ``image_tokens``).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from typing import Any

from pinata_tui.attachments import (
    IMAGE_LIMIT,
    IMAGE_MIMES,
    TEXT_LIMIT,
    Attachment,
    AttachmentError,
    attachment_from_bytes,
    human_size,
    sniff_image,
)
from pinata_tui.image_headers import ImageHeaderError, image_size
from pinata_tui.sanitize import make_displayable, valid_unicode

_BACKTICKS = re.compile(r"`+")

IMAGE_TOKENS_FALLBACK = 765
"""An image whose size cannot be read counts as OpenAI's figure for a 1024×1024 image (high detail)."""


def fence_for(text: str) -> str:
    """Three backticks, or one more than the longest run of backticks in ``text``."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    return "`" * max(3, longest + 1)


def safe_name(name: str, limit: int = 200) -> str:
    """A file name as one literal line: control characters (newlines too) shown, never obeyed; capped."""
    shown = make_displayable(name).replace("\n", "\u240a").replace("\t", "\u2409")
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def fenced_block(attachment: Attachment) -> str:
    text = attachment.text or ""
    fence = fence_for(text)
    body = text if text.endswith("\n") or not text else text + "\n"
    return f"{safe_name(attachment.name)}:\n{fence}\n{body}{fence}"


def text_with_files(text: str, attachments: Sequence[Attachment]) -> str:
    """The prompt followed by each text attachment as a fenced block."""
    blocks = [fenced_block(a) for a in attachments if not a.is_image]
    return "\n\n".join(part for part in (text.rstrip("\n"), *blocks) if part)


def data_url(attachment: Attachment) -> str:
    return f"data:{attachment.mime};base64,{base64.b64encode(attachment.data or b'').decode('ascii')}"


def message_content(text: str, attachments: Sequence[Attachment]) -> str | list[dict[str, Any]]:
    """A user message's ``content``: a string, or (with images) a text part then one part per image."""
    full = text_with_files(text, attachments)
    images = [a for a in attachments if a.is_image and a.data]
    if not images:
        return full
    parts: list[dict[str, Any]] = []
    if full:
        parts.append({"type": "text", "text": full})
    parts += [{"type": "image_url", "image_url": {"url": data_url(a)}} for a in images]
    return parts


def has_images(history: Sequence[dict[str, Any]]) -> bool:
    """Whether a request's messages carry an image part."""
    return any(isinstance(m.get("content"), list) and any(p.get("type") == "image_url" for p in m["content"])
               for m in history)


# ------------------------------------------------------------------ sizes and tokens


def image_dimensions(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG, GIF, JPEG or WebP header; None when they cannot be read (or are absurd)."""
    mime = sniff_image(data[:16])
    if mime is None:
        return None
    try:
        return image_size(data, mime)
    except ImageHeaderError:
        return None


def image_tokens(attachment: Attachment) -> int:
    """An **estimate** of an image's prompt tokens, by OpenAI's published formula for ``detail: high``:
    scale to fit 2048×2048, then the short side to 768; 170 tokens per 512-pixel tile plus 85.

    Other providers count differently (Anthropic: about width × height / 750), so the meter marks
    the total as an estimate whatever the model."""
    size = image_dimensions(attachment.data or b"")
    if size is None or min(size) <= 0:
        return IMAGE_TOKENS_FALLBACK
    width, height = float(size[0]), float(size[1])
    if max(width, height) > 2048:
        scale = 2048 / max(width, height)
        width, height = width * scale, height * scale
    if min(width, height) > 768:
        scale = 768 / min(width, height)
        width, height = width * scale, height * scale
    tiles = -(-max(1, int(width)) // 512) * -(-max(1, int(height)) // 512)
    return 85 + 170 * tiles


def describe(attachment: Attachment) -> str:
    """``name · 12.3 KB`` (with the image size when known), one displayable line."""
    detail = human_size(attachment.size)
    if attachment.is_image:
        size = image_dimensions(attachment.data or b"")
        kind = attachment.mime.removeprefix("image/").upper()
        detail = f"{kind} {size[0]}×{size[1]}, {detail}" if size else f"{kind}, {detail}"
    return f"{safe_name(attachment.name)} · {detail}"


# ------------------------------------------------------------------ exports


def markdown_lines(attachments: Sequence[Attachment]) -> list[str]:
    """Text files as fenced blocks named by path; images by name and size only (never inlined)."""
    lines: list[str] = []
    for attachment in attachments:
        if attachment.is_image:
            lines += [f"*Attached image: {describe(attachment)}*", ""]
        else:
            lines += [f"*Attached file:* {fenced_block(attachment)}", ""]
    return lines


def to_json(attachment: Attachment) -> dict[str, Any]:
    """Text inline; an image by name, MIME type and size, with its bytes in base64 (so an import can
    send it again)."""
    data: dict[str, Any] = {"name": attachment.name, "kind": attachment.kind, "mime": attachment.mime,
                            "size": attachment.size}
    if attachment.is_image:
        data["data_base64"] = base64.b64encode(attachment.data or b"").decode("ascii")
    else:
        data["text"] = attachment.text or ""
    return data


def from_json(item: Any, where: str) -> Attachment:
    """An attachment from an imported file, checked as a file read from disk is; raises ``AttachmentError``."""
    if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
        raise AttachmentError(f"{where}: an attachment needs a name")
    name = valid_unicode(item["name"])[:1000]
    kind = item.get("kind")
    if kind == "text":
        text = item.get("text")
        if not isinstance(text, str):
            raise AttachmentError(f"{where}: text attachment {safe_name(name)!r} has no text")
        raw = valid_unicode(text).encode("utf-8")
        if len(raw) > TEXT_LIMIT:
            raise AttachmentError(f"{where}: text attachment {safe_name(name)!r} is over {human_size(TEXT_LIMIT)}")
        return Attachment(name, "text", "text/plain", len(raw), text=raw.decode("utf-8"))
    if kind == "image":
        encoded = item.get("data_base64")
        if not isinstance(encoded, str) or len(encoded) > IMAGE_LIMIT * 4 // 3 + 8:
            raise AttachmentError(f"{where}: image {safe_name(name)!r} has no data (or too much)")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except ValueError:
            raise AttachmentError(f"{where}: image {safe_name(name)!r} is not valid base64") from None
        attachment = attachment_from_bytes(name, raw)
        if not attachment.is_image or attachment.mime not in IMAGE_MIMES:
            raise AttachmentError(f"{where}: {safe_name(name)!r} is not a PNG, JPEG, GIF or WebP image")
        return attachment
    raise AttachmentError(f"{where}: attachment {safe_name(name)!r} has an unknown kind (text or image)")
