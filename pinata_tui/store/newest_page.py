"""The newest messages of a long conversation, read before the whole of it (#17: opening 10,000 messages).

A mixin of ``ConversationStore`` (which supplies ``_read``, ``_read_tuples`` and ``load``); knows
nothing of Textual. Reading a conversation whole takes time in proportion to its length (10,000
messages: ~100 ms of rows and objects), and its first screen needs only the last few. So the app
shows ``load_newest``'s messages first and then ``load(..., reuse=...)``'s whole conversation, which
takes over the very same ``ChatMessage`` objects (the widgets showing them stay valid).

The messages read are the current branch's last ``count`` and every alternative of each of them
(so each one's ``◀ n/m ▶`` is already right); the first of them stands for its missing parent's
children, as a first message does. Alternatives are registered in the order ``load`` registers them
(by id), so their positions are the same in both.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from pinata_tui.conversation import ChatMessage, Conversation, MessageStatus
from pinata_tui.store.settings import settings_from_row

_PATH_UP = ("WITH RECURSIVE up(id, parent_id, depth) AS ("
            " SELECT id, parent_id, 0 FROM messages WHERE id = ? AND conversation_id = ?"
            " UNION ALL SELECT m.id, m.parent_id, depth + 1 FROM messages m JOIN up ON m.id = up.parent_id"
            " WHERE depth < ?) SELECT id, parent_id FROM up ORDER BY depth")


class NewestPage:
    if TYPE_CHECKING:
        def _read(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]: ...

        def _read_tuples(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]: ...

    def load_newest(self, conversation_id: int, count: int) -> Conversation | None:
        """The current branch's last ``count`` messages (and their alternatives) as a conversation to show
        until ``load`` has read the whole one; None when the branch has no more than ``count`` messages
        (``load`` is as quick then) or it is not a plain chain of earlier parents (a hand-edited file)."""
        from pinata_tui.store.attachment_rows import _attachment
        from pinata_tui.store.conversation_store import _MESSAGE_COLUMNS, _message

        heads = self._read("SELECT * FROM conversations WHERE id = ?", (conversation_id,))
        if not heads:
            raise KeyError(conversation_id)
        head = heads[0]
        if head["current_leaf_id"] is None:
            return None
        path = self._read_tuples(_PATH_UP, (head["current_leaf_id"], conversation_id, count))
        if len(path) <= count or any(parent is None or parent >= child for child, parent in path[:count]):
            return None  # short enough to load whole, or a parent missing or later: as ``load`` decides
        path = path[:count]
        on_path = [child for child, _ in path]
        parents = [parent for _, parent in path]
        marks = ",".join("?" * len(parents))
        rows = self._read_tuples(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE +conversation_id = ? AND status != ? AND"
            f" parent_id IN ({marks}) ORDER BY id",  # by parent (not the whole conversation's index)
            (conversation_id, MessageStatus.DISCARDED.value, *parents))
        by_id: dict[int, ChatMessage] = {}
        conversation = Conversation(model=head["model"], system_prompt=head["system_prompt"],
                                    title=head["title"], id=head["id"], settings=settings_from_row(head))
        oldest_parent = parents[-1]
        for row in rows:
            message = _message(row)
            by_id[row[0]] = message
            message.parent = None if row[1] == oldest_parent else by_id.get(row[1])
            conversation.add_to_tree(message)
        if any(child not in by_id for child in on_path):
            return None  # the branch runs through a discarded message: ``load`` decides what to show
        marks = ",".join("?" * len(by_id))
        for attached in self._read(f"SELECT * FROM attachments WHERE message_id IN ({marks})"
                                   " ORDER BY message_id, position, id", tuple(by_id)):
            attachment = _attachment(attached)
            if attachment is not None:
                by_id[attached["message_id"]].attachments.append(attachment)
        conversation.messages[:] = [by_id[child] for child in reversed(on_path)]
        return conversation
