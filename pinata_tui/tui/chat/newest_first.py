"""The part of ``ConversationView`` that shows a long conversation's newest messages while the rest loads.

Opening a saved conversation reads it whole, and that takes time in proportion to its length (#17:
10,000 messages, ~100 ms). The store reads its newest messages first (``load_newest``); the view
shows them (``preview``) and, once the whole conversation is read with those very message objects,
takes it over (``ConversationView.load`` → ``_adopt``): the blocks on screen stay as they are, only
the window's indices move, and the "earlier messages" bar gets its count. Until then the bar has
none (the view does not know how many there are) and a prompt sent waits (``until_whole``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from pinata_tui.conversation import Conversation
from pinata_tui.tui.chat.block_builder import last_reply_model, owner_index, render_ahead, tag_owner

if TYPE_CHECKING:
    from textual.widget import Widget

    from pinata_tui.tui.chat.conversation_view import ConversationView
    from pinata_tui.tui.chat.status_bar import StatusBar

SHOWN_FIRST = 10
"""Messages of the newest page shown by ``preview``, and of the page above rendered ahead once the whole
conversation is read (``PAGE_SIZE``; the store reads more, for the model of the reply above them)."""


class NewestFirst:
    previewing = False
    """True while the newest messages of a conversation being read are shown, not the whole of it."""
    _whole: asyncio.Event | None = None
    _shown_before: Conversation

    if TYPE_CHECKING:
        _conversation: Conversation

        @property
        def children(self) -> Sequence[Widget]: ...

        _start: int
        _end: int

        def _changing(self, *, then_towards_start: bool | None = None
                      ) -> contextlib.AbstractAsyncContextManager[None]: ...

        async def _mount_page(self, start: int, end: int) -> None: ...

        async def _update_loaders(self) -> None: ...

        async def load(self, conversation: Conversation) -> None: ...

        def jump_to_end(self) -> None: ...

        def refresh_branches(self) -> None: ...

        def call_after_refresh(self, callback: Callable[..., object], *args: object) -> bool: ...

    async def preview(self, conversation: Conversation) -> None:
        """Show the last messages of ``conversation`` (``load_newest``'s) until ``load`` brings the whole."""
        self._whole, self._shown_before = asyncio.Event(), self._conversation
        async with self._changing():
            self.previewing = True
            self._conversation = conversation
            end = len(conversation.messages)
            await self._mount_page(max(0, end - SHOWN_FIRST), end)
        self.jump_to_end()

    async def end_preview(self) -> None:
        """The conversation previewed could not be read whole after all: show the one shown before."""
        if self.previewing:
            await self.load(self._shown_before)

    async def until_whole(self) -> None:
        """Until the conversation previewed has been loaded whole (at once when none is)."""
        if self.previewing and self._whole is not None:
            await self._whole.wait()

    def _preview_ended(self) -> None:
        self.previewing = False
        if self._whole is not None:
            self._whole.set()

    async def _adopt(self, conversation: Conversation) -> bool:
        """Take over ``conversation`` if it is the whole of the one previewed (its last messages are the
        very objects shown): the mounted blocks stay, their indices move. False: load it as usual."""
        if not self.previewing:
            return False
        shown = self._conversation.messages
        offset = len(conversation.messages) - len(shown)
        if (offset < 0 or any(a is not b for a, b in zip(shown, conversation.messages[offset:], strict=True))
                or last_reply_model(shown[:self._start])
                != last_reply_model(conversation.messages[:self._start + offset])):
            return False  # another conversation, or a model-switch marker the preview could not know of
        async with self._changing():
            self._conversation = conversation
            self._start, self._end = self._start + offset, self._end + offset
            for child in self.children:
                if (index := owner_index(child)) is not None:
                    tag_owner(child, index + offset)
            self.previewing = False
            await self._update_loaders()
        self.refresh_branches()
        self._preview_ended()
        # The page above, rendered ahead now (its replies are drawn, the reader has not moved yet): they were
        # rendered as the first Page Up mounted them, beside its frames (two 80-90 ms gaps in a real terminal).
        self.call_after_refresh(render_ahead, self.children, conversation, self._start - SHOWN_FIRST, self._start)
        return True


class NewestFirstScreen:
    """The part of ``ChatScreen`` that shows a long conversation's newest messages while it is read (a
    mixin, not a ``Screen`` subclass: each widget class Textual sets up costs ~0.5 ms of start-up)."""

    if TYPE_CHECKING:
        conversation: Conversation

        @property
        def view(self) -> ConversationView: ...

        @property
        def status(self) -> StatusBar: ...

        def _show_empty_hint(self, conversation: Conversation | None = None) -> None: ...

        def update_totals(self) -> None: ...

    async def show_newest(self, newest: Conversation | None) -> None:
        """Show ``newest`` (``AppServices.open_store``'s preview) until its first screen is drawn; None:
        it could not be read whole after all."""
        if newest is None:
            await self.view.end_preview()
        else:
            await self.view.preview(newest)  # mounted while the hint (if any) has its place, as ``load`` is
        self._show_empty_hint(newest)
        status = self.status
        status.model = (newest or self.conversation).model
        if newest is None:
            self.update_totals()
            return
        status.cost = status.context_tokens = None  # the whole conversation's, once it is read
        await self.view.first_screen_drawn()
