"""Terminals as users have them (#18): the capabilities layer, ASCII output of the same width,
NO_COLOR cues, TERM=dumb, clickable key hints and status bar. The real app in tmux under a
Latin-1 or ASCII locale is in ``test_terminals_tmux.py``."""

from __future__ import annotations

import pytest
from rich.cells import cell_len
from textual.color import Color
from textual.pilot import Pilot

from pinata_tui import cli
from pinata_tui.devserver import Fault
from pinata_tui.terminal import (
    ERROR_HANDLER,
    Terminal,
    ascii_for,
    current,
    decide,
    detect,
    locale_charset,
    use_output_fallback,
)
from pinata_tui.tui.chat.message_block import MessageBlock
from pinata_tui.tui.chat.notice import Notice
from pinata_tui.tui.chat.user_message import UserMessage
from pinata_tui.tui.common.key_hints import KeyHints
from tests.tui_helpers import chat, make_app, ready, send_and_wait
from tests.waiting import settle, until

SIZES = [(80, 24), (40, 12)]


class FakeStream:
    def __init__(self, encoding: str) -> None:
        self.encoding = encoding


# ------------------------------------------------------------------ the capabilities, decided once


@pytest.mark.parametrize(("environ", "stream", "expected"), [
    ({"LANG": "en_US.ISO-8859-1"}, "utf-8", "iso8859-1"),  # the locale describes the terminal
    ({"LANG": "de_DE.iso88591"}, "utf-8", "iso8859-1"),  # glibc's spelling
    ({"LC_ALL": "C", "LANG": "en_US.UTF-8"}, "ascii", "ascii"),  # LC_ALL wins; C names no charset
    ({"LC_ALL": "C"}, "utf-8", "utf-8"),  # Python's UTF-8 mode in the C locale
    ({"LC_CTYPE": "en_US.UTF-8", "LANG": "en_US.ISO-8859-1"}, "iso8859-1", "utf-8"),
    ({"LANG": "en_US.ISO-8859-1", "PYTHONIOENCODING": "utf-8"}, "utf-8", "utf-8"),  # an explicit choice
    ({"LANG": "xx_XX.NO-SUCH-CHARSET"}, "utf-8", "utf-8"),
    ({}, "UTF-8", "utf-8"),
])
def test_the_encoding_comes_from_the_locale_else_from_python(environ, stream, expected):
    terminal = detect(environ, FakeStream(stream))
    assert terminal.encoding == expected
    assert terminal.utf8 == expected.startswith("utf")


def test_no_color_counts_only_when_set_and_not_empty_and_dumb_is_term_dumb():
    assert detect({"NO_COLOR": "1"}, FakeStream("utf-8")).no_color
    assert not detect({"NO_COLOR": ""}, FakeStream("utf-8")).no_color
    assert detect({"TERM": "dumb"}, FakeStream("utf-8")).dumb
    assert not detect({"TERM": "xterm-256color"}, FakeStream("utf-8")).dumb
    assert locale_charset({"LANG": "C.UTF-8"}) == "utf-8"


def test_undecided_is_a_utf8_colour_terminal_and_decide_fixes_it():
    try:
        decide(None)
        assert current() == Terminal()
        latin = decide(Terminal(encoding="iso8859-1"))
        assert current() is latin and not latin.utf8 and latin.can_show("é") and not latin.can_show("▌")
    finally:
        decide(None)


# ------------------------------------------------------------------ the same-width fallback

APP_GLYPHS = "…·—–“”‘’→←↑↓●○▾▸▴◂×│─╭╮╰╯┃━▌▐█▀▄▊▎▁▔▛▜▙▟░▒▓⟨⟩␛␇␡\ufffd"
"""Every non-ASCII glyph pinata_tui/tui and Textual's borders, scrollbars and toggles draw."""


