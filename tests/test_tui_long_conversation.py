"""A long saved conversation: a sliding window of mounted messages that keeps the reader's place."""

from __future__ import annotations

from pathlib import Path

from pinata_tui.api import Usage
from pinata_tui.conversation import ChatMessage, Conversation, MessageStatus
from pinata_tui.paths import AppPaths
from pinata_tui.store import ConversationStore
from pinata_tui.tui.chat.assistant_message import AssistantMessage
from pinata_tui.tui.chat.conversation_view import PAGE_SIZE, WINDOW_PAGES, ConversationView
from pinata_tui.tui.chat.message_block import MessageBlock
from pinata_tui.tui.chat.page_loader import LoadEarlier, LoadLater
from tests.tui_helpers import chat, make_app, ready, send_and_wait
from tests.waiting import settle, until

MODEL = "anthropic/claude-sonnet-4-6"
MESSAGES = 200


def reply_text(i: int) -> str:
    """Every third reply is long enough to be rendered in the background (estimated height first)."""
    body = f"## Answer {i}\n\nThe short version of answer {i}.\n\n- a point\n- another point\n"
    if i % 3 == 0:
        body += "\n".join(f"\nParagraph {p} of answer {i}: " + "lorem ipsum dolor sit amet " * 12
                          for p in range(6))
    return body


