"""The reply widget: settles finished blocks, redraws the tail, shows text literally; its renderer thread."""

from __future__ import annotations

import threading
import time
from itertools import pairwise

from textual.app import App, ComposeResult

from pinata_tui.tui.markdown.blocks import settle
from pinata_tui.tui.markdown.streaming_markdown import StreamingMarkdown


def settled(text: str, start: int = 0) -> str:
    return text[:settle(text, start).point]


def test_blocks_settle_once_the_next_block_has_begun_in_complete_lines():
    assert settled("one paragraph still going") == ""
    text = "# Title\n\nA paragraph.\n\nThe tail"
    assert settled(text) == "# Title\n"  # the paragraph's line is complete, but "The tail" is not
    assert settled(text + "\n") == "# Title\n\nA paragraph.\n"
    fenced = "Intro\n\n```py\nx = 1\n\ny = 2\n"  # the blank line inside the open fence does not count
    assert settled(fenced) == "Intro\n"
    closed = fenced + "```\n\nafter\n"
    assert settled(closed) == fenced + "```\n"
    assert settle(text + "\n", len("# Title\n")).point == len("# Title\n\nA paragraph.\n")


def test_a_paragraph_stays_open_while_an_underline_could_still_make_it_a_heading():
    assert settled("Title\n") == ""
    assert settled("Title\n---\nText\n") == "Title\n---\n"  # a setext heading, then a paragraph
    assert settled("Text\n| a | b |\n") == ""  # a table needs its delimiter row: still one paragraph
    assert settled("Text\n| a | b |\n|---|---|\n") == "Text\n"


def test_fences_close_only_on_their_own_marker():
    outer = "Intro\n\n~~~markdown\n```python\nx = 1\n```\n\nmore\n"
    assert settled(outer) == "Intro\n"  # the ``` lines are inside the ~~~ fence
    assert settled(outer + "~~~\nafter\n") == outer + "~~~\n"
    four = "````\n```\ncode\n```\n"
    assert settled(four + "after\n") == ""  # still open: ```` closes only with four or more
    assert settled(four + "````\nafter\n") == four + "````\n"


def test_a_partial_line_is_never_taken_for_a_block():
    assert settled("1. a\n\n10000") == ""
    assert settled("1. a\n\n10000. b\n") == ""  # one list, still open
    assert settled("1. a\n\nText\n") == "1. a\n\n"


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield StreamingMarkdown(id="md")


def visible_text(widget: StreamingMarkdown) -> str:
    return "\n".join(widget.render_line(y).text.rstrip() for y in range(widget.size.height)).rstrip("\n")


async def test_text_fed_in_pieces_appears_before_the_end():
    app = Host()
    async with app.run_test(size=(60, 30)) as pilot:
        widget = app.query_one(StreamingMarkdown)
        seen = []
        for piece in ["## Heading\n\n", "First para", "graph here.\n\n", "- item one\n", "- item two\n\n", "tail"]:
            widget.feed(piece)
            await pilot.pause(0.06)
            seen.append(visible_text(widget))
            assert widget.size.height >= seen[-1].count("\n") + 1  # every drawn line fits
        assert all(len(a) < len(b) for a, b in pairwise(seen)), "each piece shows up as it arrives"
        assert "First para" in seen[1] and "graph here." not in seen[1]
        shown = visible_text(widget)
        assert "Heading" in shown and "First paragraph here." in shown and "item two" in shown and "tail" in shown
        await widget.finish(widget.source)
        await pilot.pause()
        assert visible_text(widget) == shown


async def test_unclosed_code_fence_renders_as_code_and_markup_stays_literal():
    app = Host()
    async with app.run_test(size=(60, 20)) as pilot:
        widget = app.query_one(StreamingMarkdown)
        await widget.finish("Text with [bold]markup[/bold]\n\n```python\nprint('[red]x[/red]')\n")
        await pilot.pause()
        shown = visible_text(widget)
        assert "[bold]markup[/bold]" in shown and "print('[red]x[/red]')" in shown and "```" not in shown


