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


def check_credential(name: str, value: str) -> str:
    """A key or JWT as typed or pasted: surrounding whitespace stripped, anything else checked.

    Raises ValueError with a message that names ``name`` and never shows the credential in full
    (a stray ``\\r`` or ``\\n`` from a pasted file would otherwise end up in logs and headers).
    """
    key = value.strip()
    if not key:
        raise ValueError(f"{name} is empty.")
    for position, ch in enumerate(key, start=1):
        code = ord(ch)
        if code < 0x20 or code == 0x7F or 0x80 <= code < 0xA0:
            what = "a line break" if ch in "\r\n" else f"a control character (U+{code:04X})"
            problem = f"contains {what} at position {position}"
        elif ch.isspace():
            problem = f"contains a space at position {position}"
        elif code > 0x7E:
            problem = (f"contains a non-ASCII character (U+{code:04X}) at position {position}; "
                       "keys are plain ASCII (a curly quote or a look-alike letter slipped in?)")
        else:
            continue
        shown = mask_key("".join(c if 0x21 <= ord(c) <= 0x7E else "?" for c in key))
        raise ValueError(f"{name} ({shown}) {problem}. Copy it again, without anything around it.")
    return key
