"""Deterministic reply text: content, "thinking", a tool call; and the server's token count."""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

from pinata_tui.devserver.content import received_note, text_of

TOOL_CALL_ID = "call_abc"
TOOL_NAME = "get_weather"
TOOL_ARGUMENTS = json.dumps({"location": "Paris, France", "unit": "celsius"}, separators=(",", ":"))
TOOL_ARGUMENT_PIECE = 5
"""Characters per streamed piece of the tool call's arguments."""


def estimate_tokens(text: str) -> int:
    """The server's own deterministic token count: about four characters a token."""
    return max(1, math.ceil(len(text) / 4)) if text else 0


def _last_user(messages: list[dict[str, Any]]) -> str:
    return next((text_of(m.get("content", "")) for m in reversed(messages) if m.get("role") == "user"), "")


def _sample_document(seed: int, model: str, prompt: str) -> str:
    """A Markdown reply rich enough to exercise rendering: heading, list, table, code."""
    topic = " ".join(prompt.split()[:8]) or "your message"
    n = seed % 97
    return (
        f"## Re: {topic}\n\n"
        f"This is a deterministic reply from the local Pinata server, written as **{model}**.\n\n"
        f"- point one, seed {n}\n- point two, with `inline code`\n- point three\n\n"
        "| token | price |\n|---|---|\n| input | $3.00 |\n| output | $15.00 |\n\n"
        "```python\n"
        f"def answer(x: int) -> int:\n    return x * {n + 2}\n"
        "```\n\n"
        "A paragraph of ordinary prose follows, so that the reply wraps across lines and a "
        "reader can watch it stream in at a realistic pace without anything in it being "
        "meaningful at all.\n\n"
    )


def demo_reply(model: str, messages: list[dict[str, Any]], catalog: list[dict[str, Any]]) -> str:
    """The demo's reply: a whole, readable answer (Markdown, a table, code) saying what it is and what
    to try next; each turn of the conversation gets the next tip."""
    prompt = " ".join(_last_user(messages).split()[:12]) or "your message"
    turn = sum(1 for m in messages if m.get("role") == "user")
    prices = next((m for m in catalog if m.get("model_id") == model), {})
    tips = [
        "press **Ctrl+P** and type *Demo* to make the next reply think first, get cut at the token "
        "limit, fail mid-reply, or find the account out of credits",
        "press **Ctrl+L** to switch model: the whole conversation goes to the new one, and the picker "
        "shows what the next request would cost on each",
        "press **Tab** to reach this reply, then **k** to copy its code block or **y** to copy all of it",
        "press **F2** to see every saved conversation and search them (demo chats are thrown away on exit)",
        "press **Ctrl+S** to export this conversation to Markdown or JSON",
    ]
    tip = tips[(turn - 1) % len(tips)]
    return (
        f"## You asked: {prompt}\n\n"
        "This is **demo mode**: the answer comes from a stand-in for Pinata running inside pinata-chat, "
        f"playing **{model}**. No account is used and nothing is billed.\n\n"
        f"{received_note(messages)}"
        f"Next, {tip}.\n\n"
        "| what | price per 1M tokens |\n|---|---|\n"
        f"| input | ${prices.get('input_usd_per_1m_tokens', 0):.2f} |\n"
        f"| output | ${prices.get('output_usd_per_1m_tokens', 0):.2f} |\n\n"
        "Replies render as Markdown while they stream, code included:\n\n"
        "```python\n"
        "from pinata_tui.api import PinataClient\n\n"
        "async with PinataClient(settings) as client:\n"
        "    async for event in client.stream_chat(model, messages):\n"
        "        print(event)\n"
        "```\n\n"
        "With a real key (Ctrl+P → *Key: set inference key*) the same screen talks to Pinata.\n"
    )


def _cycle(pieces: list[str], count: int) -> list[str]:
    """Exactly ``count`` pieces, repeating ``pieces`` as often as needed."""
    if not pieces or count <= 0:
        return []
    out: list[str] = []
    while len(out) < count:
        out.extend(pieces)
    return out[:count]


def generate_reply(model: str, messages: list[dict[str, Any]], tokens: int) -> list[str]:
    """Deterministic reply pieces (one per chunk) for a request."""
    seed = int.from_bytes(hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).digest()[:4], "big")
    document = _sample_document(seed, model, _last_user(messages))
    return _cycle(tokenize_reply(document), tokens)


def generate_reasoning(messages: list[dict[str, Any]], tokens: int) -> list[str]:
    """Deterministic "thinking" pieces, streamed before the reply when a fault asks for them."""
    topic = " ".join(_last_user(messages).split()[:8]) or "the message"
    text = (
        f"The user wrote: {topic}. Let me think about what they want, weigh a couple of "
        "ways to answer, and pick the clearest one before writing the reply. "
    )
    return _cycle(tokenize_reply(text), tokens)


def tool_argument_pieces() -> list[str]:
    """The tool call's JSON arguments, split into small pieces as a model streams them."""
    n = TOOL_ARGUMENT_PIECE
    return [TOOL_ARGUMENTS[i:i + n] for i in range(0, len(TOOL_ARGUMENTS), n)]


def tokenize_reply(text: str) -> list[str]:
    """Split text into pieces of about one token: a word with its leading whitespace."""
    pieces: list[str] = []
    current = ""
    for ch in text:
        if ch.isspace() and current and not current.isspace():
            pieces.append(current)
            current = ch
        else:
            current += ch
    if current:
        pieces.append(current)
    return pieces
