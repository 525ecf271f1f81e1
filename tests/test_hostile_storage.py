"""Issue #14, items 11, 12 (storage) and 13: private files, full and read-only disks, atomic import.

Root ignores file modes, so a read-only disk is simulated by opening every SQLite connection
with ``mode=ro`` and a full one with ``PRAGMA max_page_count``: both give SQLite's own errors.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from pinata_tui import cli_export
from pinata_tui.conversation import ChatMessage, Conversation, MessageStatus
from pinata_tui.store import ConversationStore, StoreError, StoreNotWritable
from tests.cli_helpers import run_cli, use_home


@pytest.fixture
def paths(server, tmp_path, monkeypatch):
    return use_home(monkeypatch, tmp_path / "home", server.url)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o000, 0o022], ids=["umask 000", "umask 022"])
def umask(request) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def a_conversation(n: int = 2) -> Conversation:
    conversation = Conversation(model="openai/gpt-5.1")
    for i in range(n):
        conversation.add(ChatMessage("user" if i % 2 == 0 else "assistant", f"message {i}"))
    return conversation


# ------------------------------------------------------- 11: file modes


def test_the_database_and_its_folder_are_private_whatever_the_umask(tmp_path, umask):
    database = tmp_path / "home" / "data" / "conversations.sqlite3"
    with ConversationStore(database) as store:
        store.save_conversation(a_conversation())
        sidecars = [Path(f"{database}{suffix}") for suffix in ("-wal", "-shm")]
        assert all(p.exists() for p in sidecars)
        assert mode(database.parent) == 0o700
        assert [mode(p) for p in (database, *sidecars)] == [0o600, 0o600, 0o600]


def test_config_folder_and_file_are_private_whatever_the_umask(tmp_path, monkeypatch, server, umask):
    home = tmp_path / "fresh"
    monkeypatch.setenv("PINATA_CHAT_HOME", str(home))
    assert run_cli(monkeypatch, "config", "set", "model", "openai/gpt-5.1").code == 0
    assert mode(home / "config") == 0o700 and mode(home / "config" / "config.toml") == 0o600


def test_an_older_looser_database_is_tightened_on_open(tmp_path):
    database = tmp_path / "conversations.sqlite3"
    with ConversationStore(database) as store:
        store.save_conversation(a_conversation())
    os.chmod(database, 0o644)
    Path(f"{database}-wal").write_bytes(b"")
    os.chmod(f"{database}-wal", 0o666)
    with ConversationStore(database) as store:
        assert len(store.load(store.last_conversation_id()).messages) == 2
        assert mode(database) == 0o600 and mode(Path(f"{database}-wal")) == 0o600


# --------------------------------------------- 12: full and read-only disks


@pytest.fixture
def full_disk(monkeypatch):
    """Call it to fill the disk: from then on, no SQLite connection may grow its file
    (SQLite's own "database or disk is full")."""
    real = sqlite3.connect

    def connect(*args, **kwargs):
        connection = real(*args, **kwargs)
        connection.execute("PRAGMA max_page_count = 1")  # SQLite keeps it at the current size
        return connection

    return lambda: monkeypatch.setattr(sqlite3, "connect", connect)


def saved_history(paths) -> None:
    with ConversationStore(paths.database) as store:
        store.save_conversation(a_conversation())


def test_a_full_disk_is_reported_as_such_not_as_an_unreadable_database(paths, full_disk):
    saved_history(paths)
    full_disk()
    with ConversationStore(paths.database) as store, pytest.raises(StoreNotWritable) as err:
        store.save_conversation(Conversation(model="m", messages=[ChatMessage("user", "x" * 100_000)]))
    assert "the disk is full" in str(err.value) and "unreadable" not in str(err.value)
    assert "move it aside" not in str(err.value)


def test_a_new_database_on_a_full_disk_is_reported_as_such(tmp_path, full_disk):
    full_disk()
    with pytest.raises(StoreNotWritable) as err:
        ConversationStore(tmp_path / "new.sqlite3")
    assert "the disk is full" in str(err.value) and "move it aside" not in str(err.value)


def test_ask_on_a_full_disk_still_answers_and_says_why_nothing_was_saved(paths, monkeypatch, full_disk):
    saved_history(paths)
    full_disk()
    result = run_cli(monkeypatch, "ask", "hi " + "long " * 5000)
    assert result.code == 0 and result.out.strip()
    assert "not saving to history" in result.err and "the disk is full" in result.err
    assert "move it aside" not in result.err and "Traceback" not in result.err


@pytest.mark.parametrize("shm_left", [False, True])
def test_on_read_only_storage_ask_answers_and_export_reads(server, tmp_path, monkeypatch, shm_left):
    paths = use_home(monkeypatch, tmp_path / "home", server.url)
    keeper = None
    saved_history(paths)  # on a writable disk; from here on, every connection is read-only
    if shm_left:  # another process has it open: -wal and -shm exist
        keeper = sqlite3.connect(paths.database)
        keeper.execute("SELECT count(*) FROM messages").fetchone()
    real = sqlite3.connect

    def connect(database, *args, uri=False, **kwargs):
        if not uri:
            database, uri = Path(database).resolve().as_uri() + "?mode=ro", True
        return real(database, *args, uri=uri, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect)
    try:
        asked = run_cli(monkeypatch, "ask", "hi")
        assert asked.code == 0 and asked.out.strip()
        assert "not saving to history" in asked.err and "read-only" in asked.err
        assert "move it aside" not in asked.err
        exported = run_cli(monkeypatch, "export", "--last")
        assert exported.code == 0, exported.err
        assert "message 0" in exported.out and "message 1" in exported.out
        with pytest.raises(StoreNotWritable, match="read-only"), ConversationStore(paths.database) as store:
            store.rename(1, "new title")
    finally:
        if keeper is not None:
            keeper.close()


def test_read_only_open_of_a_corrupt_file_is_still_unreadable(tmp_path):
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError, match="unreadable") as err:
        ConversationStore(bad, read_only=True)
    assert not isinstance(err.value, StoreNotWritable)
    assert bad.read_bytes() == b"not a database at all" * 100


