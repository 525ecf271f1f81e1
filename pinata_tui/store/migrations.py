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


MIGRATIONS = [_v1, _v2, _v3]
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
