"""Streams written by hand from each provider's published format, replayed through the client and ``ask``.

``tests/data/streams/`` holds one ``.sse`` file per provider case (OpenAI, Azure OpenAI, OpenRouter,
vLLM, llama.cpp server, Ollama): the raw response body as it comes off the wire, with the page or
source file it was written from cited at its top as SSE comment lines, so the file is sent verbatim.
``expected.json`` says what the client must make of each one.

Every file is replayed three ways:

- in-process, through ``read_chat_stream`` over a real ``httpx.Response``, whole and split at random
  byte offsets (the events must not depend on how the bytes arrive);
- through ``PinataClient.stream_chat`` against the loopback dev server, which sends the file as the body;
- through the ``pinata-chat ask`` command (``cli.main`` in this process; ``test_cli`` runs the real
  process), with ``--json`` (status, content, reasoning, usage, cost, exit code, and the reply saved
  in history) and without it (stdout text, reasoning on stderr with ``--show-reasoning``, and the
  one-line notice on stderr).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from pinata_tui.api import PinataClient
from pinata_tui.api.errors import StreamFailed, StreamInterrupted
from pinata_tui.api.events import (
    Finished,
    ReasoningDelta,
    RefusalDelta,
    Retrying,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from pinata_tui.api.streaming import read_chat_stream
from pinata_tui.conversation import MessageStatus
from pinata_tui.devserver import CATALOG, Fault, PinataDevServer
from pinata_tui.paths import AppPaths
from pinata_tui.store import ConversationStore
from tests.cli_helpers import Run, pinata_env, run_cli

STREAMS = Path(__file__).parent / "data" / "streams"
EXPECTED: dict[str, dict[str, Any]] = json.loads((STREAMS / "expected.json").read_text("utf-8"))["files"]
NAMES = sorted(EXPECTED)
PROVIDERS = {"OpenAI", "Azure OpenAI", "OpenRouter", "vLLM", "llama.cpp server", "Ollama"}
PROMPT = "Tell me about piñatas."


def body_of(name: str) -> str:
    return (STREAMS / name).read_text("utf-8")


# ------------------------------------------------------------------ replaying


@dataclass
class Replay:
    """What a stream yielded, folded: the pieces joined, the events kept in order."""

    events: list[object] = field(default_factory=list)
    error: StreamInterrupted | None = None

    def joined(self, kind: type) -> str:
        return "".join(e.text for e in self.events if isinstance(e, kind))

    @property
    def tool_calls(self) -> list[str | None]:
        return [e.name for e in self.events if isinstance(e, ToolCallDelta)]

    @property
    def usages(self) -> list[Usage]:
        return [e for e in self.events if isinstance(e, Usage)]

    @property
    def finished(self) -> list[Finished]:
        return [e for e in self.events if isinstance(e, Finished)]

    def summary(self) -> tuple[object, ...]:
        """Everything observable, for comparing two replays of the same bytes."""
        error = None if self.error is None else (type(self.error), str(self.error), self.error.partial_text,
                                                 self.error.partial_reasoning, self.error.usage)
        return (tuple(self.events), error)


async def collect(stream: Any) -> Replay:
    replay = Replay()
    try:
        async for event in stream:
            replay.events.append(event)
    except StreamInterrupted as exc:
        replay.error = exc
    return replay


class ByteStream(httpx.AsyncByteStream):
    def __init__(self, parts: list[bytes]) -> None:
        self.parts = parts

    async def __aiter__(self):
        for part in self.parts:
            yield part


def split_at(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c for c in cuts if 0 < c < len(data)})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)])]


async def replay_bytes(parts: list[bytes]) -> Replay:
    response = httpx.Response(
        200,
        headers={"content-type": "text/event-stream"},
        stream=ByteStream(parts),
        request=httpx.Request("POST", "http://test/v0/llm/chat/completions"),
    )
    return await collect(read_chat_stream(response))


def expected_usage(expected: dict[str, Any]) -> Usage | None:
    return None if expected["usage"] is None else Usage(**expected["usage"])


def check_replay(replay: Replay, expected: dict[str, Any]) -> None:
    """The stream's text, reasoning, refusal, tool calls, usage and ending are what the provider sent."""
    assert replay.joined(TextDelta) == expected["text"]
    assert replay.joined(ReasoningDelta) == expected["reasoning"]
    assert replay.joined(RefusalDelta) == expected["refusal"]
    assert replay.tool_calls == expected["tool_calls"]
    usage = expected_usage(expected)
    if expected["outcome"] == "finished":
        assert replay.error is None, replay.error
        assert replay.usages[-1:] == ([usage] if usage else [])
        assert len(replay.finished) == 1 and replay.events[-1] is replay.finished[0]
        assert replay.finished[0].finish_reason == expected["finish_reason"]
    else:
        assert expected["outcome"] == "failed"
        assert isinstance(replay.error, StreamFailed), replay.error
        assert replay.error.server_message == expected["error"]
        assert replay.error.partial_text == expected["text"]
        assert replay.error.partial_reasoning == expected["reasoning"]
        assert replay.error.usage == usage
        assert replay.finished == []