# --------------------------------------------------------- export -o


def test_export_to_a_folder_is_one_line_naming_a_file(paths, monkeypatch, tmp_path):
    saved_history(paths)
    result = run_cli(monkeypatch, "export", "--last", "-o", str(tmp_path))
    assert result.code == 2 and "is a folder" in result.err and "pinata-chat-1-" in result.err
    assert result.err.count("\n") == 1


@pytest.mark.parametrize(("where", "said"), [("missing/folder/out.md", "the folder does not exist"),
                                             ("a-file/out.md", "part of the path is not a folder")])
def test_export_to_an_impossible_path_is_one_line(paths, monkeypatch, tmp_path, where, said):
    saved_history(paths)
    (tmp_path / "a-file").write_text("x")
    result = run_cli(monkeypatch, "export", "--last", "-o", str(tmp_path / where))
    assert result.code == 1 and said in result.err and result.err.count("\n") == 1


def test_export_to_a_full_disk_is_one_line(paths, monkeypatch):
    saved_history(paths)
    result = run_cli(monkeypatch, "export", "--last", "-o", "/dev/full")
    assert result.code == 1 and "the disk is full" in result.err and result.err.count("\n") == 1


@pytest.mark.parametrize(("code", "said"), [(errno.EACCES, "permission denied"), (errno.EROFS, "read-only"),
                                            (errno.ENOSPC, "the disk is full")])
def test_export_that_fails_half_way_leaves_no_partial_file(paths, monkeypatch, tmp_path, code, said):
    saved_history(paths)
    target = tmp_path / "out.md"

    class Failing:
        def __init__(self, path, *args, **kwargs):
            Path(path).write_text("half")

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def write(self, text):
            raise OSError(code, "simulated")

    monkeypatch.setattr(cli_export, "open", Failing, raising=False)
    result = run_cli(monkeypatch, "export", "--last", "-o", str(target))
    assert result.code == 1 and said in result.err and result.err.count("\n") == 1
    assert not target.exists()


# ------------------------------------------------------- 13: import


def counts(paths) -> tuple[int, int]:
    with sqlite3.connect(paths.database) as connection:
        return (connection.execute("SELECT count(*) FROM conversations").fetchone()[0],
                connection.execute("SELECT count(*) FROM messages").fetchone()[0])


def test_import_failing_half_way_leaves_nothing_behind(paths, monkeypatch, tmp_path):
    saved_history(paths)
    source = tmp_path / "five.json"
    source.write_text(json.dumps([{"role": "user", "content": f"m{i}"} for i in range(5)]))
    calls = {"n": 0}
    real = ConversationStore._insert_message

    def failing(self, *args):
        calls["n"] += 1
        if calls["n"] == 3:
            raise sqlite3.OperationalError("database or disk is full")
        return real(self, *args)

    monkeypatch.setattr(ConversationStore, "_insert_message", failing)
    result = run_cli(monkeypatch, "import", str(source))
    assert result.code == 1 and "Traceback" not in result.err
    assert counts(paths) == (1, 2)  # only what was there before


@pytest.mark.parametrize("text", ['{"messages": [{"role": "user", "content": "ok"}, {"role": "robot"}]}',
                                  "[" * 100_000 + "]" * 100_000, '{"messages": "no"}', "{not json"])
def test_import_of_a_bad_file_leaves_nothing_behind(paths, monkeypatch, tmp_path, text):
    saved_history(paths)
    source = tmp_path / "bad.json"
    source.write_text(text)
    result = run_cli(monkeypatch, "import", str(source))
    assert result.code == 2 and "is not a conversation" in result.err
    assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert counts(paths) == (1, 2)


def test_import_of_invalid_unicode_and_odd_types_is_stored_safely(paths, monkeypatch, tmp_path):
    source = tmp_path / "odd.json"
    source.write_text('{"title": "t\\ud800", "model": {"no": 1}, "messages": ['
                      '{"role": "user", "content": "lone \\udc00 surrogate"},'
                      '{"role": "assistant", "content": "a"}],'
                      '"message_metadata": [{}, {"model": ["x"], "reasoning": "r\\ud83d", "status": ["?"]}]}')
    result = run_cli(monkeypatch, "import", str(source))
    assert result.code == 0, result.err
    with ConversationStore(paths.database) as store:
        conversation = store.load(store.last_conversation_id())
    assert conversation.title == "t\ufffd" and conversation.messages[0].content == "lone \ufffd surrogate"
    assert conversation.messages[1].reasoning == "r\ufffd" and conversation.messages[1].status == MessageStatus.COMPLETE


def test_save_conversation_is_all_or_nothing(tmp_path):
    with ConversationStore(tmp_path / "c.sqlite3") as store:
        conversation = a_conversation(4)
        store.save_conversation(conversation)
        assert all(m.id for m in conversation.messages) and conversation.id == 1
        broken = a_conversation(3)
        broken.messages[2].content = None  # NOT NULL: the third insert fails
        with pytest.raises(StoreError):
            store.save_conversation(broken)
        assert broken.id is None and all(m.id is None for m in broken.messages)
        assert [c.id for c in store.list_conversations()] == [1]
