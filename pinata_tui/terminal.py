"""What the terminal can show, decided once at start-up, before the app (and Textual) loads.

- **Encoding.** Textual writes every frame through ``sys.__stderr__``, whose encoding Python took
  from the locale. Under a non-UTF-8 locale (``LANG=en_US.ISO-8859-1``; ``LC_ALL=C`` with
  ``PYTHONUTF8=0``) that stream cannot encode box lines, gutters, bullets, control pictures, CJK
  or emoji, and stderr's ``backslashreplace`` printed each as a six-column ``\\u258c`` escape,
  pushing every line past the edge. ``use_output_fallback`` makes the stream replace what it
  cannot encode with ASCII of the *same width*: box lines and blocks with ``+ - | #``, arrows and
  bullets with ``> v ^ *``, accented letters with their base letter, anything else with ``?``
  (two for a wide character). Layout, computed in cells by Textual, stays true to the screen.
  The terminal's charset is the locale's (``LC_ALL`` > ``LC_CTYPE`` > ``LANG``) when it names one:
  the locale describes the terminal, Python's UTF-8 mode only Python. ``PYTHONIOENCODING``, an
  explicit choice for this process, is trusted as it stands.
- **Colour.** ``NO_COLOR`` set and not empty (https://no-color.org). Textual turns colours to
  grey for it and gives every widget the ``:nocolor`` pseudo-class, which ``app.tcss`` uses for
  the cues that colour carried (focus, errors, selection).
- **TERM=dumb.** The full-screen app is refused (``pinata-chat ask`` works there).
"""

from __future__ import annotations

import codecs
import locale
import os
import sys
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO

ERROR_HANDLER = "pinata-same-width"
"""The codec error handler ``use_output_fallback`` installs on the app's output stream."""


@dataclass(frozen=True)
class Terminal:
    encoding: str = "utf-8"
    """The codec the terminal takes (Python's name for it: ``utf-8``, ``iso8859-1``, ``ascii``)."""
    no_color: bool = False
    dumb: bool = False

    @property
    def utf8(self) -> bool:
        return self.encoding.startswith("utf")

    def can_show(self, text: str) -> bool:
        try:
            text.encode(self.encoding)
        except UnicodeEncodeError:
            return False
        return True


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def locale_charset(environ: Mapping[str, str]) -> str | None:
    """The codec the locale names (``en_US.ISO-8859-1`` → ``iso8859-1``), or None if it names none.

    The first of ``LC_ALL``, ``LC_CTYPE``, ``LANG`` that is set decides, as for the C library.
    ``C`` and ``POSIX`` name no charset: Python then decides (UTF-8 mode, unless ``PYTHONUTF8=0``).
    """
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = environ.get(name)
        if value:
            if "." not in value:
                return None
            charset = value.partition(".")[2].partition("@")[0]
            spelled = locale.normalize(value).partition(".")[2].partition("@")[0]  # glibc's iso88591, utf8
            return _codec(charset) or _codec(spelled)
    return None


def detect(environ: Mapping[str, str] | None = None, stream: TextIO | None = None) -> Terminal:
    """The terminal as the environment describes it; ``stream`` is what the app writes through."""
    env = os.environ if environ is None else environ
    out = sys.__stderr__ if stream is None else stream
    stream_codec = _codec(getattr(out, "encoding", None)) or "utf-8"
    charset = None if env.get("PYTHONIOENCODING") else locale_charset(env)
    return Terminal(encoding=charset or stream_codec, no_color=bool(env.get("NO_COLOR")),
                    dumb=env.get("TERM", "").strip().lower() == "dumb")


_decided: Terminal | None = None


def decide(terminal: Terminal | None) -> Terminal | None:
    """Fix the terminal for this process (the command line does, once); None forgets it (tests)."""
    global _decided
    _decided = terminal
    return terminal


def current() -> Terminal:
    """The terminal decided at start-up; a UTF-8, colour one when nothing decided (tests, scripts)."""
    return _decided if _decided is not None else Terminal()


# ------------------------------------------------------------------ same-width ASCII fallback

