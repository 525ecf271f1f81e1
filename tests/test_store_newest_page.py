"""``ConversationStore.load_newest`` and ``load(..., reuse=...)``: a long conversation's newest messages
read first, then the whole of it made of those very message objects (#17: opening 10,000 messages)."""

from __future__ import annotations

import sqlite3

from pinata_tui.attachments import Attachment
from pinata_tui.conversation import ChatMessage, Conversation, MessageStatus
from pinata_tui.paths import AppPaths
from pinata_tui.store import ConversationStore

MODEL = "anthropic/claude-sonnet-4-6"


def branched(store: ConversationStore) -> Conversation:
    """40 messages on the current branch; alternatives at messages 1 (far above the newest 20), 31 and 37
    (two for 37); an attachment on message 36 and one on message 2."""
    conversation = Conversation(model=MODEL, title="Branched")
    for i in range(40):
        message = ChatMessage("user" if i % 2 == 0 else "assistant", f"message {i}", model=MODEL)
        if i in (2, 36):
            message.attachments.append(Attachment(f"notes{i}.md", "text", "text/plain", 4, text=f"n{i}\n"))
        if i in (1, 31, 37):  # an alternative first, then the message on the branch
            parent = conversation.messages[-1]
            for n in range(2 if i == 37 else 1):
                store.save_message(conversation, conversation.add(
                    ChatMessage(message.role, f"alternative {n} to {i}", model=MODEL), parent=parent))
            conversation.cut_after(parent)
        store.save_message(conversation, conversation.add(message))
    store.set_current_branch(conversation)
    return conversation


def shape(conversation: Conversation, messages: list[ChatMessage]) -> list[tuple[str, object, list[str]]]:
    return [(m.content, conversation.alternative_position(m), [a.name for a in m.attachments]) for m in messages]


def test_the_newest_messages_come_with_their_alternatives_as_the_whole_conversation_has_them(tmp_path):
    with ConversationStore(AppPaths.under(tmp_path).database) as store:
        saved = branched(store)
        assert saved.id is not None
        whole = store.load(saved.id)
        newest = store.load_newest(saved.id, 20)
    assert newest is not None
    assert [m.content for m in newest.messages] == [m.content for m in whole.messages[-20:]]
    assert shape(newest, newest.messages) == shape(whole, whole.messages[-20:])
    assert newest.alternative_position(newest.messages[-3]) == (3, 3)  # message 37, after its two alternatives
    assert (newest.title, newest.model, newest.id) == (whole.title, whole.model, whole.id)


def test_the_whole_conversation_takes_over_the_newest_messages_objects(tmp_path):
    with ConversationStore(AppPaths.under(tmp_path).database) as store:
        saved = branched(store)
        assert saved.id is not None
        plain = store.load(saved.id)
        newest = store.load_newest(saved.id, 20)
        assert newest is not None
        whole = store.load(saved.id, reuse=newest)
    assert all(a is b for a, b in zip(newest.messages, whole.messages[-20:], strict=True))
    assert shape(whole, whole.messages) == shape(plain, plain.messages)  # attachments once each, positions
    assert [(m.content, m.parent.content if m.parent else None) for m in whole.tree()] == [
        (m.content, m.parent.content if m.parent else None) for m in plain.tree()]
    assert len(whole.messages) == 40
    assert [a.name for a in whole.messages[36].attachments] == ["notes36.md"]
    assert [a.name for a in whole.messages[2].attachments] == ["notes2.md"]


def test_a_short_conversation_is_read_whole_at_once(tmp_path):
    with ConversationStore(AppPaths.under(tmp_path).database) as store:
        saved = branched(store)
        assert saved.id is not None
        assert store.load_newest(saved.id, 40) is None  # no more than asked for: ``load`` is as quick
        assert store.load_newest(saved.id, 39) is not None


def left_streaming_by_a_dead_process(database, *message_ids: int | None) -> None:
    conn = sqlite3.connect(database)
    for message_id in message_ids:  # a pid that cannot exist
        conn.execute("UPDATE messages SET status = ?, writer_pid = 2147483646 WHERE id = ?",
                     (MessageStatus.STREAMING.value, message_id))
    conn.commit()
    conn.close()


def test_replies_left_streaming_read_as_interrupted_before_a_store_opened_without_recovery_marks_them(tmp_path):
    """#17: marking them reads every message of every conversation; the app opens the store with
    ``recover=False`` and marks them once a long conversation's newest messages are shown. Until then
    they are read as interrupted (by the preview too), and marked only when asked."""
    database = AppPaths.under(tmp_path).database
    with ConversationStore(database) as store:
        saved = branched(store)
    assert saved.id is not None
    left_streaming_by_a_dead_process(database, saved.messages[5].id, saved.messages[39].id)
    with ConversationStore(database, recover=False) as store:
        newest = store.load_newest(saved.id, 20)
        assert newest is not None and newest.messages[-1].status == MessageStatus.INTERRUPTED
        assert store.load(saved.id).messages[5].status == MessageStatus.INTERRUPTED
        assert store.recover_interrupted() == 2  # not marked before
        assert store.recover_interrupted() == 0
