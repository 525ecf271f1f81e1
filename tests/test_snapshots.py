"""SVG snapshots of the main screens (pytest-textual-snapshot). Update with --snapshot-update."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import TextArea

from pinata_tui.devserver import Fault
from tests.tui_helpers import chat, make_app, ready, send_and_wait
from tests.waiting import until

SIZE = (110, 36)
REPLY = (
    "## Sorting in Python\n\n"
    "Use `sorted()` for a **new** list, or `list.sort()` in place:\n\n"
    "```python\nnumbers = [3, 1, 2]\nprint(sorted(numbers))  # [1, 2, 3]\n```\n\n"
    "| function | returns |\n|---|---|\n| `sorted()` | a new list |\n| `list.sort()` | `None` |\n\n"
    "- stable\n- accepts `key=` and `reverse=`\n"
)


def steady_cursor(area: TextArea) -> None:
    """A cursor that stays drawn. TextArea caches each line under a key that does not tell "blink
    off" from "blinking, in its off phase", so a line drawn in that phase would keep its cursor
    hidden (under load, the snapshot caught one): the cache is emptied and the lines drawn again."""
    area.cursor_blink = False
    area.notify_style_update()
    area.refresh()


async def steady(pilot: Pilot) -> None:
    """Make the frame repeatable: no blinking cursor, no measured speed."""
    screen = chat(pilot.app)
    steady_cursor(screen.prompt)
    if screen.status.last_reply:
        screen.status.last_reply = "120 tok · 85 tok/s"
    await pilot.pause()


def test_chat_with_a_streamed_markdown_reply(server, tmp_path, snap_compare):
    server.state.reply_override = REPLY

    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        await send_and_wait(pilot, "How do I sort a list in Python?")
        await steady(pilot)

    assert snap_compare(make_app(server, tmp_path), terminal_size=SIZE, run_before=run_before)


def test_model_picker(server, tmp_path, snap_compare):
    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        await steady(pilot)
        await pilot.press("ctrl+l")
        await pilot.pause()
        pilot.app.screen.query_one("#picker-filter").cursor_blink = False
        await pilot.press(*"anthropic")
        await pilot.pause()

    assert snap_compare(make_app(server, tmp_path), terminal_size=SIZE, run_before=run_before)


def test_credits_banner(server, tmp_path, snap_compare):
    server.state.balance_micro = 1_234
    server.state.add_fault(Fault(status=402))

    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        await send_and_wait(pilot, "Summarise this article for me")
        await pilot.app.workers.wait_for_complete()
        await steady(pilot)

    assert snap_compare(make_app(server, tmp_path), terminal_size=SIZE, run_before=run_before)


SMALL = (80, 24)


def test_chat_at_80_columns_keeps_cost_and_credits(server, tmp_path, snap_compare):
    server.state.reply_override = REPLY

    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        await send_and_wait(pilot, "How do I sort a list in Python?")
        await pilot.app.workers.wait_for_complete()
        await steady(pilot)

    assert snap_compare(make_app(server, tmp_path), terminal_size=SMALL, run_before=run_before)


def test_credits_banner_at_80x24(server, tmp_path, snap_compare):
    server.state.balance_micro = 1_234
    server.state.add_fault(Fault(status=402))

    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        await send_and_wait(pilot, "Summarise this article for me")
        await pilot.app.workers.wait_for_complete()
        await steady(pilot)

    assert snap_compare(make_app(server, tmp_path), terminal_size=SMALL, run_before=run_before)


def test_model_picker_at_80x24(server, tmp_path, snap_compare):
    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        await steady(pilot)
        await pilot.press("ctrl+l")
        await pilot.pause()
        pilot.app.screen.query_one("#picker-filter").cursor_blink = False
        await pilot.press(*"gpt")
        await pilot.pause()

    assert snap_compare(make_app(server, tmp_path), terminal_size=SMALL, run_before=run_before)


def test_history_at_80x24(server, tmp_path, snap_compare):
    import sqlite3

    from pinata_tui.api import Usage
    from pinata_tui.conversation import ChatMessage, Conversation
    from pinata_tui.paths import AppPaths
    from pinata_tui.store import ConversationStore

    database = AppPaths.under(tmp_path).database
    with ConversationStore(database) as store:
        for title, cost in (("First question about sorting", 0.0002), ("Second question about tmux keys", 0.0131)):
            conversation = Conversation(model="anthropic/claude-sonnet-4-6")
            store.save_message(conversation, conversation.add(ChatMessage("user", title)))
            store.save_message(conversation, conversation.add(ChatMessage(
                "assistant", "An answer.", model="anthropic/claude-sonnet-4-6", usage=Usage(10, 5, 15), cost=cost)))
    with sqlite3.connect(database) as conn:  # fixed dates: the picture must not depend on today
        conn.execute("UPDATE conversations SET created_at = 1790000000 + id * 3600, updated_at = 1790000000 + id * 3600")

    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        await steady(pilot)
        await pilot.press("f2")
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(make_app(server, tmp_path), terminal_size=SMALL, run_before=run_before)


def test_welcome_at_80x24(server, tmp_path, snap_compare):
    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)  # the status bar behind shows the loaded catalog and token count, not "ctx …"
        await pilot.app.workers.wait_for_complete()
        for field in pilot.app.screen.query("Input"):
            field.cursor_blink = False
        await pilot.pause()

    assert snap_compare(make_app(server, tmp_path, llm_key=None, jwt=None), terminal_size=SMALL,
                        run_before=run_before)


def test_compare_alternatives_at_80x24(server, tmp_path, snap_compare):
    """Two alternative replies side by side (issue #19), at the smallest size we design for."""
    server.state.reply_override = REPLY

    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        await send_and_wait(pilot, "How do I sort a list in Python?")
        screen = chat(pilot.app)
        server.state.reply_override = "Call `sorted(numbers)`: it returns a new, sorted list."
        await pilot.press("ctrl+r")
        await until(pilot, lambda: screen.conversation.messages[-1].content.startswith("Call")
                    and not screen.streaming, what="the alternative")
        for message in screen.conversation.tree():  # a measured speed differs between runs
            message.elapsed = 1.0
        await steady(pilot)
        await pilot.press("tab", "v")
        await until(pilot, lambda: type(pilot.app.screen).__name__ == "CompareScreen"
                    and pilot.app.screen.query("AssistantMessage"),
                    what="the comparison")
        await pilot.pause()

    assert snap_compare(make_app(server, tmp_path), terminal_size=SMALL, run_before=run_before)


def test_settings_dialog_at_80x24(server, tmp_path, snap_compare):
    """F3 on a conversation started with a preset, after a value out of range was saved."""
    from textual.widgets import Input

    from pinata_tui.preset_files import load_presets, start_conversation

    conversation = start_conversation(load_presets(None).find("code-review"), model="openai/gpt-4.1",
                                      system_prompt=None)

    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        await steady(pilot)
        await pilot.press("f3")
        await pilot.pause()
        dialog = pilot.app.screen
        steady_cursor(dialog.query_one(TextArea))
        for field in dialog.query(Input):
            field.cursor_blink = False
        dialog.query_one("#settings-temperature", Input).value = "3"
        await pilot.press("ctrl+s")
        await pilot.pause()

    app = make_app(server, tmp_path, conversation=conversation)
    assert snap_compare(app, terminal_size=SMALL, run_before=run_before)


def test_prompt_with_attachment_chips_at_80_columns(server, tmp_path, monkeypatch, snap_compare):
    from tests.attachment_helpers import png

    (tmp_path / "notes.md").write_text("# Notes\nremember the milk\n", encoding="utf-8")
    (tmp_path / "screenshot-of-the-failing-build.png").write_bytes(png(640, 480))
    monkeypatch.chdir(tmp_path)

    async def run_before(pilot: Pilot) -> None:
        await ready(pilot)
        screen = chat(pilot.app)
        for name in ("notes.md", "screenshot-of-the-failing-build.png"):
            assert await screen.attach(name)
        await pilot.press(*"What does the build log say?")
        await pilot.app.workers.wait_for_complete()
        await steady(pilot)

    assert snap_compare(make_app(server, tmp_path / "home"), terminal_size=SMALL, run_before=run_before)
