"""Shared by the hostile-input tests (issue #14): a payload that tries every trick, and SSE bodies.

The tests run ``pinata-chat`` with ``tests.cli_helpers.run_cli`` (in this process).
"""

from __future__ import annotations

HOSTILE = (
    "A\x1b[2J\x1b[31mred\x1b]0;pwned\x07\x1b]2;title\x1b\\"
    "\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\"
    "\x1b]52;c;cHduZWQ=\x07\x1bP1$qm\x1b\\\x9b2J\x9d0;c1\x9c"
    "\u202egnp.exe\u2066\x00"
    "[bold]B[/bold] [@click=app.quit]q[/] [/x] Z"
)
"""CSI, SGR, OSC 0/2/8/52, DCS, C1 CSI/OSC/ST, BIDI overrides, NUL and Rich/Textual markup."""

MARKUP = ("[bold]B[/bold]", "[@click=app.quit]q[/]", "[/x]")
OBEYED = ("\x1b", "\x07", "\x9b", "\x9c", "\x9d", "\x90", "\x00", "\u202e", "\u2066")


def assert_inert(text: str) -> None:
    """Nothing in ``text`` would be obeyed by a terminal; markup is there as plain characters."""
    for char in OBEYED:
        assert char not in text, f"{char!r} reached the terminal in {text!r}"


def assert_shown(text: str) -> None:
    """The hostile payload was shown (as visible stand-ins), not dropped and not obeyed."""
    assert_inert(text)
    assert "␛]52;c;cHduZWQ=" in text and "⟨U+202E⟩" in text
    for markup in MARKUP:
        assert markup in text


def sse(*chunks: str, done: bool = True) -> str:
    """A raw SSE body from JSON texts (written by hand, so they may hold what json.dumps cannot)."""
    body = "".join(f"data: {chunk}\n\n" for chunk in chunks)
    return body + ("data: [DONE]\n\n" if done else "")


def content_chunk(text_json: str, finish: str = "null") -> str:
    """A chat.completion.chunk whose content is the JSON string literal ``text_json``."""
    return ('{"id":"c1","object":"chat.completion.chunk","model":"m","choices":'
            f'[{{"index":0,"delta":{{"content":{text_json}}},"finish_reason":{finish}}}]}}')