_SYMBOLS = {
    "…": ".", "⋯": ".", "·": ".", "•": "*", "●": "*", "○": "o", "◉": "*", "◦": "o", "■": "#", "□": "#",
    "▪": "#", "▫": "#", "◆": "*", "◇": "*", "★": "*", "☆": "*", "✓": "v", "✔": "v", "✗": "x", "✘": "x",
    "✕": "x", "×": "x", "÷": "/", "−": "-", "–": "-", "—": "-", "―": "-", "‐": "-", "‑": "-",
    "“": '"', "”": '"', "„": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "‚": "'", "′": "'", "″": '"',
    "⟨": "<", "⟩": ">", "〈": "<", "〉": ">", "‹": "<", "›": ">",
    "→": ">", "⟶": ">", "⇒": ">", "←": "<", "⟵": "<", "⇐": "<", "↑": "^", "↓": "v", "↔": "-", "↕": "|",
    "▸": ">", "▶": ">", "►": ">", "▹": ">", "❯": ">", "◂": "<", "◀": "<", "◄": "<", "◃": "<", "❮": "<",
    "▾": "v", "▼": "v", "▿": "v", "▴": "^", "▲": "^", "▵": "^",
    "░": ".", "▒": ":", "▓": "#", "█": "#", "▀": "-", "▄": "-", "▔": "-", "▁": "-", "▂": "-", "▃": "-",
    "▅": "-", "▆": "-", "▇": "-", "▌": "|", "▐": "|", "▍": "|", "▎": "|", "▏": "|", "▕": "|", "▊": "|",
    "▋": "|", "▉": "|", "▖": "+", "▗": "+", "▘": "+", "▝": "+", "▙": "+", "▛": "+", "▜": "+", "▟": "+",
    "▚": "+", "▞": "+", "\u00a0": " ", "\u2007": " ", "\u2009": " ", "\u202f": " ", "€": "E", "£": "L",
    "°": "o", "±": "+", "©": "c", "®": "r", "™": "T", "¶": "P", "§": "S", "¦": "|", "¬": "-",
    "\u2421": "^", "\ufffd": "?",
}


def _box_drawing(name: str) -> str:
    """U+2500-U+257F by name: a line is ``-`` (``=`` when double) or ``|``; corners and joints ``+``."""
    if "DIAGONAL" in name:
        return "X" if "CROSS" in name else ("/" if "UPPER RIGHT TO LOWER LEFT" in name else "\\")
    across = "HORIZONTAL" in name or name.endswith((" LEFT", " RIGHT"))
    down = "VERTICAL" in name or name.endswith((" UP", " DOWN"))
    joint = " AND " in name or "ARC" in name or ("DOWN" in name and "HORIZONTAL" in name) or (
        "UP" in name and "HORIZONTAL" in name)
    if across and not down and not joint:
        return "=" if "DOUBLE HORIZONTAL" in name else "-"
    if down and not across and not joint:
        return "|"
    return "+"


def ascii_for(grapheme: str, width: int | None = None) -> str:
    """ASCII that fills the same cells as ``grapheme`` (a character and its marks), as Rich counts them."""
    if width is None:
        from rich.cells import cell_len  # the width Textual laid it out with

        width = cell_len(grapheme)
    if width != 1:
        return "?" * width
    char = grapheme[0]
    if char in _SYMBOLS:
        return _SYMBOLS[char]
    if 0x2400 <= ord(char) <= 0x2426:  # a control picture (sanitize.py): a caret for "a control was here"
        return "^"
    name = unicodedata.name(char, "")
    if name.startswith("BOX DRAWINGS"):
        return _box_drawing(name)
    decomposed = unicodedata.normalize("NFKD", char)
    base, marks = decomposed[0], decomposed[1:]
    if base.isascii() and base.isprintable() and all(unicodedata.combining(m) for m in marks):
        return base  # é -> e, ñ -> n
    return "?"


def _same_width(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    from rich.cells import split_graphemes  # emoji sequences (ZWJ, VS16) are one picture

    chunk = error.object[error.start:error.end]
    spans, _ = split_graphemes(chunk)
    return "".join(ascii_for(chunk[start:end], width) for start, end, width in spans), error.end


codecs.register_error(ERROR_HANDLER, _same_width)


@contextmanager
def use_output_fallback(terminal: Terminal, streams: tuple[TextIO | None, ...] | None = None) -> Iterator[None]:
    """While the app runs, its output streams encode for ``terminal`` with the same-width fallback.

    Nothing changes on a UTF-8 terminal whose streams already write UTF-8.
    """
    changed: list[tuple[TextIO, str, str]] = []
    for stream in streams if streams is not None else (sys.__stderr__, sys.__stdout__):
        reconfigure = getattr(stream, "reconfigure", None)
        if stream is None or reconfigure is None:
            continue
        encoding, errors = stream.encoding, stream.errors or "strict"
        if _codec(encoding) == terminal.encoding and terminal.utf8:
            continue
        stream.flush()
        reconfigure(encoding=terminal.encoding, errors=ERROR_HANDLER)
        changed.append((stream, encoding, errors))
    try:
        yield
    finally:
        for stream, encoding, errors in changed:
            try:
                stream.flush()
                stream.reconfigure(encoding=encoding, errors=errors)  # type: ignore[attr-defined]
            except (OSError, ValueError):
                pass
