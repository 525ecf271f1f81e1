"""The chat screen: where a prompt becomes a streamed reply.

Path of one message: ``PromptInput.Submitted`` → the user's message joins the conversation
→ ``stream_reply`` (an exclusive async worker) streams deltas into an ``AssistantMessage``
→ the reply settles as complete / stopped / interrupted, or the failure is shown in the
conversation (and the prompt goes back in the box when nothing was sent).
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

from pinata_tui.api.errors import (
    APIStatusError,
    AuthError,
    InsufficientCredits,
    MissingCredential,
    NetworkError,
    PinataError,
    RateLimited,
    StreamInterrupted,
)
from pinata_tui.api.events import Finished, Retrying, TextDelta, Usage
from pinata_tui.catalog import close_matches
from pinata_tui.conversation import ChatMessage, Conversation, MessageStatus
from pinata_tui.pricing import reply_cost
from pinata_tui.tui.widgets.conversation_view import ConversationView
from pinata_tui.tui.widgets.credits_banner import CreditsBanner
from pinata_tui.tui.widgets.key_hints import KeyHints
from pinata_tui.tui.widgets.message_block import (
    CodeBlockChoiceRequested,
    CopyRequested,
    ModelSwitchMarker,
    UserMessage,
)
from pinata_tui.tui.widgets.prompt_input import PromptInput
from pinata_tui.tui.widgets.status_bar import StatusBar
from pinata_tui.tui.widgets.streaming_reply import AssistantMessage

if TYPE_CHECKING:
    from pinata_tui.tui.app import PinataChatApp

YIELD_SECONDS = 1 / 30
"""The stream worker lets other tasks (drawing, keys) run at least this often."""

CHECKPOINT_SECONDS = 1.0
"""A streaming reply is saved at least this often, so a crash loses at most this much text."""

INLINE_COUNT_LIMIT = 4000
"""Drafts longer than this (characters) are counted in a thread, not per keystroke on the loop."""


def error_label(exc: PinataError) -> str:
    """A couple of words for the status bar; the full message goes in the conversation."""
    if isinstance(exc, InsufficientCredits):
        return "out of credits"
    if isinstance(exc, (AuthError, MissingCredential)):
        return "key rejected" if isinstance(exc, AuthError) else "no key"
    if isinstance(exc, RateLimited):
        return "rate limited"
    if isinstance(exc, APIStatusError):
        return f"HTTP {exc.status}"
    if isinstance(exc, NetworkError):
        return "offline"
    return "failed"


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
        self._failed_prompt: str | None = None
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
            return (not self.streaming and (self._failed_prompt is not None
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
        """Add the user's message, then stream a reply to the whole history."""
        self._failed_prompt = None
        conversation = self.conversation
        user = conversation.add(ChatMessage("user", text))
        self._count(user)
        user_block = await self.view.add_user(user)
        await self.app.persist(lambda store: store.save_message(conversation, user))  # before sending
        await self._start_reply(user_block=user_block)

    async def _start_reply(self, *, user_block: UserMessage | None, continuing: AssistantMessage | None = None) -> None:
        if continuing is None:
            model = self.conversation.model
            reply = self.conversation.add(ChatMessage("assistant", "", model=model, status=MessageStatus.STREAMING))
            block = await self.view.add_reply(reply)
            history = self.conversation.request_history()
        else:
            block = continuing
            block.message.status = MessageStatus.STREAMING
            block.refresh_header()
            # The partial reply goes back as the start of the answer, for the model to carry on;
            # new text is appended to what is already on screen.
            history = self.conversation.request_history()
        self.view.jump_to_end()
        self._set_streaming(True)
        self.stream_reply(block, history, user_block)

    @work(exclusive=True, group="reply")
    async def stream_reply(self, block: AssistantMessage, history: list[dict[str, str]],
                           user_block: UserMessage | None) -> None:
        message = block.message
        conversation = self.conversation
        settings = self.app.settings
        model = conversation.model
        status = self.status
        last_checkpoint = last_yield = time.monotonic()
        status.connection, status.connection_detail = "waiting", ""
        first_delta: float | None = None
        usage: Usage | None = None
        try:
            client = await self.app.get_client()
            async for event in client.stream_chat(model, history, max_tokens=settings.max_tokens,
                                                   temperature=settings.temperature):
                if time.monotonic() - last_yield >= YIELD_SECONDS:
                    # A fast burst arrives without real waits: step aside (a real sleep, so the several
                    # hops from new text to a drawn frame all get to run) and frames keep coming.
                    await asyncio.sleep(0.002)
                    last_yield = time.monotonic()
                if isinstance(event, TextDelta):
                    if first_delta is None:
                        first_delta = time.monotonic()
                        self._stop_retry_countdown()
                        status.connection = "streaming"
                    block.append_text(event.text)
                    if message.id is None:  # the reply's row exists from its first text on
                        await self.app.persist(lambda store: store.save_message(conversation, message))
                        last_checkpoint = time.monotonic()
                    elif time.monotonic() - last_checkpoint >= CHECKPOINT_SECONDS:
                        await self.app.persist(lambda store: store.checkpoint(message))
                        last_checkpoint = time.monotonic()
                elif isinstance(event, Usage):
                    usage = event
                elif isinstance(event, Retrying):
                    self._start_retry_countdown(event, block)
                elif isinstance(event, Finished):
                    pass
        except asyncio.CancelledError:
            await self._settle(conversation, block, MessageStatus.STOPPED, usage, first_delta)
            status.connection, status.connection_detail = "idle", "(stopped)"
            raise
        except StreamInterrupted as exc:
            await self._settle(conversation, block, MessageStatus.INTERRUPTED, usage or exc.usage,  # type: ignore[arg-type]
                               first_delta)
            status.connection, status.connection_detail = "error", "(interrupted)"
            await self.view.add_notice(
                f"{exc} The partial reply is kept. Ctrl+R retries; Ctrl+G asks the model to continue.",
                kind="error")
        except PinataError as exc:
            await self._failed(conversation, block, user_block, exc)
        else:
            await self._settle(conversation, block, MessageStatus.COMPLETE, usage, first_delta)
            status.connection, status.connection_detail = "idle", ""
            self.banner.hide()
            self.app.refresh_balance()
        finally:
            self._stop_retry_countdown()
            self._set_streaming(False)

    async def _settle(self, conversation: Conversation, block: AssistantMessage, state: MessageStatus,
                      usage: Usage | None, first_delta: float | None) -> None:
        """Record usage, cost and speed, save, and render the reply's final form once."""
        message = block.message
        if usage is not None:
            message.usage = usage
        self._count(message)
        model_info = self.app.model_info(message.model or conversation.model)
        if message.usage is not None:
            message.cost = reply_cost(message.usage, model_info)
            message.cost_is_estimate = False
        elif message.content and model_info is not None and self.app.tokens_ready:
            prompt_tokens = sum(m.tokens or 0 for m in conversation.messages if m is not message)
            estimate = Usage(prompt_tokens, message.tokens or 0, prompt_tokens + (message.tokens or 0))
            message.cost = reply_cost(estimate, model_info)
            message.cost_is_estimate = True
        completion = message.usage.completion_tokens if message.usage else message.tokens
        if first_delta is not None and completion:
            elapsed = max(time.monotonic() - first_delta, 1e-3)
            approx = "" if message.usage else "~"
            self.status.last_reply = f"{approx}{completion:,} tok · {completion / elapsed:,.0f} tok/s"
        message.status = state
        if message.content:
            await self.app.persist(lambda store: store.save_message(conversation, message))
        await block.settle(state)
        self._update_totals()

    async def _failed(self, conversation: Conversation, block: AssistantMessage, user_block: UserMessage | None,
                      exc: PinataError) -> None:
        """Nothing (new) arrived: say why in the conversation and give the prompt back."""
        message = block.message
        status = self.status
        status.connection, status.connection_detail = "error", f"({error_label(exc)})"
        if message.content:
            # A continuation failed: the earlier partial text stays as it was.
            await block.settle(MessageStatus.INTERRUPTED)
            await self.app.persist(lambda store: store.save_message(conversation, message))
        else:
            message.error = str(exc)
            conversation.messages.remove(message)
            await block.remove()
            if user_block is not None:
                user_block.mark_not_sent()
                user = user_block.message
                user.error = str(exc)
                self._failed_prompt = user.content
                self.prompt.restore(user.content)
                await self.app.persist(lambda store: store.save_message(conversation, user))
        if isinstance(exc, InsufficientCredits):
            self.banner.show_out_of_credits(exc.available_microcredits)
            self.banner.balance = self.app.balance
            self.app.refresh_balance()
            await self.view.add_notice(str(exc), kind="warning")
            return
        hint = " Your prompt is back in the box: press Enter (or Ctrl+R) to send it again." if user_block else ""
        if isinstance(exc, (AuthError, MissingCredential)):
            kind = "error"
        elif isinstance(exc, RateLimited):
            kind = "warning"
        else:
            kind = "error"
        await self.view.add_notice(f"{exc}{hint}", kind=kind)
        self._update_totals()

    def _set_streaming(self, streaming: bool) -> None:
        self.streaming = streaming
        self.refresh_bindings()

    # ------------------------------------------------------ retry countdown

    def _start_retry_countdown(self, event: Retrying, block: AssistantMessage) -> None:
        self._retry_deadline = time.monotonic() + event.delay
        self._retry_label = f"attempt {event.attempt + 1}/{event.max_attempts}"
        reason = event.reason.split(".")[0]
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
        """Resend a prompt that was not sent, or regenerate the last reply."""
        if self.streaming:
            return
        if self._failed_prompt is not None:
            text = self._failed_prompt
            if self.prompt.text == text:
                self.prompt.load_text("")
            await self.send(text)
            return
        reply = self.conversation.last_reply
        if reply is None or self.conversation.messages[-1] is not reply:
            self.notify("Nothing to retry: the last message is not a reply.", severity="warning")
            return
        await self.view.show_latest()
        await self.view.remove_message(reply)
        self.conversation.messages.remove(reply)
        await self.app.persist(lambda store: store.discard_message(reply))  # kept, not shown
        await self._start_reply(user_block=None)

    async def action_continue_reply(self) -> None:
        reply = self.conversation.last_reply
        if self.streaming or reply is None or not reply.is_partial:
            return
        await self.view.show_latest()
        block = self.view.block_for(reply)
        if isinstance(block, AssistantMessage):
            await self._start_reply(user_block=None, continuing=block)

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
        self._failed_prompt = None
        await self.view.load(self.conversation)
        self.status.last_reply = ""
        self._update_totals()

    def show_demo_banner(self) -> None:
        self.query_one("#demo-banner").display = True

    async def open_conversation(self, conversation: Conversation) -> None:
        """Show a saved conversation; the next reply continues it with its last model."""
        await self.stop_streaming()
        self.conversation = conversation
        self._failed_prompt = None
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

        from pinata_tui.tui.screens.code_block_picker import CodeBlockPicker

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
