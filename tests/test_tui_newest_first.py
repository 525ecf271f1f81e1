"""Opening a long saved conversation shows its newest messages first, read apart from the rest
(``ConversationStore.load_newest``), then takes over the whole of it without redrawing them (#17)."""

from __future__ import annotations

import sqlite3
import threading

from pinata_tui.conversation import ChatMessage, Conversation, MessageStatus
from pinata_tui.paths import AppPaths
from pinata_tui.store import ConversationStore, StoreError
from pinata_tui.tui.chat.conversation_view import PAGE_SIZE
from pinata_tui.tui.chat.message_block import MessageBlock
from pinata_tui.tui.chat.notice import Notice
from pinata_tui.tui.chat.page_loader import LoadEarlier
from tests.tui_helpers import chat, make_app, ready, type_and_send
from tests.waiting import until

MODEL = "anthropic/claude-sonnet-4-6"
MESSAGES = 60


def store_branched(home) -> int:
    """60 messages on the current branch, with an alternative to the last reply but one (message 57)."""
    with ConversationStore(AppPaths.under(home).database) as store:
        conversation = Conversation(model=MODEL)
        for i in range(MESSAGES):
            role = "user" if i % 2 == 0 else "assistant"
            if i == 57:
                parent = conversation.messages[-1]
                store.save_message(conversation, conversation.add(
                    ChatMessage(role, "an earlier answer to question 28", model=MODEL), parent=parent))
                conversation.cut_after(parent)
            text = f"question {i // 2}" if role == "user" else f"The answer to question {i // 2}."
            store.save_message(conversation, conversation.add(ChatMessage(role, text, model=MODEL)))
        store.set_current_branch(conversation)
        assert conversation.id is not None
        return conversation.id


def hold_the_whole_load(monkeypatch) -> threading.Event:
    """The whole conversation's read (the one after the preview) waits until the returned event is set."""
    release = threading.Event()
    load = ConversationStore.load

    def held(self, conversation_id, *, reuse=None):
        if reuse is not None:
            release.wait(30)
        return load(self, conversation_id, reuse=reuse)

    monkeypatch.setattr(ConversationStore, "load", held)
    return release