# ------------------------------------------------------------------ the fixtures themselves


def test_every_stream_file_is_described_cited_and_replayable_verbatim():
    assert sorted(p.name for p in STREAMS.glob("*.sse")) == NAMES
    assert {e["provider"] for e in EXPECTED.values()} == PROVIDERS
    for name in NAMES:
        lines = body_of(name).split("\n")
        assert lines[0].startswith(": source: "), name
        assert "read 2026-" in "\n".join(line for line in lines if line.startswith(":")), name
        for line in lines:
            assert line == "" or line.startswith((":", "data: ")), (name, line)


def test_expected_costs_follow_the_catalog_and_the_billed_cost():
    """Cost: usage.cost when the server sent it; else the catalog's prices, cached tokens at the cache-read price."""
    prices = {m["model_id"]: m for m in CATALOG}
    for name, expected in EXPECTED.items():
        usage = expected["usage"]
        if usage is None:
            assert expected["cost_usd"] is None and not expected["cost_is_billed"], name
            continue
        if usage["cost"] is not None:
            assert expected["cost_usd"] == usage["cost"] and expected["cost_is_billed"], name
            continue
        model = prices[expected["ask_model"]]
        cached = usage["cached_tokens"] or 0
        read_price = model.get("cache_read_usd_per_1m_tokens", model["input_usd_per_1m_tokens"])
        cost = ((usage["prompt_tokens"] - cached) * model["input_usd_per_1m_tokens"] + cached * read_price
                + usage["completion_tokens"] * model["output_usd_per_1m_tokens"]) / 1e6
        assert expected["cost_usd"] == pytest.approx(cost, rel=1e-9) and not expected["cost_is_billed"], name


# ------------------------------------------------------------------ in-process, any chunking


@pytest.mark.parametrize("name", NAMES)
async def test_stream_read_whole(name):
    check_replay(await replay_bytes([body_of(name).encode()]), EXPECTED[name])


@pytest.mark.parametrize("name", NAMES)
async def test_stream_read_one_byte_at_a_time(name):
    data = body_of(name).encode()
    whole = await replay_bytes([data])
    assert (await replay_bytes([data[i:i + 1] for i in range(len(data))])).summary() == whole.summary()


@pytest.mark.parametrize("name", NAMES)
@hsettings(max_examples=25, deadline=None)
@given(cuts=st.lists(st.integers(min_value=1, max_value=12_000), max_size=30))
async def test_stream_split_at_random_offsets_gives_the_same_events(name, cuts):
    data = body_of(name).encode()
    whole = await replay_bytes([data])
    assert (await replay_bytes(split_at(data, cuts))).summary() == whole.summary()


# ------------------------------------------------------------------ through the client, over loopback


def queue_stream(server: PinataDevServer, name: str) -> None:
    server.state.add_fault(Fault(status=200, body=body_of(name), content_type="text/event-stream"))