async def test_resizing_rewraps_the_cached_lines():
    app = Host()
    async with app.run_test(size=(80, 20)) as pilot:
        widget = app.query_one(StreamingMarkdown)
        await widget.finish("word " * 60)
        await pilot.pause()
        wide = widget.size.height
        await pilot.resize_terminal(40, 20)
        await pilot.pause()
        assert widget.size.height > wide


async def test_the_height_shrinks_to_the_text_when_the_stream_ends():
    """While streaming the height grows in steps (fewer layouts); at the end it fits the text exactly."""
    app = Host()
    async with app.run_test(size=(60, 30)) as pilot:
        widget = app.query_one(StreamingMarkdown)
        widget.feed("One short paragraph.\n\nAnother")
        await pilot.pause(0.1)
        assert widget.size.height > 3  # rounded up while the reply streams
        await widget.finish(widget.source)
        await pilot.pause()
        assert widget.size.height == 3
        assert visible_text(widget) == "One short paragraph.\n\nAnother"


DOCUMENTS = [
    "First paragraph.\n\nSecond paragraph.\n\nThird.",
    ("# Title\n\nIntro text that is long enough to wrap across the sixty columns of the test app.\n\n"
     "- a\n- b\n\nAfter the list.\n\n```python\nx = 1\n\ny = 2\n```\n\n> quoted\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nEnd."),
    "## Heading\n\n1. one\n2. two\n\n### Sub\n\nText with `code` and **bold**.\n\n---\n\nLast line",
    "Setext title\n---\n\nUnder it.\n\n***\n\n- loose\n\n- list\n\nDone.",
]


async def test_streamed_in_pieces_it_renders_as_the_whole_document_would():
    """Finished blocks are rendered piece by piece; the result must match rendering the whole text."""
    from rich.console import Console

    from pinata_tui.tui.markdown.render import reply_markdown_class

    for document in DOCUMENTS:
        app = Host()
        async with app.run_test(size=(60, 40)) as pilot:
            widget = app.query_one(StreamingMarkdown)
            for start in range(0, len(document), 11):  # a drawn frame after every piece
                widget.feed(document[start:start + 11])
                await pilot.pause(0.035)
            await widget.finish(document)
            await pilot.pause()
            console = Console(width=widget.size.width, color_system=None, record=False)
            whole = console.render_lines(reply_markdown_class()(document), console.options)
            expected = "\n".join("".join(s.text for s in line).rstrip() for line in whole).rstrip("\n")
            assert visible_text(widget) == expected


LONG_REPLY = "\n\n".join(f"## Part {i}\n\n" + "Some words about this part, repeated. " * 12 for i in range(8))


class ManyReplies(App[None]):
    def compose(self) -> ComposeResult:
        for _ in range(12):
            yield StreamingMarkdown(LONG_REPLY)


async def test_a_removed_reply_withdraws_its_waiting_background_render():
    """Scrolling fast through a long history removes replies before their turn; their jobs must go too."""
    from pinata_tui.tui.markdown.background_renderer import renderer_for

    assert len(LONG_REPLY) >= StreamingMarkdown.BACKGROUND_MIN_CHARS
    app = ManyReplies()
    async with app.run_test(size=(60, 20)) as pilot:
        replies = list(app.query(StreamingMarkdown))
        await app.query(StreamingMarkdown).remove()
        assert not any(renderer_for(app).is_waiting(reply) for reply in replies)
        assert all(reply.unmounted for reply in replies)
        survivor = StreamingMarkdown(LONG_REPLY)
        await app.mount(survivor)  # the renderer still serves new replies
        for _ in range(100):
            if survivor.rendered:
                break
            await pilot.pause(0.02)
        await pilot.pause()
        assert survivor.rendered and "Part 7" in "\n".join(
            survivor.render_line(y).text for y in range(survivor.size.height))


