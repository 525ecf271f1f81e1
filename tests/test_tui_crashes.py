"""Crashes from issue #14: copying selected reply text, the view's ``loading``, server text read as markup."""

from __future__ import annotations

from pathlib import Path

from textual.geometry import Offset, Region
from textual.selection import Selection
from textual.widget import Widget
from textual.widgets import OptionList, Static

from pinata_tui.conversation import ChatMessage, Conversation
from pinata_tui.devserver import Fault
from pinata_tui.paths import AppPaths
from pinata_tui.store import ConversationStore
from pinata_tui.tui.chat.assistant_message import AssistantMessage
from pinata_tui.tui.chat.conversation_view import PAGE_SIZE, ConversationView
from pinata_tui.tui.chat.message_block import MessageBlock
from pinata_tui.tui.common.confirm_dialog import ConfirmDialog
from pinata_tui.tui.history.history_screen import HistoryScreen
from pinata_tui.tui.markdown.streaming_markdown import StreamingMarkdown
from tests.tui_helpers import chat, make_app, ready, send_and_wait
from tests.waiting import until

HOSTILE = "Catalog down [/bold] [@click=app.quit]x[/] \x1b]0;pwned\x07 \x1b[2J end"


def record_toasts(app) -> list[str]:
    """Every notification's text, as given to ``App.notify`` (recorded before the app starts)."""
    toasts: list[str] = []
    notify = app.notify

    def recording(message, *args, **kwargs):
        toasts.append(message)
        return notify(message, *args, **kwargs)

    app.notify = recording
    return toasts


def reply_words(block: AssistantMessage) -> list[str]:
    return [word for word in block.message.content.split() if word.isalpha() and len(word) > 3]


def test_no_method_or_attribute_shadows_textual():
    """Our widgets must not override Textual's own names by accident (``_render``, ``loading``)."""
    intended = {"render_line", "render_lines", "get_content_height", "get_selection", "arrange", "release_anchor",
                "watch_scroll_y", "on_mount", "on_unmount", "action_scroll_home", "action_scroll_end",
                "action_page_up", "action_page_down", "action_scroll_up", "action_scroll_down", "DEFAULT_CSS"}
    textual_names = set(dir(Widget)) | set(vars(Widget()))
    made_by_textual = set(vars(type("Plain", (Widget,), {})))  # what Textual's metaclass sets on any class
    for cls in (StreamingMarkdown, ConversationView):
        ours = {name for klass in cls.__mro__ if klass.__module__.startswith("pinata_tui") for name in vars(klass)}
        ours |= set(vars(cls())) - set(vars(Widget()))
        clashes = {name for name in (ours & textual_names) - made_by_textual - intended if not name.startswith("__")}
        assert not clashes, f"{cls.__name__} overrides Textual's {sorted(clashes)}"


