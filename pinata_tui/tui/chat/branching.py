"""The chat screen's work on the conversation tree: edit a prompt (a new branch), move between
alternatives, add an alternative reply (Ctrl+R, or with another model), compare two replies.

Every change of branch repaints the pane only from the first message that changed
(``ConversationView.show_branch_from``) and is remembered in the store, so the conversation
reopens on the branch last shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on

from pinata_tui.conversation import ChatMessage, Conversation
from pinata_tui.tui.chat.assistant_message import ReplyActionRequested
from pinata_tui.tui.chat.context_meter import ContextMeterScreen
from pinata_tui.tui.chat.message_block import MessageBlock, SiblingRequested
from pinata_tui.tui.chat.user_message import EditRequested

if TYPE_CHECKING:
    from pinata_tui.chat.turn import TurnPlan
    from pinata_tui.tui.chat.conversation_view import ConversationView
    from pinata_tui.tui.services import AppServices

EDIT_TITLE = "Editing · Enter sends a new branch (the old one stays) · Esc cancels"


class BranchingScreen(ContextMeterScreen):
    """The part of ``ChatScreen`` that works the conversation tree (the chat screen supplies the rest)."""

    if TYPE_CHECKING:
        services: AppServices
        streaming: bool

        @property
        def view(self) -> ConversationView: ...

        async def _start_turn(self, plan: TurnPlan) -> None: ...

    _draft_before_edit = ""

    # ------------------------------------------------------------ editing

    def _still_reading(self) -> bool:
        """A long conversation's newest messages show while the rest is read: its tree is not here yet."""
        if self.view.previewing:
            self.notify("The conversation is still being read: try again in a moment.", markup=False)
        return self.view.previewing

    @on(EditRequested)
    def _edit_requested(self, event: EditRequested) -> None:
        event.stop()
        if self._still_reading():
            return
        if self.streaming:
            self.notify("A reply is still streaming: press Esc to stop it first, or wait.", severity="warning")
            return
        if self.editing is None:
            self._draft_before_edit = self.prompt.text if self.prompt.text.strip() else ""
        self.editing = event.message
        self.prompt.load_text(event.message.content)
        self.prompt.move_cursor(self.prompt.document.end)
        self.prompt.border_title = EDIT_TITLE
        self.prompt.add_class("-editing")
        self.prompt.focus()
        self.refresh_bindings()
        self.update_totals()

    def action_cancel_edit(self) -> None:
        if self.editing is not None:
            self._end_edit()
            self.prompt.load_text(self._draft_before_edit)
            self.prompt.move_cursor(self.prompt.document.end)

    def _end_edit(self) -> None:
        self.editing = None
        self.prompt.border_title = None
        self.prompt.remove_class("-editing")
        self.refresh_bindings()
        self.update_totals()

    async def send_edit(self, text: str) -> None:
        """Send ``text`` as the edited prompt: a new branch from the edited message's parent."""
        from pinata_tui.chat.turn import plan_edit

        original = self.editing
        assert original is not None
        self._end_edit()
        # The pane drops the old branch from the edited message down; then the new one is added to it.
        await self.view.show_branch_from(self.conversation.cut_after(original.parent))
        plan = plan_edit(self.conversation, original, text)
        assert plan.user is not None
        self.context.count_message(plan.user, self.conversation.model)
        await self.view.add_user(plan.user)
        self.view.refresh_branches()
        if self._draft_before_edit and not self.prompt.text:
            self.prompt.load_text(self._draft_before_edit)  # what was being written before the edit
            self.prompt.move_cursor(self.prompt.document.end)
        await self._start_turn(plan)

    # ------------------------------------------------------------ alternatives

    @on(SiblingRequested)
    async def _sibling_requested(self, event: SiblingRequested) -> None:
        event.stop()
        if self._still_reading():
            return
        siblings = self.conversation.siblings(event.message)
        # From the alternative shown now: keys typed in one burst all reach the block shown before
        # the first of them switched it, so each steps on from where the last one went.
        on_branch = {id(m) for m in self.conversation.messages}
        shown = next((m for m in siblings if id(m) in on_branch), event.message)
        position = next((i for i, m in enumerate(siblings) if m is shown), None)
        if position is None or not 0 <= position + event.step < len(siblings):
            return
        await self.show_alternative(siblings[position + event.step])

    async def show_alternative(self, message: ChatMessage) -> None:
        """Make the branch through ``message`` current, and show it with ``message`` focused."""
        switching = not any(m is message for m in self.conversation.messages)  # else it is shown already
        if switching and self.streaming:
            self.notify("A reply is still streaming: switch branches once it has finished (or Esc).",
                        severity="warning")
            return
        if switching and self.editing is not None:
            if self.prompt.text != self.editing.content:
                self.notify("You are editing a message: send it (Enter) or cancel the edit (Esc) first.",
                            severity="warning")
                return
            self.action_cancel_edit()  # nothing typed yet: nothing to lose
        if switching:
            await self.view.show_branch_from(self.conversation.select(message))
        block = self.view.block_for(message)
        if block is not None:
            block.focus(scroll_visible=False)
            block.scroll_visible(animate=False)
        if switching:
            self._branch_changed()

    def _branch_changed(self) -> None:
        conversation = self.conversation
        self.run_worker(self.services.persist(lambda store: store.set_current_branch(conversation)),
                        group="branch", exit_on_error=False)
        self._recount_all()
        self.update_totals()
        self.refresh_bindings()

    async def regenerate(self, reply: ChatMessage | None = None, model: str | None = None) -> bool:
        """Add an alternative to ``reply`` (default: the last reply), with ``model`` or the conversation's.

        An earlier reply first becomes the end of the branch (what followed it stays in the tree, one
        ◀ away); the new reply shows the old one until its first text arrives.
        """
        conversation = self.conversation
        reply = reply or conversation.last_reply
        if reply is None or reply.role != "assistant" or reply.parent is None:
            self.notify("Nothing to regenerate: there is no reply yet.", severity="warning")
            return False
        if conversation.messages[-1] is not reply:
            index = conversation.cut_after(reply)
            await self.view.show_branch_from(index)
            self.update_totals()  # the meter and cost follow the shortened branch at once
        else:
            await self.view.show_latest()
        from pinata_tui.chat.turn import plan_regenerate

        plan = plan_regenerate(conversation, model)
        if plan is None:
            return False
        await self._start_turn(plan)
        self.view.refresh_branches()
        return True

    @on(ReplyActionRequested)
    async def _reply_action(self, event: ReplyActionRequested) -> None:
        if event.action != "compare":
            return  # "regenerate with…" goes on up to the app, which has the model picker
        event.stop()
        if self._still_reading():
            return
        alternatives = [m for m in self.conversation.siblings(event.message) if m.role == "assistant"]
        if len(alternatives) < 2:
            self.notify("This reply has no alternatives to compare: press Ctrl+R (or m to pick another "
                        "model) to add one.", severity="information")
            return
        from pinata_tui.tui.chat.compare_screen import CompareScreen

        async def chosen(message: ChatMessage | None) -> None:
            if message is not None:
                await self.show_alternative(message)

        self.app.push_screen(CompareScreen(alternatives, event.message), chosen)

    # Palette entries: the same, on the last prompt or reply.

    def action_edit_last_prompt(self) -> None:
        prompt = next((m for m in reversed(self.conversation.messages) if m.role == "user"), None)
        if prompt is None:
            self.notify("There is no prompt to edit yet.", severity="warning")
        else:
            self.post_message(EditRequested(prompt))

    def action_regenerate_last_with(self) -> None:
        reply = self.conversation.last_reply
        if reply is None:
            self.notify("There is no reply to regenerate yet.", severity="warning")
        else:
            self.post_message(ReplyActionRequested(reply, "regenerate_with"))

    def action_compare_last(self) -> None:
        reply = self.conversation.last_reply
        if reply is None:
            self.notify("There is no reply to compare yet.", severity="warning")
        else:
            self.post_message(ReplyActionRequested(reply, "compare"))

    def focused_message(self) -> ChatMessage | None:
        focused = self.focused
        return focused.message if isinstance(focused, MessageBlock) else None

    def reply_to_regenerate(self) -> ChatMessage | None:
        """Ctrl+R's target: the focused reply, or the reply to the focused prompt (None: the last reply)."""
        focused = self.focused_message()
        if focused is None or focused.role == "assistant":
            return focused
        messages = self.conversation.messages
        index = next((i for i, m in enumerate(messages) if m is focused), None)
        if index is not None and index + 1 < len(messages) and messages[index + 1].role == "assistant":
            return messages[index + 1]
        return None

    @on(MessageBlock.TypedAt)
    def _typed_at_a_message(self, event: MessageBlock.TypedAt) -> None:
        """A key with no meaning on a message (a letter of a new question): it goes to the prompt."""
        event.stop()
        self.prompt.focus()
        self.prompt.insert(event.character)

    def action_focus_prompt(self) -> None:
        self.prompt.focus()

    def conversation_changed(self, conversation: Conversation) -> None:
        """Another conversation is shown: an edit in progress is dropped (its text stays in the box)."""
        if self.editing is not None:
            self._end_edit()
