"""Shared fixtures: every test talks to a real Pinata dev server on loopback."""

from __future__ import annotations

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


@pytest.fixture
def server() -> Iterator[PinataDevServer]:
    with PinataDevServer() as srv:
        yield srv


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
