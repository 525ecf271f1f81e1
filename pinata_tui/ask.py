"""``pinata-chat ask``: one prompt, the reply streamed to stdout as plain text. No TUI.

The turn itself (saving, checkpoints, endings, usage and cost) is ``chat.turn.ChatTurn``;
this module only prints its events. Exit codes say how the reply ended (see ``EXIT_CODES``):
never 0 with an empty stdout without a line on stderr saying why.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from pinata_tui.api import PinataClient, PinataError
from pinata_tui.api.types import ModelInfo
from pinata_tui.attachments import Attachment
from pinata_tui.chat.endings import CLI_HINTS, STATUS_EXIT_CODES, exit_code_for
from pinata_tui.chat.image_refusal import CLI_WAY_ON, image_refusal
from pinata_tui.chat.turn import (
    ChatTurn,
    ReasoningText,
    ReplyText,
    RetryScheduled,
    TurnEvent,
    TurnOutcome,
    no_store,
    plan_send,
)
from pinata_tui.conversation import Conversation, MessageStatus
from pinata_tui.conversation_settings import ConversationSettings
from pinata_tui.exit_codes import EXIT_ATTACHMENT, EXIT_CTRL_C, EXIT_OK, EXIT_OVER_BUDGET
from pinata_tui.sanitize import make_displayable, valid_unicode
from pinata_tui.settings import Settings
from pinata_tui.store import ConversationStore, StoreError

__all__ = ["AskRequest", "build_prompt", "exit_code_for", "run_ask"]


@dataclass
class AskRequest:
    prompt: str
    model: str
    system_prompt: str | None
    as_json: bool
    save: bool
    show_reasoning: bool = False
    include_reasoning: bool = True
    """``--json`` carries the reasoning unless ``--no-reasoning`` asks to leave it out."""
    over_budget_ok: bool = False
    """``--over-budget``: send even past ``budget.daily`` / ``budget.monthly``."""
    conversation: Conversation | None = None
    """``--continue`` / ``--conversation ID``: a saved conversation; the prompt goes after its current leaf."""
    settings: ConversationSettings = field(default_factory=ConversationSettings)
    """The conversation's own settings (from ``-p`` and the flags), saved with it."""
    attachments: list[Attachment] = field(default_factory=list)
    """Files from ``-a`` (read and checked already)."""


def read_piped(stdin: TextIO, err: TextIO | None = None) -> str:
    """All of piped stdin as text: read as bytes, decoded as UTF-8 with U+FFFD for what is not.

    A Latin-1 diff or a binary file never stops ``ask``; a line on ``err`` says what was replaced.
    """
    buffer = getattr(stdin, "buffer", None)
    if buffer is None:  # already text (tests, wrappers)
        return valid_unicode(stdin.read())
    raw: bytes = buffer.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = raw.decode("utf-8", errors="replace")
        if err is not None:
            print(f"pinata-chat: note: stdin is not UTF-8 text (first bad byte at offset {exc.start:,}); "
                  "bytes that could not be read were replaced with \ufffd.", file=err)
    if "\0" in text and err is not None:
        print("pinata-chat: note: stdin looks binary (it holds NUL bytes); it is sent as it is.", file=err)
    return text


def build_prompt(prompt: str | None, stdin: TextIO, err: TextIO | None = None) -> str:
    """The prompt argument, followed by piped stdin (``git diff | pinata-chat ask "review this"``)."""
    piped = ""
    if not stdin.isatty():
        piped = read_piped(stdin, err)
    parts = [p for p in (prompt, piped.strip("\n")) if p and p.strip()]
    return "\n\n".join(parts)


class StorePersist:
    """Runs store calls in a thread of its own, one at a time; a storage problem is reported once on
    stderr, never fatal. ``close`` waits for the calls under way: Ctrl-C cancels the wait for a save,
    not the save, and closing the database under a save could hang both threads."""

    def __init__(self, database: Path, enabled: bool, err: TextIO) -> None:
        self.err = err
        self.store: ConversationStore | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pinata-store")
        if enabled:
            try:
                self.store = ConversationStore(database)
            except StoreError as exc:
                self._report(exc)

    def _report(self, exc: StoreError) -> None:
        print(f"pinata-chat: not saving to history: {make_displayable(str(exc))}", file=self.err)

    async def __call__(self, write: Callable[[ConversationStore], Any]) -> Any:
        store = self.store
        if store is None:
            return None
        try:
            return await asyncio.get_running_loop().run_in_executor(self._thread, write, store)
        except StoreError as exc:
            self._report(exc)
            self.store = None
            return None

    def close(self) -> None:
        self._thread.shutdown(wait=True)
        if self.store is not None:
            self.store.close()


