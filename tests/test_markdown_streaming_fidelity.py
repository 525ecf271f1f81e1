"""Realistic replies streamed in small pieces render as the whole reply does (issue #16).

Each kind of reply that used to break: citations with reference links at the bottom, fences
inside fences, HTML blocks with blank lines inside, a list whose number is cut mid-stream,
a table right after text, CJK and emoji. Streamed headless in pieces of 1 to 7 characters
with a frame after each (what is drawn meanwhile is checked too), and in the running app
through the loopback server (the stream cut into 7-byte writes).
"""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.style import Style
from rich.theme import Theme

from pinata_tui.devserver import StreamStyle
from pinata_tui.sanitize import make_displayable
from pinata_tui.tui.chat.assistant_message import AssistantMessage
from pinata_tui.tui.markdown.render import RenderContext, reply_markdown_class
from pinata_tui.tui.markdown.reply_document import ReplyDocument
from tests.markdown_helpers import stream_in_pieces
from tests.tui_helpers import chat, make_app, ready, send_and_wait

CITATIONS = """\
Python's style is described in [PEP 8][pep8], and the [official docs][docs] cover the rest.
Type hints came later ([PEP 484][1]); see also [the typing guide].

## Summary

- Follow [PEP 8][pep8] for layout.
- Read the [docs] before asking.

Sources:

[pep8]: https://peps.python.org/pep-0008/
[docs]: https://docs.python.org/3/
[1]: https://peps.python.org/pep-0484/ "PEP 484"
[the typing guide]: <https://typing.python.org/en/latest/>
"""

NESTED_FENCES = """\
Here is a README for the project:

~~~markdown
# thing

Install it:

```bash
pip install thing
```

Use it:

```python
import thing
thing.run()
```
~~~

A Markdown example with a four-backtick fence:

````md
```python
print("inside")
```
````

And a ```` ```python ```` line inside a plain fence is code too:

```
first
```python
second
```

Done.
"""

HTML_BLOCKS = """\
<details>
<summary>Show the log</summary>

The **hidden** part, with Markdown.

</details>

<!-- a comment

that spans a blank line -->

<pre>
line one

line three
</pre>

<script>
let x = 1;

console.log(x);
</script>

After the HTML.
"""

LIST_NUMBERS = """\
Steps:

1. first
2. second

10000. b
10001. c

Then text.
"""

TABLE_AFTER_TEXT = """\
The results were:
| model | score |
|---|---|
| alpha | 91 |
| beta | 87 |
Both passed.

| a | b |
|---|---|
| 1 | 2 |
"""

CJK_AND_EMOJI = """\
## 日本語の見出し 🎌

中文段落，包含**粗体**和`代码`。😀🎉 A family 👩‍👩‍👧 and flags 🇯🇵🇫🇷, wide ＡＢＣ letters that wrap \
across the narrow width of this test several times over.

- 項目一 ✅
- 項目二 🚀

| 名前 | 値 |
|---|---|
| 東京 | 🗼 |
| 서울 | 한국어 |
"""

REPLIES = {
    "citations": CITATIONS,
    "nested fences": NESTED_FENCES,
    "html blocks": HTML_BLOCKS,
    "list numbers": LIST_NUMBERS,
    "table after text": TABLE_AFTER_TEXT,
    "cjk and emoji": CJK_AND_EMOJI,
}

WIDTH = 50
CONSOLE = Console(width=WIDTH, file=io.StringIO(), color_system=None, legacy_windows=False)
CONTEXT = RenderContext(CONSOLE, WIDTH, Theme(), True, Style())


def rich_lines(text: str, width: int = WIDTH) -> list[str]:
    """Rich's rendering of ``text`` as one document, a plain string per line."""
    console = Console(width=width, file=io.StringIO(), color_system=None, legacy_windows=False)
    options = console.options.update(width=width, max_width=width, min_width=width, highlight=False)
    lines = console.render_lines(reply_markdown_class()(text, hyperlinks=False), options, pad=True)
    return ["".join(s.text for s in line).rstrip() for line in lines]


def rich_whole(text: str, width: int = WIDTH) -> list[str]:
    """The same without blank lines at the end."""
    return "\n".join(rich_lines(text, width)).rstrip("\n").split("\n")


def frame(document: ReplyDocument) -> tuple[list[str], list[str]]:
    """Draw a frame: (settled lines, tail lines)."""
    document.render(CONTEXT, (WIDTH,))
    tail = ["".join(s.text for s in line).rstrip() for line in document.render_tail(CONTEXT)]
    return [line.rstrip() for line in document.plain_lines()], tail


def shown(frame_lines: tuple[list[str], list[str]]) -> list[str]:
    return "\n".join(frame_lines[0] + frame_lines[1]).rstrip("\n").split("\n")


def stream(text: str, seed: int, sizes: tuple[int, int] = (1, 7)):
    """Feed ``text`` in pieces; yield (text so far, frame) after each."""
    document = ReplyDocument()
    for position in stream_in_pieces(document, text, seed, sizes):
        yield text[:position], frame(document)
    document.finish(text)
    yield text, frame(document)


@pytest.mark.parametrize("name", REPLIES)
def test_streamed_in_small_pieces_it_ends_as_the_whole_reply_renders(name):
    text = REPLIES[name]
    expected = rich_whole(text)
    for seed in range(4):
        *_, (_, last) = stream(text, seed)
        assert shown(last) == expected, f"{name}, seed {seed}"


