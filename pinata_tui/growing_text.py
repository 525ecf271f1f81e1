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


class GrowingText:
    """A ``str`` attribute with an O(1) ``append`` (a descriptor: one per class attribute)."""

    def __init__(self, default: str = _NO_DEFAULT) -> None:
        self._default = default
        self._name = ""
        self._slot = ""
        self._lock = threading.Lock()

    def __set_name__(self, owner: type, name: str) -> None:
        self._name, self._slot = name, f"_{name}_pieces"

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

    def append(self, obj: object, piece: str) -> None:
        """Add ``piece`` at the end of ``obj``'s text (read back joined)."""
        if piece:
            obj.__dict__[self._slot].append(piece)

    def detach(self, obj: object, state: dict[str, Any]) -> None:
        """Give ``state`` (a copy of ``obj.__dict__``, for ``__getstate__``) a list of pieces of its own:
        a copy or an unpickled object must not grow with the original."""
        state[self._slot] = [self.__get__(obj)]
