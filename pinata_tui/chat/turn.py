"""One chat turn, from "send" to "settled": the only place that runs a request for a reply.

Textual-free; the TUI's chat screen and ``pinata-chat ask`` both drive turns through here:

1. the user's message is saved **before** anything is sent;
2. the reply streams in: its row is created at the first text (or reasoning) and checkpointed
   at least once a second while text keeps changing, so a crash loses at most a second;
3. the ending is named (complete, cut at the limit, filtered, failed in-stream, refused, tool
   calls only, no visible text, stopped, interrupted) and saved with usage, cost and speed;
4. a request that produced nothing gives the prompt back (the user's message is marked not sent)
   and hides nothing: a regenerated reply becomes an alternative of the one it replaces (which
   stays in the tree), and the branch switches to it only once it has text.

Callers pass an event sink and read ``TurnEvent``s (``ReplyText``, ``ReplySaved``, ``Settled``…);
tests await those instead of sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar

from pinata_tui.api.errors import PinataError, StreamFailed, StreamInterrupted
from pinata_tui.api.events import (
    Finished,
    ReasoningDelta,
    RefusalDelta,
    Retrying,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from pinata_tui.api.types import ModelInfo
from pinata_tui.attachments import Attachment
from pinata_tui.chat.endings import TUI_HINTS, Hints, ending_notice, ending_status, interrupted_notice
from pinata_tui.conversation import ChatMessage, Conversation, MessageStatus
from pinata_tui.conversation_settings import request_options
from pinata_tui.pricing import billed_or_computed_cost, reply_cost
from pinata_tui.sanitize import one_line

if TYPE_CHECKING:
    from pinata_tui.api.client import PinataClient
    from pinata_tui.store import ConversationStore

T = TypeVar("T")

CHECKPOINT_SECONDS = 1.0
"""A streaming reply is saved at least this often while it changes."""

Persist = Callable[[Callable[["ConversationStore"], Any]], Awaitable[Any]]
"""Runs one store call off the event loop; returns None (and reports it) when the store fails."""
PriceLookup = Callable[[str], Awaitable[ModelInfo | None]]
UsageEstimate = Callable[[Conversation, ChatMessage], Usage | None]


async def no_store(write: Callable[[ConversationStore], Any]) -> None:
    """A ``Persist`` for turns that are not saved (``ask --no-save``)."""
    return None


# ------------------------------------------------------------------ events


@dataclass(frozen=True, slots=True)
class UserSaved:
    message: ChatMessage


@dataclass(frozen=True, slots=True)
class RetryScheduled:
    """The request failed in a way worth retrying; the next attempt starts in ``delay`` s."""

    attempt: int
    max_attempts: int
    delay: float
    reason: str
    """One safe line (server text made displayable)."""


@dataclass(frozen=True, slots=True)
class ReasoningText:
    text: str


@dataclass(frozen=True, slots=True)
class ReplyText:
    """Answer text (or refusal text, which is shown as the reply)."""

    text: str


@dataclass(frozen=True, slots=True)
class ReplySaved:
    """The reply's row exists in the store (from its first text or reasoning on)."""

    message: ChatMessage


@dataclass(frozen=True, slots=True)
class ReplyReplaced:
    """A regenerated reply got its first text: it replaces ``old`` on the current branch (``old`` stays
    in the tree as its alternative)."""

    old: ChatMessage


@dataclass(frozen=True, slots=True)
class Checkpointed:
    message: ChatMessage


@dataclass(frozen=True, slots=True)
class TurnOutcome:
    status: MessageStatus
    """The reply's final status, or ``ERROR`` when the request produced nothing."""
    reply: ChatMessage | None
    """None when nothing arrived (the reply was dropped; a continued reply is kept as it was)."""
    user: ChatMessage | None
    notice: str | None
    """One line to show the user, or None when the reply simply completed."""
    error: PinataError | None = None
    tokens_per_second: float | None = None
    completion_tokens: int | None = None
    tokens_reported: bool = False
    """``completion_tokens`` came from the server's usage (else it is an estimate or unknown)."""


@dataclass(frozen=True, slots=True)
class Settled:
    outcome: TurnOutcome


TurnEvent = (UserSaved | RetryScheduled | ReasoningText | ReplyText | ReplySaved | ReplyReplaced | Checkpointed
             | Settled)
EventSink = Callable[[TurnEvent], Awaitable[None] | None]


