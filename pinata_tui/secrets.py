"""Helpers that keep credentials out of anything a person or a log might read."""

from __future__ import annotations


def mask_key(key: str | None) -> str:
    """Show just enough of a key to tell two keys apart: never the whole of it."""
    if not key:
        return "(not set)"
    key = key.strip()
    if len(key) <= 8:
        return "…" + "*" * 4
    return f"{key[:3]}…{key[-4:]}"


def redact(text: str, *secrets: str | None) -> str:
    """Replace every occurrence of any secret in ``text`` with its masked form."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, mask_key(secret))
    return text
