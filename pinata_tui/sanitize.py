"""Makes model output safe to display: content, never terminal control.

Every control character but newline and tab becomes a visible stand-in, so a reply
cannot clear the screen, retitle the window or write the clipboard (OSC 52), and
bidirectional overrides cannot reorder what the reader sees. The mapping is per
character, so an escape sequence split across two stream chunks is neutralised too.
Lone surrogates (undecodable bytes in arguments, ``"\\ud800"`` escapes in JSON) become
U+FFFD, so the text can always be printed and stored as UTF-8.

This is the one place that makes outside text safe to show; Rich/Textual markup is not
interpreted on the command line (it is printed as it stands) and the TUI shows it as plain text.
"""

from __future__ import annotations

import re

_BIDI = {0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x200E, 0x200F}


def _visible(code: int) -> str:
    if code < 0x20:
        return chr(0x2400 + code)  # Unicode control pictures: ␛ for ESC, ␇ for BEL...
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"⟨U+{code:04X}⟩"


_TABLE = {code: _visible(code) for code in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0), *_BIDI]}
del _TABLE[ord("\n")]
del _TABLE[ord("\t")]
_SURROGATES = {code: "\ufffd" for code in range(0xD800, 0xE000)}
_TABLE.update(_SURROGATES)
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def make_displayable(text: str) -> str:
    """Replace control characters (bar newline and tab) with visible symbols.

    ``\\r\\n`` line ends become plain newlines first, so Windows-style text is not littered with ␍.
    """
    if "\r\n" in text:
        text = text.replace("\r\n", "\n")
    return text.translate(_TABLE)


_SAME_LENGTH = {code: (stand_in if len(stand_in) == 1 else "\ufffd") for code, stand_in in _TABLE.items()}


def displayable_same_length(text: str) -> str:
    """Like ``make_displayable``, one character for one (C1 and bidi controls become U+FFFD), so the
    columns of an editable line (the prompt box, an input) still match its text; ``\r`` is shown too."""
    return text.translate(_SAME_LENGTH)


def has_control_characters(text: str) -> bool:
    return any(ord(ch) in _TABLE for ch in text)


def one_line(text: str, limit: int = 300) -> str:
    """Text from a server or a file, for a one-line message: made displayable, whitespace folded, capped."""
    folded = " ".join(make_displayable(text).split())
    return folded if len(folded) <= limit else folded[: limit - 1].rstrip() + "…"


def valid_unicode(text: str) -> str:
    """``text`` with any lone surrogate replaced by U+FFFD: always encodable as UTF-8 (SQLite, stdout).

    ``json.loads`` turns a ``"\\ud800"`` escape into a lone surrogate, and undecodable bytes in
    command-line arguments arrive as ones (``surrogateescape``); either would crash a write.
    """
    return _LONE_SURROGATE.sub("\ufffd", text) if _LONE_SURROGATE.search(text) else text


def has_lone_surrogates(text: str) -> bool:
    return _LONE_SURROGATE.search(text) is not None
