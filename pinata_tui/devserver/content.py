"""Message content as an OpenAI-compatible server checks it: a string, or an array of parts.

A part is ``{"type": "text", "text": str}`` or ``{"type": "image_url", "image_url": {"url": …}}``
(a ``data:image/…;base64,`` URL or an http(s) one). Only user messages may carry images. Models in
``ServerState.text_only_models`` refuse any image with a 400, as a text-only model behind a real
gateway does; Pinata's catalog does not say which models take images, so the client learns it
from this refusal.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

ROLES = ("system", "user", "assistant")
IMAGE_PREFIXES = ("data:image/png;base64,", "data:image/jpeg;base64,", "data:image/gif;base64,",
                  "data:image/webp;base64,")


def text_of(content: Any) -> str:
    """The text of a message's content (its text parts, joined)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return ""


def images_of(content: Any) -> list[tuple[str, int]]:
    """``(mime, bytes)`` of each inline image of a (checked) message content."""
    found: list[tuple[str, int]] = []
    if isinstance(content, list):
        for part in content:
            if isinstance(part, dict) and part.get("type") == "image_url":
                url = str(part["image_url"]["url"])
                mime = url[5:url.find(";")] if url.startswith("data:") else "remote"
                size = len(base64.b64decode(url.split(",", 1)[1])) if url.startswith("data:") else 0
                found.append((mime, size))
    return found


def _part_problem(part: Any, where: str, role: str) -> str | None:
    if not isinstance(part, dict):
        return f"{where}: each content part must be an object"
    kind = part.get("type")
    if kind == "text":
        return None if isinstance(part.get("text"), str) else f"{where}: a text part needs a string 'text'"
    if kind != "image_url":
        return f"{where}: unknown content part type {kind!r} (expected 'text' or 'image_url')"
    if role != "user":
        return f"{where}: only user messages may contain images"
    image = part.get("image_url")
    url = image.get("url") if isinstance(image, dict) else None
    if not isinstance(url, str):
        return f"{where}: image_url needs an object with a string 'url'"
    if url.startswith(("https://", "http://")):
        return None
    if not url.startswith(IMAGE_PREFIXES):
        return f"{where}: image_url must be an http(s) URL or a base64 data URL of a PNG, JPEG, GIF or WebP image"
    try:
        base64.b64decode(url.split(",", 1)[1], validate=True)
    except (binascii.Error, ValueError):
        return f"{where}: the image's data URL is not valid base64"
    return None


def messages_problem(messages: list[Any], model: str, text_only_models: set[str]) -> str | None:
    """Why ``messages`` would be rejected with a 400, or None."""
    for index, message in enumerate(messages):
        where = f"messages[{index}]"
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            return f"{where}: each message needs a role (system, user or assistant)"
        content = message.get("content")
        if isinstance(content, str):
            continue
        if not isinstance(content, list) or not content:
            return f"{where}: content must be a string or a non-empty array of content parts"
        for position, part in enumerate(content):
            problem = _part_problem(part, f"{where}.content[{position}]", message["role"])
            if problem:
                return problem
        if model in text_only_models and images_of(content):
            return f"Model {model} does not support image input; send text only, or use a model that accepts images"
    return None


def received_note(messages: list[Any]) -> str:
    """What the last user message held, in a sentence (for the demo's reply)."""
    last = next((m for m in reversed(messages) if isinstance(m, dict) and m.get("role") == "user"), {})
    images = images_of(last.get("content"))
    if not images:
        return ""
    listed = ", ".join(f"{mime} ({size:,} bytes)" if size else mime for mime, size in images)
    count = f"{len(images)} image" + ("s" if len(images) > 1 else "")
    return f"I received {count} with your message: {listed}. (The demo does not look at them.)\n\n"
