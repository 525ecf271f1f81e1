"""ConversationStore: every conversation and message in SQLite. Knows nothing of Textual.

- WAL mode with a busy timeout, so two pinata-chat processes can read and write at once.
- Writes are small transactions; a reply is checkpointed while it streams, so a crash
  (even ``kill -9``) loses at most the last second of text.
- A reply left "streaming" by a process that is gone is reported as interrupted.
- A database that cannot be read raises ``StoreError`` naming the file; the file is never
  rewritten, moved or deleted by this code.

Methods are synchronous and thread-safe; the TUI calls them from worker threads.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from pinata_tui.api.events import Usage
from pinata_tui.conversation import ChatMessage, Conversation, MessageStatus
from pinata_tui.store.migrations import LATEST, SchemaTooNew, migrate

STALE_STREAM_SECONDS = 30.0
"""A "streaming" reply not touched for this long is interrupted even if its writer's pid lives."""


class StoreError(Exception):
    """The database cannot be used. The message names the file and says what to do."""


@dataclass(frozen=True)
class ConversationSummary:
    id: int
    title: str
    model: str
    created_at: float
    updated_at: float
    message_count: int
    cost: float


@dataclass(frozen=True)
class SearchHit:
    conversation_id: int
    title: str
    message_id: int
    snippet: str
    updated_at: float


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ConversationStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, timeout=10.0, check_same_thread=False,
                                         isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"Cannot open the conversation database {self.path}: {exc}.") from None
        try:
            self._conn.row_factory = sqlite3.Row
            self._conn.execute("PRAGMA busy_timeout = 10000")
            # Read before writing anything: a corrupt or too-new file must stay byte-for-byte as found.
            found = self._conn.execute("PRAGMA user_version").fetchone()[0]
            if found > LATEST:
                raise SchemaTooNew(f"schema version {found} is newer than this pinata-chat knows ({LATEST})")
            self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
            self._conn.execute("PRAGMA foreign_keys = ON")
            migrate(self._conn)
            self.has_fts = bool(self._conn.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'messages_fts'").fetchone())
            self.recover_interrupted()
        except SchemaTooNew as exc:
            self._conn.close()
            raise StoreError(f"The conversation database {self.path} was written by a newer pinata-chat "
                             f"({exc}). Upgrade pinata-chat to open it; the file was left untouched.") from None
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise StoreError(
                f"The conversation database {self.path} is unreadable ({exc}). It was left untouched: "
                "move it aside (or restore a backup) and pinata-chat will start a new one."
            ) from None

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> "ConversationStore":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _write(self, sql: str, params: tuple[object, ...] = ()) -> sqlite3.Cursor:
        with self._lock:
            try:
                with self._conn:
                    self._conn.execute("BEGIN IMMEDIATE")
                    return self._conn.execute(sql, params)
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"Could not write to {self.path}: {exc}.") from None

    def _read(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"Could not read {self.path}: {exc}.") from None

    # ------------------------------------------------------------ writing

    def create_conversation(self, conversation: Conversation) -> int:
        now = time.time()
        cursor = self._write(
            "INSERT INTO conversations (title, model, system_prompt, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            (conversation.title, conversation.model, conversation.system_prompt, now, now),
        )
        conversation.id = int(cursor.lastrowid)  # type: ignore[arg-type]
        return conversation.id

    def save_message(self, conversation: Conversation, message: ChatMessage) -> int:
        """Insert or update ``message`` (and touch its conversation). Returns the message id."""
        if conversation.id is None:
            self.create_conversation(conversation)
        now = time.time()
        usage = message.usage
        values = (
            message.role, message.content, message.model, message.status.value,
            usage.prompt_tokens if usage else None, usage.completion_tokens if usage else None,
            usage.total_tokens if usage else None, usage.cached_tokens if usage else None,
            usage.reasoning_tokens if usage else None, usage.cache_write_tokens if usage else None,
            message.cost, int(message.cost_is_estimate), int(message.cost_is_billed),
            message.error, message.reasoning, message.finish_reason,
            os.getpid() if message.status == MessageStatus.STREAMING else None,
        )
        columns = ("role, content, model, status, prompt_tokens, completion_tokens, total_tokens, cached_tokens,"
                   " reasoning_tokens, cache_write_tokens, cost, cost_is_estimate, cost_is_billed, error,"
                   " reasoning, finish_reason, writer_pid")
        with self._lock:
            try:
                with self._conn:
                    self._conn.execute("BEGIN IMMEDIATE")
                    if message.id is None:
                        cursor = self._conn.execute(
                            f"INSERT INTO messages ({columns}, conversation_id, created_at, updated_at)"
                            f" VALUES ({', '.join('?' * (len(values) + 3))})",
                            (*values, conversation.id, message.created_at, now),
                        )
                        message.id = int(cursor.lastrowid)  # type: ignore[arg-type]
                    else:
                        assignments = ", ".join(f"{c.strip()} = ?" for c in columns.split(","))
                        self._conn.execute(
                            f"UPDATE messages SET {assignments}, updated_at = ? WHERE id = ?",
                            (*values, now, message.id),
                        )
                    self._conn.execute(
                        "UPDATE conversations SET updated_at = ?, model = ?, title = COALESCE(title, ?) WHERE id = ?",
                        (now, conversation.model, conversation.title, conversation.id),
                    )
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"Could not write to {self.path}: {exc}.") from None
        return message.id

    def checkpoint(self, message: ChatMessage) -> None:
        """Save a streaming reply's text and reasoning so far (cheap: one row)."""
        if message.id is None:
            return
        self._write("UPDATE messages SET content = ?, reasoning = ?, updated_at = ? WHERE id = ?",
                    (message.content, message.reasoning, time.time(), message.id))

    def set_model(self, conversation: Conversation) -> None:
        if conversation.id is not None:
            self._write("UPDATE conversations SET model = ? WHERE id = ?", (conversation.model, conversation.id))

    def rename(self, conversation_id: int, title: str) -> None:
        self._write("UPDATE conversations SET title = ? WHERE id = ?", (title.strip() or None, conversation_id))

    def delete(self, conversation_id: int) -> None:
        self._write("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    def discard_message(self, message: ChatMessage) -> None:
        """A regenerated reply: kept in the file (nothing is lost) but no longer part of the conversation."""
        if message.id is not None:
            self._write("UPDATE messages SET status = ?, updated_at = ? WHERE id = ?",
                        (MessageStatus.DISCARDED.value, time.time(), message.id))

    def recover_interrupted(self) -> int:
        """Mark replies whose writer died mid-stream as interrupted. Returns how many."""
        rows = self._read("SELECT id, writer_pid, updated_at FROM messages WHERE status = ?",
                          (MessageStatus.STREAMING.value,))
        now = time.time()
        dead = [r["id"] for r in rows
                if not _pid_alive(r["writer_pid"]) or now - r["updated_at"] > STALE_STREAM_SECONDS]
        for message_id in dead:
            self._write("UPDATE messages SET status = ?, writer_pid = NULL WHERE id = ? AND status = ?",
                        (MessageStatus.INTERRUPTED.value, message_id, MessageStatus.STREAMING.value))
        return len(dead)

    # ------------------------------------------------------------ reading

    def list_conversations(self, limit: int = 200, offset: int = 0) -> list[ConversationSummary]:
        rows = self._read(
            "SELECT c.id, c.title, c.model, c.created_at, c.updated_at,"
            " COUNT(m.id) AS message_count, COALESCE(SUM(m.cost), 0) AS cost"
            " FROM conversations c LEFT JOIN messages m ON m.conversation_id = c.id AND m.status != ?"
            " GROUP BY c.id ORDER BY c.updated_at DESC, c.id DESC LIMIT ? OFFSET ?",
            (MessageStatus.DISCARDED.value, limit, offset),
        )
        return [ConversationSummary(r["id"], r["title"] or "(untitled)", r["model"], r["created_at"],
                                    r["updated_at"], r["message_count"], r["cost"]) for r in rows]

    def last_conversation_id(self) -> int | None:
        rows = self._read("SELECT id FROM conversations ORDER BY updated_at DESC, id DESC LIMIT 1")
        return rows[0]["id"] if rows else None

    def load(self, conversation_id: int) -> Conversation:
        rows = self._read("SELECT * FROM conversations WHERE id = ?", (conversation_id,))
        if not rows:
            raise KeyError(conversation_id)
        head = rows[0]
        conversation = Conversation(model=head["model"], system_prompt=head["system_prompt"],
                                    title=head["title"], id=head["id"])
        for row in self._read("SELECT * FROM messages WHERE conversation_id = ? AND status != ? ORDER BY id",
                              (conversation_id, MessageStatus.DISCARDED.value)):
            conversation.messages.append(self._message(row))
        return conversation

    @staticmethod
    def _message(row: sqlite3.Row) -> ChatMessage:
        usage = None
        if row["completion_tokens"] is not None:
            usage = Usage(row["prompt_tokens"] or 0, row["completion_tokens"], row["total_tokens"] or 0,
                          cached_tokens=row["cached_tokens"], reasoning_tokens=row["reasoning_tokens"],
                          cache_write_tokens=row["cache_write_tokens"],
                          cost=row["cost"] if row["cost_is_billed"] else None)
        status = MessageStatus(row["status"])
        if status == MessageStatus.STREAMING and (
            not _pid_alive(row["writer_pid"]) or time.time() - row["updated_at"] > STALE_STREAM_SECONDS
        ):
            status = MessageStatus.INTERRUPTED
        return ChatMessage(
            role=row["role"], content=row["content"], model=row["model"], status=status, usage=usage,
            cost=row["cost"], cost_is_estimate=bool(row["cost_is_estimate"]),
            cost_is_billed=bool(row["cost_is_billed"]), error=row["error"], reasoning=row["reasoning"] or "",
            finish_reason=row["finish_reason"], created_at=row["created_at"], id=row["id"],
        )

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Full-text search over every message (FTS5 where available), newest conversations first."""
        query = query.strip()
        if not query:
            return []
        if self.has_fts:
            terms = " ".join('"' + t.replace('"', '""') + '"' for t in query.split())
            rows = self._read(
                "SELECT m.id AS message_id, m.conversation_id, c.title, c.updated_at,"
                " snippet(messages_fts, 0, '«', '»', '…', 12) AS snippet"
                " FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid"
                " JOIN conversations c ON c.id = m.conversation_id"
                " WHERE messages_fts MATCH ? AND m.status != ?"
                " ORDER BY c.updated_at DESC, m.id DESC LIMIT ?",
                (terms, MessageStatus.DISCARDED.value, limit),
            )
        else:
            like = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            rows = self._read(
                "SELECT m.id AS message_id, m.conversation_id, c.title, c.updated_at,"
                " substr(m.content, 1, 80) AS snippet"
                " FROM messages m JOIN conversations c ON c.id = m.conversation_id"
                " WHERE m.content LIKE ? ESCAPE '\\' AND m.status != ?"
                " ORDER BY c.updated_at DESC, m.id DESC LIMIT ?",
                (like, MessageStatus.DISCARDED.value, limit),
            )
        return [SearchHit(r["conversation_id"], r["title"] or "(untitled)", r["message_id"],
                          " ".join((r["snippet"] or "").split()), r["updated_at"]) for r in rows]
