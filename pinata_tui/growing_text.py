"""A text attribute that grows piece by piece in constant time, and reads whole.

``message.content += piece`` copies the whole text for every piece (a str attribute holds the
string, so CPython cannot grow it in place): quadratic over a long reply, 1.5 CPU-s on the event
loop for 64,000 pieces. ``GrowingText`` keeps the pieces in a list instead (``append``) and joins
them when the attribute is read, keeping the joined text for the next read: every reader (a copy
taken mid-stream, an export, the live reasoning view) sees all that has arrived, and a long reply
read once a frame costs one join per frame, not one copy per piece.

A dataclass field declared with it (``content: GrowingText = GrowingText()``) is set and read like
a ``str`` field; without a default it stays a required argument. The class's ``__getstate__`` must
``detach`` it (copies and pickles get pieces of their own).
"""

from __future__ import annotations

import threading
from typing import Any

_NO_DEFAULT: Any = object()
GATHER = 64
"""Every this many appended pieces are joined into one."""


class GrowingText:
    """A ``str`` attribute with an O(1) ``append`` (a descriptor: one per class attribute)."""

    def __init__(self, default: str = _NO_DEFAULT) -> None:
        self._default = default
        self._name = ""
        self._slot = self._length_slot = self._loose_slot = ""
        self._lock = threading.Lock()

    def __set_name__(self, owner: type, name: str) -> None:
        self._name, self._slot = name, f"_{name}_pieces"
        self._length_slot, self._loose_slot = f"_{name}_length", f"_{name}_loose"

    def __get__(self, obj: object | None, owner: type | None = None) -> str:
        if obj is None:  # the class's attribute: what a dataclass takes as the field's default
            if self._default is _NO_DEFAULT:
                raise AttributeError(self._name)  # (a dataclass then makes it a required argument)
            return self._default
        pieces: list[str] = obj.__dict__[self._slot]
        if len(pieces) == 1:
            return pieces[0]
        # Readers may be threads (the store saves a reply from one while the event loop adds pieces):
        # join only the pieces there are now, and put the text in their place; a piece added meanwhile
        # stays after it. The lock keeps two readers from replacing the same pieces.
        with self._lock:
            count = len(pieces)
            text = "".join(pieces[:count])
            pieces[:count] = [text]
        return text

    def __set__(self, obj: object, value: str) -> None:
        obj.__dict__[self._slot] = [value]
        obj.__dict__[self._length_slot] = len(value)

    def append(self, obj: object, piece: str) -> None:
        """Add ``piece`` at the end of ``obj``'s text (read back joined). (From one thread: the event loop.)"""
        if not piece:
            return
        state = obj.__dict__
        pieces: list[str] = state[self._slot]
        pieces.append(piece)
        state[self._length_slot] += len(piece)
        loose = state[self._loose_slot] = state.get(self._loose_slot, 0) + 1
        if loose >= GATHER:
            # The last GATHER pieces become one (each piece is copied once more, never the text): ``tail``
            # then has few to look through. Under the lock: a reader in a thread may be joining.
            state[self._loose_slot] = 0
            with self._lock:
                count = min(GATHER, len(pieces))
                pieces[-count:] = ["".join(pieces[-count:])]

    def length(self, obj: object) -> int:
        """``len`` of ``obj``'s text, without joining it."""
        length: int = obj.__dict__[self._length_slot]
        return length

    def tail(self, obj: object, chars: int) -> str:
        """The last ``chars`` characters of ``obj``'s text, from the pieces they are in (a live view's end of a
        long text, read for every piece that arrives): O(``chars``), however long the text."""
        if chars <= 0:
            return ""
        pieces: list[str] = obj.__dict__[self._slot]
        wanted = 16
        while True:
            last = pieces[-wanted:]  # one step (a reader's join in another thread swaps pieces for their text)
            need, parts = chars, []
            for piece in reversed(last):
                if len(piece) >= need:
                    parts.append(piece[len(piece) - need:])
                    need = 0
                    break
                parts.append(piece)
                need -= len(piece)
            if not need or len(last) < wanted:
                return "".join(reversed(parts))
            wanted *= 4

    def detach(self, obj: object, state: dict[str, Any]) -> None:
        """Give ``state`` (a copy of ``obj.__dict__``, for ``__getstate__``) a list of pieces of its own:
        a copy or an unpickled object must not grow with the original."""
        state[self._slot] = [self.__get__(obj)]
