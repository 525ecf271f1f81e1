"""ConversationStore: every conversation and message in SQLite. Knows nothing of Textual.

- WAL mode with a busy timeout, so two pinata-chat processes can read and write at once.
- Writes are small transactions; a reply is checkpointed while it streams, so a crash
  (even ``kill -9``) loses at most the last second of text.
- A reply left "streaming" by a process that is gone is reported as interrupted.
- A database that cannot be read raises ``StoreError`` naming the file; the file is never
  rewritten, moved or deleted by this code. A full disk or read-only storage is reported as
  such (``StoreNotWritable``), and ``read_only=True`` opens a database that cannot be written.
- The folder is created 0700 and the database (and SQLite's -wal and -shm files beside it)
  0600, whatever the umask: conversations hold pasted text.

Methods are synchronous and thread-safe; the TUI calls them from worker threads. Listing, the
latest conversation and full-text search are in ``queries.py``.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Self

from pinata_tui.api.events import Usage
from pinata_tui.conversation import ChatMessage, Conversation, MessageStatus
from pinata_tui.files import PRIVATE_FILE_MODE, ensure_private_dir, tighten_mode
from pinata_tui.store.attachment_rows import AttachmentRows
from pinata_tui.store.migrations import LATEST, SchemaTooNew, migrate
from pinata_tui.store.newest_page import NewestPage
from pinata_tui.store.queries import ConversationQueries
from pinata_tui.store.settings import SETTINGS_COLUMNS, SettingsQueries, settings_from_row, settings_values
from pinata_tui.store.spend import SpendQueries

STALE_STREAM_SECONDS = 30.0
"""A "streaming" reply not touched for this long is interrupted even if its writer's pid lives."""


class StoreError(Exception):
    """The database cannot be used. The message names the file and says what to do."""


class StoreNotWritable(StoreError):
    """The disk is full or the storage is read-only: nothing is wrong with the file itself."""


_SQLITE_PROBLEMS = {
    sqlite3.SQLITE_FULL: "the disk is full",
    sqlite3.SQLITE_READONLY: "the storage is read-only (or not writable by you)",
    sqlite3.SQLITE_CANTOPEN: "the file or its folder cannot be opened for writing",
    sqlite3.SQLITE_PERM: "permission denied",
    sqlite3.SQLITE_IOERR: "the disk reported an input/output error",
}
_OS_PROBLEMS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the storage is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EIO: "the disk reported an input/output error",
}


def storage_problem(exc: BaseException) -> str | None:
    """A full disk, read-only storage or the like, in words; None for anything else."""
    if isinstance(exc, OSError):
        return _OS_PROBLEMS.get(exc.errno or 0)
    code = getattr(exc, "sqlite_errorcode", None)
    return _SQLITE_PROBLEMS.get(code & 0xFF) if isinstance(code, int) else None


_INSERT_CONVERSATION = (f"INSERT INTO conversations (title, model, system_prompt, {', '.join(SETTINGS_COLUMNS)},"
                        f" created_at, updated_at) VALUES ({', '.join('?' * (len(SETTINGS_COLUMNS) + 5))})")


def _leaf_id(conversation: Conversation) -> int | None:
    return conversation.messages[-1].id if conversation.messages else None


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