async def test_a_reply_the_markdown_renderer_chokes_on_is_shown_as_plain_text(monkeypatch):
    from pinata_tui.tui.markdown import render

    def broken() -> type:
        raise ValueError("renderer bug")

    monkeypatch.setattr(render, "reply_markdown_class", broken)
    from pinata_tui.tui.markdown.background_renderer import BackgroundRenderer

    submitted: list[object] = []
    submit = BackgroundRenderer.submit

    def recording_submit(self, job):
        submitted.append(job.widget)
        return submit(self, job)

    monkeypatch.setattr(BackgroundRenderer, "submit", recording_submit)
    app = Host()
    async with app.run_test(size=(60, 80)) as pilot:
        widget = app.query_one(StreamingMarkdown)
        await widget.finish(LONG_REPLY)
        for _ in range(100):
            if widget.rendered:
                break
            await pilot.pause(0.02)
        assert widget.rendered
        await pilot.pause()
        assert "## Part 0" in visible_text(widget)  # the source, literally
        # A finished reply mounted with its text is drawn by the renderer thread: same fallback.
        await widget.remove()
        in_background = StreamingMarkdown(LONG_REPLY)
        await app.mount(in_background)
        for _ in range(100):
            if in_background.rendered:
                break
            await pilot.pause(0.02)
        assert in_background in submitted  # drawn by the renderer thread (not checked as "not yet drawn" at
        await pilot.pause()  # mount: under load the thread had sometimes finished by then)
        assert "## Part 7" in visible_text(in_background)


class FakeApp:
    """Receives the renderer's batches the way Textual's App.call_from_thread would."""

    def __init__(self) -> None:
        self.delivered_at: list[float] = []
        self.clock = time.monotonic
        self.done = threading.Event()

    def call_from_thread(self, callback, *args) -> None:
        self.delivered_at.append(self.clock())
        self.done.set()


def job_for(app: FakeApp):
    from types import SimpleNamespace

    from rich.style import Style
    from rich.theme import Theme

    from pinata_tui.tui.markdown.background_renderer import RenderJob

    widget = SimpleNamespace(unmounted=False, receive_lines=lambda width, lines: None)
    return RenderJob(widget, app, "# Title\n\nText.", 40, Theme(), True, Style())  # type: ignore[arg-type]


def test_a_job_whose_blank_lines_are_on_screen_goes_first_and_alone():
    from pinata_tui.tui.markdown.background_renderer import BackgroundRenderer

    renderer = BackgroundRenderer()
    shown, other = FakeApp(), FakeApp()
    on_screen = job_for(shown)
    with renderer._wake:  # the thread waits for the queue to be set up: an older job on screen, a newer one not
        renderer.submit(on_screen)
        renderer.submit(job_for(other))
        renderer.expedite(on_screen.widget)
    assert shown.done.wait(10) and other.done.wait(10)
    # Alone: a batch goes through its first job's app, so a shared batch would never reach ``other``'s.
    assert shown.delivered_at[0] <= other.delivered_at[0], "the newer job off screen went first"
    renderer.stop()


def test_replies_rendered_ahead_wait_behind_the_screens_jobs_and_are_taken_once():
    """A page not mounted yet renders only when no mounted reply waits, and never in a batch of lines for
    the screen (it would hold them up); its lines are kept under their key until a widget takes them."""
    from rich.style import Style
    from rich.theme import Theme

    from pinata_tui.tui.markdown.background_renderer import AheadJob, BackgroundRenderer

    renderer = BackgroundRenderer()
    text = "# Ahead\n\nSome *text* to render ahead."
    ahead = AheadJob((text, 40, "key"), text, 40, Theme(), True, Style())
    screen_job = job_for(FakeApp())
    with renderer._wake:  # the thread waits until both are queued
        renderer.render_ahead([ahead])
        renderer.submit(screen_job)
        first = renderer._next(0, time.monotonic(), gather=False)
        assert first is not None and first[0] is screen_job  # the screen's job first, whatever the order
        assert renderer._next(0, time.monotonic(), gather=False) is None  # not in a batch already begun
        assert renderer._next(0, time.monotonic(), gather=True) == (ahead, False)  # between batches
        renderer._keep_ahead(ahead.key, "lines")  # type: ignore[arg-type]
    assert renderer.take_ahead(ahead.key) == "lines"
    assert renderer.take_ahead(ahead.key) is None  # once: a widget's lines are its own
    renderer.stop()


