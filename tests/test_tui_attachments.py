"""Attachments in the app, driven with Pilot: the file picker, ``@path`` completion, chips, the
conversation's record of what was attached, hostile names, and a refused image sent again."""

from __future__ import annotations

import pytest

from pinata_tui.attachments import complete_path
from pinata_tui.conversation import MessageStatus
from pinata_tui.tui.chat import attachments_screen
from pinata_tui.tui.chat.attachment_tray import AttachmentChip
from pinata_tui.tui.chat.file_picker import FilePicker
from pinata_tui.tui.chat.notice import Notice
from pinata_tui.tui.chat.path_completions import PathCompletions
from pinata_tui.tui.chat.user_message import UserMessage
from tests.attachment_helpers import png
from tests.tui_helpers import chat, make_app, press_now, ready, send_and_wait, turn_settled
from tests.waiting import settle, until


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "notes.md").write_text("# Notes\nremember the milk\n", encoding="utf-8")
    (folder / "src").mkdir()
    (folder / "src" / "main.py").write_text("print('hello')\n", encoding="utf-8")
    (folder / "shot.png").write_bytes(png(4, 4))
    monkeypatch.chdir(folder)
    return folder


def chips(app) -> list[str]:
    return [str(chip.render()) for chip in chat(app).query(AttachmentChip)]


async def test_the_file_picker_attaches_a_file_with_the_keyboard_and_esc_cancels(server, tmp_path, workdir):
    app = make_app(server, tmp_path / "home")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = chat(app)
        await pilot.press("ctrl+f")
        await until(pilot, lambda: isinstance(app.screen, FilePicker), what="the file picker")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, what="the picker to close")
        assert screen.tray.attachments == [] and not screen.tray.display

        await pilot.press("ctrl+f")
        await until(pilot, lambda: isinstance(app.screen, FilePicker), what="the file picker")
        tree = app.screen.query_one("#file-tree")
        await until(pilot, lambda: tree.last_line >= 2, what="the folder to be listed")
        # src/ first (folders first), then notes.md, then shot.png: down twice is notes.md
        await pilot.press("down", "down", "enter")
        await until(pilot, lambda: screen.tray.attachments, what="the chip")
        assert app.screen is screen and screen.focused is screen.prompt
        assert [a.name for a in screen.tray.attachments] == ["notes.md"]
        assert chips(app) == ["≡ notes.md · 26 B ✕"]


async def test_the_file_picker_stays_open_with_the_reason_when_a_file_is_refused(server, tmp_path, workdir):
    (workdir / "blob.bin").write_bytes(b"\0\1\2")
    app = make_app(server, tmp_path / "home")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = chat(app)
        await pilot.press("ctrl+f")
        await until(pilot, lambda: isinstance(app.screen, FilePicker), what="the file picker")
        picker = app.screen
        tree = picker.query_one("#file-tree")
        await until(pilot, lambda: tree.last_line >= 3, what="the folder to be listed")
        await pilot.press("down", "down", "enter")  # the folder itself, src/, then blob.bin
        refused = picker.query_one("#file-picker-refused")
        await until(pilot, lambda: refused.display, what="the reason")
        assert app.screen is picker and str(refused.render()).startswith("Cannot attach: blob.bin looks binary")
        assert screen.tray.attachments == []
        await pilot.press("down", "enter")  # notes.md, from the same place
        await until(pilot, lambda: app.screen is screen, what="the picker to close")
        await until(pilot, lambda: screen.tray.attachments, what="the chip")
        assert [a.name for a in screen.tray.attachments] == ["notes.md"]


async def test_at_path_completion_offers_matches_and_tab_attaches(server, tmp_path, workdir):
    app = make_app(server, tmp_path / "home")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = chat(app)
        await pilot.press(*"look at @s")
        await until(pilot, lambda: screen.completions.display, what="the matches")
        assert [screen.completions.get_option_at_index(i).id for i in range(screen.completions.option_count)] == [
            "shot.png", "src/"]
        await pilot.press("down", "tab")  # into src/: still completing
        await until(pilot, lambda: screen.prompt.text == "look at @src/", what="the folder to be filled in")
        await until(pilot, lambda: screen.completions.chosen == "src/main.py", what="the folder's files")
        await pilot.press("enter")  # Enter accepts a match rather than sending
        await until(pilot, lambda: screen.tray.attachments, what="the chip")
        assert screen.prompt.text == "look at " and not screen.completions.display
        assert [a.name for a in screen.tray.attachments] == ["src/main.py"]
        assert screen.conversation.messages == []
        await pilot.press(*"@zz")
        await until(pilot, lambda: not screen.completions.display, what="no matches")
        await pilot.press("escape")  # nothing to steer: Esc is the screen's again, harmlessly