def test_every_glyph_the_app_draws_has_one_ascii_cell():
    for glyph in APP_GLYPHS + "".join(chr(c) for c in range(0x2500, 0x2580)):
        shown = glyph.encode("ascii", ERROR_HANDLER).decode("ascii")
        assert len(shown) == 1 and shown.isprintable(), glyph
    assert "╭─╮│╰╯".encode("ascii", ERROR_HANDLER) == b"+-+|++"
    assert "▾ Thinking… ● idle │ ␛[2J".encode("ascii", ERROR_HANDLER) == b"v Thinking. * idle | ^[2J"


@pytest.mark.parametrize("text", ["日本語のテキスト", "emoji 😀 and 👨‍👩‍👧 and ❤️", "café naïve e\u0301",
                                  "bidi ⟨U+202E⟩", "tab\there", "Ελληνικά кириллица"])
@pytest.mark.parametrize("encoding", ["ascii", "iso8859-1"])
def test_text_it_cannot_encode_keeps_its_width_and_never_becomes_an_escape(text, encoding):
    shown = text.encode(encoding, ERROR_HANDLER).decode(encoding)
    assert cell_len(shown) == cell_len(text)
    assert "\\u" not in shown and "\\x" not in shown
    assert ascii_for("日") == "??" and ascii_for("é") == "e" and ascii_for("\u0301") == ""


def test_the_output_stream_is_switched_while_the_app_runs_and_restored_after(tmp_path):
    stream = open(tmp_path / "out", "w", encoding="utf-8", errors="backslashreplace")
    try:
        with use_output_fallback(Terminal(encoding="ascii"), (stream,)):
            assert (stream.encoding, stream.errors) == ("ascii", ERROR_HANDLER)
            stream.write("│ ▌ 日本 é\n")
        assert (stream.encoding, stream.errors) == ("utf-8", "backslashreplace")
        with use_output_fallback(Terminal(), (stream,)):  # a UTF-8 terminal: left as it is
            assert stream.errors == "backslashreplace"
    finally:
        stream.close()
    assert (tmp_path / "out").read_bytes() == b"| | ???? e\n"


@pytest.mark.parametrize("size", SIZES)
async def test_every_line_the_app_draws_fits_the_width_in_ascii(server, tmp_path, size):
    """What the screen holds, encoded as the app's output is under LC_ALL=C: ASCII, as wide as the window."""
    server.state.reply_override = "Box ─│ and ● bullets…\n\n| a | b |\n|---|---|\n| 日本 | 😀 |\n\n```\nx = 1\n```\n"
    app = make_app(server, tmp_path)
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "control \x1b[2J and 日本")
        for screen_action in (None, "ctrl+l"):
            if screen_action:
                await pilot.press(screen_action)
                await until(pilot, lambda: type(app.screen).__name__ == "ModelPicker", what="the picker")
                await settle(pilot)
            for strip in app.screen._compositor.render_strips():
                line = strip.text.encode("ascii", ERROR_HANDLER)
                assert len(line) == size[0], line
                assert b"\\u" not in line


@pytest.mark.parametrize(("encoding", "typed", "read"), [
    ("iso8859-1", b"a\xe9b", "aéb"),  # a Latin-1 terminal sends é as one byte
    ("ascii", b"a\xc3\xa9b\xff", "aéb\ufffd"),  # C locale, UTF-8 keyboard; a stray byte is no crash
    ("utf-8", b"\xe6\x97\xa5\xff", "日\ufffd"),
])
def test_the_keyboard_is_read_in_the_terminals_charset_and_never_raises(encoding, typed, read):
    from textual.drivers import linux_driver

    from pinata_tui.tui.textual_fixes import apply_textual_fixes

    assert apply_textual_fixes()
    try:
        decide(Terminal(encoding=encoding))
        decoder = linux_driver.getincrementaldecoder("utf-8")()  # as the input thread makes it
        assert decoder.decode(typed[:2]) + decoder.decode(typed[2:], final=True) == read
    finally:
        decide(None)


# ------------------------------------------------------------------ TERM=dumb


