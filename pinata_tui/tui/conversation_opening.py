"""The app's F2: the saved conversations, and opening one in the chat screen.

A plain mixin of ``PinataChatApp`` (first in its bases), kept apart so that app.py stays small.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pinata_tui.sanitize import make_displayable

if TYPE_CHECKING:
    from textual.app import App

    from pinata_tui.tui.chat.chat_screen import ChatScreen
    from pinata_tui.tui.history.history_screen import HistoryChoice
    from pinata_tui.tui.services import AppServices

    _Base = App[None]
else:
    _Base = object


class ConversationOpening(_Base):
    if TYPE_CHECKING:
        services: AppServices

        @property
        def chat(self) -> ChatScreen | None: ...

    async def action_history(self) -> None:
        from pinata_tui.tui.history.history_screen import HistoryScreen

        chat = self.chat
        if chat is None or isinstance(self.screen, HistoryScreen):
            return
        store = await self.services.opened_store()
        if store is None:
            self.notify(make_displayable(f"History is off: {self.services.store_error}"), severity="error",
                        timeout=10, markup=False)
            return

        async def chosen(choice: HistoryChoice | None) -> None:
            deleted_open = chat.conversation.id in history.deleted
            if deleted_open and (choice is None or choice.conversation_id is None):
                await chat.action_new_conversation()  # nothing more can be saved in it
                self.notify("The conversation that was open is deleted: this is a new one.", markup=False)
            elif choice is not None:
                if choice.conversation_id is None:
                    await chat.action_new_conversation()
                else:
                    await self.open_saved(choice.conversation_id, at_message=choice.message_id)
                    if choice.message_id is not None:
                        return  # the search hit has the focus
            chat.prompt.focus()

        history = HistoryScreen(store, chat.conversation.id, before_deleting_open=chat.stop_streaming)
        self.push_screen(history, chosen)

    async def open_saved(self, conversation_id: int, *, at_message: int | None = None) -> None:
        chat = self.chat
        if chat is None:
            return
        current = chat.conversation
        if current.id == conversation_id:  # already open, perhaps streaming: nothing to load or stop
            hit = next((m for m in current.tree() if m.id == at_message), None) if at_message else None
            if hit is not None and not any(m is hit for m in current.messages):
                await chat.show_alternative(hit)  # (not while a reply streams: it says so)
            elif hit is not None:
                await chat.view.reveal(hit)
            return
        stopping = chat.streaming  # (not the reply of one deleted in F2: stopped before the deletion)
        try:
            conversation = await self.services.persist(lambda store: store.load(conversation_id))
        except KeyError:
            conversation = None
        if conversation is None:
            self.notify(f"Conversation {conversation_id} could not be opened.", severity="error", markup=False)
            return
        hit = next((m for m in conversation.tree() if m.id == at_message), None) if at_message else None
        if hit is not None and not any(m is hit for m in conversation.messages):
            conversation.select(hit)  # a hit in another branch opens that branch, and it is the current one
            await self.services.persist(lambda store: store.set_current_branch(conversation))
        await chat.open_conversation(conversation)
        if stopping:
            self.notify(f"The reply in “{make_displayable(current.title or 'the last conversation')}” was stopped "
                        "to open this one; what arrived is kept (Ctrl+G there continues it).", markup=False)
        if hit is not None:
            await chat.view.reveal(hit)
