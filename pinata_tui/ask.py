"""``pinata-chat ask``: one prompt, the reply streamed to stdout as plain text. No TUI.

Exit codes say what went wrong, so scripts can react (see ``EXIT_CODES``).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from pinata_tui.api import (
    APIStatusError,
    AuthError,
    InsufficientCredits,
    MissingCredential,
    NetworkError,
    PinataClient,
    PinataError,
    RateLimited,
    Retrying,
    StreamInterrupted,
    TextDelta,
    Usage,
)
from pinata_tui.api.types import ModelInfo
from pinata_tui.conversation import ChatMessage, Conversation, MessageStatus
from pinata_tui.pricing import reply_cost
from pinata_tui.sanitize import make_displayable
from pinata_tui.settings import Settings
from pinata_tui.store import ConversationStore, StoreError

from pinata_tui.exit_codes import (
    EXIT_AUTH,
    EXIT_CREDITS,
    EXIT_CTRL_C,
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_NETWORK,
    EXIT_OK,
    EXIT_RATE_LIMITED,
    EXIT_SERVER,
)


def exit_code_for(error: BaseException) -> int:
    if isinstance(error, (AuthError, MissingCredential)):
        return EXIT_AUTH
    if isinstance(error, InsufficientCredits):
        return EXIT_CREDITS
    if isinstance(error, RateLimited):
        return EXIT_RATE_LIMITED
    if isinstance(error, NetworkError):
        return EXIT_NETWORK
    if isinstance(error, StreamInterrupted):
        return EXIT_INTERRUPTED
    if isinstance(error, APIStatusError) and error.status < 500:
        return EXIT_FAILURE
    if isinstance(error, PinataError):
        return EXIT_SERVER
    return EXIT_FAILURE


@dataclass
class AskRequest:
    prompt: str
    model: str
    system_prompt: str | None
    as_json: bool
    save: bool


def build_prompt(prompt: str | None, stdin: TextIO) -> str:
    """The prompt argument, followed by piped stdin (``git diff | pinata-chat ask "review this"``)."""
    piped = ""
    if not stdin.isatty():
        piped = stdin.read()
    parts = [p for p in (prompt, piped.strip("\n")) if p and p.strip()]
    return "\n\n".join(parts)


class _Saver:
    """Writes the exchange to history as it happens; a storage problem is reported once, not fatal."""

    def __init__(self, database: Path, enabled: bool, conversation: Conversation, err: TextIO) -> None:
        self.conversation = conversation
        self.err = err
        self.store: ConversationStore | None = None
        if enabled:
            try:
                self.store = ConversationStore(database)
            except StoreError as exc:
                print(f"pinata-chat: not saving to history: {exc}", file=err)

    def save(self, message: ChatMessage) -> None:
        if self.store is None:
            return
        try:
            self.store.save_message(self.conversation, message)
        except StoreError as exc:
            print(f"pinata-chat: not saving to history: {exc}", file=self.err)
            self.store = None

    def checkpoint(self, message: ChatMessage) -> None:
        if self.store is not None and message.id is not None:
            try:
                self.store.checkpoint(message)
            except StoreError:
                pass

    def close(self) -> None:
        if self.store is not None:
            self.store.close()


async def run_ask(request: AskRequest, settings: Settings, database: Path, *,
                  out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    conversation = Conversation(model=request.model, system_prompt=request.system_prompt)
    saver = _Saver(database, request.save, conversation, err)
    user = conversation.add(ChatMessage("user", request.prompt))
    saver.save(user)  # before anything is sent
    reply = ChatMessage("assistant", "", model=request.model, status=MessageStatus.STREAMING)
    to_terminal = out.isatty()
    usage: Usage | None = None
    finish_reason: str | None = None
    last_checkpoint = time.monotonic()
    code = EXIT_OK
    error: BaseException | None = None
    client = PinataClient(settings)
    try:
        async for event in client.stream_chat(request.model, conversation.request_history(),
                                               max_tokens=settings.max_tokens,
                                               temperature=settings.temperature):
            if isinstance(event, TextDelta):
                if reply.id is None:
                    conversation.add(reply)
                    saver.save(reply)
                reply.content += event.text
                if not request.as_json:
                    # On a terminal, control characters are shown, never obeyed; into a pipe, verbatim.
                    out.write(make_displayable(event.text) if to_terminal else event.text)
                    out.flush()
                if time.monotonic() - last_checkpoint >= 1.0:
                    saver.checkpoint(reply)
                    last_checkpoint = time.monotonic()
            elif isinstance(event, Usage):
                usage = event
            elif isinstance(event, Retrying):
                print(f"pinata-chat: {event.reason} Retrying in {event.delay:.0f} s "
                      f"(attempt {event.attempt + 1}/{event.max_attempts}).", file=err)
            else:
                finish_reason = event.finish_reason
        reply.status = MessageStatus.COMPLETE
    except (KeyboardInterrupt, asyncio.CancelledError):
        reply.status = MessageStatus.STOPPED
        code = EXIT_CTRL_C
    except StreamInterrupted as exc:
        reply.status = MessageStatus.INTERRUPTED
        usage = usage or exc.usage  # type: ignore[assignment]
        error, code = exc, EXIT_INTERRUPTED
    except PinataError as exc:
        error, code = exc, exit_code_for(exc)
        user.status, user.error = MessageStatus.ERROR, str(exc)
        saver.save(user)
    finally:
        if reply.content:
            reply.usage = usage
            if usage is not None:
                reply.cost = reply_cost(usage, await _model_info(client, request.model))
            saver.save(reply)
        saver.close()
        await client.aclose()

    if request.as_json and code in (EXIT_OK, EXIT_INTERRUPTED, EXIT_CTRL_C):
        json.dump({
            "model": request.model,
            "content": reply.content,
            "status": reply.status.value,
            "finish_reason": finish_reason,
            "usage": None if usage is None else {"prompt_tokens": usage.prompt_tokens,
                                                 "completion_tokens": usage.completion_tokens,
                                                 "total_tokens": usage.total_tokens},
            "cost_usd": reply.cost,
            "conversation_id": conversation.id,
        }, out, indent=2)
        out.write("\n")
    elif reply.content and not reply.content.endswith("\n"):
        out.write("\n")
    out.flush()
    if code == EXIT_CTRL_C:
        print("pinata-chat: stopped; what arrived was kept.", file=err)
    elif error is not None:
        print(f"pinata-chat: {error}", file=err)
    return code


async def _model_info(client: PinataClient, model_id: str) -> ModelInfo | None:
    """Prices for the cost figure, from the live catalog (public, no key needed); None if unreachable."""
    try:
        return next((m for m in await client.models() if m.model_id == model_id), None)
    except PinataError:
        return None
