"""Code blocks drawn from Pygments' tokens (``pinata_tui/tui/markdown/code_block.py``) draw, segment for
segment (text and style), what Rich's ``Syntax`` in ``Padding`` draws, and whole replies render as they
did with Rich's own code block: over lexers, both code themes, widths down to the narrowest, code with
tabs, wide characters, blank lines, multi-line tokens, lines too long for the width, unknown languages,
and code blocks inside lists and quotes."""

from __future__ import annotations

import io
import threading
from typing import ClassVar

import pytest
from rich.console import Console
from rich.markdown import CodeBlock, Markdown, MarkdownElement
from rich.style import Style
from rich.syntax import Syntax

from pinata_tui.tui.markdown import render
from pinata_tui.tui.markdown.code_block import code_segments, lexer_for, theme_for
from pinata_tui.tui.markdown.render import RenderContext, markdown_theme, reply_markdown_class

CONSOLE = Console(width=120, file=io.StringIO(), color_system="truecolor", force_terminal=True, legacy_windows=False)

CODE = {
    "python": ('def f(x: int) -> int:\n    """Doc\n    string."""\n    return x + 1  # a comment\n\n\n'
               "class A:\n    s = f'{x!r} \\n'\n    pass"),
    "bash": 'ls -la | grep foo && echo "$HOME"\nfor i in 1 2; do echo $i; done\n# done',
    "json": '{"a": [1, 2.5, {"b": null}], "c": "d", "e": true}',
    "javascript": "const x = () => { return `a ${b}`; };\n// c\n/* multi\nline */\nlet y = /re+/g;",
    "text": "plain text\n  indented\n\ttabbed\n",
    "": "no language at all",
    "nosuchlanguage": "an unknown lexer name\nfalls back to plain text",
    "rust": 'fn main() {\n    println!("hi {}", 1);\n}',
    "diff": "+ added\n- removed\n  same",
    "sql": "SELECT *\nFROM t\nWHERE a = 'x' -- note",
    "html": '<div class="a">x &amp; y</div>\n<!-- comment -->',
    "yaml": "a: 1\nb:\n  - c\n  - 'd'",
    "c": "#include <stdio.h>\nint main(void) { return 0; }",
    "go": 'package main\n\nfunc main() {\n\tprintln("tab")\n}',
    "python3": "\tif tabs:\n\t\treturn 'two'\n  \tmixed = 1",
    "py": "x = '日本語のテキスト' # 🎉 emoji\ny = 'ｆｕｌｌ'\nz = '👨\u200d👩\u200d👧 family, e\u0301 combining'",
    "python2": "\n\n  \n\nx = 'blank lines'\n\n",
    "ruby": "x = 1    \n    ",
    "typescript": "let x = " + "'word' + " * 30 + "'a long line';",
    "python4": "x = 1 +\u200d2\ny = 3\ufeff\nz = 'e\u0301' \nw = 4\u2028 ",  # zero-width between tokens
}
WIDTHS = (120, 60, 40, 24, 12, 6, 3)


def rich_syntax(code: str, language: str, theme: str, width: int) -> list:
    options = CONSOLE.options.update(width=width, max_width=width, min_width=width)
    return list(CONSOLE.render(Syntax(code, language or "text", theme=theme, word_wrap=True, padding=1), options))


@pytest.mark.parametrize("theme", ["monokai", "xcode"])
def test_code_blocks_draw_what_rich_syntax_draws(theme):
    drawn_here = 0
    for language, code in CODE.items():
        for width in WIDTHS:
            for text in {code, code.rstrip()}:  # Rich's Markdown strips it; Syntax keeps a last line break
                segments = code_segments(text, lexer_for(language or "text"), theme_for(theme), width)
                if segments is None:
                    continue  # Rich's own path draws it: the same by construction
                drawn_here += 1
                assert segments == rich_syntax(text, language, theme, width), (language, width, text)
    # The fast path did the drawing for most of them (else this compares nothing); "py" and "python4" have
    # zero-width characters, which Rich's path draws.
    assert drawn_here > (len(CODE) - 2) * 4


def test_what_the_fast_path_leaves_to_rich():
    lexer, theme = lexer_for("python"), theme_for("monokai")
    assert code_segments("x = 1", lexer, theme, 40) is not None
    assert code_segments("x = " + "1" * 40, lexer, theme, 40) is None  # it would wrap
    assert code_segments("bell \x07 here", lexer, theme, 40) is None  # Text strips control characters
    assert code_segments("x = 1", lexer, theme, 2) is None
    assert code_segments("x = 1", lexer, theme_for("ansi_dark"), 40) is None  # not a Pygments theme


def test_a_lexer_and_a_theme_are_made_once_per_name():
    assert lexer_for("python") is lexer_for("python")  # (in one thread)
    assert lexer_for("no such language") is lexer_for("no such language")
    assert lexer_for("no such language").name == lexer_for("text").name
    assert theme_for("xcode") is theme_for("xcode")
    other: list[object] = []
    thread = threading.Thread(target=lambda: other.append(lexer_for("python")))
    thread.start()
    thread.join()
    assert other[0] is not lexer_for("python")  # no lexer shared between threads (Rich never shared one)


DOCUMENT = "".join([
    "# Code\n\nSome text, then code:\n\n",
    *(f"```{language}\n{code}\n```\n\n" for language, code in CODE.items()),
    "- a list item\n\n  ```python\n  def nested():\n      return 'in a list'\n  ```\n\n",
    "1. numbered\n   ```bash\n   echo nested\n   ```\n\n",
    "> quoted\n>\n> ```json\n> {\"in\": \"a quote\"}\n> ```\n\n",
    "    indented code block\n    second line\n\n",
    "~~~\ntildes, no language\n~~~\n\n",
    "```python extra words after the language\nprint('x')\n```\n\n",
    "```python\nunclosed = 'at the end'\n",
])


class RichCodeMarkdown(Markdown):
    """The reply's Markdown, but with Rich's own code block (what was drawn before)."""

    elements: ClassVar[dict[str, type[MarkdownElement]]] = {
        **reply_markdown_class().elements, "fence": CodeBlock, "code_block": CodeBlock}


@pytest.mark.parametrize("dark", [True, False])
@pytest.mark.parametrize("width", [100, 50, 30, 10])
def test_replies_with_code_render_as_they_did_with_richs_code_block(dark, width):
    console = Console(width=width, file=io.StringIO(), color_system="truecolor", legacy_windows=False)
    context = RenderContext(console, width, markdown_theme({}, dark), dark, Style(color="#e0e0e0", bgcolor="#101010"))
    tokens = render.parser().parse(DOCUMENT, {})
    reference = render.markdown_from_tokens(tokens, context.code_theme, RichCodeMarkdown)
    options = console.options.update(width=width, max_width=width, min_width=width, highlight=False)
    with console.use_theme(context.theme):
        expected = console.render_lines(reference, options, style=context.style, pad=True)
    assert render.render_markdown(context, DOCUMENT) == expected
