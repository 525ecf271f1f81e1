"""The cached-lines Markdown widget: settles finished blocks, redraws the tail, shows text literally."""

from __future__ import annotations

from textual.app import App, ComposeResult

from pinata_tui.tui.widgets.markdown_lines import StreamingMarkdown, settle_point


def test_settle_point_is_after_the_last_blank_line_outside_a_fence():
    assert settle_point("one paragraph still going", 0) == 0
    text = "# Title\n\nA paragraph.\n\nThe tail"
    assert text[settle_point(text, 0):] == "The tail"
    fenced = "Intro\n\n```py\nx = 1\n\ny = 2\n"  # the blank line inside the open fence does not count
    assert fenced[settle_point(fenced, 0):] == "```py\nx = 1\n\ny = 2\n"
    closed = fenced + "```\n\nafter"
    assert closed[settle_point(closed, 0):] == "after"
    assert settle_point(text, len("# Title\n\n")) == len("# Title\n\nA paragraph.\n\n")


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
        assert all(len(a) < len(b) for a, b in zip(seen, seen[1:])), "each piece shows up as it arrives"
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
