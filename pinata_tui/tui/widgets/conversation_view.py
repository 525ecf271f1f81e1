"""The scrolling conversation pane. Follows the stream unless the user scrolled up to read."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.containers import VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from pinata_tui.conversation import ChatMessage, Conversation, MessageStatus
from pinata_tui.tui.widgets.message_block import MessageBlock, ModelSwitchMarker, Notice, UserMessage
from pinata_tui.tui.widgets.streaming_reply import AssistantMessage


PAGE_SIZE = 20
"""Messages mounted at a time when a saved conversation opens; earlier ones load on demand."""


class LoadEarlier(Static, can_focus=True):
    """Stands for the messages not mounted yet. Click, Enter, or scroll to the top to load a page."""

    class Pressed(Message):
        pass

    def set_count(self, count: int) -> None:
        self.update(Text(f"↑ {count:,} earlier message{'s' if count != 1 else ''} — click, press Enter "
                         "or scroll up to load more", style="dim italic"))

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(self.Pressed())

    def on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            self.post_message(self.Pressed())


def build_blocks(messages: list[ChatMessage], last_model: str | None) -> list[Widget]:
    """Widgets for ``messages``, with a marker wherever the replying model changed."""
    blocks: list[Widget] = []
    for message in messages:
        if message.role == "user":
            blocks.append(UserMessage(message))
        elif message.role == "assistant":
            if last_model is not None and message.model and message.model != last_model:
                blocks.append(ModelSwitchMarker(message.model))
            last_model = message.model or last_model
            blocks.append(AssistantMessage(message))
        if message.status == MessageStatus.ERROR and message.error:
            blocks.append(Notice(message.error, kind="error"))
    return blocks


def last_reply_model(messages: list[ChatMessage]) -> str | None:
    return next((m.model for m in reversed(messages) if m.role == "assistant" and m.model), None)


class ConversationView(VerticalScroll, can_focus=True):
    """Holds message blocks in order. ``following`` is False while the user reads further up."""

    following: reactive[bool] = reactive(True)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._earlier: list[ChatMessage] = []
        self._loading_earlier = False

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
        if new_value <= 0 < old_value and self._earlier and not self._loading_earlier:
            self.run_worker(self.load_earlier(), group="load-earlier", exclusive=True)

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
        """Show a conversation (replacing what is there): its latest page now, the rest on demand."""
        await self.remove_children()
        messages = conversation.messages
        self._earlier = messages[:-PAGE_SIZE] if len(messages) > PAGE_SIZE else []
        recent = messages[len(self._earlier):]
        blocks = build_blocks(recent, last_reply_model(self._earlier))
        if self._earlier:
            loader = LoadEarlier(id="load-earlier")
            loader.set_count(len(self._earlier))
            blocks.insert(0, loader)
        await self.mount_all(blocks)
        self.jump_to_end()

    async def load_earlier(self) -> None:
        """Mount the previous page above the first shown message, keeping the reader's place."""
        if not self._earlier or self._loading_earlier:
            return
        self._loading_earlier = True
        try:
            page = self._earlier[-PAGE_SIZE:]
            self._earlier = self._earlier[:-PAGE_SIZE]
            loader = self.query_one(LoadEarlier)
            height_before = self.virtual_size.height
            await self.mount_all(build_blocks(page, last_reply_model(self._earlier)), after=loader)
            if self._earlier:
                loader.set_count(len(self._earlier))
            else:
                await loader.remove()

            def keep_place() -> None:
                grown = self.virtual_size.height - height_before
                self.scroll_to(y=self.scroll_y + grown, animate=False, immediate=True)

            self.call_after_refresh(keep_place)
        finally:
            self._loading_earlier = False

    def on_load_earlier_pressed(self, event: LoadEarlier.Pressed) -> None:
        event.stop()
        self.run_worker(self.load_earlier(), group="load-earlier", exclusive=True)

    def message_blocks(self) -> list[MessageBlock]:
        return list(self.query(MessageBlock))
