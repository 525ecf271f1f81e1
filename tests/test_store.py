"""The SQLite store: migrations, recovery, search, corruption, concurrent writers."""

from __future__ import annotations

import multiprocessing
import sqlite3

import pytest

from pinata_tui.api import Usage
from pinata_tui.conversation import ChatMessage, Conversation, MessageStatus
from pinata_tui.store import ConversationStore, StoreError
from pinata_tui.store.migrations import LATEST


def sample(store: ConversationStore, title_prompt: str = "How do pinatas work?") -> Conversation:
    conv = Conversation(model="anthropic/claude-sonnet-4-6", system_prompt="Be brief.")
    user = conv.add(ChatMessage("user", title_prompt))
    store.save_message(conv, user)
    reply = conv.add(ChatMessage("assistant", "They hold **candy**.", model="anthropic/claude-sonnet-4-6",
                                 usage=Usage(10, 5, 15), cost=0.000105))
    store.save_message(conv, reply)
    return conv


def test_round_trip_keeps_every_field(tmp_path):
    with ConversationStore(tmp_path / "c.db") as store:
        conv = sample(store)
        loaded = store.load(conv.id)
    assert loaded.title == "How do pinatas work?" and loaded.system_prompt == "Be brief."
    assert [(m.role, m.content, m.model, m.status) for m in loaded.messages] == [
        ("user", "How do pinatas work?", None, MessageStatus.COMPLETE),
        ("assistant", "They hold **candy**.", "anthropic/claude-sonnet-4-6", MessageStatus.COMPLETE),
    ]
    assert loaded.messages[1].usage == Usage(10, 5, 15) and loaded.messages[1].cost == pytest.approx(0.000105)


