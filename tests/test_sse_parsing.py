"""SSE framing: chunk boundaries may fall anywhere, and the events must come out the same.

In-process tests feed a recorded stream, cut at chosen or random byte offsets, through a
real ``httpx.Response`` (httpx's own incremental decoding, no mocks); loopback tests make
the dev server write the stream in tiny pieces with ``\\r\\n`` line ends and comments.
"""

from __future__ import annotations

import json

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from pinata_tui.api import Finished, StreamInterrupted, TextDelta, Usage
from pinata_tui.api.streaming import read_chat_stream
from pinata_tui.devserver import StreamStyle

PIECES = ["Héllo", " wörld", " — ", "日本語", " 🎉🍍", "\n\n```py\nx = 1\n```", " [bold]not markup[/]"]


def recorded_stream(line_ending: str = "\n", comments: bool = False) -> bytes:
    nl = line_ending
    out = []
    if comments:
        out.append(f": this is a comment{nl}")
    for i, piece in enumerate(PIECES):
        chunk = {"id": "c1", "object": "chat.completion.chunk", "model": "m",
                 "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
        out.append(f"data: {json.dumps(chunk, ensure_ascii=False)}{nl}{nl}")
        if comments and i % 2:
            out.append(f": keep-alive{nl}")
    out.append(f"data: {json.dumps({'choices': [{'index': 0, 'delta': {}, 'finish_reason': 'stop'}]})}{nl}{nl}")
    usage = {"prompt_tokens": 3, "completion_tokens": len(PIECES), "total_tokens": 3 + len(PIECES)}
    out.append(f"data: {json.dumps({'choices': [], 'usage': usage})}{nl}{nl}")
    out.append(f"data: [DONE]{nl}{nl}")
    return "".join(out).encode("utf-8")


class ByteStream(httpx.AsyncByteStream):
    def __init__(self, parts: list[bytes]) -> None:
        self.parts = parts

    async def __aiter__(self):
        for part in self.parts:
            yield part


def split_at(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c for c in cuts if 0 < c < len(data)})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)])]


async def parse(parts: list[bytes]) -> list[object]:
    response = httpx.Response(
        200,
        headers={"content-type": "text/event-stream"},
        stream=ByteStream(parts),
        request=httpx.Request("POST", "http://test/v0/llm/chat/completions"),
    )
    return [event async for event in read_chat_stream(response)]


def expected_events() -> list[object]:
    return [*(TextDelta(p) for p in PIECES), Usage(3, len(PIECES), 3 + len(PIECES)), Finished("stop", "m", "c1")]


@pytest.mark.parametrize("line_ending", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("comments", [False, True])
async def test_whole_stream_in_one_read(line_ending, comments):
    assert await parse([recorded_stream(line_ending, comments)]) == expected_events()


async def test_one_byte_at_a_time_splits_every_utf8_character():
    data = recorded_stream("\r\n", comments=True)
    assert await parse([data[i:i + 1] for i in range(len(data))]) == expected_events()


async def test_split_inside_a_crlf_pair():
    data = recorded_stream("\r\n")
    cut = data.index(b"\r\n") + 1
    assert await parse([data[:cut], data[cut:]]) == expected_events()


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cuts=st.lists(st.integers(min_value=1, max_value=4000), max_size=40),
    line_ending=st.sampled_from(["\n", "\r\n"]),
    comments=st.booleans(),
)
async def test_random_split_points_give_the_same_events(cuts, line_ending, comments):
    data = recorded_stream(line_ending, comments)
    assert await parse(split_at(data, cuts)) == expected_events()


@hsettings(max_examples=60, deadline=None)
@given(cut=st.integers(min_value=1, max_value=10_000))
async def test_a_stream_cut_before_its_finish_reason_is_interrupted_with_a_prefix_of_the_text(cut):
    data = recorded_stream()
    finish_chunk_end = data.index(b'"finish_reason": "stop"') + data[data.index(b'"finish_reason": "stop"'):].index(b"\n\n") + 2
    cut = min(cut, finish_chunk_end - 1)
    with pytest.raises(StreamInterrupted) as err:
        await parse([data[:cut]])
    assert "".join(PIECES).startswith(err.value.partial_text)


@pytest.mark.parametrize("keep", ["finish", "usage"])
async def test_a_stream_that_ends_cleanly_after_its_finish_reason_is_complete(keep):
    """The OpenAI SDK accepts a body that ends after the finish reason (and usage) without [DONE]."""
    data = recorded_stream()
    without_done = data[: data.index(b"data: [DONE]")]
    if keep == "finish":
        without_done = without_done[: without_done.index(b"data: {\"choices\": []")]
    events = await parse([without_done])
    assert events[-1] == Finished("stop", "m", "c1")
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "".join(PIECES)
    assert (Usage(3, len(PIECES), 3 + len(PIECES)) in events) == (keep == "usage")


async def test_unknown_fields_and_event_types_are_ignored():
    chunk = {"choices": [{"delta": {"content": "hi", "reasoning_x": 1}, "extra": True}], "new": {}}
    body = (f"event: ping\ndata: {{}}\n\nid: 7\ndata: {json.dumps(chunk)}\n\ndata: [DONE]\n\n").encode()
    assert await parse([body]) == [TextDelta("hi"), Finished(None, None, None)]


async def test_multi_line_data_field_is_joined():
    chunk = json.dumps({"choices": [{"delta": {"content": "a"}}]}, indent=1)
    body = "".join(f"data: {line}\n" for line in chunk.splitlines()) + "\ndata: [DONE]\n\n"
    assert await parse([body.encode()]) == [TextDelta("a"), Finished(None, None, None)]


async def test_error_event_mid_stream_interrupts():
    ok = json.dumps({"choices": [{"delta": {"content": "part"}}]})
    body = f"data: {ok}\n\ndata: {json.dumps({'error': {'message': 'overloaded'}})}\n\n".encode()
    with pytest.raises(StreamInterrupted) as err:
        await parse([body])
    assert err.value.partial_text == "part" and "overloaded" in str(err.value)


@pytest.mark.parametrize(
    "style",
    [StreamStyle(line_ending="\r\n", comments=True, write_size=1),
     StreamStyle(write_size=3), StreamStyle(write_size=7, line_ending="\r\n")],
)
async def test_fragmented_writes_over_loopback(server, client, style):
    text = "Grüße 🍍 日本 " * 20
    server.state.reply_override = text
    server.state.style = style
    received = "".join([e.text async for e in client.stream_chat("openai/gpt-5.1", [{"role": "user", "content": "x"}])
                        if isinstance(e, TextDelta)])
    assert received == text
