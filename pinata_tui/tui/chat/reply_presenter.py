"""Shows one chat turn in the chat screen's widgets: text and reasoning as they stream, retries,
and the ending (a notice, the status bar, the credits banner, the prompt given back).

The turn itself (saving, endings, cost) is ``chat.turn.ChatTurn``; this class only draws what it
reports. It belongs to a ``ChatScreen``, which runs it in its exclusive ``reply`` worker.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from rich.cells import cached_cell_len

from pinata_tui.api.errors import AuthError, InsufficientCredits, MissingCredential, RateLimited, RequestRejected
from pinata_tui.api.events import Usage
from pinata_tui.chat.endings import error_label, status_label
from pinata_tui.chat.image_refusal import image_refusal, tui_way_on
from pinata_tui.chat.turn import (
    ChatTurn,
    ReasoningText,
    ReplyReplaced,
    ReplyText,
    RetryScheduled,
    Settled,
    TurnEvent,
    TurnOutcome,
    TurnPlan,
)
from pinata_tui.conversation import ChatMessage, Conversation, MessageStatus
from pinata_tui.memory import trim_free_memory
from pinata_tui.tui.chat.assistant_message import AssistantMessage
from pinata_tui.tui.chat.message_block import MessageBlock
from pinata_tui.tui.chat.user_message import UserMessage
from pinata_tui.tui.textual_fixes import forget_drawn_lines

if TYPE_CHECKING:
    from pinata_tui.tui.chat.chat_screen import ChatScreen

YIELD_SECONDS = 1 / 30
"""The stream worker lets other tasks (drawing, keys) run at least this often."""


class ReplyPresenter:
    def __init__(self, screen: ChatScreen, plan: TurnPlan, block: AssistantMessage) -> None:
        self.screen = screen
        self.plan = plan
        self.block = block
        self.status = screen.status  # looked up once: ``show`` runs for every piece of a reply
        self._last_yield = time.monotonic()
        self._shown_streaming = False
        """The status bar says "streaming" (set here: checking its reactive per piece costs)."""

    async def run(self) -> None:
        """Run the turn to its end (or until the worker is cancelled: it settles as stopped first)."""
        screen, status = self.screen, self.screen.status
        services = screen.services
        status.connection, status.connection_detail = "waiting", ""
        settings = services.settings
        try:  # (the client too: a cancel while it is made must still end the streaming state)
            turn = ChatTurn(self.plan, await services.client(), persist=services.persist,
                            prices=services.model_prices, max_tokens=settings.max_tokens, temperature=settings.temperature,
                            top_p=settings.top_p, estimate_usage=self._estimate_usage)
            await turn.run(self.show)
        finally:
            status.stop_countdown()
            screen.set_streaming(False)
            self._forget_the_turn()
            screen.call_after_refresh(settle_memory, screen)

    def _forget_the_turn(self) -> None:
        """Let go of the turn's messages and block once it has run.

        The finished reply worker (which holds this presenter) outlives the turn: asyncio keeps a
        cancelled timer handle (an HTTP read timeout, 60 s by default) until its time comes, and
        each handle holds a copy of the worker's context, whose ``active_worker`` is the worker.
        The reply's message holds its parents, so the whole conversation stayed alive that long
        after it was closed (#17).
        """
        del self.plan, self.block

    async def show(self, event: TurnEvent) -> None:
        screen, status, block = self.screen, self.status, self.block
        if isinstance(event, (ReplyText, ReasoningText)):
            if not self._shown_streaming:
                self._shown_streaming = True
                status.stop_countdown()
                status.connection, status.connection_detail = "streaming", ""
            status.stream_active()
            if isinstance(event, ReplyText):
                block.append_text(event.text)
            else:
                block.append_reasoning(event.text)
            if time.monotonic() - self._last_yield >= YIELD_SECONDS:
                # A fast burst arrives without real waits: step aside (a real sleep, so the several
                # hops from new text to a drawn frame all get to run) and frames keep coming.
                await asyncio.sleep(0.002)
                self._last_yield = time.monotonic()
        elif isinstance(event, RetryScheduled):
            self._shown_streaming = False
            status.count_down(event.delay, f"attempt {event.attempt + 1}/{event.max_attempts}")
            # The first sentence of the (one-line, displayable) reason: cut at ". ", so a URL's dots stay.
            block.set_waiting_note(event.reason.split(". ")[0].rstrip(".") + "; retrying")
        elif isinstance(event, ReplyReplaced):
            await screen.view.remove_message(event.old)
        elif isinstance(event, Settled):  # also when stopped: the turn settles, then re-raises
            status.stop_countdown()
            status.stream_ended()
            if screen.is_attached:  # not while the app closes
                await self._show_outcome(event.outcome)
            screen.set_streaming(False)  # last: "not streaming" means everything is saved and shown

    def _estimate_usage(self, conversation: Conversation, reply: ChatMessage) -> Usage | None:
        """Tokens counted here when the server sent no usage (an estimate, shown with ~)."""
        meter = self.screen.context
        if not meter.ready or not reply.content:
            return None
        meter.count_message(reply, conversation.model)
        prompt_tokens = meter.prompt_tokens_for(conversation, reply)
        return Usage(prompt_tokens, reply.tokens or 0, prompt_tokens + (reply.tokens or 0))

    async def _show_outcome(self, outcome: TurnOutcome) -> None:
        screen, status = self.screen, self.screen.status
        if outcome.reply is None:  # nothing arrived: the empty reply goes, the prompt comes back
            await self._failed(outcome)
            return
        await self.block.settle(outcome.status)
        screen.context.count_message(outcome.reply, screen.conversation.model)
        if outcome.tokens_per_second is not None and outcome.completion_tokens:
            status.last_reply = f"{outcome.completion_tokens:,} tok · {outcome.tokens_per_second:,.0f} tok/s"
        screen.update_totals()
        if outcome.status == MessageStatus.STOPPED:
            status.connection, status.connection_detail = "idle", "(stopped)"
        elif outcome.status == MessageStatus.COMPLETE:
            status.connection, status.connection_detail = "idle", ""
            screen.hide_banner()
        else:
            label = error_label(outcome.error) if outcome.error else status_label(outcome.status)
            status.connection = "error" if outcome.error else "idle"
            status.connection_detail = f"({label})"
        if outcome.reply.usage is not None:
            screen.post_message(screen.BalanceStale())
        if outcome.notice:
            kind = "error" if outcome.error or outcome.status == MessageStatus.FAILED else "warning"
            await screen.view.add_notice(outcome.notice, kind=kind)
        screen.refresh_bindings()

    async def _failed(self, outcome: TurnOutcome) -> None:
        """Nothing (new) arrived: say why in the conversation and give the prompt back."""
        screen, plan, exc, status = self.screen, self.plan, outcome.error, self.screen.status
        if plan.continuing:
            await self.block.settle(plan.reply.status)
        elif plan.replaces is not None:
            # An alternative that got nothing: back to the reply it was to replace, and what followed it.
            await self.block.remove()
            await screen.view.show_branch_from(screen.conversation.select(plan.replaces))
        else:
            await self.block.remove()
            user = plan.user
            user_block = screen.view.block_for(user) if user is not None else None
            if user is not None and isinstance(user_block, UserMessage):
                user_block.mark_not_sent()
                screen.prompt_not_sent(user)
        screen.update_totals()
        if exc is None:  # stopped before anything arrived
            status.connection, status.connection_detail = "idle", "(stopped)"
            return
        status.connection, status.connection_detail = "error", f"({error_label(exc)})"
        if isinstance(exc, InsufficientCredits):  # the banner says it all: no notice in the pane as well
            screen.banner.show_out_of_credits(exc.available_microcredits)
            screen.banner.balance = screen.balance
            screen.post_message(screen.BalanceStale())
            return
        refusal = image_refusal(exc, plan.history, plan.reply.model or screen.conversation.model,
                                way_on=tui_way_on(plan))
        if refusal is not None:  # a model that takes no images: another model is the way on
            await screen.view.add_notice(refusal, kind="error")
            return
        hint = (" Your prompt is back in the box: press Enter (or Ctrl+R) to send it again."
                if plan.user is not None else "")
        if isinstance(exc, RequestRejected) and (exc.status == 404 or "model" in str(exc).lower()):
            # The same request can only fail again: another model is the way on.
            hint = " Press Ctrl+L to choose another model; your prompt is back in the box to send again."
        elif isinstance(exc, (AuthError, MissingCredential)):
            hint = (" In the app: Ctrl+P → 'Key: set inference key…' to paste a key, or 'Key: enable' (with "
                    "your JWT) to mint one." + (" Your prompt is back in the box." if plan.user else ""))
        await screen.view.add_notice(f"{exc}{hint}", kind="warning" if isinstance(exc, RateLimited) else "error")


def settle_memory(screen: ChatScreen) -> None:
    """Once a reply has settled and been drawn: let go of the lines drawn for messages now off the
    screen, then give the heaps' free pages back (the reply's short-lived allocations left holes).

    Textual keeps every line it has drawn of a widget (its ``StylesCache``) until that widget changes:
    in a long session, every line of the window's messages that scrolled past (about 1 MB, #17).
    A message scrolled back to is drawn again from its rendered lines, which it keeps.

    Rich remembers the width of every string under 512 characters it has measured, 4,096 of them
    (``rich.cells.cached_cell_len``): each reply's lines and words, and each status bar text drawn
    while it streamed, all different. Filled, that is about 1 MB, kept for good: a long session's
    memory grew by it over its first 50-70 replies. Emptied here, it holds one reply's strings at most.
    """
    view = screen.view
    if view.is_mounted:
        shown = view.region
        for block in view.query(MessageBlock):
            if not block.region.overlaps(shown):
                forget_drawn_lines(block)
    cached_cell_len.cache_clear()
    trim_free_memory()