@pytest.mark.parametrize("name", [name for name in REPLIES if name != "citations"])
def test_settled_lines_are_final_and_each_frame_shows_what_the_text_so_far_renders_to(name):
    """Without reference links, a settled line never changes; every frame draws what the text
    received so far renders to as a whole (its last line cut at the last line break)."""
    text = REPLIES[name]
    final = rich_lines(text)
    for so_far, (settled, tail) in stream(text, seed=5):
        assert settled == final[:len(settled)]
        complete = so_far[:so_far.rfind("\n") + 1]
        if complete == so_far:
            assert shown((settled, tail)) == rich_whole(so_far)
        else:
            assert settled == rich_lines(complete)[:len(settled)]


def test_citations_resolve_as_soon_as_their_definitions_arrive():
    cut = CITATIONS.index("[docs]: ")
    seen_url = None
    for so_far, lines in stream(CITATIONS, seed=3, sizes=(1, 3)):
        text = " ".join(line.strip() for line in shown(lines))  # wrapped lines joined back
        if "official docs (https://docs.python.org/3/)" in text and seen_url is None:
            seen_url = len(so_far)
        if len(so_far) <= cut:
            assert "docs.python.org" not in text  # not defined yet: the brackets show as written
            if "[docs]," in so_far:
                assert "[official docs][docs]" in text
    line_end = CITATIONS.index("\n", cut) + 1
    assert seen_url is not None and seen_url <= line_end + 3, "the link shows its URL once its line is complete"


def test_references_render_only_the_pieces_that_use_them_again(monkeypatch):
    rendered: list[str] = []
    real = ReplyDocument._render_chunk

    def recording(self, index, context):
        chunk = self.chunks[index]
        rendered.append(self.text[chunk.start:chunk.end])
        return real(self, index, context)

    monkeypatch.setattr(ReplyDocument, "_render_chunk", recording)
    text = ("Intro with [a link][ref].\n\n# Heading\n\nPlain paragraph.\n\n- a list\n\nMore.\n\n"
            "[ref]: https://example.com\n\nEnd.\n")
    document = ReplyDocument()
    for character in text:
        document.append(character)
        document.settle()
        frame(document)
    assert "a link (https://example.com)" in " ".join(shown(frame(document)))
    assert sum("Intro" in piece for piece in rendered) == 2  # once, then again when [ref] arrived
    assert all(rendered.count(piece) == 1 for piece in rendered if "Intro" not in piece)
    document.finish(text)
    assert shown(frame(document)) == rich_whole(text)


def test_a_list_number_cut_mid_stream_keeps_the_list_whole():
    text = "1. a\n2. b\n\n10000. c\n"
    document = ReplyDocument()
    for piece in ["1. a\n2. b\n\n1000", "0", ". c\n"]:
        document.append(piece)
        document.settle()
        assert document.settled_upto == 0, "the list is the only block: nothing settles"
        frame(document)
    document.finish(text)
    assert shown(frame(document)) == rich_whole(text)
    assert "10000" not in "\n".join(rich_whole(text))  # one list, numbered on from 1


@pytest.mark.parametrize("cut", ["The answer is", "- one\n- tw", "```python\nx = 1\n", "Intro\n\n| a |\n"])
def test_a_continued_reply_renders_as_if_it_had_never_stopped(cut):
    text = cut + "o 42.\n\n| a |\n|---|\n| 1 |\n\nEnd.\n"
    document = ReplyDocument(cut)  # a saved reply, cut at the limit
    frame(document)
    for character in text[len(cut):]:
        document.append(character)
        document.settle()
        frame(document)
    document.finish(text)
    assert shown(frame(document)) == rich_whole(text)
    finished_twice = ReplyDocument(cut)
    frame(finished_twice)
    finished_twice.finish(text)  # continued without a frame in between
    assert shown(frame(finished_twice)) == rich_whole(text)


# ------------------------------------------------------------- in the app


async def test_each_reply_renders_in_the_running_app_as_the_whole_reply_does(server, tmp_path):
    server.state.style = StreamStyle(write_size=7)  # lines and UTF-8 characters split on the wire
    server.state.tokens_per_second = 400  # frames while it streams
    app = make_app(server, tmp_path)
    async with app.run_test(size=(70, 60)) as pilot:
        await ready(pilot)
        for name, text in REPLIES.items():
            server.state.reply_override = text
            await send_and_wait(pilot, f"Show me {name}")
            block = chat(app).view.query(AssistantMessage).last()
            assert block.message.content == text
            width = block.content_size.width
            drawn = [line.rstrip() for line in block.plain_lines()[1:]]
            while drawn and not drawn[-1]:
                drawn.pop()
            assert drawn == rich_whole(make_displayable(text), width), name


async def test_the_app_stops_its_renderer_thread_when_it_closes(server, tmp_path):
    import asyncio

    from pinata_tui.tui.markdown.background_renderer import renderer_for
    from pinata_tui.tui.markdown.streaming_markdown import StreamingMarkdown

    app = make_app(server, tmp_path)
    async with app.run_test(size=(70, 30)) as pilot:
        await ready(pilot)
        saved = StreamingMarkdown("A saved reply, long enough for the renderer thread. " * 40)
        await chat(app).mount(saved)
        renderer = renderer_for(app)
        for _ in range(200):
            if saved.rendered:
                break
            await pilot.pause(0.02)
        assert saved.rendered and renderer.running
    for _ in range(100):
        if not renderer.running:
            break
        await asyncio.sleep(0.02)
    assert not renderer.running
