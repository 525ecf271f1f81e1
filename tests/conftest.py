"""Shared fixtures: every test talks to a real Pinata dev server on loopback."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator

import pytest

from pinata_tui.api import PinataClient
from pinata_tui.devserver import DEV_JWT, DEV_LLM_KEY, PinataDevServer
from pinata_tui.settings import RetrySettings, Settings, TimeoutSettings

# The benchmarks (python tests/bench/run.py) are scripts, not tests: pytest leaves them alone.
collect_ignore = ["bench"]


class RecordingSleep:
    """Stands in for asyncio.sleep in retry tests: records each wait, waits not at all."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


_STOPPING: list[threading.Thread] = []
"""Dev servers being stopped in the background (joined when the session ends)."""


@pytest.fixture
def server() -> Iterator[PinataDevServer]:
    """A fresh dev server (its own port and state) for each test.

    It is stopped in the background: ``stop()`` ends its streams and delays at once, but waits for
    the serving loop's next 50 ms poll to return, and nothing in the next test needs that.
    """
    srv = PinataDevServer().start()
    try:
        yield srv
    finally:
        stopper = threading.Thread(target=srv.stop, name="stop-devserver", daemon=True)
        stopper.start()
        _STOPPING.append(stopper)


def pytest_sessionfinish(session: pytest.Session) -> None:
    for stopper in _STOPPING:
        stopper.join(timeout=10)


@pytest.fixture
def settings(server: PinataDevServer) -> Settings:
    return Settings(
        base_url=server.url,
        llm_key=DEV_LLM_KEY,
        jwt=DEV_JWT,
        retry=RetrySettings(max_attempts=3, base_delay=0.01, max_delay=0.05, max_total_wait=30),
        timeouts=TimeoutSettings(connect=2, read=5, write=5),
    )


@pytest.fixture
def sleeper() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
async def client(settings: Settings, sleeper: RecordingSleep) -> AsyncIterator[PinataClient]:
    async with PinataClient(settings, sleep=sleeper) as c:
        yield c
