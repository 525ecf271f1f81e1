"""A text attribute that grows piece by piece in constant time, and reads whole.

``message.content += piece`` copies the whole text for every piece (a str attribute holds the
string, so CPython cannot grow it in place): quadratic over a long reply. ``GrowingText`` keeps the
pieces in a list instead (``append``) and joins them when the attribute is read, keeping the joined
text for the next read: every reader (a copy taken mid-stream, an export, the store's checkpoint
thread) sees all that has arrived, and a long reply read once a frame costs one join per frame, not
one copy per piece. A live view of the text's end reads ``length`` and ``tail`` without joining it.

A dataclass field declared with it (``content: GrowingText = GrowingText()``) is set and read like
a ``str`` field; without a default it stays a required argument. Until something is appended the
instance holds the plain ``str`` (a message loaded from the store costs no more memory than before).
The class's ``__getstate__`` must ``detach`` it (copies and pickles get pieces of their own).

Pieces are appended from one thread (the event loop); any thread may read.
"""

from __future__ import annotations

import threading
from typing import Any

_NO_DEFAULT: Any = object()
GATHER = 64
"""Every this many appended pieces are joined into one (each piece is copied once more, never the text)."""


class _Pieces(list[str]):
    """The pieces of a text that has grown (its own type: whatever else was set, ``None`` too, reads back as set)."""


class GrowingText:
    """A ``str`` attribute with an O(1) ``append`` (a descriptor: one per class attribute)."""

    def __init__(self, default: str = _NO_DEFAULT) -> None:
        self._default = default
        self._name = ""
        self._slot = self._length_slot = self._loose_slot = ""
        self._lock = threading.Lock()

    def __set_name__(self, owner: type, name: str) -> None:
        self._name, self._slot = name, f"_{name}_text"
        self._length_slot, self._loose_slot = f"_{name}_length", f"_{name}_loose"

    def __get__(self, obj: object | None, owner: type | None = None) -> str:
        if obj is None:  # the class's attribute: what a dataclass takes as the field's default
            if self._default is _NO_DEFAULT:
                raise AttributeError(self._name)  # (a dataclass then makes it a required argument)
            return self._default
        value = getattr(obj, self._slot)
        if type(value) is not _Pieces:
            return value  # type: ignore[no-any-return]
        if len(value) == 1:
            return value[0]
        # Readers may be threads (the store saves a reply from one while the event loop adds pieces):
        # join only the pieces there are now, and put the text in their place; a piece added meanwhile
        # stays after it. The lock keeps two readers (or a reader and ``append``'s gathering) apart.
        with self._lock:
            count = len(value)
            text = "".join(value[:count])
            value[:count] = [text]
        return text

    def __set__(self, obj: object, value: str) -> None:
        # Plain attributes under other names, through setattr and getattr (touching ``obj.__dict__`` would
        # give every message a dict of its own: 60 more bytes each).
        setattr(obj, self._slot, value)
        if hasattr(obj, self._length_slot):  # it was a list: its counts go
            delattr(obj, self._length_slot)
            delattr(obj, self._loose_slot)

    def append(self, obj: object, piece: str) -> None:
        """Add ``piece`` at the end of ``obj``'s text (read back joined)."""
        if not piece:
            return
        value = getattr(obj, self._slot)
        if type(value) is not _Pieces:  # the first piece: from now on a list (never a str again: see __get__)
            setattr(obj, self._length_slot, len(value) + len(piece))
            setattr(obj, self._loose_slot, 1)
            setattr(obj, self._slot, _Pieces((value, piece)))
            return
        value.append(piece)
        setattr(obj, self._length_slot, getattr(obj, self._length_slot) + len(piece))
        loose = getattr(obj, self._loose_slot) + 1
        setattr(obj, self._loose_slot, 0 if loose >= GATHER else loose)
        if loose >= GATHER:
            # The last GATHER pieces become one: ``tail`` then has few to look through.
            with self._lock:  # (never the first: it is the text as it was, or as a reader last joined it)
                count = min(GATHER, len(value) - 1)
                if count > 1:
                    value[-count:] = ["".join(value[-count:])]

    def length(self, obj: object) -> int:
        """``len`` of ``obj``'s text, without joining it."""
        value = getattr(obj, self._slot)
        if type(value) is not _Pieces:
            return len(value)
        length: int = getattr(obj, self._length_slot)
        return length

    def tail(self, obj: object, chars: int) -> str:
        """The last ``chars`` characters of ``obj``'s text, from the pieces they are in (a live view's end of a
        long text, read for every piece that arrives): O(``chars``), however long the text."""
        if chars <= 0:
            return ""
        value = getattr(obj, self._slot)
        if type(value) is not _Pieces:
            return value[-chars:]  # type: ignore[no-any-return]
        wanted = 16
        while True:
            last = value[-wanted:]  # one step (a reader's join in another thread swaps pieces for their text)
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
        """Give ``state`` (a copy of ``obj.__dict__``, for ``__getstate__``) the text itself: a copy or an
        unpickled object must not grow with the original."""
        state[self._slot] = self.__get__(obj)
        state.pop(self._length_slot, None)
        state.pop(self._loose_slot, None)