# ------------------------------------------------------------------ plans


@dataclass
class TurnPlan:
    """What one turn will do; built by the ``plan_*`` functions so callers can show it first."""

    conversation: Conversation
    reply: ChatMessage
    history: list[dict[str, Any]]
    user: ChatMessage | None = None
    """A user message to save before sending (a new prompt, or a failed one sent again)."""
    replaces: ChatMessage | None = None
    continuing: bool = False
    previous_status: MessageStatus | None = None
    previous_usage: Usage | None = None
    previous_cost: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    branched_at: int | None = None
    """An edit: the index on the current branch from which messages were replaced by the new branch."""


def _new_reply(conversation: Conversation, *, parent: ChatMessage | None = None) -> ChatMessage:
    reply = ChatMessage("assistant", "", model=conversation.model, status=MessageStatus.STREAMING)
    if parent is None:
        return conversation.add(reply)
    return conversation.add(reply, parent=parent)


def plan_send(conversation: Conversation, text: str, attachments: Sequence[Attachment] = ()) -> TurnPlan:
    """A new prompt (with the files attached to it) and its reply."""
    user = conversation.add(ChatMessage("user", text, attachments=list(attachments)))
    reply = _new_reply(conversation)
    return TurnPlan(conversation, reply, conversation.request_history(leave_out=(reply,)), user=user)


def plan_resend(conversation: Conversation, user: ChatMessage) -> TurnPlan:
    """Send a prompt that failed again, as the same message (it is not added a second time)."""
    user.status, user.error = MessageStatus.COMPLETE, None
    if not conversation.messages or conversation.messages[-1] is not user:
        conversation.move_to_leaf(user)
    reply = _new_reply(conversation)
    return TurnPlan(conversation, reply, conversation.request_history(leave_out=(reply,)), user=user)


def plan_regenerate(conversation: Conversation, model: str | None = None) -> TurnPlan | None:
    """An alternative to the last reply (with ``model``, or the conversation's). The old reply stays
    on the branch until the new one has text, and in the tree after that."""
    old = conversation.last_reply
    if old is None or conversation.messages[-1] is not old or old.parent is None:
        return None
    reply = _new_reply(conversation, parent=old.parent)
    if model:
        reply.model = model
    return TurnPlan(conversation, reply, conversation.request_history(leave_out=(old, reply)), replaces=old)


def plan_edit(conversation: Conversation, original: ChatMessage, text: str) -> TurnPlan:
    """``text`` as an edited version of the prompt ``original``: a new branch from ``original``'s parent.

    The old branch stays in the tree, and the new prompt keeps ``original``'s attached files.
    The caller repaints the view from ``TurnPlan.branched_at``.
    """
    branched_at = conversation.cut_after(original.parent)
    files = [replace(a, id=None) for a in original.attachments]
    user = conversation.add(ChatMessage("user", text, attachments=files))
    reply = _new_reply(conversation)
    return TurnPlan(conversation, reply, conversation.request_history(leave_out=(reply,)), user=user,
                    branched_at=branched_at)


def plan_continue(conversation: Conversation) -> TurnPlan | None:
    """Ask the model to carry on a partial reply; new text is appended to it."""
    reply = conversation.last_reply
    if reply is None or not reply.is_partial or conversation.messages[-1] is not reply:
        return None
    plan = TurnPlan(conversation, reply, conversation.request_history(), continuing=True,
                    previous_status=reply.status, previous_usage=reply.usage, previous_cost=reply.cost)
    reply.model = conversation.model
    reply.status = MessageStatus.STREAMING
    return plan


# ------------------------------------------------------------------ the turn


