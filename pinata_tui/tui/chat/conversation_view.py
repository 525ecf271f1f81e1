"""The scrolling conversation pane: a sliding window over the conversation.

Only a window of about ``WINDOW_PAGES`` pages of messages is mounted at a time, however long
the conversation: Textual lays out every mounted widget whenever anything changes size, so a
thousand mounted messages would make every frame slow. Scrolling near either end of the window
mounts the next page there and unmounts the page furthest away.

The view keeps the reader's place itself ("scroll anchoring", as browsers do): when content
above the viewport changes height (a page mounted above, a page unmounted above, a long reply
whose real lines replace its estimated height), the scroll offset moves by the same amount in
the same layout pass, so the text being read does not jump. At the end of the conversation it
follows the stream instead (Textual's ``anchor``), unless the user scrolled up to read.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TypeVar

from textual import events
from textual.layout import DockArrangeResult
from textual.reactive import reactive
from textual.widget import Widget

from pinata_tui.conversation import ChatMessage, Conversation, MessageStatus
from pinata_tui.memory import give_back_memory
from pinata_tui.sanitize import make_displayable
from pinata_tui.tui.chat.assistant_message import AssistantMessage
from pinata_tui.tui.chat.block_builder import build_blocks, owner_index, render_ahead, said_about, tag_owner
from pinata_tui.tui.chat.collection_pause import CollectionPause
from pinata_tui.tui.chat.message_block import MessageBlock
from pinata_tui.tui.chat.newest_first import NewestFirst
from pinata_tui.tui.chat.notice import Notice
from pinata_tui.tui.chat.page_loader import LoadEarlier, LoadLater, PageLoader
from pinata_tui.tui.chat.reading_anchor import AnchoredScroll
from pinata_tui.tui.chat.user_message import UserMessage

BlockT = TypeVar("BlockT", bound=MessageBlock)

PAGE_SIZE = 10
"""Messages mounted or unmounted at a time."""
WINDOW_PAGES = 3
"""At most this many pages stay mounted (more while a reply streams in the last one)."""
LIVE_PAGES = 2  # pages kept mounted while the conversation grows at its end (see _trim_live_window)
BRANCH_FIRST_MESSAGES = 3
"""After a change of branch, this many messages are mounted at once from the change down."""


class ConversationView(NewestFirst, AnchoredScroll, can_focus=True):
    """Shows messages ``[start, end)`` of the conversation. ``following`` is False while the user reads up."""

    following: reactive[bool] = reactive(True)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._conversation = Conversation(model="")
        self._start = 0
        self._end = 0
        self._busy = 0
        """Changes of the window under way (counted until laid out); no page loads meanwhile."""
        self._window_lock = asyncio.Lock()
        """One change of the window at a time (a page load and a jump to the end must not interleave)."""
        self._reading_anchor: tuple[Widget, int] | None = None
        self._last_arrangement: DockArrangeResult | None = None
        self._collections = CollectionPause(self)
        """Full garbage collections wait while the reader pages (each one was a visible stall)."""

    # ------------------------------------------------------------ window

    @property
    def _messages(self) -> list[ChatMessage]:
        return self._conversation.messages

    @property
    def window(self) -> tuple[int, int]:
        """The indices of the first mounted message and of the one after the last."""
        return self._start, min(self._end, len(self._messages))

    @property
    def window_changing(self) -> bool:
        """True while a page is being mounted (until it has been laid out).

        Not ``loading``: that is Textual's reactive, and a widget "loading" takes no input.
        """
        return self._busy > 0

    @contextlib.asynccontextmanager
    async def _changing(self, *, then_towards_start: bool | None = None) -> AsyncIterator[None]:
        """Hold off page loads while the window changes, and until it has been laid out."""
        self._busy += 1
        try:
            async with self._window_lock:
                yield
        finally:
            self.call_after_refresh(self._changed, then_towards_start)

    def _changed(self, then_towards_start: bool | None) -> None:
        """The change is laid out. If the reader went on scrolling meanwhile, go on loading that way."""
        self._busy -= 1
        if then_towards_start is not None:
            self._load_if_near_edge(earlier=then_towards_start)

    @property
    def at_tail(self) -> bool:
        """True when the latest message is mounted (so there is nothing more below)."""
        return self._end >= len(self._messages)

    def on_mount(self) -> None:
        self.anchor()

    def on_unmount(self) -> None:
        self._collections.stop()

    def is_following_stream(self) -> bool:
        return self._anchored and not self._anchor_released

    def release_anchor(self) -> None:
        """Called by Textual when the user scrolls; the scroll itself lands after this returns."""
        super().release_anchor()
        self.call_after_refresh(self._check_following)

    def _check_following(self) -> None:
        self.following = self.at_tail and self.scroll_y >= self.max_scroll_y

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if not self.following and self.at_tail and new_value >= self.max_scroll_y:
            self.following = True
            if not self._anchored:
                self.anchor()
        if new_value < old_value:
            self._load_if_near_edge(earlier=True)
        elif new_value > old_value:
            self._load_if_near_edge(earlier=False)

    def _load_if_near_edge(self, *, earlier: bool) -> None:
        """Load the next page that way if the reader is within a screen of the window's edge."""
        if self.window_changing or not self.is_attached:
            return
        margin = self.scrollable_content_region.height
        if earlier and self.scroll_y <= margin and self._start > 0:
            self._load_page(earlier=True)
        elif not earlier and self.scroll_y >= self.max_scroll_y - margin and not self.at_tail:
            self._load_page(earlier=False)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._load_if_near_edge(earlier=True)  # also when already at the top (no scroll to watch)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self._load_if_near_edge(earlier=False)

    def on_page_loader_pressed(self, event: PageLoader.Pressed) -> None:
        event.stop()
        self._load_page(earlier=isinstance(event.loader, LoadEarlier))

    def _load_page(self, *, earlier: bool) -> None:
        self.run_worker(self.load_earlier() if earlier else self.load_later(), group="page")

    # Keys: Home and End go to the ends of the conversation, not of the window; no scroll
    # animations (an animation would fight the place-keeping when a page mounts mid-way).

    def action_scroll_home(self) -> None:
        self.run_worker(self.show_first(), group="page")

    def action_scroll_end(self) -> None:
        self.jump_to_end()

    def action_page_up(self) -> None:
        self.scroll_page_up(animate=False)

    def action_page_down(self) -> None:
        self.scroll_page_down(animate=False)

    def action_scroll_up(self) -> None:
        self.scroll_up(animate=False)

    def action_scroll_down(self) -> None:
        self.scroll_down(animate=False)

    def jump_to_end(self) -> None:
        """Follow the end of the conversation again (mounting its latest page if need be)."""
        self.following = True
        if self.at_tail:
            self.anchor()
        else:
            self.run_worker(self.show_latest(), group="page")

    async def show_latest(self) -> None:
        """Make sure the latest messages are mounted and followed; call before adding to the end."""
        if not self.at_tail:
            async with self._changing():
                await self._mount_tail(len(self._messages))
        self.following = True
        self.anchor()

    # ---------------------------------------------------------------- adding

    async def _ensure_tail_for(self, message: ChatMessage) -> int:
        """The index of ``message`` (just added to the conversation), with the messages before it mounted."""
        index = len(self._messages) - 1
        while index >= 0 and self._messages[index] is not message:
            index -= 1
        if self._end < index:
            await self._mount_tail(index)
        return index

    async def _mount_at_end(self, widget: Widget, index: int) -> None:
        await self.mount(tag_owner(widget, index))
        self._end = max(self._end, index + 1)

    async def add_block(self, widget: Widget) -> Widget:
        async with self._changing():
            if not self.at_tail:
                await self._mount_tail(len(self._messages))
            await self._mount_at_end(widget, len(self._messages) - 1)
        return widget

    async def add_user(self, message: ChatMessage) -> UserMessage:
        return await self._add_message_block(message, UserMessage(message))

    async def add_reply(self, message: ChatMessage) -> AssistantMessage:
        return await self._add_message_block(message, AssistantMessage(message))

    async def show_branch_from(self, index: int) -> None:
        """The current branch changed from message ``index`` on (another alternative, an edit): replace
        the blocks from there down, leaving those above as they are (no re-render, no jump)."""
        async with self._changing(then_towards_start=False):  # then more below, if it shows
            if not self._start <= index <= self._end:
                await self._mount_tail(len(self._messages))
            else:
                await self.remove_children([c for c in self.children
                                            if ((owner := owner_index(c)) is not None and owner >= index)
                                            or isinstance(c, LoadLater)])
                # A few messages first (a screenful, mostly): the page loader adds the rest as it shows.
                self._end = min(len(self._messages), index + BRANCH_FIRST_MESSAGES)
                owned = [c for c in self.children if owner_index(c) is not None]
                blocks = build_blocks(self._conversation, index, self._end)
                await (self.mount_all(blocks, after=owned[-1]) if owned else self.mount_all(blocks))
                await self._update_loaders()
        self.refresh_branches()

    def refresh_branches(self) -> None:
        """Update each mounted message's ``◀ n/m ▶`` (a new alternative was added, or one chosen)."""
        for block in self.query_children(MessageBlock):
            block.set_branch(self._conversation.alternative_position(block.message))

    async def _add_message_block(self, message: ChatMessage, block: BlockT) -> BlockT:
        async with self._changing():
            await self._mount_at_end(block, await self._ensure_tail_for(message))
            await self._trim_live_window()
        return block

    async def _trim_live_window(self) -> None:
        """A conversation growing in this session keeps only ``LIVE_PAGES`` mounted (the oldest page goes unless
        the reader is there): layout, and each frame of a streaming reply, walks what is mounted (#17)."""
        if self._end - self._start <= LIVE_PAGES * PAGE_SIZE:
            return
        start = self._start
        await self._unmount_messages(start, start + PAGE_SIZE)
        if self._start != start:
            await self._update_loaders()

    async def add_notice(self, text: str, *, kind: str = "info") -> Notice | None:
        """A notice at the end of the conversation; a pop-up instead while the reader is far above it."""
        if not self.at_tail:
            self.notify(make_displayable(text), markup=False,
                        severity="error" if kind == "error" else "warning" if kind == "warning" else "information")
            return None
        notice = Notice(text, kind=kind, added=True)
        await self._mount_at_end(notice, len(self._messages) - 1)
        return notice

    async def remove_message(self, message: ChatMessage, *, keep_block: bool = False) -> None:
        """Unmount ``message``'s block and the notices said after it (``keep_block``: it is continued)."""
        await self.remove_children(said_about(self.children, message, keep_block=keep_block))
        self._end = min(self._end, len(self._messages))

    def block_for(self, message: ChatMessage) -> MessageBlock | None:
        return next((b for b in self.query(MessageBlock) if b.message is message), None)

    # ------------------------------------------------------------- loading

    async def load(self, conversation: Conversation) -> None:
        """Show a conversation (replacing what is there): its latest page now, the rest on demand."""
        if await self._adopt(conversation):  # the whole of the one previewed: its blocks stay
            return
        closed = self._conversation
        async with self._changing():
            self._conversation = conversation
            self.previewing = False
            await self._mount_tail(len(conversation.messages))
        self.jump_to_end()
        self._preview_ended()
        if closed.messages and closed is not conversation:  # its widgets are garbage now: give them back
            self.call_after_refresh(give_back_memory)

    async def first_screen_drawn(self, timeout: float = 3.0) -> None:
        """Until every mounted reply has its real lines (the background renderer's are in) and they
        have been drawn, or ``timeout`` seconds have passed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        for _ in range(int(timeout / 0.02)):  # polled: the renderer's lines arrive without an event to wait on
            if loop.time() > deadline or (
                    self.is_attached and all(reply.rendered for reply in self.query_children(AssistantMessage))):
                break
            await asyncio.sleep(0.02)
        drawn = asyncio.Event()
        self.call_after_refresh(drawn.set)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(drawn.wait(), max(0.1, deadline - loop.time()))

    async def _mount_tail(self, end: int) -> None:
        """Replace everything mounted with the page of messages that ends at ``end``, and follow it."""
        await self._mount_page(max(0, end - PAGE_SIZE), end)
        self.following = True
        self.anchor()

    async def show_first(self) -> None:
        """Show the beginning of the conversation."""
        async with self._changing():
            if self._start > 0:
                await self._mount_page(0, min(len(self._messages), PAGE_SIZE))
        if not self.at_tail:
            self.following = False
            self.anchor(False)
        else:
            self.release_anchor()
        self.scroll_home(animate=False)

    async def reveal(self, message: ChatMessage) -> MessageBlock | None:
        """Show the page that holds ``message``, scroll to it, focus it and mark it for a moment
        (a full-text search hit opened from F2)."""
        index = next((i for i, m in enumerate(self._messages) if m is message), None)
        if index is None:
            return None
        async with self._changing():
            if not self._start <= index < self._end:
                start = max(0, min(index - PAGE_SIZE // 2, len(self._messages) - PAGE_SIZE))
                await self._mount_page(start, min(len(self._messages), start + PAGE_SIZE))
        block = self.block_for(message)
        if block is None:
            return None
        self.following = False
        self.anchor(False)
        block.add_class("-search-hit")

        def show() -> None:
            # After the refresh: a closing dialog gives the focus back to where it was (the prompt) first.
            block.focus(scroll_visible=False)
            self.scroll_to_widget(block, animate=False, top=True)

        self.call_after_refresh(show)
        self.set_timer(4.0, lambda: block.remove_class("-search-hit"))
        return block

    async def _mount_page(self, start: int, end: int) -> None:
        """Replace everything mounted with messages ``[start, end)``."""
        await self.remove_children()
        self._reading_anchor = None
        self._last_arrangement = None  # it holds every widget just removed until the next layout
        self._clear_arrangement_cache()  # so does Textual's cache of the last arrangements (#17)
        self._start, self._end = start, end
        await self.mount_all(build_blocks(self._conversation, start, end))
        await self._update_loaders()

    async def load_earlier(self) -> None:
        """Mount the page above the window, and unmount the bottom page if the window is full."""
        if self.window_changing or self._start == 0:
            return
        async with self._changing(then_towards_start=True):
            start = max(0, self._start - PAGE_SIZE)
            await self._mount_beside_window(start, self._start, earlier=True)
            self._collections.page_changed()
            # After the next refresh: the new page's own jobs (replies not rendered ahead in time) go first.
            self.call_after_refresh(render_ahead, self.children, self._conversation, start - PAGE_SIZE, start)
            self._start = start
            if self._end - self._start > WINDOW_PAGES * PAGE_SIZE:
                await self._unmount_messages(self._end - PAGE_SIZE, self._end)
            await self._update_loaders()

    async def load_later(self) -> None:
        """Mount the page below the window, and unmount the top page if the window is full."""
        if self.window_changing or self.at_tail:
            return
        async with self._changing(then_towards_start=False):
            end = min(len(self._messages), self._end + PAGE_SIZE)
            await self._mount_beside_window(self._end, end, earlier=False)
            self._collections.page_changed()
            self.call_after_refresh(render_ahead, self.children, self._conversation, end, end + PAGE_SIZE, "top")
            self._end = end
            if self._end - self._start > WINDOW_PAGES * PAGE_SIZE:
                await self._unmount_messages(self._start, self._start + PAGE_SIZE)
            await self._update_loaders()

    async def _mount_beside_window(self, start: int, end: int, *, earlier: bool) -> None:
        """Mount the blocks of messages ``[start, end)`` just above (or below) the mounted ones."""
        blocks = build_blocks(self._conversation, start, end)
        owned = [child for child in self.children if owner_index(child) is not None]
        if not owned:
            await self.mount_all(blocks)
        elif earlier:
            await self.mount_all(blocks, before=owned[0])
        else:
            await self.mount_all(blocks, after=owned[-1])

    async def _unmount_messages(self, first: int, end: int) -> None:
        """Unmount the blocks of messages ``[first, end)``, unless one is live (streaming or focused)."""
        doomed = [child for child in self.children
                  if (index := owner_index(child)) is not None and first <= index < end]
        focused = self.app.focused
        screenful = self.scrollable_content_region.height
        near = (self.scroll_y - screenful, self.scroll_y + 2 * screenful)
        for block in doomed:
            if isinstance(block, AssistantMessage) and block.message.status == MessageStatus.STREAMING:
                return
            if focused is not None and (focused is block or block in focused.ancestors):
                return
            region = block.virtual_region  # as last laid out, which is what scroll_y refers to
            if region.bottom > near[0] and region.y < near[1]:
                return  # on screen or nearly: the reader is there
        await self.remove_children(doomed)
        if first == self._start:
            self._start = end
        else:
            self._end = first
        if not self.at_tail:
            self.following = False
            self.anchor(False)

    async def _update_loaders(self) -> None:
        """A "load earlier" bar at the top while messages above are unmounted; "load later" at the bottom."""
        earlier = self.query_children(LoadEarlier)
        if self._start > 0 or self.previewing:  # previewing: how many is not known yet (``newest_first``)
            loader = earlier.first() if earlier else LoadEarlier(id="load-earlier")
            loader.set_count(None if self.previewing else self._start)
            if not earlier:
                await self.mount(loader, before=0) if self.children else await self.mount(loader)
        elif earlier:
            await earlier.remove()
        later = self.query_children(LoadLater)
        hidden_below = len(self._messages) - self._end
        if hidden_below > 0:
            later_loader = later.first() if later else LoadLater(id="load-later")
            later_loader.set_count(hidden_below)
            if not later:
                await self.mount(later_loader)
        elif later:
            await later.remove()
