"""Helpers for driving the real app with Pilot against the loopback server."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.pilot import Pilot

from pinata_tui.devserver import DEV_JWT, DEV_LLM_KEY, PinataDevServer
from pinata_tui.paths import AppPaths
from pinata_tui.settings import RetrySettings, Settings, TimeoutSettings
from pinata_tui.tui.app import PinataChatApp
from pinata_tui.tui.chat.chat_screen import ChatScreen


def make_app(server: PinataDevServer, home: Path, *, open_conversation: int | None = None,
             continue_last: bool = False, **changes: object) -> PinataChatApp:
    settings = Settings(
        base_url=server.url,
        llm_key=DEV_LLM_KEY,
        jwt=DEV_JWT,
        model="anthropic/claude-sonnet-4-6",
        retry=RetrySettings(max_attempts=3, base_delay=0.05, max_delay=0.1, max_total_wait=10),
        timeouts=TimeoutSettings(connect=2, read=3, write=3),
    ).replace(**changes)
    return PinataChatApp(settings, AppPaths.under(home), open_conversation=open_conversation,
                         continue_last=continue_last)


def chat(app: PinataChatApp) -> ChatScreen:
    screen = app.chat
    assert screen is not None
    return screen


async def until(pilot: Pilot, condition, timeout: float = 10.0, what: str = "condition") -> None:
    """Let the app run until ``condition()`` holds; fail the test if it never does."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


async def ready(pilot: Pilot) -> None:
    """Wait for the first screen, the catalog and the tokenizer (all loaded in workers)."""
    app = pilot.app
    await until(pilot, lambda: app.chat is not None and bool(app.catalog) and app.tokens_ready,
                what="catalog and tokenizer")


async def type_and_send(pilot: Pilot, text: str) -> None:
    screen = chat(pilot.app)
    screen.prompt.focus()
    screen.prompt.insert(text)
    await pilot.press("enter")


async def send_and_wait(pilot: Pilot, text: str) -> None:
    screen = chat(pilot.app)
    before = len(screen.conversation.messages)
    await type_and_send(pilot, text)
    await until(pilot, lambda: len(screen.conversation.messages) > before and not screen.streaming,
                what="the reply to finish")
    await pilot.pause()


def shown_header(block) -> str:
    """The header line of a message block, as drawn on screen."""
    from pinata_tui.tui.markdown.streaming_markdown import StreamingMarkdown

    if isinstance(block, StreamingMarkdown):
        return block.render_line(0).text
    return str(block.render()).split("\n", 1)[0]