def test_term_dumb_refuses_the_app_and_points_to_ask(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.setenv("PINATA_CHAT_HOME", str(tmp_path))
    started: list[bool] = []
    monkeypatch.setattr(cli, "_run_tui", lambda args, paths: started.append(True) or 0)
    try:
        assert cli.main([]) == 2
        message = capsys.readouterr().err
        assert "TERM=dumb" in message and "pinata-chat ask" in message and "--force-tui" in message
        assert started == []
        assert cli.main(["--force-tui"]) == 0 and started == [True]
        assert cli.main(["config", "path"]) == 0  # subcommands do not care
        assert str(tmp_path) in capsys.readouterr().out
    finally:
        decide(None)


def test_an_empty_no_color_is_no_no_color(monkeypatch, tmp_path):
    monkeypatch.setenv("PINATA_CHAT_HOME", str(tmp_path))
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("NO_COLOR", "")
    monkeypatch.setattr(cli, "_run_tui", lambda args, paths: 0)
    try:
        assert cli.main([]) == 0
        import os

        assert "NO_COLOR" not in os.environ  # else Textual would turn colours grey for it
        assert not current().no_color
    finally:
        decide(None)


# ------------------------------------------------------------------ NO_COLOR


def gutter(app, block: MessageBlock) -> str:
    region = block.region
    strips = app.screen._compositor.render_strips()
    return strips[region.y].text[region.x]


@pytest.mark.parametrize("size", SIZES)
async def test_without_colour_focus_errors_and_selection_stay_visible(server, tmp_path, monkeypatch, size):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(server, tmp_path)
    async with app.run_test(size=size) as pilot:
        assert app.no_color
        await ready(pilot)
        for _ in range(3):
            server.state.add_fault(Fault(status=500))
        await send_and_wait(pilot, "this fails")
        await app.workers.wait_for_complete()
        await settle(pilot)
        screen = chat(app)
        notice = screen.query(Notice).last()
        assert str(notice.render()).startswith("Error: ")  # a word, not only a colour
        not_sent = screen.query(UserMessage).last()
        assert "not sent" in str(not_sent.header_text())
        assert not_sent.header_text().spans[-1].style == "bold reverse"
        status = screen.status
        assert status.get_component_rich_style("status-bar--error").reverse
        # focus: a full-block gutter (a shape, not a shade) and a reversed header
        not_sent.focus()
        await until(pilot, lambda: gutter(app, not_sent) == "█", what="the focused gutter drawn")
        assert header_reversed(app, not_sent)
        screen.prompt.focus()
        await until(pilot, lambda: gutter(app, not_sent) == "▌", what="the unfocused gutter drawn")
        assert not header_reversed(app, not_sent)
        # selection: the highlighted row of the picker is inverted
        await pilot.press("ctrl+l")
        await until(pilot, lambda: app.screen.query("#picker-list"), what="the picker")
        await settle(pilot)
        options = app.screen.query_one("#picker-list")
        highlighted = options.get_option_at_index(options.highlighted).id.rpartition("/")[2]
        rows = [strip for strip in app.screen._compositor.render_strips() if highlighted in strip.text]
        assert rows, f"{highlighted} is not on the screen"
        name = next(s for s in rows[0] if highlighted in s.text)
        fg, bg = Color.from_rich_color(name.style.color), Color.from_rich_color(name.style.bgcolor)
        assert bg.brightness > fg.brightness + 0.4  # a light bar under dark text: every other row is the inverse
        neighbour = options.get_option_at_index(options.highlighted + 1).id.rpartition("/")[2]
        other = next(strip for strip in app.screen._compositor.render_strips() if neighbour in strip.text)
        other_name = next(s for s in other if neighbour in s.text)
        assert Color.from_rich_color(other_name.style.bgcolor).brightness < 0.3


async def test_the_focused_message_header_is_reversed_without_colour(server, tmp_path, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "hello")
        reply = chat(app).view.query(MessageBlock).last()
        reply.focus()
        await until(pilot, lambda: gutter(app, reply) == "█", what="the focused message drawn")
        assert reply.get_component_rich_style("message-header").reverse
        assert header_reversed(app, reply)


async def test_with_colour_nothing_is_reversed(server, tmp_path, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    app = make_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "hello")
        reply = chat(app).view.query(MessageBlock).last()
        reply.focus()
        await until(pilot, lambda: gutter(app, reply) == "▌", what="the focused message drawn")
        assert not reply.get_component_rich_style("message-header").reverse
        assert not header_reversed(app, reply)


# ------------------------------------------------------------------ clicks


def hint_start(hints: KeyHints, description: str) -> int:
    """The content cell where the hint for ``description`` starts."""
    for (_, hint, _, _), (start, _, _, _) in zip(hints.hints(), hints._spans, strict=True):
        if hint == description:
            return start
    raise AssertionError(f"no {description!r} hint")


def header_reversed(app, block: MessageBlock) -> bool:
    """Is the header's first word (who wrote it) drawn in reverse video?"""
    row = app.screen._compositor.render_strips()[block.region.y]
    first = next(s for s in row if s.text.strip() and s.text.strip() not in "▌█")
    return first.style is not None and bool(first.style.reverse)


@pytest.mark.parametrize("size", SIZES)
async def test_clicking_a_key_hint_runs_its_binding(server, tmp_path, size):
    app = make_app(server, tmp_path)
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        hints = app.screen.query_one(KeyHints)
        shown = [description for _, description, _, _ in hints.hints()]
        assert "Models" in shown and "palette" in shown
        x = 1 + hint_start(hints, "Models") + 1  # past the padding, inside the hint
        if x >= hints.region.width:
            x = 1 + hint_start(hints, "Retry") + 1  # 40 columns: the first hint, which needs a failure
            assert x < hints.region.width
            await pilot.click(hints, offset=(x, 0))
            await settle(pilot)
            assert app.screen is chat(app)  # nothing to retry: the binding is off, nothing breaks
            return
        await pilot.click(hints, offset=(x, 0))
        await until(pilot, lambda: type(app.screen).__name__ == "ModelPicker", what="the picker")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is chat(app), what="the chat screen")