@pytest.mark.parametrize("name", NAMES)
async def test_stream_through_the_client(server, client: PinataClient, sleeper, name):
    expected = EXPECTED[name]
    queue_stream(server, name)
    replay = await collect(client.stream_chat(expected["ask_model"], [{"role": "user", "content": PROMPT}]))
    check_replay(replay, expected)
    assert not any(isinstance(e, Retrying) for e in replay.events) and sleeper.delays == []
    assert [r["body"]["stream"] for r in server.state.chat_requests()] == [True]
    # The same events as read from the bytes in-process: the socket adds nothing and loses nothing.
    assert replay.summary() == (await replay_bytes([body_of(name).encode()])).summary()


# ------------------------------------------------------------------ through `pinata-chat ask`


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def ask(server: PinataDevServer, home: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Run]:
    """``ask(*args)``: ``pinata-chat ask PROMPT ARGS`` with nothing piped to it."""
    pinata_env(monkeypatch, home, server.url)
    return lambda *args: run_cli(monkeypatch, "ask", PROMPT, *args)


def notice_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("pinata-chat: ") and line != "pinata-chat: reasoning:"]


@pytest.mark.parametrize("name", NAMES)
def test_stream_through_ask_json(server, ask, home, name):
    expected = EXPECTED[name]
    queue_stream(server, name)
    result = ask("-m", expected["ask_model"], "--json")
    assert result.code == expected["exit_code"], result.err
    assert "Traceback" not in result.err
    data = json.loads(result.out)
    assert data["status"] == expected["status"]
    assert data["content"] == expected["content"]
    assert data["reasoning"] == expected["reasoning"]
    assert data["model"] == expected["ask_model"]
    if expected["outcome"] == "finished":
        assert data["finish_reason"] == expected["finish_reason"]
    usage = expected["usage"]
    if usage is None:
        assert data["usage"] is None
    else:
        keys = ("prompt_tokens", "completion_tokens", "total_tokens", "cached_tokens", "reasoning_tokens")
        assert data["usage"] == {key: usage[key] for key in keys}
    if expected["cost_usd"] is None:
        assert data["cost_usd"] is None
    else:
        assert data["cost_usd"] == pytest.approx(expected["cost_usd"], rel=1e-9)
    assert data["cost_is_billed"] is expected["cost_is_billed"]
    if expected["notice"] is None:
        assert data["notice"] is None
    else:
        assert expected["notice"] in data["notice"]

    # What history keeps: the reply, its reasoning, status, usage and cost.
    with ConversationStore(AppPaths.under(home).database) as store:
        conversation = store.load(store.last_conversation_id())
    user, reply = conversation.messages
    assert (user.role, user.content, user.status) == ("user", PROMPT, MessageStatus.COMPLETE)
    assert reply.role == "assistant" and reply.status.value == expected["status"]
    assert (reply.content, reply.reasoning) == (expected["content"], expected["reasoning"])
    assert reply.usage == expected_usage(expected)
    assert reply.cost == (None if expected["cost_usd"] is None else pytest.approx(expected["cost_usd"], rel=1e-9))
    assert reply.cost_is_billed is expected["cost_is_billed"]


@pytest.mark.parametrize("name", NAMES)
def test_stream_through_ask_plain(server, ask, name):
    expected = EXPECTED[name]
    queue_stream(server, name)
    result = ask("-m", expected["ask_model"], "--no-save", "--show-reasoning")
    assert result.code == expected["exit_code"], result.err
    assert "Traceback" not in result.err
    content = expected["content"]
    assert result.out == (content + "\n" if content and not content.endswith("\n") else content)
    if expected["reasoning"]:
        assert f"pinata-chat: reasoning:\n{expected['reasoning']}\n" in result.err
    else:
        assert "pinata-chat: reasoning:" not in result.err
    notices = notice_lines(result.err)
    if expected["notice"] is None:
        assert notices == []
    else:
        assert len(notices) == 1 and expected["notice"] in notices[0], result.err
