"""Schema versions, kept in ``PRAGMA user_version``. Each entry upgrades from the one before.

Never edit a released step: add a new one. A database newer than this code is refused
(not downgraded), so an older pinata-chat cannot damage a newer one's data.
"""

from __future__ import annotations

import sqlite3

V1 = """
CREATE TABLE conversations (
    id            INTEGER PRIMARY KEY,
    title         TEXT,
    model         TEXT NOT NULL,
    system_prompt TEXT,
    created_at    REAL NOT NULL,
    updated_at    REAL NOT NULL
);
CREATE TABLE messages (
    id                INTEGER PRIMARY KEY,
    conversation_id   INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    role              TEXT NOT NULL,
    content           TEXT NOT NULL DEFAULT '',
    model             TEXT,
    status            TEXT NOT NULL,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    total_tokens      INTEGER,
    cost              REAL,
    cost_is_estimate  INTEGER NOT NULL DEFAULT 0,
    error             TEXT,
    writer_pid        INTEGER,
    created_at        REAL NOT NULL,
    updated_at        REAL NOT NULL
);
CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
CREATE INDEX conversations_by_update ON conversations(updated_at DESC);
"""

FTS = """
CREATE VIRTUAL TABLE messages_fts USING fts5(content, content='messages', content_rowid='id');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
    INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
"""


def fts5_available(conn: sqlite3.Connection) -> bool:
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(x)")
        conn.execute("DROP TABLE temp.fts5_probe")
        return True
    except sqlite3.OperationalError:
        return False


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run each statement inside the current transaction (``executescript`` would commit first)."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement: {statement!r}")


def _v1(conn: sqlite3.Connection) -> None:
    run_script(conn, V1)


def _v2(conn: sqlite3.Connection) -> None:
    """Full-text search over message content, where this SQLite has FTS5 (else LIKE is used)."""
    if fts5_available(conn):
        run_script(conn, FTS)
        conn.execute("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')")


def _v3(conn: sqlite3.Connection) -> None:
    """Reasoning, finish reasons and the fuller usage real gateways report (issue #12)."""
    for column in ("reasoning TEXT NOT NULL DEFAULT ''", "finish_reason TEXT", "cached_tokens INTEGER",
                   "reasoning_tokens INTEGER", "cache_write_tokens INTEGER",
                   "cost_is_billed INTEGER NOT NULL DEFAULT 0"):
        conn.execute(f"ALTER TABLE messages ADD COLUMN {column}")


V4 = """
ALTER TABLE messages ADD COLUMN parent_id INTEGER REFERENCES messages(id);
ALTER TABLE messages ADD COLUMN elapsed REAL;
ALTER TABLE messages ADD COLUMN imported INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN current_leaf_id INTEGER;
ALTER TABLE conversations ADD COLUMN temperature REAL;
ALTER TABLE conversations ADD COLUMN top_p REAL;
ALTER TABLE conversations ADD COLUMN max_tokens INTEGER;
ALTER TABLE conversations ADD COLUMN preset TEXT;
CREATE INDEX messages_by_parent ON messages(parent_id);
CREATE TABLE attachments (
    id          INTEGER PRIMARY KEY,
    message_id  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL DEFAULT 0,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    mime        TEXT,
    size        INTEGER NOT NULL,
    text        TEXT,
    data        BLOB
);
CREATE INDEX attachments_by_message ON attachments(message_id, position);
"""


def _v4(conn: sqlite3.Connection) -> None:
    """Conversations as trees (#19), per-conversation settings and attachments (#20).

    Each message gets a parent; a conversation gets the leaf of its current branch. Today's rows
    become one path, and each reply that a regenerate "discarded" becomes an alternative (a
    sibling) of the reply that replaced it, shown and exported again. ``elapsed`` is the seconds
    from a reply's first token to its last (its speed, for the comparison view). ``imported`` marks a
    message that came in with ``pinata-chat import``: its cost was spent before, so it is not spend.
    """
    run_script(conn, V4)
    conversations = [row[0] for row in conn.execute("SELECT id FROM conversations")]
    for conversation_id in conversations:
        last_kept: int | None = None
        rows = conn.execute("SELECT id, status, content, finish_reason FROM messages"
                            " WHERE conversation_id = ? ORDER BY id", (conversation_id,)).fetchall()
        for message_id, status, content, finish_reason in rows:
            conn.execute("UPDATE messages SET parent_id = ? WHERE id = ?", (last_kept, message_id))
            if status == "discarded":
                # Its old status was overwritten when it was discarded: name it from what is left.
                revived = {"length": "truncated", "content_filter": "filtered"}.get(
                    finish_reason or "", "complete" if content else "empty")
                conn.execute("UPDATE messages SET status = ? WHERE id = ?", (revived, message_id))
            else:
                last_kept = message_id
        conn.execute("UPDATE conversations SET current_leaf_id = ? WHERE id = ?", (last_kept, conversation_id))


MIGRATIONS = [_v1, _v2, _v3, _v4]
LATEST = len(MIGRATIONS)


class SchemaTooNew(Exception):
    pass


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema to ``LATEST``, one step per transaction. Returns the version found."""
    found = conn.execute("PRAGMA user_version").fetchone()[0]
    if found > LATEST:
        raise SchemaTooNew(f"schema version {found} is newer than this pinata-chat knows ({LATEST})")
    for version in range(found, LATEST):
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            # Another process may have migrated while we waited for the lock.
            current = conn.execute("PRAGMA user_version").fetchone()[0]
            if current > version:
                continue
            MIGRATIONS[version](conn)
            conn.execute(f"PRAGMA user_version = {version + 1}")
    return int(found)