async def test_at_path_completion_goes_into_a_folder_with_a_space_and_attaches_from_it(server, tmp_path, workdir):
    (workdir / "My Notes").mkdir()
    (workdir / "My Notes" / "plan a.md").write_text("the plan\n", encoding="utf-8")
    app = make_app(server, tmp_path / "home")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = chat(app)
        await pilot.press(*"see @My")
        await until(pilot, lambda: screen.completions.chosen == "My Notes/", what="the folder with a space")
        await pilot.press("tab")  # written escaped, as in a shell, so the token goes on past the space
        await until(pilot, lambda: screen.prompt.text == "see @My\\ Notes/", what="the folder to be filled in")
        await until(pilot, lambda: screen.completions.chosen == "My Notes/plan a.md", what="the folder's file")
        await pilot.press(*["backspace"] * len("Notes/"))
        await until(pilot, lambda: screen.prompt.text == "see @My\\ ", what="typed back to the space")
        await until(pilot, lambda: screen.completions.chosen == "My Notes/", what="still completing after the space")
        await pilot.press(*"Notes/plan\\ ")  # a space typed escaped by hand narrows on as well
        await until(pilot, lambda: screen.completions.chosen == "My Notes/plan a.md", what="the file")
        await pilot.press("enter")
        await until(pilot, lambda: screen.tray.attachments, what="the chip")
        assert screen.prompt.text == "see " and [a.name for a in screen.tray.attachments] == ["My Notes/plan a.md"]


async def test_chips_are_removed_by_backspace_delete_and_click(server, tmp_path, workdir):
    app = make_app(server, tmp_path / "home")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = chat(app)
        for name in ("notes.md", "shot.png", "src/main.py"):
            assert await screen.attach(name)
        await pilot.pause()
        assert [a.name for a in screen.tray.attachments] == ["notes.md", "shot.png", "src/main.py"]
        meter_with_files = screen.status.context_tokens
        await pilot.press("backspace")  # the prompt is empty: the last chip goes
        await until(pilot, lambda: len(screen.tray.attachments) == 2, what="a chip to go")
        await pilot.press("shift+tab")  # to the last chip
        assert isinstance(screen.focused, AttachmentChip) and screen.focused.attachment.name == "shot.png"
        await pilot.press("delete")
        await until(pilot, lambda: len(screen.tray.attachments) == 1, what="a chip to go")
        assert screen.focused is screen.prompt
        await pilot.click(AttachmentChip)
        await until(pilot, lambda: not screen.tray.attachments, what="the last chip to go")
        assert not screen.tray.display
        assert screen.status.context_tokens < meter_with_files


async def test_attachments_count_in_the_meter_and_are_sent_and_shown(server, tmp_path, workdir):
    app = make_app(server, tmp_path / "home")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = chat(app)
        empty = screen.status.context_tokens or 0
        assert await screen.attach("shot.png")
        await until(pilot, lambda: (screen.status.context_tokens or 0) >= empty + 255, what="the image's estimate")
        assert screen.status.tokens_are_estimate
        await send_and_wait(pilot, "What is in the picture?")
        user = screen.conversation.messages[0]
        assert [a.name for a in user.attachments] == ["shot.png"] and not screen.tray.attachments
        sent = server.state.chat_requests()[-1]["body"]["messages"][0]["content"]
        assert sent[0] == {"type": "text", "text": "What is in the picture?"} and sent[1]["type"] == "image_url"
        shown = str(screen.view.query(UserMessage).first().render())
        assert "▣ shot.png · PNG 4×4," in shown


async def test_a_file_that_cannot_be_attached_is_a_notification_and_hostile_names_stay_literal(
        server, tmp_path, workdir):
    hostile = "x\x1b[31m[bold red]boom\x07.txt"  # (no "/": it would be a folder)
    (workdir / hostile).write_bytes(b"\0binary")
    (workdir / "[b]ok.md").write_text("fine\n", encoding="utf-8")
    app = make_app(server, tmp_path / "home")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = chat(app)
        assert not await screen.attach(hostile)
        await pilot.pause()
        [toast] = list(app._notifications)
        assert toast.message == "x␛[31m[bold red]boom␇.txt looks binary and is not a PNG, JPEG, GIF or WebP " \
                                "image: only text files and those images can be attached."
        assert not toast.markup
        (workdir / "e\x1b[2Jv\x07.txt").write_text("text\n", encoding="utf-8")
        assert await screen.attach("[b]ok.md") and await screen.attach("e\x1b[2Jv\x07.txt")
        await pilot.pause()
        assert chips(app) == ["≡ [b]ok.md · 5 B ✕", "≡ e␛[2Jv␇.txt · 5 B ✕"]
        await send_and_wait(pilot, "read it")
        shown = str(screen.view.query(UserMessage).first().render())
        assert "≡ [b]ok.md · 5 B" in shown and "≡ e␛[2Jv␇.txt · 5 B" in shown and "\x1b" not in shown
        await pilot.press("ctrl+f")
        await until(pilot, lambda: isinstance(app.screen, FilePicker), what="the file picker")
        tree = app.screen.query_one("#file-tree")
        await until(pilot, lambda: tree.last_line >= 4, what="the folder to be listed")
        labels = [str(tree.get_node_at_line(i).label) for i in range(tree.last_line + 1)]
        assert "x␛[31m[bold red]boom␇.txt" in labels and "[b]ok.md" in labels
        await pilot.press("escape")


