"""The chat screen: where a prompt becomes a streamed reply.

Path of one message: ``PromptInput.Submitted`` → a ``TurnPlan`` (``chat.turn``) adds the user's
message and an empty reply → ``stream_reply`` (an exclusive async worker) runs the ``ChatTurn``,
which saves as it goes, and shows its events (reasoning, text, retries) in an ``AssistantMessage``
→ the reply settles with its ending (complete, cut at the limit, filtered, failed, refused…) and a
one-line notice, or the failure is shown and the prompt goes back in the box.

The screen is given its services (``AppServices``) and talks up with messages
(``BalanceStale``, ``CopyRequested``); the app sets what it learns (``balance``,
``tokens_ready``, ``catalog_changed``) from above.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.worker import WorkerCancelled, WorkerFailed

from pinata_tui.catalog import close_matches
from pinata_tui.chat.context_tokens import ContextTokens
from pinata_tui.conversation import ChatMessage, Conversation
from pinata_tui.sanitize import make_displayable
from pinata_tui.tui.chat.assistant_message import AssistantMessage
from pinata_tui.tui.chat.attachments_screen import AttachmentsScreen
from pinata_tui.tui.chat.branching import BranchingScreen
from pinata_tui.tui.chat.conversation_view import ConversationView
from pinata_tui.tui.chat.credits_banner import CreditsBanner
from pinata_tui.tui.chat.empty_conversation_hint import EmptyConversationHint, EmptyHintScreen
from pinata_tui.tui.chat.first_need import make_demo_banner
from pinata_tui.tui.chat.message_block import CopyRequested, MessageBlock
from pinata_tui.tui.chat.model_switch_marker import ModelSwitchMarker
from pinata_tui.tui.chat.newest_first import NewestFirstScreen
from pinata_tui.tui.chat.prompt_input import PromptInput
from pinata_tui.tui.chat.settings_actions import SettingsActions
from pinata_tui.tui.chat.settings_line import SettingsLine
from pinata_tui.tui.chat.status_bar import StatusBar
from pinata_tui.tui.chat.styled_once import StyledOnceScreen
from pinata_tui.tui.chat.user_message import UserMessage
from pinata_tui.tui.common.key_hints import KeyHints
from pinata_tui.tui.services import AppServices

if TYPE_CHECKING:  # chat.turn loads after the first frame (the app's warm-up) or at the first send
    from pinata_tui.chat.turn import TurnPlan


class ChatScreen(StyledOnceScreen, NewestFirstScreen, EmptyHintScreen, BranchingScreen, AttachmentsScreen):  # mixins first: run first
    VERTICAL_BREAKPOINTS = [(0, "-short"), (20, "-tall")]  # app.tcss: less room for the banner and prompt
    AUTO_FOCUS = "PromptInput"  # focused as it is composed: the first frame shows it focused (not a second one)
    BINDINGS = [
        Binding("escape", "stop", "Stop", id="chat.stop"),
        Binding("escape", "cancel_edit", "Cancel edit", id="chat.cancel_edit"),
        Binding("escape", "focus_prompt", "Back to the prompt", id="chat.focus_prompt", show=False),
        Binding("ctrl+r", "retry", "Retry", id="chat.retry"),
        Binding("ctrl+g", "continue_reply", "Continue", id="chat.continue"),
        Binding("ctrl+t", "open_editor", "Editor", id="chat.editor", show=False),
        Binding("ctrl+o", "copy_last_reply", "Copy reply", id="chat.copy_last", show=False),
        Binding("ctrl+n", "new_conversation", "New chat", id="chat.new"),
        Binding("f3", "settings", "Settings", id="chat.settings", show=False),
        Binding("ctrl+s", "export", "Export", id="chat.export", show=False),
        Binding("ctrl+end", "jump_to_end", "Jump to end", show=False, id="chat.end", priority=True),
        Binding("end", "jump_to_end(True)", "Jump to end", show=False, id="chat.end_reading", priority=True),
        # The conversation scrolls from wherever the focus is, the prompt included.
        Binding("pageup", "page_up", "Page up", show=False, id="chat.page_up", priority=True),
        Binding("pagedown", "page_down", "Page down", show=False, id="chat.page_down", priority=True),
        Binding("ctrl+home", "jump_to_start", "First message", show=False, id="chat.start", priority=True),
        Binding("tab", "focus_newest", "Newest message", show=False, id="chat.focus_newest"),
    ]

    balance: reactive[float | None] = reactive(None, init=False, always_update=True)
    """Available credits (the app sets it)."""
    tokens_ready: reactive[bool] = reactive(False, init=False)
    """The tokenizer has loaded (the app sets it): the context meter can count."""

    class BalanceStale(Message):
        """A reply was billed, or a 402 came back: the balance is worth fetching again."""

    def __init__(self, conversation: Conversation, services: AppServices) -> None:
        super().__init__()
        self.conversation = conversation
        self.services = services
        self.streaming = False
        self.context = ContextTokens(services.token_counter)
        self._failed_user: ChatMessage | None = None
        """A prompt whose request failed: Enter or Ctrl+R with the same text sends it again, as itself."""
        self.settings_actions = SettingsActions(self)
        self.ready = asyncio.Event()
        """Set once composed and mounted: the app waits for it before showing a saved conversation."""
        # Classes known now are set before the first styling: each one set later restyles the whole
        # screen (4-6 ms) and, for the breakpoint, draws the first frame a second time.
        self.set_class(not conversation.messages, "-empty-conversation", update=False)
        height = self.app.size.height
        self.set_class(True, *[name for least, name in sorted(self.VERTICAL_BREAKPOINTS, reverse=True)
                               if height >= least][:1], update=False)

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        if self.services.demo:  # else the demo banner, the credits banner, "more below" and the chips
            yield make_demo_banner()  # are mounted when first needed (``FirstNeedScreen``)
        yield SettingsLine(id="settings-line")
        yield EmptyConversationHint(id="empty-hint")
        yield ConversationView(id="conversation")
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

    async def on_mount(self) -> None:
        self.status.model = self.conversation.model
        await self.view.load(self.conversation)
        self._show_empty_hint()
        self.watch(self.view, "following", self._following_changed)
        self.prompt.focus()
        self.refresh_bindings()
        self.ready.set()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return self.streaming
        if action == "cancel_edit":
            return self.editing is not None and not self.streaming
        if action == "focus_prompt":
            return not self.streaming and self.editing is None and isinstance(self.focused, MessageBlock)
        if action == "continue_reply":
            reply = self.conversation.last_reply
            return (not self.streaming and reply is not None and reply.is_partial
                    and self.conversation.messages[-1] is reply)
        if action == "retry":
            return (not self.streaming and (self._failed_user is not None
                                            or self.conversation.last_reply is not None)) or None
        if action == "jump_to_end":  # End (``reading``) is the prompt's own while it has text in it
            return not self.view.following and not (parameters and self.prompt.has_focus and self.prompt.text) or None
        if action in ("page_up", "page_down", "jump_to_start"):
            return True
        return True

    # -------------------------------------------------------------- send

    @on(PromptInput.Submitted)
    async def _submitted(self, event: PromptInput.Submitted) -> None:
        event.stop()
        await self.view.until_whole()  # a long conversation being opened: sent into the whole of it
        if self.streaming:
            self.notify("A reply is still streaming: press Esc to stop it first, or wait.", severity="warning")
            return
        text = event.text
        if not text.strip() and (self.editing is not None or not self.attached):
            return  # only files (no text) go as a new message, never as an edit
        if await self.settings_actions.over_budget(text):
            return
        self.prompt.remember(text)
        self.prompt.load_text("")
        if self.editing is not None:
            await self.send_edit(text)
        else:
            await self.send(text)

    async def send(self, text: str) -> None:
        """Add the user's message, then stream a reply to the whole history.

        A prompt that failed and is sent again unchanged is the same message, not a second one.
        """
        from pinata_tui.chat.turn import plan_resend, plan_send

        self.leave_empty_state()
        failed = self._failed_user
        self._failed_user = None
        if (failed is not None and failed.content == text and failed in self.conversation.messages
                and self.attachments_match(failed)):
            block = self.view.block_for(failed)
            plan = plan_resend(self.conversation, failed)
            if isinstance(block, UserMessage):
                block.mark_sent()
        else:
            plan = plan_send(self.conversation, text, self.pending_attachments())
            assert plan.user is not None
            self.context.count_message(plan.user, self.conversation.model)
            await self.view.add_user(plan.user)
        if self.attached:
            await self.tray.clear()
        await self._start_turn(plan)

    async def _start_turn(self, plan: TurnPlan) -> None:
        if plan.continuing:
            block = self.view.block_for(plan.reply)
            if not isinstance(block, AssistantMessage):
                return
            block.refresh_header()
            await self.view.remove_message(plan.reply, keep_block=True)  # "cut… Ctrl+G continues" goes
        else:
            block = await self.view.add_reply(plan.reply)
        self.view.jump_to_end()
        self.set_streaming(True)
        from pinata_tui.tui.chat.reply_presenter import ReplyPresenter  # the client's events: off start-up

        self.stream_reply(ReplyPresenter(self, plan, block).run)

    @work(exclusive=True, group="reply")
    async def stream_reply(self, run_turn: Callable[[], Awaitable[None]]) -> None:
        """Run one chat turn and show it as it comes (``ReplyPresenter.run``, which forgets the turn once run)."""
        await run_turn()

    def prompt_not_sent(self, user: ChatMessage) -> None:
        """A prompt's request failed: it goes back in the box, and sending it again resends it."""
        self._failed_user = user
        self.prompt.restore(user.content)
        self.restore_attachments(user)

    def set_streaming(self, streaming: bool) -> None:
        self.streaming = streaming
        self.refresh_bindings()

    # ------------------------------------------------------------- actions

    def action_stop(self) -> None:
        if self.streaming:
            self.workers.cancel_group(self, "reply")

    async def action_retry(self) -> None:
        """Resend a prompt that was not sent; else add an alternative to the focused reply (or the last)."""
        if self.streaming:
            return
        failed = self._failed_user
        if failed is not None:
            if self.prompt.text == failed.content:
                self.prompt.load_text("")
            await self.send(failed.content)
            return
        await self.regenerate(self.reply_to_regenerate())

    async def action_continue_reply(self) -> None:
        if self.streaming:
            return
        from pinata_tui.chat.turn import plan_continue

        await self.view.show_latest()
        plan = plan_continue(self.conversation)
        if plan is None:  # (Ctrl+G is off then; the palette's entry is not)
            self.notify("Nothing to continue: the last reply is complete, or there is none.", markup=False)
        else:
            await self._start_turn(plan)

    def action_jump_to_end(self, reading: bool = False) -> None:
        self.view.jump_to_end()

    def action_page_up(self) -> None:
        self.view.action_page_up()

    def action_page_down(self) -> None:
        self.view.action_page_down()

    def action_jump_to_start(self) -> None:
        self.view.action_scroll_home()

    def action_focus_newest(self) -> None:
        """Tab from the prompt goes to the newest message (to copy its code, say); elsewhere, the next widget."""
        if self.focused is self.prompt:
            blocks = self.view.query(MessageBlock)
            if blocks:
                self.view.jump_to_end()
                blocks.last().focus()
                return
        self.focus_next()

    def action_copy_last_reply(self) -> None:
        reply = self.conversation.last_reply
        if reply is None or not reply.content:
            self.notify("No reply to copy yet.", severity="warning")
            return
        self.post_message(CopyRequested(reply.content, "reply"))

    async def stop_streaming(self) -> None:
        """Stop the reply (it is saved as stopped) and wait until it has settled."""
        for worker in [w for w in self.workers if w.group == "reply" and w.node is self]:
            worker.cancel()
            with contextlib.suppress(WorkerCancelled, WorkerFailed):
                await worker.wait()
        self.set_streaming(False)  # also when the worker was cancelled before its turn could begin

    async def action_new_conversation(self) -> None:
        await self.stop_streaming()
        await self.open_conversation(Conversation(model=self.conversation.model,  # settings: config.toml's
                                                  system_prompt=self.services.settings.system_prompt))

    def action_settings(self) -> None:
        self.settings_actions.open_dialog()

    async def action_new_with_preset(self) -> None:
        await self.settings_actions.new_with_preset()

    def show_demo_banner(self) -> None:
        self.demo_banner().display = True
        self._show_empty_hint()

    async def open_conversation(self, conversation: Conversation) -> None:
        """Show a conversation (saved, or new); the next reply continues it with its last model."""
        await self.stop_streaming()
        self.conversation = conversation
        self.conversation_changed(conversation)
        self._failed_user = None
        self.hide_banner()
        self.status.model = conversation.model
        self.status.last_reply = ""
        self.status.connection, self.status.connection_detail = "idle", ""
        await self.view.load(conversation)
        self._show_empty_hint()
        self._recount_all()
        self.update_totals()
        self.refresh_bindings()

    def action_export(self, fmt: str | None = None) -> None:
        """Ctrl+S asks where and how (``ExportDialog``); the palette's format-specific entries ask too."""
        if not self.conversation.messages:
            self.notify("Nothing to export yet.", severity="warning")
            return
        from pinata_tui.tui.chat.export_dialog import ExportDialog

        def chosen(request: object) -> None:
            if request is not None:
                self._export(request)
            self.prompt.focus()

        self.app.push_screen(ExportDialog.for_conversation(self.conversation, self.services.settings, fmt), chosen)

    @work(group="export")
    async def _export(self, request: object) -> None:
        from pinata_tui.export import write_export_to
        from pinata_tui.tui.chat.export_dialog import ExportRequest

        assert isinstance(request, ExportRequest)
        settings = self.services.settings
        try:
            path = await asyncio.to_thread(write_export_to, self.conversation, request.fmt, request.path,
                                           secrets=(settings.llm_key, settings.jwt),
                                           include_reasoning=request.include_reasoning,
                                           all_branches=request.all_branches, default_system=settings.system_prompt)
        except OSError as exc:
            self.notify(make_displayable(f"Export failed: {exc}"), severity="error", timeout=10, markup=False)
            return
        self.notify(make_displayable(f"Exported to {path}"), timeout=10, markup=False)
        await self.view.add_notice(f"Exported this conversation to {path}")

    def action_open_editor(self) -> None:
        """Compose the prompt in $VISUAL / $EDITOR; what is saved replaces the prompt box."""
        from pinata_tui.tui.common.external_editor import EditorFailed, edit_in_editor

        try:
            text = edit_in_editor(self.app, self.prompt.text)
        except EditorFailed as exc:
            self.notify(make_displayable(str(exc)), severity="warning", markup=False)
        else:
            self.prompt.load_text(text)
            self.prompt.move_cursor(self.prompt.document.end)
        self.prompt.focus()

    async def switch_model(self, model_id: str) -> None:
        """The next reply uses ``model_id``; the whole history goes to it."""
        if model_id == self.conversation.model:
            return
        conversation = self.conversation
        conversation.model = model_id
        self.status.model = model_id
        if conversation.messages:
            await self.view.add_block(ModelSwitchMarker(model_id))
        self._show_empty_hint()
        self.run_worker(self.services.remember("last_model", model_id), group="state", exit_on_error=False)
        await self.services.persist(lambda store: store.set_model(conversation))
        self._recount_all()

    # ------------------------------------------------------------- events

    @on(CreditsBanner.ResendRequested)
    async def _resend_from_banner(self) -> None:
        await self.action_retry()

    @on(CreditsBanner.Dismissed)
    def _banner_dismissed(self) -> None:
        self.prompt.focus()

    @on(StatusBar.ModelClicked)
    async def _model_clicked(self) -> None:
        await self.run_action("app.pick_model")

    def _following_changed(self, following: bool) -> None:
        self.show_more_below(not following and self.streaming)
        self.refresh_bindings()

    def on_worker_state_changed(self) -> None:
        if not self.streaming:
            self.show_more_below(False)

    def watch_balance(self, balance: float | None) -> None:
        """A balance can land while the app closes, after the widgets have gone: then nothing to show."""
        status, banner = self.query_one_optional(StatusBar), self.query_one_optional(CreditsBanner)
        if status is not None:
            status.balance = balance
        if banner is not None and banner.display:
            banner.balance = balance

    _warned_unknown: tuple[int, str] | None = None
    """The conversation and model last warned about (the cached catalog, then the live one: one warning)."""

    def catalog_changed(self) -> None:
        """The app has a new catalog: warn when this conversation's model is not in it."""
        catalog = self.services.catalog
        model = self.conversation.model
        if catalog and (id(self.conversation), model) != self._warned_unknown and not any(
                m.model_id == model for m in catalog):
            self._warned_unknown = (id(self.conversation), model)
            suggestions = close_matches(model, catalog)
            maybe = f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
            self.run_worker(self.view.add_notice(  # (the notice draws the id's control characters as symbols)
                f"Unknown model “{model}”: it is not in Pinata's catalog.{maybe} Press Ctrl+L to choose one.",
                kind="warning"), group="notices")