class AskPrinter:
    """Prints a turn's events: answer text to stdout, reasoning and notes to stderr."""

    def __init__(self, request: AskRequest, out: TextIO, err: TextIO) -> None:
        self.request = request
        self.out = out
        self.err = err
        self.to_terminal = out.isatty()
        self.in_reasoning = False
        self.reader_gone = False
        """stdout's reader closed it (``| head``): the reply stops there, as with Ctrl-C, and is kept."""

    def _reader_went_away(self) -> None:
        self.reader_gone = True
        try:  # what is still buffered must not fail again when Python flushes stdout at exit
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.out.fileno())
            os.close(devnull)
        except (OSError, ValueError, io.UnsupportedOperation):
            pass
        task = asyncio.current_task()
        if task is not None:
            task.cancel()  # the turn settles as stopped, keeping what arrived

    def _clean(self, text: str, stream: TextIO) -> str:
        # On a terminal, control characters are shown, never obeyed; into a pipe, verbatim.
        return make_displayable(text) if stream.isatty() else text

    def __call__(self, event: TurnEvent) -> None:
        if isinstance(event, ReplyText) and not self.request.as_json:
            self._end_reasoning()
            if self.reader_gone:
                return
            try:
                self.out.write(self._clean(event.text, self.out))
                self.out.flush()
            except BrokenPipeError:
                self._reader_went_away()
        elif isinstance(event, ReasoningText) and self.request.show_reasoning:
            if not self.in_reasoning:
                self.err.write("pinata-chat: reasoning:\n")
                self.in_reasoning = True
            self.err.write(self._clean(event.text, self.err))
            self.err.flush()
        elif isinstance(event, RetryScheduled):
            # The reason's first sentence: a 429's own "Try again in N s." would say the wait twice.
            reason = event.reason.split(". ")[0].rstrip(".")
            print(f"pinata-chat: {reason}. Retrying in {event.delay:.0f} s "
                  f"(attempt {event.attempt + 1}/{event.max_attempts}).", file=self.err)

    def _end_reasoning(self) -> None:
        if self.in_reasoning:
            self.err.write("\n")
            self.in_reasoning = False


def _over_budget(settings: Settings, database: Path) -> str | None:
    from pinata_tui.budget import over_budget

    if not database.exists():
        return None
    try:
        with ConversationStore.for_reading(database) as store:
            return over_budget(settings, store)
    except StoreError:
        return None  # history unreadable: the budget cannot be known, and is not a reason to refuse


def stop_on_signals(task: asyncio.Task[object] | None) -> None:
    """SIGTERM / SIGHUP stop the reply as Ctrl-C does: what arrived is printed and saved as stopped."""
    import signal

    if task is None:
        return
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGHUP):
        try:
            loop.add_signal_handler(number, task.cancel)
        except (NotImplementedError, RuntimeError, ValueError):
            return  # not the main thread, or no signals here


async def run_ask(request: AskRequest, settings: Settings, database: Path, *,
                  out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    conversation = request.conversation or Conversation(model=request.model, system_prompt=request.system_prompt,
                                                        settings=request.settings)
    conversation.model = request.model
    persist = StorePersist(database, request.save, err)
    if not request.over_budget_ok and (settings.budget.daily is not None or settings.budget.monthly is not None):
        refusal = await asyncio.to_thread(_over_budget, settings, database)
        if refusal is not None:
            persist.close()
            print(f"pinata-chat: not sent. {refusal} `--over-budget` sends anyway; `pinata-chat usage` shows "
                  "where it went.", file=err)
            return EXIT_OVER_BUDGET
    printer = AskPrinter(request, out, err)
    client = PinataClient(settings)
    catalog: list[ModelInfo] | None = None

    async def prices(model_id: str) -> ModelInfo | None:
        """From the live catalog (public, no key needed); None if unreachable."""
        nonlocal catalog
        if catalog is None:
            try:
                catalog = await client.models()
            except PinataError:
                catalog = []
        return next((m for m in catalog if m.model_id == model_id), None)

    plan = plan_send(conversation, request.prompt, request.attachments)
    turn = ChatTurn(plan, client, persist=persist if request.save else no_store, prices=prices,
                    max_tokens=settings.max_tokens, temperature=settings.temperature, top_p=settings.top_p,
                    hints=CLI_HINTS)
    stopped = False
    stop_on_signals(asyncio.current_task())
    try:
        outcome = await turn.run(printer)
    except (KeyboardInterrupt, asyncio.CancelledError):
        stopped = True
        outcome = None
    finally:
        persist.close()
        await client.aclose()
    printer._end_reasoning()
    reply = plan.reply
    if printer.reader_gone:
        return EXIT_OK  # the reader had what it wanted; the reply is saved as stopped
    if stopped or outcome is None:
        code = EXIT_CTRL_C
    elif outcome.error is not None and outcome.reply is None:
        code = exit_code_for(outcome.error)
        refusal = image_refusal(outcome.error, plan.history, reply.model or request.model, way_on=CLI_WAY_ON)
        if refusal is not None:
            code, outcome = EXIT_ATTACHMENT, replace(outcome, notice=refusal)
    else:
        code = STATUS_EXIT_CODES.get(outcome.status, 1)

    if request.as_json and (outcome is None or outcome.reply is not None):
        json.dump(_as_json(request, conversation, reply, outcome), out, indent=2)
        out.write("\n")
    elif reply.content and not reply.content.endswith("\n") and not request.as_json:
        out.write("\n")
    out.flush()
    if stopped:
        print("pinata-chat: stopped; what arrived was kept.", file=err)
    elif outcome is not None and outcome.notice:
        print(f"pinata-chat: {make_displayable(outcome.notice)}", file=err)
    return code


def _as_json(request: AskRequest, conversation: Conversation, reply: Any,
             outcome: TurnOutcome | None) -> dict[str, Any]:
    usage = reply.usage
    data: dict[str, Any] = {
        "model": reply.model or request.model,
        "content": reply.content,
        "status": (outcome.status if outcome else MessageStatus.STOPPED).value,
        "finish_reason": reply.finish_reason,
        "usage": None if usage is None else {
            "prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
            "total_tokens": usage.total_tokens, "cached_tokens": usage.cached_tokens,
            "reasoning_tokens": usage.reasoning_tokens},
        "cost_usd": reply.cost,
        "cost_is_billed": reply.cost_is_billed,
        "notice": outcome.notice if outcome else None,
        "conversation_id": conversation.id,
    }
    if request.include_reasoning:
        data["reasoning"] = reply.reasoning
    return data
