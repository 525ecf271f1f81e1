"""A long session keeps only a window of messages mounted (issue #17): a conversation that grows in
this session is no heavier to lay out than the same conversation reopened."""

from __future__ import annotations

from pinata_tui.tui.chat.conversation_view import LIVE_PAGES, PAGE_SIZE
from pinata_tui.tui.chat.message_block import MessageBlock
from pinata_tui.tui.chat.page_loader import LoadEarlier
from tests.tui_helpers import chat, make_app, press_now, ready, send_and_wait, until


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
        assert mounted <= 2 * LIVE_PAGES * PAGE_SIZE, mounted  # short replies: the reader's screenful stays
        assert len(screen.conversation.messages) == 80
        loader = view.query_one(LoadEarlier)
        assert "earlier message" in str(loader.render())
        # The oldest messages come back on demand, as in a reopened conversation.
        await pilot.press("ctrl+home")
        await until(pilot, lambda: view.window[0] == 0, what="the first page to be mounted again")
        assert view.query(MessageBlock).first().message is screen.conversation.messages[0]


async def test_the_live_conversation_keeps_its_last_pages_mounted_and_the_rest_reachable(server, tmp_path):
    """No more mounted at reply 30 than at reply 10: every reply's layout walks what is mounted."""
    server.state.reply_tokens = 60  # replies taller than the screen: the oldest pages are well above it
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = chat(app)
        view = screen.view
        for i in range(30):
            await send_and_wait(pilot, f"message {i}")
            start, end = view.window
            assert end == len(screen.conversation.messages) and end - start <= LIVE_PAGES * PAGE_SIZE, (i, start, end)
        assert len(view.query(MessageBlock)) <= LIVE_PAGES * PAGE_SIZE
        await pilot.press("ctrl+home")
        await until(pilot, lambda: view.window[0] == 0, what="the first page to be mounted again")
        assert view.query(MessageBlock).first().message is screen.conversation.messages[0]
        await pilot.press("ctrl+end")
        await until(pilot, lambda: view.at_tail and view.following, what="the end again")
        assert view.block_for(screen.conversation.messages[-1]) is not None


async def test_the_meter_counts_each_keystroke_against_the_whole_conversation(server, tmp_path):
    """A keystroke adds the draft to the total summed at the last full update: it must equal a full count
    after replies, as the draft changes, and in a new conversation."""
    server.state.reply_tokens = 20
    app = make_app(server, tmp_path, model="openai/gpt-4.1")
    async with app.run_test() as pilot:
        await ready(pilot)
        screen = chat(app)

        def full_count() -> int:
            return screen.context.total(screen.conversation)

        for i in range(3):
            await send_and_wait(pilot, f"question number {i}")
            await until(pilot, lambda: screen.status.context_tokens == full_count(), what="the meter after a reply")
            for key in ("h", "i", "space", "t", "h", "e", "r", "e", "backspace"):
                await press_now(pilot, key)
                assert screen.status.context_tokens == full_count() > screen.context.draft > 0
            screen.prompt.clear()
            await until(pilot, lambda: screen.status.context_tokens == full_count())
        assert full_count() > 60
        await pilot.press("ctrl+n")
        await until(pilot, lambda: not screen.conversation.messages, what="a new conversation")
        await press_now(pilot, "o", "k")
        assert screen.status.context_tokens == full_count() == screen.context.draft


async def test_rich_forgets_the_widths_it_measured_once_a_reply_has_settled(server, tmp_path):
    """Rich keeps up to 4,096 measured strings for good (about 1 MB once full, every one different in a
    long session): emptied after each reply, it holds at most what one reply measured."""
    from rich.cells import cached_cell_len, cell_len

    server.state.reply_tokens = 30
    app = make_app(server, tmp_path)
    async with app.run_test() as pilot:
        await ready(pilot)
        for i in range(3000):
            cell_len(f"a string measured before the reply {i}")
        assert cached_cell_len.cache_info().currsize >= 3000
        await send_and_wait(pilot, "hello")
        await until(pilot, lambda: cached_cell_len.cache_info().currsize < 1000, what="the widths forgotten")
        # What is drawn after it is measured again, as before.
        await pilot.press(*"next")
        await until(pilot, lambda: chat(app).prompt.text == "next")
