"""Attachments in the store: saved with their message, loaded with their conversation.

A mixin of ``ConversationStore`` (which supplies ``_conn`` and ``_read``); knows nothing of
Textual. The ``attachments`` table (schema 4) holds a text file's text or an image's bytes, and
goes with its message (``ON DELETE CASCADE``). Rows that are not a valid attachment (a
hand-edited file) are skipped when loading, never fatal.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pinata_tui.attachments import IMAGE_MIMES, Attachment

if TYPE_CHECKING:
    from pinata_tui.conversation import ChatMessage


class AttachmentRows:
    if TYPE_CHECKING:
        _conn: sqlite3.Connection

        def _read(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]: ...

    def _insert_attachments(self, message_id: int, attachments: Sequence[Attachment]) -> None:
        """Inside the transaction that inserts the message."""
        for position, attachment in enumerate(attachments):
            cursor = self._conn.execute(
                "INSERT INTO attachments (message_id, position, name, kind, mime, size, text, data)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (message_id, position, attachment.name, attachment.kind, attachment.mime, attachment.size,
                 attachment.text, attachment.data),
            )
            attachment.id = int(cursor.lastrowid)  # type: ignore[arg-type]

    def _load_attachments(self, conversation_id: int, by_id: dict[int, ChatMessage]) -> None:
        """Give each loaded message its attachments, in the order they were attached."""
        rows = self._read(
            "SELECT a.* FROM attachments a JOIN messages m ON m.id = a.message_id"
            " WHERE m.conversation_id = ? ORDER BY a.message_id, a.position, a.id", (conversation_id,))
        for row in rows:
            message = by_id.get(row["message_id"])
            attachment = _attachment(row)
            if message is not None and attachment is not None:
                message.attachments.append(attachment)


def _attachment(row: sqlite3.Row) -> Attachment | None:
    kind, text, data = row["kind"], row["text"], row["data"]
    if kind == "text" and isinstance(text, str):
        return Attachment(row["name"], "text", row["mime"] or "text/plain", row["size"], text=text, id=row["id"])
    if kind == "image" and isinstance(data, bytes) and row["mime"] in IMAGE_MIMES:
        return Attachment(row["name"], "image", row["mime"], row["size"], data=data, id=row["id"])
    return None