async def test_the_newest_messages_show_first_then_the_whole_conversation_keeps_them(server, tmp_path, monkeypatch):
    release = hold_the_whole_load(monkeypatch)
    app = make_app(server, tmp_path, open_conversation=store_branched(tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = chat(app)
        view = screen.view
        hint = screen.query_one("#empty-hint")
        await until(pilot, lambda: view.previewing and view.query(MessageBlock) and not hint.display,
                    what="the newest messages")
        first_blocks = list(view.query(MessageBlock))
        assert [b.message.content for b in first_blocks][-1] == "The answer to question 29."
        assert len(first_blocks) == PAGE_SIZE
        assert "Earlier messages" in str(view.query_one(LoadEarlier).render())  # how many is not known yet
        assert view.display
        assert screen.status.model == MODEL
        assert screen.status.cost is None and "$…" in str(screen.status.render())  # the whole one's, once read
        reply_57 = next(b for b in first_blocks if b.message.content == "The answer to question 28.")
        assert reply_57.branch == (2, 2)  # its alternative was read with it
        # A prompt sent now goes to the whole conversation, once it is read.
        await type_and_send(pilot, "one more question")
        assert server.state.chat_requests() == [] and screen.prompt.text == "one more question"  # it waits
        release.set()
        await until(pilot, lambda: not view.previewing, what="the whole conversation")
        await until(pilot, lambda: server.state.chat_requests(), what="the request")
        sent = server.state.chat_requests()[-1]["body"]["messages"]
        assert [m["content"] for m in sent[:2]] == ["question 0", "The answer to question 0."]
        assert len(sent) == MESSAGES + 1
        await ready(pilot)
        assert screen.status.cost == screen.conversation.total_cost
        # The blocks shown first are still there, now at their places in the whole conversation.
        assert all(block.is_attached for block in first_blocks)
        assert all(screen.conversation.messages[MESSAGES - PAGE_SIZE + i] is block.message
                   for i, block in enumerate(first_blocks))
        assert f"{MESSAGES - PAGE_SIZE:,} earlier messages" in str(view.query_one(LoadEarlier).render())
        # Every message stays reachable by paging up.
        view.focus()
        await pilot.press("ctrl+home")
        await until(pilot, lambda: view.window[0] == 0, what="the first page")
        assert view.query(MessageBlock).first().message.content == "question 0"


async def test_a_conversation_that_cannot_be_read_whole_leaves_the_screen_as_it_was(server, tmp_path, monkeypatch):
    load = ConversationStore.load

    def fails(self, conversation_id, *, reuse=None):
        if reuse is not None:
            raise KeyError(conversation_id)  # as if deleted by another process between the two reads
        return load(self, conversation_id, reuse=reuse)

    monkeypatch.setattr(ConversationStore, "load", fails)
    app = make_app(server, tmp_path, open_conversation=store_branched(tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = chat(app)
        await until(pilot, lambda: not screen.view.previewing and screen.query_one("#empty-hint").display,
                    what="the empty conversation back")
        assert not screen.view.query(MessageBlock)
        assert screen.conversation.messages == []


async def test_ctrl_n_and_a_question_during_the_preview_are_kept_when_the_whole_arrives(server, tmp_path, monkeypatch):
    from tests.tui_helpers import send_and_wait

    release = hold_the_whole_load(monkeypatch)
    app = make_app(server, tmp_path, open_conversation=store_branched(tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = chat(app)
        view = screen.view
        await until(pilot, lambda: view.previewing and view.query(MessageBlock), what="the preview")
        await pilot.press("ctrl+n")  # the user moved on before the whole conversation was read
        await until(pilot, lambda: not view.previewing, what="the new conversation")
        mine = screen.conversation
        release.set()
        await send_and_wait(pilot, "fresh question")
        assert screen.conversation is mine and [m.content for m in mine.messages][:1] == ["fresh question"]
        assert not screen.streaming and len(server.state.chat_requests()) == 1


async def test_edit_branch_arrows_and_compare_wait_for_the_whole_conversation(server, tmp_path, monkeypatch):
    release = hold_the_whole_load(monkeypatch)
    app = make_app(server, tmp_path, open_conversation=store_branched(tmp_path))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = chat(app)
        view = screen.view
        await until(pilot, lambda: view.previewing and view.query(MessageBlock), what="the newest messages")
        reply = next(b for b in view.query(MessageBlock) if b.message.content == "The answer to question 28.")
        reply.focus()
        await pilot.pause()
        await pilot.press("left", "v")  # its tree is not read yet: said, not done on the empty start-up one
        question = next(b for b in view.query(MessageBlock) if b.message.content == "question 29")
        question.focus()
        await pilot.press("e")
        await pilot.pause()
        assert screen.editing is None and reply.branch == (2, 2)
        said = [str(n.message) for n in app._notifications]
        assert said.count("The conversation is still being read: try again in a moment.") == 3
        release.set()
        await until(pilot, lambda: not view.previewing, what="the whole conversation")


def left_streaming_by_a_dead_process(home, *contents: str) -> None:
    conn = sqlite3.connect(AppPaths.under(home).database)
    conn.executemany("UPDATE messages SET status = 'streaming', writer_pid = 2147483646 WHERE content = ?",
                     [(content,) for content in contents])  # a pid that cannot exist
    conn.commit()
    conn.close()


async def test_replies_left_streaming_are_marked_once_the_newest_messages_are_shown(server, tmp_path, monkeypatch):
    """#17: marking them reads every message, so the store is opened without it and marks them after the
    preview; the preview reads them as interrupted meanwhile."""
    conversation_id = store_branched(tmp_path)
    left_streaming_by_a_dead_process(tmp_path, "The answer to question 2.", "The answer to question 29.")
    steps: list[str] = []

    def recorded(name: str):
        original = getattr(ConversationStore, name)

        def step(self, *args, **kwargs):
            steps.append(name)
            return original(self, *args, **kwargs)
        return step

    for name in ("load_newest", "recover_interrupted", "load"):
        monkeypatch.setattr(ConversationStore, name, recorded(name))
    app = make_app(server, tmp_path, open_conversation=conversation_id)
    async with app.run_test(size=(100, 30)) as pilot:
        view = chat(app).view
        await until(pilot, lambda: not view.previewing and view.query(MessageBlock), what="the whole conversation")
        await ready(pilot)
        assert steps == ["load_newest", "recover_interrupted", "load"]
        assert view.query(MessageBlock).last().message.status == MessageStatus.INTERRUPTED
        assert chat(app).conversation.messages[5].status == MessageStatus.INTERRUPTED
    statuses = sqlite3.connect(AppPaths.under(tmp_path).database).execute(
        "SELECT DISTINCT status FROM messages WHERE content IN (?, ?)",
        ("The answer to question 2.", "The answer to question 29.")).fetchall()
    assert statuses == [("interrupted",)]


async def test_a_store_that_cannot_mark_them_after_the_preview_is_off_as_when_it_cannot_open(server, tmp_path,
                                                                                          monkeypatch):
    def fails(self):
        raise StoreError(f"Cannot use the conversation database {self.path}: the disk is full.")

    conversation_id = store_branched(tmp_path)
    monkeypatch.setattr(ConversationStore, "recover_interrupted", fails)
    app = make_app(server, tmp_path, open_conversation=conversation_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = chat(app)
        await until(pilot, lambda: app.services.store_error is not None and not screen.view.previewing,
                    what="history off")
        assert app.services.store is None and screen.conversation.messages == []
        assert any("History is off" in str(n.render()) and "disk is full" in str(n.render())
                   for n in screen.view.query(Notice))