async def test_selecting_reply_text_with_the_mouse_and_ctrl_c_copies_it(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "Hello there")
        block = chat(app).view.query_one(AssistantMessage)
        await until(pilot, lambda: block.rendered, what="the reply drawn")
        rows = block.plain_lines()
        assert "anthropic/claude-sonnet-4-6" in rows[0]  # the header is row 0, as on screen
        last = min(len(rows), block.region.height) - 1
        assert last >= 2
        # Drag from the start of the first text row to the end of the last one on screen.
        await pilot.mouse_down(block, offset=(0, 1))
        await pilot.hover(block, offset=(block.region.width // 2, last // 2))
        await pilot.hover(block, offset=(block.region.width - 1, last))
        await pilot.mouse_up(block, offset=(block.region.width - 1, last))
        await pilot.pause()
        assert block in app.screen.selections
        # Selected rows are drawn highlighted; a line looked up (not drawn) carries offsets into the text.
        selected = app.screen.get_component_rich_style("screen--selection")
        [drawn] = block.render_lines(Region(0, 1, block.size.width, 1))
        assert any(segment.style and segment.style.bgcolor == selected.bgcolor for segment in drawn)
        line = block.render_line(1)
        assert any(segment.style and segment.style.meta.get("offset") == (0, 1) for segment in line)

        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.is_running
        copied = app.clipboard
        assert copied and not copied.startswith(rows[0])
        assert copied.strip() == "\n".join(rows[1:last + 1]).strip()
        words = reply_words(block)
        assert words and words[0] in copied

        # The whole reply, as a selection running through it from another widget would give.
        text, ending = block.get_selection(Selection(None, None))
        assert ending == "\n" and all(word in text for word in reply_words(block)[:20])
        assert app.screen.get_selected_text() == app.clipboard
    assert app.return_code in (0, None)


async def test_selection_set_directly_and_copied_through_the_screen(server, tmp_path):
    app = make_app(server, tmp_path)
    copies: list[str] = []
    app.copy_to_clipboard = copies.append  # type: ignore[method-assign]
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "Tell me about pinatas")
        block = chat(app).view.query_one(AssistantMessage)
        await until(pilot, lambda: block.rendered, what="the reply drawn")
        block.focus()
        app.screen.selections = {block: Selection(Offset(0, 1), Offset(10_000, 3))}
        await pilot.pause()
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.is_running
        rows = block.plain_lines()
        assert copies == ["\n".join(rows[1:4])]


async def test_the_view_is_not_loading_and_tab_reaches_a_message(server, tmp_path):
    home = tmp_path
    with ConversationStore(AppPaths.under(home).database) as store:
        saved = Conversation(model="anthropic/claude-sonnet-4-6")
        for i in range(4):
            store.save_message(saved, saved.add(ChatMessage("user", f"Question {i}")))
            store.save_message(saved, saved.add(ChatMessage("assistant", f"Answer number {i}.",
                                                            model="anthropic/claude-sonnet-4-6")))
    app = make_app(server, home, open_conversation=saved.id)
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(pilot)
        screen = chat(app)
        view = screen.view
        await until(pilot, lambda: screen.conversation.id == saved.id and len(view.query(MessageBlock)) == 8)
        await until(pilot, lambda: not view.window_changing, what="the window laid out")
        assert view.loading is False
        assert any(isinstance(widget, MessageBlock) for widget in app.screen.focus_chain)
        for _ in range(len(app.screen.focus_chain) + 1):
            await pilot.press("tab")
            if isinstance(app.focused, MessageBlock):
                break
        assert isinstance(app.focused, MessageBlock)


async def test_a_catalog_error_with_markup_and_escapes_is_shown_literally(server, tmp_path):
    server.state.add_fault(Fault(status=500, message=HOSTILE, route="models", times=10))
    app = make_app(server, tmp_path)
    toasts = record_toasts(app)
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await until(pilot, lambda: any("model catalog" in t for t in toasts), what="the catalog error")
        await pilot.pause()
        assert app.is_running
        [message] = [t for t in toasts if "model catalog" in t]
        assert "[/bold] [@click=app.quit]x[/]" in message
        assert "\x1b" not in message and "\x07" not in message
        await until(pilot, lambda: bool(app.screen.query("Toast")), what="the toast on screen")
        shown = [str(toast.render()) for toast in app.screen.query("Toast")]
        assert any("[@click=app.quit]x[/]" in text for text in shown)
        await pilot.press("a")  # still taking keys
        await pilot.pause()
        assert app.is_running
    assert app.return_code in (0, None)


async def test_a_notice_for_a_reader_far_above_is_plain_text(server, tmp_path):
    with ConversationStore(AppPaths.under(tmp_path).database) as store:  # pages of messages to be far above
        saved = Conversation(model="anthropic/claude-sonnet-4-6")
        for i in range(2 * PAGE_SIZE):
            store.save_message(saved, saved.add(ChatMessage("user", f"Question {i}")))
            store.save_message(saved, saved.add(ChatMessage("assistant", f"Answer number {i}.",
                                                            model="anthropic/claude-sonnet-4-6")))
    app = make_app(server, tmp_path, open_conversation=saved.id)
    toasts = record_toasts(app)
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await ready(pilot)
        view = chat(app).view
        await until(pilot, lambda: chat(app).conversation.id == saved.id and view.query(MessageBlock))
        view.focus()
        await pilot.press("home")  # the reader goes to the first page: the end is no longer mounted
        await until(pilot, lambda: view.window[0] == 0 and not view.window_changing, what="the first page")
        assert not view.at_tail
        await view.add_notice("Server said [/oops] \x1b[31mred", kind="error")  # so it becomes a pop-up
        await pilot.pause()
        assert app.is_running
        assert "Server said [/oops] ␛[31mred" in toasts
        await until(pilot, lambda: any("[/oops]" in str(t.render()) for t in app.screen.query("Toast")))
        assert app.is_running


def _store_with_title(home: Path, title: str, model: str) -> None:
    with ConversationStore(AppPaths.under(home).database) as store:
        saved = Conversation(model=model, title=title)
        store.save_message(saved, saved.add(ChatMessage("user", "hi")))


async def test_history_shows_a_title_with_markup_literally(server, tmp_path):
    title = "[/] [bold]Loud[/bold] [@click=app.quit]q[/] \x1b]2;title\x07"
    _store_with_title(tmp_path, title, "evil/[/]model\x1b[2J")
    app = make_app(server, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("f2")
        await until(pilot, lambda: isinstance(app.screen, HistoryScreen))
        options = app.screen.query_one(OptionList)
        await until(pilot, lambda: options.option_count and options.get_option_at_index(0).id is not None)
        await pilot.pause()
        row = str(options.get_option_at_index(0).prompt)
        assert "[/] [bold]Loud[/bold] [@click=a" in row
        assert "\x1b" not in row and "evil/[/]model␛" in row
        await pilot.press("down", "delete")
        await until(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        question = str(app.screen.query_one(Static).render())
        assert "[@click=app.quit]q[/]" in question and "\x1b" not in question
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running
