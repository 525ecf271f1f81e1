"""Streaming a reply in random pieces, as the network cuts it (shared by the Markdown streaming tests)."""

from __future__ import annotations

import random
from collections.abc import Iterator

from pinata_tui.tui.markdown.reply_document import ReplyDocument


def stream_in_pieces(document: ReplyDocument, text: str, seed: int, sizes: tuple[int, int]) -> Iterator[int]:
    """Append ``text`` to ``document`` in pieces of random ``sizes`` and settle it after each; yield
    how much of the text is in after each piece."""
    rng = random.Random(seed)
    position = 0
    while position < len(text):
        size = rng.randint(*sizes)
        document.append(text[position:position + size])
        position += size
        document.settle()
        yield position