def store_long_conversation(home: Path) -> int:
    with ConversationStore(AppPaths.under(home).database) as store:
        conversation = Conversation(model=MODEL)
        for i in range(MESSAGES // 2):
            store.save_message(conversation, conversation.add(ChatMessage("user", f"question {i}")))
            store.save_message(conversation, conversation.add(ChatMessage(
                "assistant", reply_text(i), model=MODEL, usage=Usage(10, 10, 20))))
        assert conversation.id is not None
        return conversation.id


def mounted_messages(view: ConversationView) -> list[ChatMessage]:
    return [block.message for block in view.query(MessageBlock)]


def top_visible(view: ConversationView) -> tuple[MessageBlock, int]:
    """The first message block at the top of the viewport, and its row on screen."""
    top = view.content_region.y
    block = next(b for b in view.query(MessageBlock) if b.region.bottom > top)
    return block, block.region.y


async def open_long(server, tmp_path, size=(100, 30)):
    app = make_app(server, tmp_path, open_conversation=store_long_conversation(tmp_path))
    return app, app.run_test(size=size)


async def opened(pilot):
    """Wait until the long conversation is open; return its chat screen and view."""
    await ready(pilot)
    screen = chat(pilot.app)
    view = screen.view
    await until(pilot, lambda: len(screen.conversation.messages) == MESSAGES and view.query(LoadEarlier))
    return screen, view


async def scroll_now(pilot, view: ConversationView, y: int) -> None:
    """Scroll the view to row ``y`` at once, and let the app catch up.

    Not ``scroll_to`` as a key does it: that scrolls after the next refresh, which on a busy machine
    came after the test had noted the block at the top, and the test took its own scroll landing
    late for the app moving the text (the block "moved" by exactly the scroll).
    """
    view.scroll_to(y=y, animate=False, immediate=True)
    await until(pilot, lambda: view.scroll_y == y, what=f"the view scrolled to row {y}")
    await settle(pilot)


async def press_home(pilot, view: ConversationView) -> None:
    view.focus()
    await pilot.press("home")
    await until(pilot, lambda: view.window[0] == 0 and not view.window_changing)


async def test_loading_earlier_pages_keeps_the_readers_place_and_a_bounded_window(server, tmp_path):
    app, running = await open_long(server, tmp_path)
    async with running as pilot:
        screen, view = await opened(pilot)
        assert view.window == (MESSAGES - PAGE_SIZE, MESSAGES)
        for _ in range(WINDOW_PAGES + 1):
            # Reading near the top of what is mounted (but not so near that a page loads by itself).
            await scroll_now(pilot, view, view.scrollable_content_region.height + 5)
            assert not view.window_changing
            block, row = top_visible(view)
            start_before = view.window[0]
            await view.load_earlier()
            await until(pilot, lambda: not view.window_changing)
            await settle(pilot)
            assert view.window[0] == start_before - PAGE_SIZE
            assert block.is_attached, "the block being read stays mounted"
            assert block.region.y == row, "the text being read did not move"
            # The long replies of the new page get their real heights later: still no jump.
            await until(pilot, lambda: all(m.rendered for m in view.query(AssistantMessage)),
                        what="background rendering")
            await settle(pilot)
            assert block.region.y == row, "the text being read did not move when heights settled"
            assert len(view.query(MessageBlock)) <= WINDOW_PAGES * PAGE_SIZE
        start, end = view.window
        assert end - start == WINDOW_PAGES * PAGE_SIZE
        assert mounted_messages(view) == screen.conversation.messages[start:end]
        later = view.query_one(LoadLater)
        assert f"{MESSAGES - end} later messages" in str(later.render())
        assert not view.following


async def test_the_page_being_read_is_never_unmounted(server, tmp_path):
    app, running = await open_long(server, tmp_path)
    async with running as pilot:
        screen, view = await opened(pilot)
        await scroll_now(pilot, view, view.max_scroll_y // 2)  # reading in the middle of the last page
        block, row = top_visible(view)
        for _ in range(WINDOW_PAGES + 1):
            await view.load_earlier()
            await until(pilot, lambda: not view.window_changing)
        await settle(pilot)
        assert block.is_attached
        assert block.region.y == row


async def test_page_up_reaches_the_first_message_and_end_comes_back(server, tmp_path):
    app, running = await open_long(server, tmp_path, size=(100, 40))
    async with running as pilot:
        screen, view = await opened(pilot)
        view.focus()
        most_mounted = 0
        for _ in range(2000):
            if view.window[0] == 0 and view.scroll_y == 0 and not view.window_changing:
                break
            await pilot.press("pageup")
            most_mounted = max(most_mounted, len(view.query(MessageBlock)))
        assert view.window[0] == 0 and view.scroll_y == 0
        assert not view.query(LoadEarlier)
        assert most_mounted <= (WINDOW_PAGES + 1) * PAGE_SIZE  # a page mounts before the far one goes
        first, row = top_visible(view)
        assert first.message is screen.conversation.messages[0]
        assert view.query_one(LoadLater)
        assert not view.following
        await pilot.press("end")
        await until(pilot, lambda: view.at_tail and view.following and not view.window_changing)
        await settle(pilot)
        assert view.is_vertical_scroll_end
        last = view.query(MessageBlock).last()
        assert last.message is screen.conversation.messages[-1]
        assert not view.query(LoadLater)


async def test_home_goes_to_the_beginning_in_one_step(server, tmp_path):
    app, running = await open_long(server, tmp_path)
    async with running as pilot:
        screen, view = await opened(pilot)
        await press_home(pilot, view)
        await settle(pilot)
        assert view.scroll_y == 0
        assert top_visible(view)[0].message is screen.conversation.messages[0]
        assert view.window == (0, PAGE_SIZE)


async def test_sending_while_reading_far_above_brings_back_the_end(server, tmp_path):
    app, running = await open_long(server, tmp_path)
    async with running as pilot:
        screen, view = await opened(pilot)
        await press_home(pilot, view)
        assert not view.at_tail
        await send_and_wait(pilot, "one more question")
        messages = screen.conversation.messages
        assert len(messages) == MESSAGES + 2
        assert view.at_tail and view.following
        shown = mounted_messages(view)
        assert shown[-2:] == messages[-2:]
        assert shown == messages[len(messages) - len(shown):], "the tail is mounted, in order, with no gap"
        assert messages[-1].status == MessageStatus.COMPLETE
        await settle(pilot)
        assert view.is_vertical_scroll_end


async def test_retry_while_reading_far_above_regenerates_the_last_reply(server, tmp_path):
    app, running = await open_long(server, tmp_path)
    async with running as pilot:
        screen, view = await opened(pilot)
        old_last = screen.conversation.messages[-1]
        await press_home(pilot, view)
        screen.prompt.focus()
        await pilot.press("ctrl+r")
        await until(pilot, lambda: screen.conversation.messages[-1] is not old_last and not screen.streaming
                    and screen.conversation.messages[-1].status == MessageStatus.COMPLETE, what="the new reply")
        replies = [b for b in view.query(AssistantMessage)]
        assert replies[-1].message is screen.conversation.messages[-1]
        assert all(b.message is not old_last for b in replies)
        assert len(screen.conversation.messages) == MESSAGES


def record_render_jobs(monkeypatch) -> list[tuple[int, int]]:
    """(message index, width) of every job submitted to the background renderer from now on."""
    from pinata_tui.tui.markdown.background_renderer import BackgroundRenderer

    jobs: list[tuple[int, int]] = []
    submit = BackgroundRenderer.submit

    def recording_submit(self, job):
        jobs.append((job.widget.message_index, job.width))
        return submit(self, job)

    monkeypatch.setattr(BackgroundRenderer, "submit", recording_submit)
    return jobs


async def test_a_long_conversations_replies_are_laid_out_and_rendered_at_one_width(server, tmp_path, monkeypatch):
    """Room for the scrollbar from the first layout: its appearing does not narrow the replies (one
    more layout, and every long reply rendered again, while the conversation opens)."""
    jobs = record_render_jobs(monkeypatch)
    app, running = await open_long(server, tmp_path)
    async with running as pilot:
        screen, view = await opened(pilot)
        await until(pilot, lambda: all(m.rendered for m in view.query(AssistantMessage)), what="background rendering")
        assert view.show_vertical_scrollbar
        widths: dict[int, set[int]] = {}
        for index, width in jobs:
            widths.setdefault(index, set()).add(width)
        assert widths and all(len(each) == 1 for each in widths.values()), widths


async def test_the_collector_and_the_tokenizer_wait_for_the_opened_conversations_first_screen(
        server, tmp_path, monkeypatch):
    """Paused by the command line for start-up, the garbage collector resumes (and the tokenizer loads)
    only once the conversation asked for is drawn with its replies' real lines: neither a full
    collection nor the tokenizer's parsing competes with that first screen."""
    import gc

    from pinata_tui.tui.app import PinataChatApp

    monkeypatch.setattr(gc, "freeze", lambda: None)  # the app freezes what start-up built: not the test run's
    seen: list[tuple[str, bool, bool]] = []
    drawn = ConversationView.first_screen_drawn

    async def first_screen_drawn(self, timeout=3.0):
        seen.append(("opening", gc.isenabled(), False))
        await drawn(self, timeout)

    load_tokenizer = PinataChatApp.load_tokenizer

    def tokenizer(self):
        replies = self.chat.view.query(AssistantMessage)
        seen.append(("tokenizer", gc.isenabled(), bool(replies) and all(r.rendered for r in replies)))
        return load_tokenizer(self)

    monkeypatch.setattr(ConversationView, "first_screen_drawn", first_screen_drawn)
    monkeypatch.setattr(PinataChatApp, "load_tokenizer", tokenizer)
    app, running = await open_long(server, tmp_path)
    gc.disable()  # as cli.run_tui does
    try:
        async with running as pilot:
            await opened(pilot)
    finally:
        gc.enable()
    # Twice: the newest messages' first screen (``NewestFirstScreen``), then the whole conversation's.
    assert seen == [("opening", False, False)] * 2 + [("tokenizer", True, True)]


async def test_the_catalog_and_balance_wait_for_the_opened_conversations_first_screen(server, tmp_path, monkeypatch):
    """The HTTP client's first request loads its modules on the event loop: with a conversation opened
    at start it comes once that conversation is drawn with its replies' real lines (it held up that
    screen); without one, at once (there is nothing to wait for)."""
    from pinata_tui.tui.app import PinataChatApp

    seen: list[bool] = []
    load_from_network = PinataChatApp._load_from_network

    def spy(self):
        view = self.chat.view
        replies = view.query(AssistantMessage)
        seen.append(bool(replies) and all(r.rendered for r in replies))
        return load_from_network(self)

    monkeypatch.setattr(PinataChatApp, "_load_from_network", spy)
    app, running = await open_long(server, tmp_path)
    async with running as pilot:
        await opened(pilot)
        await until(pilot, lambda: app.catalog, what="the catalog")
    assert seen == [True]

    seen.clear()
    async with make_app(server, tmp_path / "fresh").run_test() as pilot:
        await ready(pilot)
        await until(pilot, lambda: pilot.app.catalog, what="the catalog")
    assert seen == [False]


async def page_above_mounts_with_its_lines(pilot, view, submitted):  # type: ignore[no-untyped-def]
    """Page up once: the page that mounts comes with its long replies' lines, none sent to render. Returns those."""
    start = view.window[0]
    submitted.clear()
    await view.load_earlier()
    await until(pilot, lambda: not view.window_changing)
    page = [m for m in view.query(AssistantMessage) if start - PAGE_SIZE <= m.message_index < start]
    long_ones = [m for m in page if len(m.source) >= m.BACKGROUND_MIN_CHARS]
    assert long_ones and all(m.rendered for m in long_ones)  # with their lines as they mounted
    assert not [i for i, _width in submitted if start - PAGE_SIZE <= i < start]
    return long_ones


async def test_the_page_above_is_rendered_ahead_and_mounts_with_its_lines(server, tmp_path, monkeypatch):
    """Once a page above has mounted, the replies of the next one up are rendered in the background before
    the reader gets there: that page mounts with their real lines (no estimated height, no job of its own,
    no blank lines to fill), and the same lines a job of its own would have given."""
    from pinata_tui.tui.markdown.background_renderer import renderer_for

    submitted = record_render_jobs(monkeypatch)
    app, running = await open_long(server, tmp_path)
    async with running as pilot:
        screen, view = await opened(pilot)
        await until(pilot, lambda: all(m.rendered for m in view.query(AssistantMessage)), what="the last page")
        await view.load_earlier()  # mounts the page above, and asks for the one above it
        await until(pilot, lambda: not view.window_changing)
        renderer = renderer_for(app)
        await until(pilot, lambda: not renderer._ahead, what="the next page up rendered ahead")
        long_ones = await page_above_mounts_with_its_lines(pilot, view, submitted)
        for reply in long_ones:  # the lines a job of its own gives
            ahead = reply.plain_lines()
            reply._width = 0  # as on a change of width: rendered again, in the background
            reply.refresh(layout=True)
            await until(pilot, lambda r=reply: r.rendered, what="rendered again")
            assert reply.plain_lines() == ahead


async def test_the_page_above_the_newest_is_rendered_ahead_once_the_whole_conversation_is_read(server, tmp_path,
                                                                                                monkeypatch):
    """#17: it was rendered as the first Page Up mounted it, beside that key's frames; now the first page up
    mounts with its lines as every later one does."""
    from pinata_tui.tui.markdown.background_renderer import renderer_for

    submitted = record_render_jobs(monkeypatch)
    app, running = await open_long(server, tmp_path)
    async with running as pilot:
        screen, view = await opened(pilot)
        await until(pilot, lambda: all(m.rendered for m in view.query(AssistantMessage)), what="the last page")
        renderer = renderer_for(app)
        await until(pilot, lambda: renderer._ready and not renderer._ahead, what="the page above rendered ahead")
        await page_above_mounts_with_its_lines(pilot, view, submitted)