def test_the_renderer_thread_starts_with_its_first_job_and_ends_when_stopped_or_idle():
    from pinata_tui.tui.markdown.background_renderer import BackgroundRenderer

    renderer = BackgroundRenderer()
    assert not renderer.running  # nothing runs before there is work
    app = FakeApp()
    renderer.submit(job_for(app))
    assert app.done.wait(10) and renderer.running
    renderer.stop(wait=5)
    assert not renderer.running
    renderer.IDLE_SECONDS = 0.2  # a later job starts it again; with nothing more to do it ends by itself
    app = FakeApp()
    renderer.submit(job_for(app))
    assert app.done.wait(10)
    deadline = time.monotonic() + 5
    while renderer.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not renderer.running


def test_importing_the_renderer_starts_no_thread():
    import subprocess
    import sys

    code = ("import threading, pinata_tui.tui.app, pinata_tui.tui.markdown.streaming_markdown; "
            "print(threading.active_count())")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    assert result.stdout.strip() == "1", result.stderr


def test_a_reply_the_markdown_parser_chokes_on_is_shown_as_plain_text(monkeypatch):
    """A parser bug must cost the reply its formatting, not its text (it was drawn as nothing)."""
    import io

    from rich.console import Console
    from rich.style import Style

    from pinata_tui.tui.markdown import render

    class BrokenParser:
        def parse(self, source, env):
            raise IndexError("parser bug")

    monkeypatch.setattr(render, "parser", lambda: BrokenParser())
    console = Console(width=40, force_terminal=True, color_system="truecolor", file=io.StringIO())
    context = render.RenderContext(console, 40, render.markdown_theme({}, True), True, Style())
    piece = render.render_piece(context, "## Part 0\n\nSome **bold** text.", {})
    assert ["".join(s.text for s in line).rstrip() for line in piece.lines][:3] == ["## Part 0", "", "Some **bold** text."]


async def test_a_burst_of_text_is_drawn_ten_times_a_second_and_a_model_typing_thirty():
    """Text arriving faster than anyone reads (a buffered reply) is flushed less often; typing speed is not."""
    from pinata_tui.tui.markdown.streaming_markdown import BURST_FRAME_SECONDS, FRAME_SECONDS

    app = Host()
    async with app.run_test(size=(60, 30)) as pilot:
        widget = app.query_one(StreamingMarkdown)
        widget.feed("First words")
        await pilot.pause(0.05)
        assert "First words" in visible_text(widget)  # the first piece of a reply is drawn at once
        assert widget._frame_seconds() == FRAME_SECONDS
        widget.feed("Lots of text arriving at once.\n\n" * 300)  # ~9,600 characters within a frame
        await pilot.pause(0.05)
        assert widget._frame_seconds() == BURST_FRAME_SECONDS  # the burst's next frame waits longer
        widget.feed("more")
        await pilot.pause(0.3)
        assert visible_text(widget).endswith("at once.\n\nmore")  # and it comes
        widget.feed(" slow")  # a trickle again: back to every frame
        await pilot.pause(0.1)
        assert widget._frame_seconds() == FRAME_SECONDS
        widget.feed(" words")
        await pilot.pause(0.1)
        assert visible_text(widget).endswith("more slow words")