class ChatTurn:
    """Runs one ``TurnPlan`` against the API, saving as it goes; see the module docstring."""

    def __init__(self, plan: TurnPlan, client: PinataClient, *, persist: Persist, prices: PriceLookup,
                 max_tokens: int | None = None, temperature: float | None = None, top_p: float | None = None,
                 estimate_usage: UsageEstimate | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 checkpoint_seconds: float = CHECKPOINT_SECONDS, hints: Hints = TUI_HINTS) -> None:
        self.plan = plan
        self.client = client
        self.persist = persist
        self.prices = prices
        # The conversation's own settings (read now: a change applies from the next turn) over config's.
        options = request_options(plan.conversation.settings, max_tokens=max_tokens, temperature=temperature,
                                  top_p=top_p, extra=plan.extra)
        self.max_tokens, self.temperature, self.extra = options.max_tokens, options.temperature, options.extra
        self.estimate_usage = estimate_usage
        self.clock = clock
        self.checkpoint_seconds = checkpoint_seconds
        self.hints = hints
        self.tool_names: list[str] = []
        self.refused = False
        self.usage: Usage | None = None
        self.first_token_at: float | None = None
        self._received = False
        self._dirty = False
        self._sink: EventSink | None = None

    @property
    def reply(self) -> ChatMessage:
        return self.plan.reply

    async def _emit(self, event: TurnEvent) -> None:
        if self._sink is not None:
            result = self._sink(event)
            if result is not None:
                await result

    async def run(self, on_event: EventSink | None = None) -> TurnOutcome:
        """Run the turn to its end. Cancelling it (Esc, Ctrl-C) settles the reply as stopped, then re-raises."""
        self._sink = on_event
        plan, reply = self.plan, self.plan.reply
        if plan.user is not None:
            user = plan.user
            await self.persist(lambda store: store.save_message(plan.conversation, user))
            await self._emit(UserSaved(user))
        ticker = asyncio.create_task(self._checkpoint_while_streaming())
        try:
            try:
                await self._stream()
            finally:
                ticker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ticker
        except asyncio.CancelledError:
            await self._settle_stopped()
            raise
        except StreamInterrupted as exc:
            if not self._received:
                return await self._failed(exc)
            self.usage = self.usage or (exc.usage if isinstance(exc.usage, Usage) else None)
            if isinstance(exc, StreamFailed):
                reply.error = exc.message
                reply.finish_reason = reply.finish_reason or "error"
                return await self._settle(MessageStatus.FAILED, error=exc)
            return await self._settle(MessageStatus.INTERRUPTED, error=exc,
                                      notice=interrupted_notice(exc, self.hints))
        except PinataError as exc:
            return await self._failed(exc)
        status = ending_status(reply, refused=self.refused, tool_calls=bool(self.tool_names))
        return await self._settle(status)

    async def _stream(self) -> None:
        plan, reply = self.plan, self.plan.reply
        async for event in self.client.stream_chat(reply.model or plan.conversation.model, plan.history,
                                                   max_tokens=self.max_tokens, temperature=self.temperature,
                                                   extra=self.extra or None):
            if isinstance(event, TextDelta | RefusalDelta):
                self.refused = self.refused or isinstance(event, RefusalDelta)
                await self._arrived()
                reply.add_content(event.text)
                self._dirty = True
                await self._emit(ReplyText(event.text))
            elif isinstance(event, ReasoningDelta):
                await self._arrived()
                reply.add_reasoning(event.text)
                self._dirty = True
                await self._emit(ReasoningText(event.text))
            elif isinstance(event, ToolCallDelta):
                self.tool_names.append(event.name or "a tool")
            elif isinstance(event, Usage):
                self.usage = event
            elif isinstance(event, Retrying):
                await self._emit(RetryScheduled(event.attempt, event.max_attempts, event.delay,
                                                one_line(event.reason)))
            elif isinstance(event, Finished):
                reply.finish_reason = event.finish_reason

    async def _arrived(self) -> None:
        """The first text or reasoning: the reply gets its row; a replaced reply is discarded now."""
        if self._received:
            return
        self._received = True
        self.first_token_at = self.clock()
        plan, reply = self.plan, self.plan.reply
        old = plan.replaces
        if old is not None:
            plan.conversation.messages[:] = [m for m in plan.conversation.messages if m is not old]
            await self._emit(ReplyReplaced(old))
        if reply.id is None:
            await self.persist(lambda store: store.save_message(plan.conversation, reply))
            self._dirty = False
            await self._emit(ReplySaved(reply))

    async def _checkpoint_while_streaming(self) -> None:
        reply = self.plan.reply
        while True:
            await asyncio.sleep(self.checkpoint_seconds)
            if self._dirty and reply.id is not None:
                self._dirty = False
                await self.persist(lambda store: store.checkpoint(reply))
                await self._emit(Checkpointed(reply))

    # ------------------------------------------------------------ endings

    async def _price(self, usage: Usage) -> tuple[float | None, bool]:
        """The billed cost when the server sent one (no catalog lookup then), else the catalog's figure."""
        model = None if usage.cost is not None else await self.prices(self.reply.model or self.plan.conversation.model)
        return billed_or_computed_cost(usage, model)

    async def _record_usage(self) -> None:
        """Usage, cost and whether the cost is billed, computed or estimated (recorded even without text)."""
        plan, reply = self.plan, self.plan.reply
        usage = self.usage
        if usage is not None:
            cost, billed = await self._price(usage)
            estimate = False
        elif self.estimate_usage is not None and self._received:
            usage_estimate = self.estimate_usage(plan.conversation, reply)
            info = await self.prices(reply.model or plan.conversation.model) if usage_estimate else None
            cost = reply_cost(usage_estimate, info) if usage_estimate else None
            billed, estimate = False, cost is not None
        else:
            cost, billed, estimate = None, False, False
        if plan.continuing and plan.previous_usage is not None and usage is not None:
            usage = _add_usage(plan.previous_usage, usage)
        if plan.continuing and plan.previous_cost is not None:
            cost = plan.previous_cost + (cost or 0.0)
        if usage is not None:
            reply.usage = usage
        reply.cost = cost
        reply.cost_is_billed = billed and usage is not None
        reply.cost_is_estimate = estimate

    def _speed(self) -> tuple[float | None, int | None, bool]:
        usage = self.usage
        completion = usage.completion_tokens if usage is not None else None
        if completion is None or self.first_token_at is None or not completion:
            return None, completion, usage is not None
        elapsed = max(self.clock() - self.first_token_at, 1e-3)
        return completion / elapsed, completion, True

    async def _settle(self, status: MessageStatus, *, error: PinataError | None = None,
                      notice: str | None = None) -> TurnOutcome:
        plan, reply = self.plan, self.plan.reply
        await self._record_usage()
        # An imported reply continued here holds new spend now: all of it counts from then on.
        reply.imported = reply.imported and not (self._received or self.usage is not None)
        reply.status = status
        if self.first_token_at is not None:
            took = max(self.clock() - self.first_token_at, 1e-3)
            reply.elapsed = (reply.elapsed or 0.0) + took if plan.continuing else took
        if notice is None:
            notice = ending_notice(reply, max_tokens=self.max_tokens, tool_names=self.tool_names, hints=self.hints,
                                   own_limit=plan.conversation.settings.max_tokens is not None)
        await self.persist(lambda store: store.save_message(plan.conversation, reply))
        speed, completion, reported = self._speed()
        outcome = TurnOutcome(status, reply, plan.user, notice, error, speed, completion, reported)
        await self._emit(Settled(outcome))
        return outcome

    async def _settle_stopped(self) -> None:
        """Esc / Ctrl-C: keep what arrived, as stopped. Runs while the task is being cancelled."""
        if self._received or self.plan.continuing:
            await self._settle(MessageStatus.STOPPED)
        else:
            await self._failed(None)

    async def _failed(self, exc: PinataError | None) -> TurnOutcome:
        """Nothing arrived: drop the empty reply, give the prompt back (marked not sent), hide nothing."""
        plan, reply = self.plan, self.plan.reply
        if plan.continuing:
            reply.status = plan.previous_status or MessageStatus.INTERRUPTED
            await self.persist(lambda store: store.save_message(plan.conversation, reply))
        else:
            plan.conversation.forget(reply)
            user = plan.user
            if user is not None:
                user.status = MessageStatus.ERROR
                user.error = str(exc) if exc is not None else "Stopped before the reply began."
                await self.persist(lambda store: store.save_message(plan.conversation, user))
        notice = str(exc) if exc is not None else None
        outcome = TurnOutcome(MessageStatus.ERROR if exc is not None else MessageStatus.STOPPED,
                              reply if plan.continuing else None, plan.user, notice, exc)
        await self._emit(Settled(outcome))
        return outcome


def _add_usage(first: Usage, second: Usage) -> Usage:
    def add(a: int | None, b: int | None) -> int | None:
        return None if a is None and b is None else (a or 0) + (b or 0)

    cost = None if first.cost is None or second.cost is None else first.cost + second.cost
    return Usage(first.prompt_tokens + second.prompt_tokens, first.completion_tokens + second.completion_tokens,
                 first.total_tokens + second.total_tokens, add(first.cached_tokens, second.cached_tokens),
                 add(first.reasoning_tokens, second.reasoning_tokens),
                 add(first.cache_write_tokens, second.cache_write_tokens), cost)
