"""Waiting for a condition, never for the clock: one polling loop, in a sync and an async form.

A test waits for what it needs (a row in the database, text on a terminal, a flag on a screen)
and goes on the moment it holds; the timeout only bounds a failure. Both forms return the
condition's (truthy) value, so a test can wait for a thing and use it::

    row = wait_for(lambda: reply_row(database), what="the first checkpoint")
    await until(pilot, lambda: not screen.streaming, what="the reply to finish")
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

from textual.pilot import Pilot

T = TypeVar("T")

TIMEOUT = 10.0
"""How long a condition may take before the test fails (generous: the machine may be busy)."""

INTERVAL = 0.02
"""How often a condition is looked at again."""


class Poll:
    """Looks at ``condition`` until it holds; says what never happened once ``timeout`` has passed."""

    def __init__(self, condition: Callable[[], T], timeout: float, what: str) -> None:
        self.condition = condition
        self.timeout = timeout
        self.what = what
        self.deadline = time.monotonic() + timeout

    def check(self) -> T | None:
        """The condition's value when it holds, else None; raises once the time is up."""
        value = self.condition()
        if value:
            return value
        if time.monotonic() > self.deadline:
            raise AssertionError(f"timed out after {self.timeout:g} s waiting for {self.what}")
        return None


def wait_for(condition: Callable[[], T], timeout: float = TIMEOUT, what: str = "condition",
             interval: float = INTERVAL) -> T:
    """Block until ``condition()`` is truthy and return it (for threads, processes, files)."""
    poll = Poll(condition, timeout, what)
    while (value := poll.check()) is None:
        time.sleep(interval)
    return value


async def until(pilot: Pilot | None, condition: Callable[[], T], timeout: float = TIMEOUT,
                what: str = "condition", interval: float = INTERVAL) -> T:
    """Let the app (or, without a pilot, the event loop) run until ``condition()`` is truthy."""
    poll = Poll(condition, timeout, what)
    while (value := poll.check()) is None:
        if pilot is None:
            await asyncio.sleep(interval)
        else:
            await pilot.pause(interval)
    return value


async def settle(pilot: Pilot) -> None:
    """Let the app handle every message already sent and lay the screen out again, then go on.

    ``pilot.pause()`` (no delay) also waits for the whole process to go idle, which it never does
    while a reply streams or long replies render in the background: each call then costs Textual's
    one-second cap. A test that needs the screen up to date, not an idle process, settles.
    """
    await pilot.pause(0)
