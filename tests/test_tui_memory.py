"""A closed conversation is given back: nothing of it stays reachable once a new one is open."""

from __future__ import annotations

import gc
import weakref

from pinata_tui.tui.chat.message_block import MessageBlock
from tests.tui_helpers import chat, make_app, ready, send_and_wait, until


async def test_after_ctrl_n_no_block_of_the_old_conversation_is_kept_alive(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        for n in range(3):
            await send_and_wait(pilot, f"question {n}")
        blocks = [weakref.ref(block) for block in chat(app).view.query(MessageBlock)]
        assert len(blocks) == 6
        await pilot.press("ctrl+n")
        await until(pilot, lambda: not chat(app).conversation.messages, what="the new conversation")

        def all_gone() -> bool:
            gc.collect()
            return all(ref() is None for ref in blocks)

        # (The renderer thread may hold a block for the moment it takes to hand over its lines.)
        await until(pilot, all_gone, what="the old conversation's blocks to be freed")
