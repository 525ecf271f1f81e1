"""The chat screen: where a prompt becomes a streamed reply.

Path of one message: ``PromptInput.Submitted`` → a ``TurnPlan`` (``chat.turn``) adds the user's
message and an empty reply → ``stream_reply`` (an exclusive async worker) runs the ``ChatTurn``,
which saves as it goes, and shows its events (reasoning, text, retries) in an ``AssistantMessage``
→ the reply settles with its ending (complete, cut at the limit, filtered, failed, refused…) and a
one-line notice, or the failure is shown and the prompt goes back in the box.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import subprocess
import tempfile
import time
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static, TextArea
from textual.worker import WorkerCancelled, WorkerFailed

from pinata_tui.api.errors import InsufficientCredits, PinataError, RateLimited
from pinata_tui.api.events import Usage
from pinata_tui.api.types import ModelInfo
from pinata_tui.catalog import close_matches
from pinata_tui.chat.endings import error_label, status_label
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
    plan_continue,
    plan_regenerate,
    plan_resend,
    plan_send,
)
from pinata_tui.conversation import ChatMessage, Conversation, MessageStatus
from pinata_tui.tui.chat.conversation_view import ConversationView
from pinata_tui.tui.chat.credits_banner import CreditsBanner
from pinata_tui.tui.common.key_hints import KeyHints
from pinata_tui.tui.chat.message_block import CodeBlockChoiceRequested, CopyRequested
from pinata_tui.tui.chat.model_switch_marker import ModelSwitchMarker
from pinata_tui.tui.chat.user_message import UserMessage
from pinata_tui.tui.chat.prompt_input import PromptInput
from pinata_tui.tui.chat.status_bar import StatusBar
from pinata_tui.tui.chat.assistant_message import AssistantMessage

if TYPE_CHECKING:
    from pinata_tui.tui.app import PinataChatApp

YIELD_SECONDS = 1 / 30
"""The stream worker lets other tasks (drawing, keys) run at least this often."""

INLINE_COUNT_LIMIT = 4000
"""Drafts longer than this (characters) are counted in a thread, not per keystroke on the loop."""


class ChatScreen(Screen[None]):
    BINDINGS = [
        Binding("escape", "stop", "Stop", id="chat.stop"),
        Binding("ctrl+r", "retry", "Retry", id="chat.retry"),
        Binding("ctrl+g", "continue_reply", "Continue", id="chat.continue"),
        Binding("ctrl+t", "open_editor", "Editor", id="chat.editor", show=False),
        Binding("ctrl+o", "copy_last_reply", "Copy reply", id="chat.copy_last", show=False),
        Binding("ctrl+n", "new_conversation", "New chat", id="chat.new"),
        Binding("ctrl+s", "export", "Export", id="chat.export", show=False),
        Binding("ctrl+end", "jump_to_end", "Jump to end", show=False, id="chat.end"),
        Binding("end", "jump_to_end", "Jump to end", show=False, id="chat.end_reading"),
    ]

    app: "PinataChatApp"

    def __init__(self, conversation: Conversation) -> None:
        super().__init__()
        self.conversation = conversation
        self.streaming = False
        self._draft_tokens = 0
        self._system_tokens = 0
        """The system prompt's token count, counted with the messages (not per keystroke)."""
        self._retry_deadline: float | None = None
        self._retry_label = ""
        self._failed_user: ChatMessage | None = None
        """A prompt whose request failed: Enter or Ctrl+R with the same text sends it again, as itself."""
        self.ready = asyncio.Event()
        """Set once composed and mounted: the app waits for it before showing a saved conversation."""

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        demo = Static("DEMO MODE — replies come from a local stand-in server; no account, no real model. "
                      "Ctrl+P → 'Demo' to try failures (out of credits, rate limit, cut stream).",
                      id="demo-banner")
        demo.display = self.app.demo
        yield demo
        banner = CreditsBanner(id="credits-banner")
        banner.display = False
        yield banner
        yield ConversationView(id="conversation")
        more = Static("↓ more below — press End (or Ctrl+End) to follow", id="more-below")
        more.display = False
        yield more
        yield PromptInput(id="prompt")
        yield StatusBar(id="status-bar")
        yield KeyHints()

    @property
    def view(self) -> ConversationView:
        return self.query_one(ConversationView)

    @property
    def prompt(self) -> PromptInput:
        return self.query_one(PromptInput)

    @property
    def status(self) -> StatusBar:
        return self.query_one(StatusBar)

    @property
    def banner(self) -> CreditsBanner:
        return self.query_one(CreditsBanner)

    async def on_mount(self) -> None:
        self.status.model = self.conversation.model
        await self.view.load(self.conversation)
        self.watch(self.app, "catalog", self._catalog_changed, init=False)
        self.watch(self.app, "tokens_ready", self._tokens_ready, init=False)
        self.watch(self.app, "balance", self._balance_changed)
        self.watch(self.view, "following", self._following_changed)
        if self.app.tokens_ready:
            self._recount_all()
        self.prompt.focus()
        self.refresh_bindings()
        self.ready.set()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return self.streaming
        if action == "continue_reply":
            reply = self.conversation.last_reply
            return (not self.streaming and reply is not None and reply.is_partial
                    and self.conversation.messages[-1] is reply)
        if action == "retry":
            return (not self.streaming and (self._failed_user is not None
                                            or self.conversation.last_reply is not None)) or None
        if action == "jump_to_end":
            return not self.view.following or None
        return True

    # -------------------------------------------------------------- send

    @on(PromptInput.Submitted)
    async def _submitted(self, event: PromptInput.Submitted) -> None:
        event.stop()
        if self.streaming:
            self.notify("A reply is still streaming: press Esc to stop it first, or wait.", severity="warning")
            return
        text = event.text
        self.prompt.remember(text)
        self.prompt.load_text("")
        await self.send(text)

    async def send(self, text: str) -> None:
        """Add the user's message, then stream a reply to the whole history.

        A prompt that failed and is sent again unchanged is the same message, not a second one.
        """
        failed = self._failed_user
        self._failed_user = None
        if failed is not None and failed.content == text and failed in self.conversation.messages:
            block = self.view.block_for(failed)
            plan = plan_resend(self.conversation, failed)
            if isinstance(block, UserMessage):
                block.mark_sent()
        else:
            plan = plan_send(self.conversation, text)
            assert plan.user is not None
            self._count(plan.user)
            await self.view.add_user(plan.user)
        await self._start_turn(plan)

    async def _start_turn(self, plan: TurnPlan) -> None:
        if plan.continuing:
            block = self.view.block_for(plan.reply)
            if not isinstance(block, AssistantMessage):
                return
            block.refresh_header()
        else:
            block = await self.view.add_reply(plan.reply)
        self.view.jump_to_end()
        self._set_streaming(True)
        self.stream_reply(plan, block)

    @work(exclusive=True, group="reply")
    async def stream_reply(self, plan: TurnPlan, block: AssistantMessage) -> None:
        """Run one chat turn (``chat.turn.ChatTurn``) and show its events as they come."""
        settings = self.app.settings
        status = self.status
        status.connection, status.connection_detail = "waiting", ""
        last_yield = time.monotonic()

        async def show(event: TurnEvent) -> None:
            nonlocal last_yield
            if isinstance(event, (ReplyText, ReasoningText)):
                if status.connection != "streaming":
                    self._stop_retry_countdown()
                    status.connection, status.connection_detail = "streaming", ""
                if isinstance(event, ReplyText):
                    block.append_text(event.text)
                else:
                    block.append_reasoning(event.text)
                if time.monotonic() - last_yield >= YIELD_SECONDS:
                    # A fast burst arrives without real waits: step aside (a real sleep, so the several
                    # hops from new text to a drawn frame all get to run) and frames keep coming.
                    await asyncio.sleep(0.002)
                    last_yield = time.monotonic()
            elif isinstance(event, RetryScheduled):
                self._start_retry_countdown(event, block)
            elif isinstance(event, ReplyReplaced):
                await self.view.remove_message(event.old)
            elif isinstance(event, Settled):  # also when stopped: the turn settles, then re-raises
                self._stop_retry_countdown()
                self._set_streaming(False)
                await self._show_outcome(plan, block, event.outcome)

        try:
            client = await self.app.get_client()
        except PinataError as exc:  # pragma: no cover - building a client does not fail today
            self.notify(str(exc), severity="error", markup=False)
            self._set_streaming(False)
            return
        turn = ChatTurn(plan, client, persist=self.app.persist, prices=self._prices,
                        max_tokens=settings.max_tokens, temperature=settings.temperature,
                        estimate_usage=self._estimate_usage)
        try:
            await turn.run(show)
        finally:
            self._stop_retry_countdown()
            self._set_streaming(False)

    async def _prices(self, model_id: str) -> ModelInfo | None:
        return self.app.model_info(model_id)

    def _estimate_usage(self, conversation: Conversation, reply: ChatMessage) -> Usage | None:
        """Tokens counted here when the server sent no usage (an estimate, shown with ~)."""
        if not self.app.tokens_ready or not reply.content:
            return None
        self._count(reply)
        prompt_tokens = self._system_tokens + sum(m.tokens or 0 for m in conversation.messages if m is not reply)
        return Usage(prompt_tokens, reply.tokens or 0, prompt_tokens + (reply.tokens or 0))

    def _settled(self, plan: TurnPlan, block: AssistantMessage, outcome: TurnOutcome) -> None:
        """Speed and totals once a reply has settled."""
        self._count(plan.reply)
        if outcome.tokens_per_second is not None and outcome.completion_tokens:
            self.status.last_reply = (f"{outcome.completion_tokens:,} tok · "
                                      f"{outcome.tokens_per_second:,.0f} tok/s")
        self._update_totals()

    async def _show_outcome(self, plan: TurnPlan, block: AssistantMessage, outcome: TurnOutcome) -> None:
        status = self.status
        if outcome.reply is None:  # nothing arrived: the empty reply goes, the prompt comes back
            await self._failed(plan, block, outcome)
            return
        await block.settle(outcome.status)
        self._settled(plan, block, outcome)
        if outcome.status == MessageStatus.STOPPED:
            status.connection, status.connection_detail = "idle", "(stopped)"
        elif outcome.status == MessageStatus.COMPLETE:
            status.connection, status.connection_detail = "idle", ""
            self.banner.hide()
            self.app.refresh_balance()
        else:
            label = error_label(outcome.error) if outcome.error else status_label(outcome.status)
            status.connection = "error" if outcome.error else "idle"
            status.connection_detail = f"({label})"
        if outcome.notice:
            kind = "error" if outcome.error or outcome.status == MessageStatus.FAILED else "warning"
            await self.view.add_notice(outcome.notice, kind=kind)
        self.refresh_bindings()

    async def _failed(self, plan: TurnPlan, block: AssistantMessage, outcome: TurnOutcome) -> None:
        """Nothing (new) arrived: say why in the conversation and give the prompt back."""
        exc = outcome.error
        status = self.status
        if plan.continuing:
            await block.settle(plan.reply.status)
        else:
            await block.remove()
            user = plan.user
            user_block = self.view.block_for(user) if user is not None else None
            if user is not None and isinstance(user_block, UserMessage):
                user_block.mark_not_sent()
                self._failed_user = user
                self.prompt.restore(user.content)
        if exc is None:  # stopped before anything arrived
            status.connection, status.connection_detail = "idle", "(stopped)"
            self._update_totals()
            return
        status.connection, status.connection_detail = "error", f"({error_label(exc)})"
        if isinstance(exc, InsufficientCredits):
            self.banner.show_out_of_credits(exc.available_microcredits)
            self.banner.balance = self.app.balance
            self.app.refresh_balance()
            await self.view.add_notice(str(exc), kind="warning")
            return
        hint = (" Your prompt is back in the box: press Enter (or Ctrl+R) to send it again."
                if plan.user is not None else "")
        kind = "warning" if isinstance(exc, RateLimited) else "error"
        await self.view.add_notice(f"{exc}{hint}", kind=kind)
        self._update_totals()

    def _set_streaming(self, streaming: bool) -> None:
        self.streaming = streaming
        self.refresh_bindings()

    # ------------------------------------------------------ retry countdown

    def _start_retry_countdown(self, event: RetryScheduled, block: AssistantMessage) -> None:
        self._retry_deadline = time.monotonic() + event.delay
        self._retry_label = f"attempt {event.attempt + 1}/{event.max_attempts}"
        # The first sentence of the (already one-line, displayable) reason: cut at ". ", so a URL's dots stay.
        reason = event.reason.split(". ")[0].rstrip(".")
        block.set_waiting_note(f"{reason}; retrying")
        self._tick_retry()
        if not hasattr(self, "_retry_timer"):
            self._retry_timer = self.set_interval(0.25, self._tick_retry)
        self._retry_timer.resume()

    def _tick_retry(self) -> None:
        if self._retry_deadline is None:
            return
        left = max(0.0, self._retry_deadline - time.monotonic())
        self.status.connection = "retrying"
        self.status.connection_detail = f"in {left:.0f} s ({self._retry_label})"

    def _stop_retry_countdown(self) -> None:
        self._retry_deadline = None
        if hasattr(self, "_retry_timer"):
            self._retry_timer.pause()

    # ------------------------------------------------------------- actions

    def action_stop(self) -> None:
        if self.streaming:
            self.workers.cancel_group(self, "reply")

    async def action_retry(self) -> None:
        """Resend a prompt that was not sent, or regenerate the last reply (kept until the new one has text)."""
        if self.streaming:
            return
        failed = self._failed_user
        if failed is not None:
            if self.prompt.text == failed.content:
                self.prompt.load_text("")
            await self.send(failed.content)
            return
        await self.view.show_latest()
        plan = plan_regenerate(self.conversation)
        if plan is None:
            self.notify("Nothing to retry: the last message is not a reply.", severity="warning")
            return
        await self._start_turn(plan)

    async def action_continue_reply(self) -> None:
        if self.streaming:
            return
        await self.view.show_latest()
        plan = plan_continue(self.conversation)
        if plan is not None:
            await self._start_turn(plan)

    def action_jump_to_end(self) -> None:
        self.view.jump_to_end()

    def action_copy_last_reply(self) -> None:
        reply = self.conversation.last_reply
        if reply is None or not reply.content:
            self.notify("No reply to copy yet.", severity="warning")
            return
        self.app.copy_text(reply.content, "reply")

    async def stop_streaming(self) -> None:
        """Stop the reply (it is saved as stopped) and wait until it has settled."""
        for worker in [w for w in self.workers if w.group == "reply" and w.node is self]:
            worker.cancel()
            with contextlib.suppress(WorkerCancelled, WorkerFailed):
                await worker.wait()

    async def action_new_conversation(self) -> None:
        await self.stop_streaming()
        self.conversation = Conversation(model=self.conversation.model,
                                         system_prompt=self.conversation.system_prompt)
        self._failed_user = None
        await self.view.load(self.conversation)
        self.status.last_reply = ""
        self._update_totals()

    def show_demo_banner(self) -> None:
        self.query_one("#demo-banner").display = True

    async def open_conversation(self, conversation: Conversation) -> None:
        """Show a saved conversation; the next reply continues it with its last model."""
        await self.stop_streaming()
        self.conversation = conversation
        self._failed_user = None
        self.status.model = conversation.model
        self.status.last_reply = ""
        await self.view.load(conversation)
        self._recount_all()
        self._update_totals()
        self.refresh_bindings()

    def action_export(self, fmt: str = "md") -> None:
        if not self.conversation.messages:
            self.notify("Nothing to export yet.", severity="warning")
            return
        self._export(fmt)

    @work(thread=True, group="export")
    def _export(self, fmt: str) -> None:
        from pinata_tui.export import write_export

        settings = self.app.settings
        try:
            path = write_export(self.conversation, fmt, fallback_dir=self.app.paths.data_dir / "exports",
                                secrets=(settings.llm_key, settings.jwt))
        except OSError as exc:
            self.app.call_from_thread(self.notify, f"Export failed: {exc}", severity="error", timeout=10)
            return
        self.app.call_from_thread(self.notify, f"Exported to {path}", timeout=10)
        self.app.call_from_thread(self.view.add_notice, f"Exported this conversation to {path}")

    def action_open_editor(self) -> None:
        """Compose the prompt in $VISUAL / $EDITOR; what is saved replaces the prompt box."""
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        with tempfile.NamedTemporaryFile("w+", suffix=".md", prefix="pinata-prompt-", delete=False,
                                         encoding="utf-8") as handle:
            handle.write(self.prompt.text)
            path = handle.name
        try:
            with contextlib.ExitStack() as terminal:
                try:
                    terminal.enter_context(self.app.suspend())
                except SuspendNotSupported:  # headless (tests): no terminal to hand over
                    pass
                result = subprocess.run([*shlex.split(editor), path], check=False)
            if result.returncode != 0:
                self.notify(f"The editor exited with status {result.returncode}; the prompt is unchanged.",
                            severity="warning")
                return
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
            self.prompt.load_text(text.rstrip("\n"))
            self.prompt.move_cursor(self.prompt.document.end)
        except OSError as exc:
            self.notify(f"Could not run the editor {editor!r}: {exc}", severity="error")
        finally:
            try:
                os.unlink(path)
            except OSError:
                pass
        self.prompt.focus()

    async def switch_model(self, model_id: str) -> None:
        """The next reply uses ``model_id``; the whole history goes to it."""
        if model_id == self.conversation.model:
            return
        self.conversation.model = model_id
        self.status.model = model_id
        if self.conversation.messages:
            await self.view.add_block(ModelSwitchMarker(model_id))
        self.app.remember_model(model_id)
        conversation = self.conversation
        await self.app.persist(lambda store: store.set_model(conversation))
        self._recount_all()

    # ------------------------------------------------------------- events

    @on(CreditsBanner.ResendRequested)
    async def _resend_from_banner(self) -> None:
        await self.action_retry()

    @on(CreditsBanner.Dismissed)
    def _banner_dismissed(self) -> None:
        self.prompt.focus()

    @on(CopyRequested)
    def _copy(self, event: CopyRequested) -> None:
        self.app.copy_text(event.text, event.what)

    @on(CodeBlockChoiceRequested)
    def _choose_code_block(self, event: CodeBlockChoiceRequested) -> None:
        def chosen(code: str | None) -> None:
            if code is not None:
                self.app.copy_text(code, "code block")

        from pinata_tui.tui.chat.code_block_picker import CodeBlockPicker

        self.app.push_screen(CodeBlockPicker(event.blocks), chosen)

    @on(TextArea.Changed, "#prompt")
    def _draft_changed(self, event: TextArea.Changed) -> None:
        if not self.app.tokens_ready:
            return
        text = event.text_area.text
        if len(text) <= INLINE_COUNT_LIMIT:
            self._draft_tokens = self.app.token_counter.count(text, self.conversation.model)
            self._update_totals()
        else:
            self._count_draft_in_thread(text)

    @work(thread=True, exclusive=True, group="draft-count")
    def _count_draft_in_thread(self, text: str) -> None:
        tokens = self.app.token_counter.count(text, self.conversation.model)
        self.app.call_from_thread(self._set_draft_tokens, tokens)

    def _set_draft_tokens(self, tokens: int) -> None:
        """A count from a thread. It may land while the app closes, after the status bar has gone."""
        self._draft_tokens = tokens
        if self.query(StatusBar):
            self._update_totals()

    def _following_changed(self, following: bool) -> None:
        self.query_one("#more-below").display = not following and self.streaming
        self.refresh_bindings()

    def on_worker_state_changed(self) -> None:
        if not self.streaming:
            self.query_one("#more-below").display = False

    def _balance_changed(self, balance: float | None) -> None:
        self.status.balance = balance
        if self.banner.display:
            self.banner.balance = balance

    def _catalog_changed(self) -> None:
        self._check_model_known()

    def _check_model_known(self) -> None:
        catalog = self.app.catalog
        model = self.conversation.model
        if catalog and not any(m.model_id == model for m in catalog):
            suggestions = close_matches(model, catalog)
            maybe = f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
            self.run_worker(self.view.add_notice(
                f"Unknown model {model!r}: it is not in Pinata's catalog.{maybe} Press Ctrl+L to choose one.",
                kind="warning"), group="notices")

    # -------------------------------------------------------------- tokens

    def _tokens_ready(self, ready: bool) -> None:
        if ready:
            self._recount_all()

    def _count(self, message: ChatMessage) -> None:
        if self.app.tokens_ready:
            message.tokens = self.app.token_counter.count_message(message.content, self.conversation.model)

    def _recount_all(self) -> None:
        """After a model switch (another encoding) or once the tokenizer loads: off the event loop."""
        self._recount_in_thread(self.prompt.text)  # the widget is read here, not in the thread

    @work(thread=True, exclusive=True, group="recount")
    def _recount_in_thread(self, draft_text: str) -> None:
        counter = self.app.token_counter
        if not counter.loaded:
            return  # the tokenizer-ready watcher recounts when it has loaded
        model = self.conversation.model
        for message in list(self.conversation.messages):
            message.tokens = counter.count_message(message.content, model)
        system = self.conversation.system_prompt
        self._system_tokens = counter.count_message(system, model) if system else 0
        draft = counter.count(draft_text, model)
        self.app.call_from_thread(self._set_draft_tokens, draft)

    def _update_totals(self) -> None:
        status = self.status
        if self.app.tokens_ready:
            in_context = sum(m.tokens or 0 for m in self.conversation.messages
                             if m.status != MessageStatus.ERROR)
            status.context_tokens = self._system_tokens + in_context + self._draft_tokens
            status.tokens_are_estimate = not self.app.token_counter.choice_for(self.conversation.model).exact
        status.cost = self.conversation.total_cost
        status.cost_is_estimate = self.conversation.cost_is_estimate
