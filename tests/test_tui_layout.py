"""What must stay on screen whatever else is shown: the prompt, the status bar, the key bar and the
settings line, with the ``@path`` list, the empty-conversation hint, chips and a tall prompt, from
80x24 down to 40x12 and across a resize; chips that do not fit in their row are counted."""

from __future__ import annotations

import pytest

from pinata_tui.conversation import Conversation
from pinata_tui.preset_files import load_presets, start_conversation
from pinata_tui.tui.chat.attachment_tray import AttachmentChip
from pinata_tui.tui.chat.settings_line import SettingsLine
from pinata_tui.tui.common.key_hints import KeyHints
from tests.tui_helpers import chat, make_app, ready
from tests.waiting import until


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    folder = tmp_path / "work"
    (folder / "sub").mkdir(parents=True)
    for i in range(13):
        (folder / "sub" / f"file{i}.txt").write_text("hi\n", encoding="utf-8")
    monkeypatch.chdir(folder)
    return folder


def assert_all_on_screen(app, *more) -> None:
    """Nothing scrolls the screen itself, and each widget is drawn whole inside it."""
    screen = chat(app)
    assert screen.max_scroll_y == 0, f"the screen scrolls ({screen.virtual_size.height} rows in {screen.size.height})"
    for widget in (screen.prompt, screen.status, screen.query_one(KeyHints), *more):
        region = widget.region
        assert widget.display and region.height == widget.outer_size.height - widget.styles.margin.height, (
            f"{widget!r} is cut: {region}")
        assert screen.region.contains_region(region), f"{widget!r} is off screen: {region}"
    assert screen.query_one(KeyHints).region.bottom == screen.size.height


async def test_the_at_path_list_in_an_empty_conversation_pushes_nothing_off_screen(server, tmp_path, workdir):
    app = make_app(server, tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        screen = chat(app)
        screen.show_demo_banner()  # as in --demo: three more lines at the top
        await pilot.press(*"@sub/")
        await until(pilot, lambda: screen.completions.display and screen.completions.option_count == 8,
                    what="the matches")
        await pilot.pause()
        assert_all_on_screen(app)
        listed = screen.completions.region
        assert listed.height == 8 and listed.bottom <= screen.prompt.region.y  # whole, just above the prompt

        await pilot.resize_terminal(40, 12)
        await until(pilot, lambda: screen.size.height == 12, what="the resize")
        await pilot.pause()
        assert_all_on_screen(app)
        listed = screen.completions.region
        assert 1 <= listed.height < 8 and listed.bottom <= screen.prompt.region.y  # fewer rows, still above


async def test_a_new_conversation_with_a_preset_keeps_everything_on_screen_when_resized_to_40x12(
        server, tmp_path, workdir):
    conversation: Conversation = start_conversation(load_presets(None).find("code-review"),
                                                    model="openai/gpt-4.1", system_prompt=None)
    app = make_app(server, tmp_path / "home", conversation=conversation)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        screen = chat(app)
        screen.show_demo_banner()
        line = screen.query_one(SettingsLine)
        assert screen.query_one("#empty-hint").display
        await pilot.pause()
        assert_all_on_screen(app, line)

        await pilot.resize_terminal(40, 12)
        await until(pilot, lambda: screen.size.height == 12, what="the resize")
        await pilot.pause()
        assert_all_on_screen(app, line)

        await screen.attach("sub/file1.txt")  # a row of chips
        screen.prompt.insert("\n".join("abcdefgh"))  # a prompt of 8 lines
        await pilot.pause()
        assert_all_on_screen(app, line, screen.tray)

        await pilot.resize_terminal(80, 24)
        await until(pilot, lambda: screen.size.height == 24, what="the resize back")
        await pilot.pause()
        assert_all_on_screen(app, line, screen.tray)
        assert screen.prompt.region.height == 10  # 8 lines and the border: room for them again


async def test_chips_that_do_not_fit_are_counted_as_more(server, tmp_path, workdir):
    names = ["alpha-notes", "beta-report", "gamma-summary", "delta-changelog", "epsilon-draft", "zeta-minutes"]
    for name in names:
        (workdir / f"{name}.md").write_text("hi\n", encoding="utf-8")
    app = make_app(server, tmp_path / "home")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        screen = chat(app)

        def out_of_sight() -> int:  # a chip's region is where it is drawn, cut by the row or not
            return sum(1 for chip in screen.query(AttachmentChip)
                       if chip.region.x < screen.tray.region.x or chip.region.right > more.region.x)

        for name in names[:2]:
            assert await screen.attach(f"{name}.md")
        await pilot.pause()
        more = screen.tray.query_one("#chips-more")  # the chips' row is mounted with the first file
        assert not more.display  # two fit: nothing to count

        for name in names[2:]:
            assert await screen.attach(f"{name}.md")
        await until(pilot, lambda: more.display, what="the +N more mark")
        await pilot.pause()
        hidden = out_of_sight()
        assert 1 <= hidden < len(names) and str(more.render()) == f"+{hidden} more"
        assert more.region.y == screen.tray.region.y and more.region.right == screen.tray.region.right  # row's end

        while len(screen.tray.attachments) > 2:
            await screen.tray.discard(screen.tray.attachments[-1])
        await until(pilot, lambda: not more.display, what="the mark to go once all fit")


async def test_a_reply_growing_past_the_screen_leaves_every_message_its_width(server, tmp_path):
    """The conversation keeps room for its scrollbar before it has one: when a reply grew past the
    screen, the scrollbar's appearing made every message a column narrower (all of them wrapped
    again, visibly, mid-stream, and the reply rendered again in full: a 50-90 ms frame)."""
    from pinata_tui.tui.chat.message_block import MessageBlock
    from tests.tui_helpers import send_and_wait

    app = make_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        view = chat(app).view
        server.state.reply_override = "A short answer."
        await send_and_wait(pilot, "Hi")
        assert view.max_scroll_y == 0  # it all fits: no scrollbar yet
        widths = [block.size.width for block in view.query(MessageBlock)]
        server.state.reply_override = "\n\n".join(f"Paragraph {n} of a reply taller than the screen." for n in range(40))
        await send_and_wait(pilot, "And a long one?")
        assert view.max_scroll_y > 0  # now it scrolls
        assert {block.size.width for block in view.query(MessageBlock)} == set(widths)
