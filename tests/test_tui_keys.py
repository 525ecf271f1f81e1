"""Keys as terminals really send them: new lines in tmux, paging from the prompt, Tab to the newest message."""

from __future__ import annotations

import os
import sqlite3

from textual._xterm_parser import XTermParser

from pinata_tui.devserver import DEV_LLM_KEY
from pinata_tui.paths import AppPaths
from pinata_tui.tui.chat.message_block import MessageBlock
from pinata_tui.tui.textual_fixes import apply_textual_fixes
from tests.pty_helpers import PROMPT_PLACEHOLDER, pinata_in_pty
from tests.tui_helpers import chat, make_app, ready, send_and_wait
from tests.waiting import until, wait_for


def keys_for(data: str) -> list[str]:
    parser = XTermParser()
    return [event.key for event in parser.feed(data) if hasattr(event, "key")]


def test_escape_return_is_alt_enter_and_the_xterm_shift_enter_is_known():
    apply_textual_fixes()
    assert keys_for("\x1b\r") == ["alt+enter"]  # what tmux and most terminals send for Alt+Enter
    assert keys_for("\r") == ["enter"]
    assert keys_for("\x1b[27;2;13~") == ["shift+\r"]  # xterm's modifyOtherKeys form of Shift+Enter


async def test_every_newline_key_adds_a_line_and_enter_sends(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = chat(app)
        screen.prompt.focus()
        await pilot.press("a", "alt+enter", "b", "ctrl+j", "c", "shift+enter", "d", "shift+\r", "e")
        assert screen.prompt.text == "a\nb\nc\nd\ne"
        await pilot.press("enter")
        await until(pilot, lambda: not screen.streaming and len(screen.conversation.messages) == 2)
        assert screen.conversation.messages[0].content == "a\nb\nc\nd\ne"


async def test_page_keys_scroll_the_conversation_while_the_prompt_has_focus(server, tmp_path):
    server.state.reply_tokens = 200
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 24)) as pilot:
        await ready(pilot)
        screen = chat(app)
        await send_and_wait(pilot, "A long answer please")
        await send_and_wait(pilot, "And another")
        view = screen.view
        await until(pilot, lambda: view.max_scroll_y > 20 and view.scroll_y == view.max_scroll_y)
        assert screen.focused is screen.prompt
        bottom = view.scroll_y
        await pilot.press("pageup")
        await until(pilot, lambda: view.scroll_y < bottom, what="PageUp to scroll")
        assert screen.focused is screen.prompt and screen.prompt.text == ""
        await pilot.press("pagedown")
        await until(pilot, lambda: view.scroll_y == bottom, what="PageDown to scroll back")
        await pilot.press("ctrl+home")
        await until(pilot, lambda: view.scroll_y == 0, what="Ctrl+Home to reach the first message")
        await pilot.press("ctrl+end")
        await until(pilot, lambda: view.scroll_y == view.max_scroll_y, what="Ctrl+End to come back")


async def test_tab_from_the_prompt_goes_to_the_newest_message(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = chat(app)
        await send_and_wait(pilot, "first")
        await send_and_wait(pilot, "second")
        await pilot.press("tab")
        newest = screen.view.query(MessageBlock).last()
        assert screen.focused is newest and newest.message is screen.conversation.messages[-1]
        await pilot.press("shift+tab")
        assert screen.focused is not newest


def test_alt_enter_in_a_real_terminal_adds_a_line(server, tmp_path):
    """tmux delivers Alt+Enter as ESC CR in one write: a new line, not a send."""
    home = tmp_path / "home"
    database = AppPaths.under(home).database
    env = {**os.environ, "PINATA_CHAT_HOME": str(home), "PINATA_BASE_URL": server.url,
           "PINATA_LLM_KEY": DEV_LLM_KEY, "TERM": "xterm-256color"}
    env.pop("PINATA_JWT", None)

    def saved() -> str | None:
        try:
            with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as conn:
                row = conn.execute("SELECT content FROM messages WHERE role = 'user'").fetchone()
            return row[0] if row else None
        except sqlite3.Error:
            return None

    with pinata_in_pty([], env) as terminal:
        terminal.wait_for_output(PROMPT_PLACEHOLDER)  # the prompt is on screen
        terminal.write(b"hello")
        terminal.write(b"\x1b\r")
        terminal.write(b"world\r")
        assert wait_for(saved, 30, "the message to be saved") == "hello\nworld"
        terminal.write(b"\x11")  # Ctrl+Q
        terminal.finish()
