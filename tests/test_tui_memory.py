"""A closed conversation is given back: nothing of it stays reachable once a new one is open."""

from __future__ import annotations

import gc
import platform
import sys
import weakref

import pytest

from pinata_tui.conversation import ChatMessage, Conversation
from pinata_tui.memory import give_back_memory, trim_free_memory
from pinata_tui.paths import AppPaths
from pinata_tui.store import ConversationStore
from pinata_tui.tui.chat.message_block import MessageBlock
from tests.tui_helpers import chat, make_app, ready, send_and_wait, turn_settled, type_and_send, until


async def blocks_of_three_turns(pilot) -> list[weakref.ref[MessageBlock]]:
    """Three prompts sent and answered; weak references to the six blocks on screen."""
    await ready(pilot)
    for n in range(3):
        await send_and_wait(pilot, f"question {n}")
    blocks = [weakref.ref(block) for block in chat(pilot.app).view.query(MessageBlock)]
    assert len(blocks) == 6
    return blocks


async def until_freed(pilot, refs: list[weakref.ref], what: str) -> None:
    def all_gone() -> bool:
        gc.collect()
        return all(ref() is None for ref in refs)

    await until(pilot, all_gone, what=what)


async def test_after_ctrl_n_no_block_of_the_old_conversation_is_kept_alive(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        blocks = await blocks_of_three_turns(pilot)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: not chat(app).conversation.messages, what="the new conversation")
        # (The renderer thread may hold a block for the moment it takes to hand over its lines.)
        await until_freed(pilot, blocks, "the old conversation's blocks to be freed")


async def test_after_ctrl_n_the_old_conversations_messages_are_freed(server, tmp_path):
    """Two things held a closed conversation: the app (the conversation it started with, kept after
    the chat screen had it: forever) and a finished reply worker, which held its turn's messages. A
    message holds its parents, so either kept the whole conversation. asyncio keeps a finished worker
    alive until its cancelled timer handles (an HTTP read timeout: 60 s by default) come due, as each
    holds a copy of the worker's context; the test holds the reply workers as those handles do."""
    server.state.reply_tokens, server.state.tokens_per_second = 10, 20  # its worker can be seen streaming
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = chat(app)
        workers = []
        for n in range(3):
            before = len(screen.conversation.messages)
            await type_and_send(pilot, f"question {n}")
            workers += await until(pilot, lambda: [w for w in app.workers if w.group == "reply"],
                                   what="the reply worker")
            await until(pilot, lambda b=before: turn_settled(screen, b), what="the reply to finish")
        assert all(worker.is_finished for worker in workers)
        messages = [weakref.ref(message) for message in screen.conversation.messages]
        assert len(messages) == 6
        await pilot.press("ctrl+n")
        await until(pilot, lambda: not screen.conversation.messages, what="the new conversation")
        await until_freed(pilot, messages, "the old conversation's messages to be freed")


async def test_closing_a_conversation_gives_its_widgets_back_at_once(server, tmp_path):
    """The closed conversation's widgets are cyclic garbage: without a collection they would wait for
    the next full one (minutes away in an idle app). Automatic collection is off here, so only the
    app's own collection on closing can free them."""
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        blocks = await blocks_of_three_turns(pilot)
        gc.disable()
        try:
            await pilot.press("ctrl+n")
            await until(pilot, lambda: all(ref() is None for ref in blocks),
                        what="the old conversation's blocks to be collected")
        finally:
            gc.enable()


async def test_the_heaps_are_trimmed_after_each_reply(server, tmp_path, monkeypatch):
    from pinata_tui.tui.chat import reply_presenter

    trims = []
    monkeypatch.setattr(reply_presenter, "trim_free_memory", lambda: trims.append(1))
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        for n in range(2):
            await send_and_wait(pilot, f"question {n}")
            await until(pilot, lambda n=n: len(trims) == n + 1, what="the heaps to be trimmed")


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
                    reason="malloc_trim is glibc's")
def test_trim_free_memory_calls_malloc_trim_on_glibc():
    assert trim_free_memory() is True
    assert give_back_memory() is True


async def test_a_conversation_opened_at_start_is_given_back_when_closed(server, tmp_path):
    """Start-up freezes what it built (gc.freeze), an opened conversation too; frozen objects are never
    collected, so that conversation's blocks outlived its closing for good."""
    with ConversationStore(AppPaths.under(tmp_path).database) as store:
        saved = Conversation(model="anthropic/claude-sonnet-4-6")
        for n in range(3):  # short replies: drawn at once, not by the background renderer
            store.save_message(saved, saved.add(ChatMessage("user", f"question {n}")))
            store.save_message(saved, saved.add(ChatMessage("assistant", f"Answer {n}.")))
    app = make_app(server, tmp_path, open_conversation=saved.id)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)  # (the tokenizer is in: start-up's freeze has happened)
        blocks = [weakref.ref(block) for block in chat(app).view.query(MessageBlock)]
        assert blocks and gc.get_freeze_count() > 0
        await pilot.press("ctrl+n")
        await until_freed(pilot, blocks, "the opened conversation's blocks to be freed")


async def test_lines_drawn_for_messages_off_screen_are_let_go_when_a_reply_settles(server, tmp_path):
    """Textual keeps every line it drew of a widget until the widget changes: in a long session, the
    lines of every message in the window that had scrolled past (#17). Once a reply has settled, only
    the messages on screen keep theirs; one scrolled back to is drawn again, its text whole."""
    server.state.reply_tokens = 60
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 20)) as pilot:
        await ready(pilot)
        for n in range(4):
            await send_and_wait(pilot, f"question {n}")
        view = chat(app).view
        blocks = list(view.query(MessageBlock))

        def drawn(block: MessageBlock) -> int:
            return len(block._styles_cache._cache)

        await until(pilot, lambda: drawn(blocks[0]) == 0, what="the first message's lines to be let go")
        shown = [block for block in blocks if block.region.overlaps(view.region)]
        assert blocks[0] not in shown and blocks[-1] in shown
        assert all(drawn(block) == 0 for block in blocks if block not in shown)
        assert drawn(blocks[-1]) > 0
        await pilot.press("ctrl+home")
        await until(pilot, lambda: "question 0" in "\n".join(line.text for line in app.screen._compositor.render_strips()),
                    what="the first message drawn again")
