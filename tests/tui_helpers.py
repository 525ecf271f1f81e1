"""Helpers for driving the real app with Pilot against the loopback server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from textual import events
from textual.pilot import Pilot

from pinata_tui.conversation import Conversation, MessageStatus
from pinata_tui.devserver import DEV_JWT, DEV_LLM_KEY, PinataDevServer
from pinata_tui.paths import AppPaths
from pinata_tui.settings import RetrySettings, Settings, TimeoutSettings
from pinata_tui.tui.app import PinataChatApp
from pinata_tui.tui.chat.chat_screen import ChatScreen
from tests.waiting import settle, until

__all__ = ["chat", "make_app", "press_now", "ready", "send_and_wait", "shown_header", "turn_settled", "type_and_send",
           "until"]

KEY_CHARACTERS = {"enter": "\r", "escape": "\x1b", "tab": "\t", "space": " "}


def make_app(server: PinataDevServer, home: Path, *, open_conversation: int | None = None,
             continue_last: bool = False, conversation: Conversation | None = None,
             **changes: object) -> PinataChatApp:
    settings = Settings(
        base_url=server.url,
        llm_key=DEV_LLM_KEY,
        jwt=DEV_JWT,
        model="anthropic/claude-sonnet-4-6",
        retry=RetrySettings(max_attempts=3, base_delay=0.05, max_delay=0.1, max_total_wait=10),
        timeouts=TimeoutSettings(connect=2, read=3, write=3),
    ).replace(**changes)
    app = PinataChatApp(settings, AppPaths.under(home), open_conversation=open_conversation,
                        continue_last=continue_last, conversation=conversation)
    _let_background_work_finish_before_closing(app)
    return app


def _background_work(app: PinataChatApp) -> list[str]:
    """The app's workers still running, but for a reply's (it may stream for long; closing stops it)."""
    return [worker.name for worker in app.workers if not worker.is_finished and worker.group != "reply"]


def _let_background_work_finish_before_closing(app: PinataChatApp) -> None:
    """``app.run_test()`` that, when the test body is done, lets the app's background work finish.

    The app fetches the balance at start-up and after each reply, counts tokens in a thread, saves
    state... A worker that ends while the app is closing fails when it updates a widget that is
    already gone (``ChatScreen.watch_balance`` asks for the credits banner, the context meter for
    the status bar: ``NoMatches``, raised as ``WorkerFailed`` when ``run_test`` exits), so a test
    that ended just after start-up or a reply failed now and then: an app bug, reported with issue
    #13. Snapshot tests do not go through ``run_test``.
    """
    run_test = app.run_test

    @asynccontextmanager
    async def run_test_then_let_the_work_finish(*args: Any, **kwargs: Any) -> AsyncIterator[Pilot]:
        async with run_test(*args, **kwargs) as pilot:
            yield pilot
            if app.is_running:  # (not when the test quit the app itself)
                await settle(pilot)  # what was just posted (a reply's "balance is stale") is handled
                await until(pilot, lambda: not _background_work(app), what="the app's background work to finish")

    app.run_test = run_test_then_let_the_work_finish  # type: ignore[method-assign]


def chat(app: PinataChatApp) -> ChatScreen:
    screen = app.chat
    assert screen is not None
    return screen


async def ready(pilot: Pilot) -> None:
    """Wait for the first screen, the catalog and the tokenizer (all loaded in workers)."""
    app = pilot.app
    await until(pilot, lambda: app.chat is not None and bool(app.catalog) and app.tokens_ready,
                what="catalog and tokenizer")


async def press_now(pilot: Pilot, *keys: str) -> None:
    """Press ``keys`` as the terminal driver delivers them (a ``Key`` event to the app), each handled
    before the next, without ``Pilot.press``'s wait for the process to go idle.

    That wait never ends while a reply streams (the process is busy drawing it), so every key
    pressed then costs Textual's cap of twice one second; the test waits for the key's effect
    instead (``until``). Named keys (``"escape"``, ``"ctrl+end"``) and single characters.
    """
    app = pilot.app
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else KEY_CHARACTERS.get(key))
        event.set_sender(app)
        app.post_message(event)
        await settle(pilot)


async def type_and_send(pilot: Pilot, text: str) -> None:
    """Put ``text`` in the prompt and press Enter; the caller waits for what it expects to follow."""
    screen = chat(pilot.app)
    screen.prompt.focus()
    screen.prompt.insert(text)
    await press_now(pilot, "enter")


def turn_settled(screen: ChatScreen, before: int) -> bool:
    """The turn started when the conversation had ``before`` messages has settled (saved, shown).

    Sending adds the prompt and a reply marked streaming at once, then the screen streams; the
    turn saves the reply's ending (or drops it and marks the prompt not sent) before it settles,
    and ``streaming`` goes False only after that.
    """
    messages = screen.conversation.messages
    return (len(messages) > before and not screen.streaming
            and all(m.status is not MessageStatus.STREAMING for m in messages))


async def send_and_wait(pilot: Pilot, text: str) -> None:
    """Send ``text`` and wait until its turn has settled and the screen has drawn it."""
    screen = chat(pilot.app)
    before = len(screen.conversation.messages)
    await type_and_send(pilot, text)
    await until(pilot, lambda: turn_settled(screen, before), what="the reply to finish")
    await pilot.pause()


def shown_header(block) -> str:
    """The header line of a message block, as drawn on screen."""
    from pinata_tui.tui.markdown.streaming_markdown import StreamingMarkdown

    if isinstance(block, StreamingMarkdown):
        return block.render_line(0).text
    return str(block.render()).split("\n", 1)[0]