async def test_clicking_the_palette_hint_opens_the_palette_and_a_gap_does_nothing(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 24)) as pilot:
        await ready(pilot)
        hints = app.screen.query_one(KeyHints)
        first_end = hints._spans[0][1]
        await pilot.click(hints, offset=(1 + first_end + 1, 0))  # the gap after the first hint
        await settle(pilot)
        assert app.screen is chat(app)
        await pilot.click(hints, offset=(1 + hints._spans[-1][0] + 1, 0))
        await until(pilot, lambda: type(app.screen).__name__ == "CommandPalette", what="the palette")


@pytest.mark.parametrize("size", SIZES)
async def test_clicking_the_model_in_the_status_bar_opens_the_picker(server, tmp_path, size):
    app = make_app(server, tmp_path)
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        status = chat(app).status
        start, end = status._model_cells
        assert end > start
        await pilot.click(status, offset=(1 + start + 1, 0))
        await until(pilot, lambda: type(app.screen).__name__ == "ModelPicker", what="the picker")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is chat(app), what="the chat screen")
        await pilot.click(status, offset=(1, 0))  # the connection state: not a button
        await settle(pilot)
        assert app.screen is chat(app)


# ------------------------------------------------------------------ snapshots without colour


def _snapshot_app(server, tmp_path, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    for _ in range(3):
        server.state.add_fault(Fault(status=500))
    return make_app(server, tmp_path)


async def _failed_and_focused(pilot: Pilot) -> None:
    await ready(pilot)
    screen = chat(pilot.app)
    screen.prompt.cursor_blink = False
    await send_and_wait(pilot, "a prompt that fails")
    await pilot.app.workers.wait_for_complete()
    focused = screen.query(UserMessage).last()
    focused.focus()
    await until(pilot, lambda: gutter(pilot.app, focused) == "█", what="the focused message drawn")
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "40x12"])
def test_no_color_snapshot(server, tmp_path, monkeypatch, snap_compare, size):
    app = _snapshot_app(server, tmp_path, monkeypatch)
    assert snap_compare(app, terminal_size=size, run_before=_failed_and_focused)