async def test_a_refused_image_keeps_the_attachment_for_a_resend_with_another_model(server, tmp_path, workdir):
    app = make_app(server, tmp_path / "home", model="deepseek/deepseek-v3.2")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = chat(app)
        assert await screen.attach("shot.png")
        await pilot.pause()
        before = len(screen.conversation.messages)
        screen.prompt.insert("What is this?")
        await press_now(pilot, "enter")
        await until(pilot, lambda: turn_settled(screen, before), what="the refusal")
        await until(pilot, lambda: screen.tray.attachments, what="the attachment to come back")
        notice = str(screen.view.query(Notice).last().render())
        assert "This model (deepseek/deepseek-v3.2) did not accept the image" in notice
        assert "pick another model with Ctrl+L" in notice
        user = screen.conversation.messages[0]
        assert user.status == MessageStatus.ERROR and screen.tray.attachments == user.attachments
        assert screen.prompt.text == "What is this?"

        await screen.switch_model("anthropic/claude-sonnet-4-6")
        await press_now(pilot, "enter")
        await until(pilot, lambda: turn_settled(screen, 1) and screen.conversation.messages[-1].content,
                    what="the resent reply")
        assert [m.role for m in screen.conversation.messages] == ["user", "assistant"]
        assert screen.conversation.messages[0] is user and user.status == MessageStatus.COMPLETE
        assert server.state.chat_requests()[-1]["body"]["model"] == "anthropic/claude-sonnet-4-6"
        assert not screen.tray.attachments


async def test_an_image_in_an_earlier_message_refused_on_regenerate_or_follow_up_says_so(server, tmp_path, workdir):
    """The probe's case: the image went with the first prompt; later a text-only model gets the history."""
    text_only = "deepseek/deepseek-v3.2"
    app = make_app(server, tmp_path / "home")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = chat(app)
        assert await screen.attach("shot.png")
        await send_and_wait(pilot, "What is this?")
        await send_and_wait(pilot, "And its colours?")
        last = screen.conversation.messages[-1]

        assert await screen.regenerate(model=text_only)  # m on the last reply, then a text-only model
        await until(pilot, lambda: not screen.streaming and screen.conversation.messages[-1] is last,
                    what="the refusal")
        notice = str(screen.view.query(Notice).last().render())
        assert notice.startswith(f"This model ({text_only}) did not accept an image in an earlier message")
        assert notice.endswith("; regenerate with a model that takes images (m on the reply).")
        assert screen.prompt.text == "" and not screen.tray.attachments  # nothing to send again from the box

        await screen.switch_model(text_only)  # Ctrl+L to it, then a follow-up
        await send_and_wait(pilot, "Anything else?")
        notice = str(screen.view.query(Notice).last().render())
        assert notice.startswith(f"This model ({text_only}) did not accept an image in an earlier message")
        assert notice.endswith("; pick a model that takes images with Ctrl+L and press Enter (or Ctrl+R) to send "
                               "your prompt again.")
        assert screen.prompt.text == "Anything else?" and not screen.tray.attachments


async def test_enter_sends_files_without_text_but_not_an_empty_prompt(server, tmp_path, workdir):
    app = make_app(server, tmp_path / "home")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = chat(app)
        await press_now(pilot, "enter")
        assert screen.conversation.messages == []
        assert await screen.attach("notes.md")
        await until(pilot, lambda: screen.prompt.has_attachments, what="the prompt to know")
        await press_now(pilot, "enter")
        await until(pilot, lambda: turn_settled(screen, 0), what="the reply")
        user = screen.conversation.messages[0]
        assert user.content == "" and [a.name for a in user.attachments] == ["notes.md"]
        sent = server.state.chat_requests()[-1]["body"]["messages"][0]["content"]
        assert sent == "notes.md:\n```\n# Notes\nremember the milk\n```"
        assert not screen.prompt.has_attachments


async def test_the_matches_overlay_is_mounted_when_first_wanted_just_above_the_chips(server, tmp_path, workdir,
                                                                                   monkeypatch):
    """#17: not composed with the chat screen (an option list and its styles cost ~5 ms before the first
    frame); a query without matches mounts nothing, the first with matches mounts it where it was composed."""
    queried: list[str] = []

    def complete(query: str) -> list[str]:
        found = complete_path(query) if queried[:1] == ["(matches)"] else []  # none until asked for
        queried.append(query)
        return found

    monkeypatch.setattr(attachments_screen, "complete_path", complete)
    app = make_app(server, tmp_path / "home")
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = chat(app)
        assert not screen.query(PathCompletions)
        await pilot.press(*"@zz")
        await until(pilot, lambda: "zz" in queried, what="the query")
        await settle(pilot)
        assert not screen.query(PathCompletions)
        queried.insert(0, "(matches)")
        await pilot.press(*["backspace"] * 2, "s")
        await until(pilot, lambda: screen.query(PathCompletions) and screen.completions.display, what="the matches")
        children = list(screen.children)
        assert children.index(screen.completions) == children.index(screen.tray) - 1
        assert screen.completions.region.bottom <= screen.prompt.region.y
