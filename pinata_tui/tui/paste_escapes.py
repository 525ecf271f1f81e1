"""Pasted text that holds escape codes arrives whole, as one paste (``textual_fixes`` fix 13).

Textual 8.2's input parser, inside a bracketed paste, reads an ESC as the start of a sequence and
replays what follows it as key presses, before the paste itself: pasting coloured output
(``ESC[31m…``) put the text after the first ESC in as typed keys, where a pasted line break was
Enter and sent half the paste, and the text before it came last. Here the input is filtered
before the parser sees it: between a paste's start (``ESC[200~``) and its end (``ESC[201~``) every
ESC becomes ``␛``, so the parser keeps it in the paste, and the text shows it literally.
"""

from __future__ import annotations

ESC = "\x1b"
PASTE_START = "\x1b[200~"
PASTE_END = "\x1b[201~"
SHOWN_ESC = "\u241b"


class PasteEscapes:
    """A filter for the terminal's input, fed in the chunks it was read in (a paste may span many)."""

    def __init__(self) -> None:
        self.in_paste = False
        self._tail = ""
        """Outside a paste: the last few characters, in case a paste's start is split between reads."""
        self._held = ""
        """Inside a paste: a last ESC (and what followed) that may yet be the paste's end."""

    def filter(self, data: str) -> str:
        if not data:  # the end of the input: passed on as it is
            return data
        data, self._held = self._held + data, ""
        out: list[str] = []
        position = 0
        while position < len(data):
            if not self.in_paste:
                scan = self._tail + data[position:]
                found = scan.find(PASTE_START)
                if found < 0:
                    out.append(data[position:])
                    self._tail = scan[-(len(PASTE_START) - 1):]
                    break
                end = position + found + len(PASTE_START) - len(self._tail)
                out.append(data[position:end])
                position, self.in_paste, self._tail = end, True, ""
                continue
            found = data.find(PASTE_END, position)
            if found >= 0:
                out.append(data[position:found].replace(ESC, SHOWN_ESC))
                out.append(PASTE_END)
                position, self.in_paste = found + len(PASTE_END), False
                continue
            rest = data[position:]
            held = next((n for n in range(min(len(rest), len(PASTE_END) - 1), 0, -1)
                         if PASTE_END.startswith(rest[-n:])), 0)
            out.append(rest[:len(rest) - held].replace(ESC, SHOWN_ESC))
            self._held = rest[len(rest) - held:]
            break
        return "".join(out)


def filter_pastes() -> None:
    """Put the filter in front of the terminal parser's ``feed`` (one filter per parser)."""
    from textual._xterm_parser import XTermParser

    feed = XTermParser.feed

    def filtered_feed(self: XTermParser, data: str):  # type: ignore[no-untyped-def]
        escapes = self.__dict__.get("_pinata_paste_escapes")
        if escapes is None:
            escapes = self.__dict__["_pinata_paste_escapes"] = PasteEscapes()
        return feed(self, escapes.filter(data))

    XTermParser.feed = filtered_feed  # type: ignore[method-assign]
