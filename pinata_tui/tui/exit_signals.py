"""SIGTERM and SIGHUP (a closed terminal, ``kill``) end the app the way Ctrl+Q does."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


def exit_cleanly_on_signals(quit_cleanly: Callable[[], object]) -> None:
    """On SIGTERM or SIGHUP, call ``quit_cleanly`` (on the event loop): it stops the reply (saved as
    stopped), then exits as Ctrl+Q does, so the terminal leaves the alternate screen with mouse tracking off."""
    import signal

    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGHUP):
        try:
            loop.add_signal_handler(number, quit_cleanly)
        except (NotImplementedError, RuntimeError, ValueError):
            return  # not the main thread (tests), or a platform without signals
