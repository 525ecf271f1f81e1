"""Giving freed memory back to the system (#17: a long session's memory is given back).

Python frees a closed conversation's objects, but the process keeps the memory: the C allocator
(glibc's malloc) keeps the freed pages of its heaps for reuse, and a reply's many short-lived
allocations leave holes between the few that live on (message text, cache entries), so the heap's
free space grows reply after reply and never goes back. ``malloc_trim`` hands the free pages in
those holes back to the system; it is cheap (about a millisecond for this app's heaps) and
changes nothing Python sees. On another C library (musl, macOS, Windows) there is nothing to
trim and these do only the garbage collection.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    # The process's own symbols (libc's among them) first: ``find_library`` runs ``ldconfig`` in a
    # subprocess, tens of milliseconds on the event loop at the first reply's end. ctypes is imported
    # here, at the first trim, not before the app's first frame.
    import ctypes

    for name in (None, "libc.so.6"):
        try:
            trim: Callable[[int], int] = ctypes.CDLL(name).malloc_trim  # glibc only
        except (OSError, AttributeError, TypeError):
            continue
        return trim
    return None


def trim_free_memory() -> bool:
    """Give the C heaps' free pages back to the system. False where the C library cannot."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


def give_back_memory() -> bool:
    """After a conversation is closed: collect its widgets (cyclic garbage, which otherwise waits for
    the next full collection, minutes away in an idle app), then trim the heaps.

    Start-up freezes what it built (``gc.freeze``: modules, styles, and a conversation opened with
    ``--continue``), and the collector never looks at frozen objects: that conversation's widgets
    would stay for good. So this collection looks at everything, and what survives is frozen again.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    return trim_free_memory()
