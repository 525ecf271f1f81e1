"""Helpers for driving the real app with Pilot against the loopback server."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.pilot import Pilot

from pinata_tui.conversation import MessageStatus
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