class ConversationStore(ConversationQueries, SpendQueries, SettingsQueries, AttachmentRows, NewestPage):
    def __init__(self, path: Path, *, read_only: bool = False, recover: bool = True) -> None:
        """``recover=False``: the caller calls ``recover_interrupted`` itself (it reads every message: the app
        calls it once a long conversation's newest messages are shown, #17)."""
        self.path = Path(path)
        self.read_only = read_only
        self._lock = threading.RLock()
        try:
            if read_only:
                self._conn = self._open_read_only()
            else:
                self._prepare_files()
                self._conn = sqlite3.connect(self.path, timeout=10.0, check_same_thread=False,
                                             isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            problem = storage_problem(exc)
            if problem:
                raise StoreNotWritable(f"Cannot open the conversation database {self.path}: {problem}. "
                                       "The file was left untouched.") from None
            raise StoreError(f"Cannot open the conversation database {self.path}: {exc}.") from None
        try:
            self._conn.row_factory = sqlite3.Row
            self._conn.execute("PRAGMA busy_timeout = 10000")
            # Read before writing anything: a corrupt or too-new file must stay byte-for-byte as found.
            found = self._conn.execute("PRAGMA user_version").fetchone()[0]
            if found > LATEST:
                raise SchemaTooNew(f"schema version {found} is newer than this pinata-chat knows ({LATEST})")
            self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            if read_only:
                if found < LATEST:
                    raise StoreNotWritable(
                        f"The conversation database {self.path} needs upgrading, which needs write access; "
                        "open it once where it can be written.")
            else:
                self._conn.execute("PRAGMA journal_mode = WAL")
                self._conn.execute("PRAGMA synchronous = NORMAL")
                self._conn.execute("PRAGMA foreign_keys = ON")
                migrate(self._conn)
                self._tighten_files()  # SQLite creates -wal and -shm with the database's mode
            self.has_fts = bool(self._conn.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'messages_fts'").fetchone())
            if not read_only and recover:
                self.recover_interrupted()
        except SchemaTooNew as exc:
            self._conn.close()
            raise StoreError(f"The conversation database {self.path} was written by a newer pinata-chat "
                             f"({exc}). Upgrade pinata-chat to open it; the file was left untouched.") from None
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            problem = storage_problem(exc)
            if problem:
                raise StoreNotWritable(
                    f"Cannot use the conversation database {self.path}: {problem}. The file was left "
                    "untouched; `pinata-chat export` can still read it.") from None
            raise StoreError(
                f"The conversation database {self.path} is unreadable ({exc}). It was left untouched: "
                "move it aside (or restore a backup) and pinata-chat will start a new one."
            ) from None
        except StoreError:
            self._conn.close()
            raise

    @classmethod
    def for_reading(cls, path: Path) -> ConversationStore:
        """Open to read (``export``): normally, or read-only when the storage cannot be written."""
        try:
            return cls(path)
        except StoreNotWritable:
            return cls(path, read_only=True)

    def _prepare_files(self) -> None:
        """The folder 0700 and the database file 0600 from birth; older, looser files tightened."""
        if not self.path.exists():
            ensure_private_dir(self.path.parent)
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE_MODE)
            except FileExistsError:
                pass  # another process was quicker
            else:
                os.fchmod(fd, PRIVATE_FILE_MODE)  # the umask filtered os.open's mode
                os.close(fd)
        self._tighten_files()

    def _tighten_files(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            tighten_mode(Path(f"{self.path}{suffix}"))

    def _open_read_only(self) -> sqlite3.Connection:
        """``mode=ro``; where even that needs a write (a WAL file's index on read-only storage), ``immutable``."""
        if not self.path.is_file():
            raise sqlite3.OperationalError(f"{self.path} does not exist")
        uri = self.path.resolve().as_uri()
        connection = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=10.0, check_same_thread=False,
                                     isolation_level=None)
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            if storage_problem(exc) is None:
                return connection  # a corrupt file: the caller names it unreadable
            connection.close()
        else:
            return connection
        return sqlite3.connect(f"{uri}?immutable=1", uri=True, timeout=10.0, check_same_thread=False,
                               isolation_level=None)

    def _write_error(self, exc: BaseException) -> StoreError:
        if isinstance(exc, UnicodeError):
            return StoreError(f"Could not write to {self.path}: the text is not valid Unicode.")
        problem = storage_problem(exc)
        if problem:
            return StoreNotWritable(f"Could not write to {self.path}: {problem}. What was saved before is "
                                    "intact; make room (or make it writable) and saving resumes.")
        return StoreError(f"Could not write to {self.path}: {exc}.")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _write(self, sql: str, params: tuple[object, ...] = ()) -> sqlite3.Cursor:
        with self._lock:
            try:
                with self._conn:
                    self._conn.execute("BEGIN IMMEDIATE")
                    return self._conn.execute(sql, params)
            except (sqlite3.DatabaseError, UnicodeError) as exc:
                raise self._write_error(exc) from None

    def _read(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return self._conn.execute(sql, params).fetchall()
            except (sqlite3.DatabaseError, UnicodeError) as exc:
                raise StoreError(f"Could not read {self.path}: {exc}.") from None

    def _read_tuples(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        """``_read`` with plain tuples: for many rows (a ``sqlite3.Row`` costs a lookup per column by name)."""
        with self._lock:
            try:
                cursor = self._conn.cursor()
                cursor.row_factory = None
                return cursor.execute(sql, params).fetchall()
            except (sqlite3.DatabaseError, UnicodeError) as exc:
                raise StoreError(f"Could not read {self.path}: {exc}.") from None

    # ------------------------------------------------------------ writing

    def create_conversation(self, conversation: Conversation) -> int:
        now = time.time()
        cursor = self._write(_INSERT_CONVERSATION, (conversation.title, conversation.model, conversation.system_prompt,
                                                    *settings_values(conversation), now, now))
        conversation.id = int(cursor.lastrowid)  # type: ignore[arg-type]
        return conversation.id

    _COLUMNS = ("role, content, model, status, prompt_tokens, completion_tokens, total_tokens, cached_tokens,"
                " reasoning_tokens, cache_write_tokens, cost, cost_is_estimate, cost_is_billed, error,"
                " reasoning, finish_reason, writer_pid, parent_id, elapsed, imported")

    @staticmethod
    def _values(message: ChatMessage) -> tuple[object, ...]:
        usage = message.usage
        return (
            message.role, message.content, message.model, message.status.value,
            usage.prompt_tokens if usage else None, usage.completion_tokens if usage else None,
            usage.total_tokens if usage else None, usage.cached_tokens if usage else None,
            usage.reasoning_tokens if usage else None, usage.cache_write_tokens if usage else None,
            message.cost, int(message.cost_is_estimate), int(message.cost_is_billed),
            message.error, message.reasoning, message.finish_reason,
            os.getpid() if message.status == MessageStatus.STREAMING else None,
            message.parent.id if message.parent is not None else None, message.elapsed, int(message.imported),
        )

    def _insert_message(self, conversation_id: int, message: ChatMessage, now: float) -> int:
        """Inside a transaction the caller holds."""
        values = self._values(message)
        cursor = self._conn.execute(
            f"INSERT INTO messages ({self._COLUMNS}, conversation_id, created_at, updated_at)"
            f" VALUES ({', '.join('?' * (len(values) + 3))})",
            (*values, conversation_id, message.created_at, now),
        )
        message_id = int(cursor.lastrowid)  # type: ignore[arg-type]
        self._insert_attachments(message_id, message.attachments)
        return message_id

    def save_message(self, conversation: Conversation, message: ChatMessage) -> int:
        """Insert or update ``message`` (and touch its conversation). Returns the message id."""
        if conversation.id is None:
            self.create_conversation(conversation)
        now = time.time()
        with self._lock:
            try:
                with self._conn:
                    self._conn.execute("BEGIN IMMEDIATE")
                    if message.id is None:
                        message.id = self._insert_message(conversation.id, message, now)  # type: ignore[arg-type]
                    else:
                        assignments = ", ".join(f"{c.strip()} = ?" for c in self._COLUMNS.split(","))
                        self._conn.execute(
                            f"UPDATE messages SET {assignments}, updated_at = ? WHERE id = ?",
                            (*self._values(message), now, message.id),
                        )
                    self._conn.execute(
                        "UPDATE conversations SET updated_at = ?, model = ?, title = COALESCE(title, ?),"
                        " current_leaf_id = COALESCE(?, current_leaf_id) WHERE id = ?",
                        (now, conversation.model, conversation.title, _leaf_id(conversation), conversation.id),
                    )
            except (sqlite3.DatabaseError, UnicodeError) as exc:
                raise self._write_error(exc) from None
        return message.id

    def save_conversation(self, conversation: Conversation) -> int:
        """Insert a whole new conversation (an import) in one transaction: all of it is saved, or nothing."""
        now = time.time()
        saved: list[tuple[ChatMessage, int | None]] = []
        with self._lock:
            try:
                with self._conn:
                    self._conn.execute("BEGIN IMMEDIATE")
                    cursor = self._conn.execute(_INSERT_CONVERSATION, (
                        conversation.title, conversation.model, conversation.system_prompt,
                        *settings_values(conversation), now, now))
                    conversation_id = int(cursor.lastrowid)  # type: ignore[arg-type]
                    for message in conversation.tree():  # parents first: each child names its parent's row
                        saved.append((message, message.id))
                        message.id = self._insert_message(conversation_id, message, now)
                    self._conn.execute("UPDATE conversations SET current_leaf_id = ? WHERE id = ?",
                                       (_leaf_id(conversation), conversation_id))
            except (sqlite3.DatabaseError, UnicodeError) as exc:
                for message, old_id in saved:
                    message.id = old_id
                raise self._write_error(exc) from None
        conversation.id = conversation_id
        return conversation_id

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

    def set_current_branch(self, conversation: Conversation) -> None:
        """Remember which branch is current (its leaf), so the conversation reopens on it."""
        leaf = _leaf_id(conversation)
        if conversation.id is not None and leaf is not None:
            self._write("UPDATE conversations SET current_leaf_id = ? WHERE id = ?", (leaf, conversation.id))

    def recover_interrupted(self) -> int:
        """Mark replies whose writer died mid-stream as interrupted (they are read as such before: ``_message``).
        Returns how many."""
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

    def load(self, conversation_id: int, *, reuse: Conversation | None = None) -> Conversation:
        """The whole conversation; the messages of ``reuse`` (``load_newest``'s) are taken over, not made again."""
        known = {message.id: message for message in reuse.tree()} if reuse is not None else {}
        rows = self._read("SELECT * FROM conversations WHERE id = ?", (conversation_id,))
        if not rows:
            raise KeyError(conversation_id)
        head = rows[0]
        conversation = Conversation(model=head["model"], system_prompt=head["system_prompt"],
                                    title=head["title"], id=head["id"], settings=settings_from_row(head))
        by_id: dict[int, ChatMessage] = {}
        parents: list[tuple[ChatMessage, int | None]] = []
        for row in self._read_tuples(f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE conversation_id = ?"
                                     " AND status != ? ORDER BY id", (conversation_id, MessageStatus.DISCARDED.value)):
            message = known[row[0]] if row[0] in known else _message(row)
            by_id[row[0]] = message
            parents.append((message, row[1]))
        for message, parent_id in parents:
            # A parent that is missing (or not earlier: a hand-edited file) makes a first message.
            parent = by_id.get(parent_id) if parent_id is not None and parent_id < (message.id or 0) else None
            message.parent = parent
            conversation.add_to_tree(message)
        self._load_attachments(conversation_id, {key: m for key, m in by_id.items() if key not in known})
        leaf = by_id.get(head["current_leaf_id"]) if head["current_leaf_id"] is not None else None
        if leaf is None and parents:
            leaf = parents[-1][0]
        if leaf is not None:
            conversation.messages[:] = conversation.path_to(leaf)
        return conversation


_MESSAGE_COLUMNS = ("id, parent_id, role, content, model, status, prompt_tokens, completion_tokens, total_tokens,"
                    " cached_tokens, reasoning_tokens, cache_write_tokens, cost, cost_is_billed, cost_is_estimate,"
                    " error, reasoning, finish_reason, created_at, elapsed, imported, writer_pid, updated_at")
_STATUSES = {s.value: s for s in MessageStatus}


def _message(row: tuple[Any, ...]) -> ChatMessage:
    """A message from a row of ``_MESSAGE_COLUMNS`` (positional: a conversation may hold 10,000 rows)."""
    (message_id, _parent, role, content, model, status_value, prompt_tokens, completion_tokens, total_tokens,
     cached, reasoning_tokens, cache_write, cost, billed, estimate, error, reasoning, finish_reason, created_at,
     elapsed, imported, writer_pid, updated_at) = row
    usage = None
    if completion_tokens is not None:
        usage = Usage(prompt_tokens or 0, completion_tokens, total_tokens or 0, cached_tokens=cached,
                      reasoning_tokens=reasoning_tokens, cache_write_tokens=cache_write,
                      cost=cost if billed else None)
    status = _STATUSES.get(status_value) or MessageStatus(status_value)
    if status == MessageStatus.STREAMING and (
        not _pid_alive(writer_pid) or time.time() - updated_at > STALE_STREAM_SECONDS
    ):
        status = MessageStatus.INTERRUPTED
    return ChatMessage(
        role=role, content=content, model=model, status=status, usage=usage, cost=cost,
        cost_is_estimate=bool(estimate), cost_is_billed=bool(billed), error=error, reasoning=reasoning or "",
        finish_reason=finish_reason, created_at=created_at, id=message_id, elapsed=elapsed, imported=bool(imported),
    )
