"""The chat screen's context meter: the tokens the next request would send (system prompt,
messages, the draft), counted off the event loop where it is slow, shown in the status bar."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.screen import Screen
from textual.widgets import TextArea

from pinata_tui.tui.chat.status_bar import StatusBar

if TYPE_CHECKING:
    from pinata_tui.chat.context_tokens import ContextTokens
    from pinata_tui.conversation import ChatMessage, Conversation
    from pinata_tui.tui.chat.prompt_input import PromptInput

INLINE_COUNT_LIMIT = 4000
"""Drafts longer than this (characters) are counted in a thread, not per keystroke on the loop."""


class ContextMeterScreen(Screen[None]):
    """The part of ``ChatScreen`` that keeps the context meter (the chat screen supplies the rest)."""

    editing: ChatMessage | None = None
    """The prompt being edited (``BranchingScreen``): the meter counts only what is above it."""
    _without_draft: tuple[tuple[object, ...] | None, int] = (None, 0)
    """The total but the draft as ``update_totals`` last summed it, and what it depended on (``_shape``)."""

    if TYPE_CHECKING:
        context: ContextTokens
        conversation: Conversation
        tokens_ready: bool

        @property
        def prompt(self) -> PromptInput: ...

    def watch_tokens_ready(self, ready: bool) -> None:
        if ready:
            self._recount_all()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area.id != "prompt" or not self.tokens_ready:
            return
        text = event.text_area.text
        if len(text) <= INLINE_COUNT_LIMIT:
            self.context.count_draft(text, self.conversation.model)
            self._update_draft_total()
        else:
            model = self.conversation.model
            self.run_worker(self._count_in_thread(lambda: self.context.count_draft(text, model)),
                            group="draft-count", exclusive=True)

    def _recount_all(self) -> None:
        """After a model switch (another encoding) or once the tokenizer loads: off the event loop."""
        draft = self.prompt.text  # the widget is read here, not in the thread
        conversation = self.conversation
        self.run_worker(self._count_in_thread(lambda: self.context.recount(conversation, draft)),
                        group="recount", exclusive=True)

    async def _count_in_thread(self, count: Callable[[], object]) -> None:
        await asyncio.to_thread(count)
        self.update_totals()

    def _shape(self) -> tuple[object, ...]:
        """What the meter's total without the draft depends on, but for messages above the last
        changing unseen (each change there ends with ``update_totals``)."""
        messages = self.conversation.messages
        last = messages[-1] if messages else None
        return (id(messages), len(messages), id(last), last and last.tokens, last and last.status, id(self.editing),
                self.conversation.model, self.context.system, self.context.pending, self.context.pending_images)

    def _update_draft_total(self) -> None:
        """A keystroke: only the draft's count changed. The rest of the total is the one the last
        ``update_totals`` summed (over every message: 0.17 ms a key in a 400-message conversation)."""
        shape, without_draft = self._without_draft
        status = self.query_one_optional(StatusBar)
        if shape != self._shape() or status is None:
            self.update_totals()
        else:
            status.context_tokens = without_draft + self.context.draft

    def update_totals(self) -> None:
        """The meter and the cost in the status bar. A count from a thread may land while the app
        closes, after the status bar has gone: then there is nothing to update."""
        status = self.query_one_optional(StatusBar)  # (cached; a query walked every mounted message)
        if status is None:
            return
        if self.tokens_ready:
            total = self.context.total(self.conversation, before=self.editing)
            self._without_draft = (self._shape(), total - self.context.draft)
            status.context_tokens = total
            status.tokens_are_estimate = (not self.context.exact(self.conversation.model)
                                          or self.context.has_images(self.conversation))
        status.cost = self.conversation.total_cost
        status.cost_is_estimate = self.conversation.cost_is_estimate
