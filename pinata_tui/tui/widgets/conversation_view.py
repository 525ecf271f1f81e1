"""The scrolling conversation pane. Follows the stream unless the user scrolled up to read."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widget import Widget

from pinata_tui.conversation import ChatMessage, Conversation, MessageStatus
from pinata_tui.tui.widgets.message_block import MessageBlock, ModelSwitchMarker, Notice, UserMessage
from pinata_tui.tui.widgets.streaming_reply import AssistantMessage


class ConversationView(VerticalScroll, can_focus=True):
    """Holds message blocks in order. ``following`` is False while the user reads further up."""

    following: reactive[bool] = reactive(True)

    def on_mount(self) -> None:
        self.anchor()

    def release_anchor(self) -> None:
        """Called by Textual when the user scrolls; the scroll itself lands after this returns."""
        super().release_anchor()
        self.call_after_refresh(self._check_following)

    def _check_following(self) -> None:
        self.following = self.scroll_y >= self.max_scroll_y

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if not self.following and new_value >= self.max_scroll_y:
            self.following = True

    def jump_to_end(self) -> None:
        self.following = True
        self.anchor()

    async def add_block(self, widget: Widget) -> Widget:
        await self.mount(widget)
        return widget

    async def add_user(self, message: ChatMessage) -> UserMessage:
        block = UserMessage(message)
        await self.mount(block)
        return block

    async def add_reply(self, message: ChatMessage) -> AssistantMessage:
        block = AssistantMessage(message)
        await self.mount(block)
        return block

    async def add_notice(self, text: str, *, kind: str = "info") -> Notice:
        notice = Notice(text, kind=kind)
        await self.mount(notice)
        return notice

    async def load(self, conversation: Conversation) -> None:
        """Show a whole conversation (replaces what is there), marking model switches."""
        await self.remove_children()
        blocks: list[Widget] = []
        last_model: str | None = None
        for message in conversation.messages:
            if message.role == "user":
                blocks.append(UserMessage(message))
            elif message.role == "assistant":
                if last_model is not None and message.model and message.model != last_model:
                    blocks.append(ModelSwitchMarker(message.model))
                last_model = message.model or last_model
                blocks.append(AssistantMessage(message))
                if message.status == MessageStatus.ERROR and message.error:
                    blocks.append(Notice(message.error, kind="error"))
        await self.mount_all(blocks)
        self.jump_to_end()

    def message_blocks(self) -> list[MessageBlock]:
        return list(self.query(MessageBlock))
