"""Deterministic workloads: a Markdown-dense reply of N tokens, a long stored conversation."""

from __future__ import annotations

from pinata_tui.devserver import tokenize_reply


def markdown_document(tokens: int, seed: int = 0) -> str:
    """Markdown dense with headings, lists, tables and fenced code, cut to about ``tokens`` tokens."""
    sections = []
    i = seed
    while sum(len(tokenize_reply(s)) for s in sections) < tokens:
        sections.append(
            f"## Section {i}: streaming and rendering\n\n"
            f"Some **bold** words, some *italic* ones and `inline code` in a paragraph that wraps across "
            f"the width of a terminal, as model replies do when they explain step {i} at length.\n\n"
            f"- first point about item {i}\n- second point, with `code`\n  - a nested point\n- third point\n\n"
            f"| name | value | note |\n|---|---|---|\n| alpha | {i} | first |\n| beta | {i * 2} | second |\n\n"
            f"```python\ndef step_{i}(values: list[int]) -> int:\n    total = 0\n"
            f"    for v in values:\n        total += v * {i + 1}\n    return total\n```\n\n"
        )
        i += 1
    pieces = tokenize_reply("".join(sections))[:tokens]
    return "".join(pieces)


def one_long_paragraph(tokens: int) -> str:
    words = ("the quick brown fox jumps over the lazy dog while a model streams its reply at a steady "
             "pace and the terminal keeps up without breaking a sweat").split()
    return " ".join(words[i % len(words)] for i in range(tokens)) + "."
