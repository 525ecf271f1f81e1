"""A long session keeps only a window of messages mounted (issue #17): a conversation that grows in
this session is no heavier to lay out than the same conversation reopened."""

from __future__ import annotations

from pinata_tui.tui.chat.conversation_view import PAGE_SIZE, WINDOW_PAGES
from pinata_tui.tui.chat.message_block import MessageBlock
from pinata_tui.tui.chat.page_loader import LoadEarlier
from tests.tui_helpers import chat, make_app, ready, send_and_wait, until


async def test_the_live_conversation_unmounts_its_oldest_pages_as_it_grows(server, tmp_path):
    server.state.reply_tokens = 8
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = chat(app)
        for i in range(40):  # 80 messages
            await send_and_wait(pilot, f"message {i}")
        view = screen.view
        mounted = len(view.query(MessageBlock))
        assert mounted <= (WINDOW_PAGES + 1) * PAGE_SIZE, mounted
        assert len(screen.conversation.messages) == 80
        loader = view.query_one(LoadEarlier)
        assert "earlier message" in str(loader.render())
        # The oldest messages come back on demand, as in a reopened conversation.
        await pilot.press("ctrl+home")
        await until(pilot, lambda: view.window[0] == 0, what="the first page to be mounted again")
        assert view.query(MessageBlock).first().message is screen.conversation.messages[0]