def test_wal_mode_and_schema_version(tmp_path):
    ConversationStore(tmp_path / "c.db").close()
    conn = sqlite3.connect(tmp_path / "c.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST


def test_migrates_a_version_1_database(tmp_path):
    from pinata_tui.store.migrations import V1, run_script

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    run_script(conn, V1)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO conversations (title, model, created_at, updated_at) VALUES ('old', 'a/b', 1, 1)")
    conn.execute("INSERT INTO messages (conversation_id, role, content, status, created_at, updated_at)"
                 " VALUES (1, 'user', 'searchable words from before', 'complete', 1, 1)")
    conn.close()
    with ConversationStore(path) as store:
        assert [hit.conversation_id for hit in store.search("searchable")] == [1]
        assert store.load(1).messages[0].content == "searchable words from before"


def test_a_newer_schema_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "new.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {LATEST + 5}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError) as err:
        ConversationStore(path)
    assert str(path) in str(err.value) and "newer pinata-chat" in str(err.value)
    assert path.read_bytes() == before


@pytest.mark.parametrize("garbage", [b"this is not a database at all" * 100, b"SQLite format 3\x00" + b"\xff" * 4000])
def test_a_corrupt_database_is_named_and_never_touched(tmp_path, garbage):
    path = tmp_path / "broken.db"
    path.write_bytes(garbage)
    with pytest.raises(StoreError) as err:
        ConversationStore(path)
    assert str(path) in str(err.value) and "left untouched" in str(err.value)
    assert path.read_bytes() == garbage
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.db"]


def test_streaming_reply_of_a_dead_process_is_interrupted(tmp_path):
    path = tmp_path / "c.db"
    with ConversationStore(path) as store:
        conv = sample(store)
        reply = conv.add(ChatMessage("assistant", "half a", model="m", status=MessageStatus.STREAMING))
        store.save_message(conv, reply)
        reply.content += " sentence"
        store.checkpoint(reply)
    # Pretend another process wrote it and died: a pid that cannot exist.
    conn = sqlite3.connect(path)
    conn.execute("UPDATE messages SET writer_pid = 2147483646 WHERE id = ?", (reply.id,))
    conn.commit()
    conn.close()
    with ConversationStore(path) as store:
        last = store.load(conv.id).messages[-1]
    assert (last.content, last.status) == ("half a sentence", MessageStatus.INTERRUPTED)


def test_streaming_reply_of_a_live_process_is_left_streaming(tmp_path):
    path = tmp_path / "c.db"
    with ConversationStore(path) as writer:
        conv = sample(writer)
        reply = conv.add(ChatMessage("assistant", "still going", model="m", status=MessageStatus.STREAMING))
        writer.save_message(conv, reply)
        with ConversationStore(path) as reader:  # a second pinata-chat opening meanwhile
            assert reader.load(conv.id).messages[-1].status == MessageStatus.STREAMING


def test_list_rename_delete_and_last(tmp_path):
    with ConversationStore(tmp_path / "c.db") as store:
        first = sample(store, "first chat")
        second = sample(store, "second chat")  # newer: a later (or, within the clock's grain, equal) time, a higher id
        listed = store.list_conversations()
        assert [c.title for c in listed] == ["second chat", "first chat"]
        assert listed[0].message_count == 2 and listed[0].cost == pytest.approx(0.000105)
        assert store.last_conversation_id() == second.id
        store.rename(first.id, "renamed")
        assert store.load(first.id).title == "renamed"
        store.delete(second.id)
        assert [c.id for c in store.list_conversations()] == [first.id]
        with pytest.raises(KeyError):
            store.load(second.id)
        assert sqlite3.connect(tmp_path / "c.db").execute(
            "SELECT COUNT(*) FROM messages WHERE conversation_id = ?", (second.id,)).fetchone()[0] == 0


def test_full_text_search(tmp_path):
    with ConversationStore(tmp_path / "c.db") as store:
        assert store.has_fts
        a = sample(store, "Tell me about quokkas")
        sample(store, "Tell me about otters")
        hits = store.search("quokkas")
        assert [h.conversation_id for h in hits] == [a.id] and "«quokkas»" in hits[0].snippet
        assert {h.conversation_id for h in store.search("candy")} == {a.id, a.id + 1}
        assert store.search('"; DROP TABLE messages; --') == []
        assert store.search("   ") == []


@pytest.mark.parametrize("fts", [True, False], ids=["fts5", "like"])
def test_search_gives_the_newest_matches_first_up_to_the_limit(tmp_path, fts):
    with ConversationStore(tmp_path / "c.db") as store:
        store.has_fts = fts and store.has_fts  # SQLite without FTS5 falls back to LIKE
        older, newer = sample(store, "wombat one"), sample(store, "wombat two")
        store.save_message(older, older.add(ChatMessage("user", "wombat three")))  # the older one's match is newest
        discarded = older.add(ChatMessage("assistant", "wombat four", status=MessageStatus.DISCARDED))
        store.save_message(older, discarded)
        hits = store.search("wombat", limit=10)
        assert [h.message_id for h in hits] == [older.messages[2].id, newer.messages[0].id, older.messages[0].id]
        assert [h.conversation_id for h in store.search("wombat", limit=2)] == [older.id, newer.id]
        bare = store.search("wombat", limit=10, snippets=False)
        assert [h.message_id for h in bare] == [h.message_id for h in hits] and {h.snippet for h in bare} == {""}
        wanted = [hits[0].message_id, hits[2].message_id]
        assert store.snippets("wombat", wanted) == {h.message_id: h.snippet for h in hits if h.message_id in wanted}
        assert "wombat" in store.snippets("wombat", wanted)[hits[0].message_id]
        assert store.snippets("  ", wanted) == {} and store.snippets("wombat", []) == {}


def test_an_alternative_reply_is_kept_in_the_tree_and_the_current_branch_reopens(tmp_path):
    with ConversationStore(tmp_path / "c.db") as store:
        conv = sample(store)
        user, first = conv.messages
        second = conv.add(ChatMessage("assistant", "another answer"), parent=user)
        conv.messages.remove(first)
        store.save_message(conv, second)
        loaded = store.load(conv.id)
        assert [m.content for m in loaded.messages] == [user.content, "another answer"]
        assert [m.content for m in loaded.siblings(loaded.messages[1])] == [first.content, "another answer"]
        loaded.select(loaded.siblings(loaded.messages[1])[0])
        store.set_current_branch(loaded)
        assert store.load(conv.id).messages[-1].content == first.content


def _writer(path: str, label: str, count: int) -> None:
    with ConversationStore(path) as store:
        conv = Conversation(model="m")
        for i in range(count):
            message = conv.add(ChatMessage("user" if i % 2 == 0 else "assistant", f"{label}-{i}"))
            store.save_message(conv, message)
            if i % 5 == 0:
                message.content += " (edited)"
                store.checkpoint(message)


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    path = str(tmp_path / "shared.db")
    ConversationStore(path).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, label, 150)) for label in ("alpha", "beta")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    for label in ("alpha", "beta"):
        rows = conn.execute("SELECT content FROM messages WHERE content LIKE ? ORDER BY id", (f"{label}-%",)).fetchall()
        assert len(rows) == 150
        assert rows[5][0] == f"{label}-5 (edited)"
    with ConversationStore(path) as store:
        assert len(store.list_conversations()) == 2
        assert len(store.search("alpha")) > 0
