"""Conversations as trees (#19): the in-memory tree, the store's tree, and the upgrade of a real v3 file."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from pinata_tui.conversation import ChatMessage, Conversation, MessageStatus
from pinata_tui.store import ConversationStore
from pinata_tui.store.migrations import LATEST

V3_DATABASE = Path(__file__).parent / "data" / "history-v3.sqlite"
"""Made by pinata-chat as released before trees (schema 3): a regenerated reply ("discarded"),
a reply switched to another model, a stopped reply, and a conversation whose request failed."""


def linear(*texts: str) -> Conversation:
    conversation = Conversation(model="m")
    for index, text in enumerate(texts):
        conversation.add(ChatMessage("user" if index % 2 == 0 else "assistant", text))
    return conversation


def contents(messages: list[ChatMessage]) -> list[str]:
    return [m.content for m in messages]


def test_add_chains_each_message_to_the_leaf():
    conversation = linear("q1", "a1", "q2")
    q1, a1, q2 = conversation.messages
    assert (q1.parent, a1.parent, q2.parent) == (None, q1, a1)
    assert conversation.tree() == [q1, a1, q2] and not conversation.has_branches


def test_an_edit_branches_and_select_walks_between_branches():
    conversation = linear("q1", "a1", "q2", "a2", "q3", "a3")
    q2 = conversation.messages[2]
    assert conversation.cut_after(q2.parent) == 2
    edited = conversation.add(ChatMessage("user", "q2 edited"))
    conversation.add(ChatMessage("assistant", "a2 new"))
    assert contents(conversation.messages) == ["q1", "a1", "q2 edited", "a2 new"]
    assert conversation.siblings(edited) == [q2, edited] and conversation.has_branches

    assert conversation.select(q2) == 2  # back to the old branch, down to its newest leaf
    assert contents(conversation.messages) == ["q1", "a1", "q2", "a2", "q3", "a3"]
    assert conversation.select(edited) == 2
    assert contents(conversation.messages) == ["q1", "a1", "q2 edited", "a2 new"]
    # Every message once, each after its parent.
    order = conversation.tree()
    assert len(order) == 8 and all(m.parent is None or order.index(m.parent) < order.index(m) for m in order)


def test_select_reports_where_the_branch_changed():
    conversation = linear("q1", "a1")
    a1 = conversation.messages[1]
    alt = conversation.add(ChatMessage("assistant", "a1 bis"), parent=a1.parent)
    conversation.messages.remove(a1)
    assert conversation.select(a1) == 1 and conversation.messages[-1] is a1
    assert conversation.select(alt) == 1 and conversation.messages[-1] is alt
    assert conversation.select(alt) == 2  # nothing changed: the index is past the end


def test_forget_drops_an_unsaved_reply_from_branch_and_tree():
    conversation = linear("q1", "a1")
    a1 = conversation.messages[1]
    conversation.forget(a1)
    assert contents(conversation.messages) == ["q1"] and conversation.children(conversation.messages[0]) == []


def test_request_history_follows_the_current_branch_only():
    conversation = linear("q1", "a1", "q2", "a2")
    conversation.cut_after(conversation.messages[1])
    conversation.add(ChatMessage("user", "other q2"))
    assert [m["content"] for m in conversation.request_history()] == ["q1", "a1", "other q2"]


def test_store_round_trips_a_tree_and_its_current_branch(tmp_path):
    conversation = linear("q1", "a1", "q2", "a2")
    q2 = conversation.messages[2]
    with ConversationStore(tmp_path / "c.db") as store:
        for message in list(conversation.messages):
            store.save_message(conversation, message)
        conversation.cut_after(q2.parent)
        for text, role in (("q2 edited", "user"), ("a2 edited", "assistant")):
            store.save_message(conversation, conversation.add(ChatMessage(role, text)))
        loaded = store.load(conversation.id)  # type: ignore[arg-type]
        assert contents(loaded.messages) == ["q1", "a1", "q2 edited", "a2 edited"]
        assert contents(loaded.siblings(loaded.messages[2])) == ["q2", "q2 edited"]
        loaded.select(loaded.siblings(loaded.messages[2])[0])
        store.set_current_branch(loaded)
        assert contents(store.load(loaded.id).messages) == ["q1", "a1", "q2", "a2"]  # type: ignore[arg-type]

        copy_id = store.save_conversation(store.load(loaded.id))  # type: ignore[arg-type]
        copy = store.load(copy_id)
        assert contents(copy.messages) == ["q1", "a1", "q2", "a2"] and len(copy.tree()) == 6
        assert {m.id for m in copy.tree()}.isdisjoint(m.id for m in loaded.tree())


def test_a_database_made_by_the_release_before_trees_upgrades(tmp_path):
    database = tmp_path / "history.sqlite"
    shutil.copy(V3_DATABASE, database)
    assert sqlite3.connect(database).execute("PRAGMA user_version").fetchone()[0] == 3
    with ConversationStore(database) as store:
        monads = store.load(1)
        assert contents(monads.messages) == [
            "What is a monad?", "A monoid in the category of endofunctors.", "Simpler, please.",
            "A wrapper that lets you chain steps that carry context.", "Give an example",
            "Maybe: a value or nothing, and"]
        assert monads.messages[-1].status == MessageStatus.STOPPED
        # The reply a regenerate hid is back, as the alternative of the one that replaced it.
        replaced, replacement = monads.siblings(monads.messages[3])
        assert replaced.content == "Think of it as a box with rules." and replacement is monads.messages[3]
        assert replaced.status == MessageStatus.COMPLETE and replaced.usage is not None
        assert replaced.usage.completion_tokens == 9 and replaced.cost == 0.0002
        assert monads.messages[3].reasoning == "The user wants plainer words."
        assert monads.system_prompt == "Be brief."
        failed = store.load(2)
        assert [(m.role, m.status) for m in failed.messages] == [
            ("user", MessageStatus.COMPLETE), ("assistant", MessageStatus.ERROR)]
    assert sqlite3.connect(database).execute("PRAGMA user_version").fetchone()[0] == LATEST


def test_while_a_prompt_is_edited_the_meter_counts_only_the_messages_above_it():
    from pinata_tui.chat.context_tokens import ContextTokens

    class Counter:
        loaded = True

        def count_message(self, text: str, model: str) -> int:
            return len(text)

        def count(self, text: str, model: str) -> int:
            return len(text)

    conversation = linear("q1", "a1", "q2", "a2", "q3", "a3")
    meter = ContextTokens(Counter())  # type: ignore[arg-type]
    for message in conversation.messages:
        meter.count_message(message, "m")
    meter.count_draft("q2 but better", "m")
    assert meter.total(conversation) == 12 + len("q2 but better")
    assert meter.total(conversation, before=conversation.messages[2]) == 4 + len("q2 but better")


def test_alternative_position_counts_siblings_and_follows_a_forgotten_one():
    conversation = linear("q1", "a1")
    q1, a1 = conversation.messages
    assert conversation.alternative_position(a1) is None
    a2 = conversation.add(ChatMessage("assistant", "a2"), parent=q1)
    a3 = conversation.add(ChatMessage("assistant", "a3"), parent=q1)
    assert [conversation.alternative_position(m) for m in (a1, a2, a3)] == [(1, 3), (2, 3), (3, 3)]
    conversation.forget(a2)  # a reply that got nothing
    assert [conversation.alternative_position(m) for m in (a1, a3)] == [(1, 2), (2, 2)]
