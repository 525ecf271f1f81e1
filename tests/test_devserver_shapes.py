"""The dev server's reply-shape knobs put exactly the wire shapes of real gateways on the wire.

Each test queues a ``Fault``, posts one chat completion over loopback with httpx, and reads
the raw SSE body (or the JSON body, for ``stream: false``).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from pinata_tui.devserver import (
    DEV_LLM_KEY,
    Fault,
    PinataDevServer,
    generate_reasoning,
    generate_reply,
)
from tests.waiting import wait_for

MODEL = "anthropic/claude-sonnet-4-6"
MESSAGES = [{"role": "user", "content": "hi"}]
BODY = {"model": MODEL, "messages": MESSAGES, "stream": True, "stream_options": {"include_usage": True}}
PROMPT_TOKENS = 5  # "hi": one token, plus four for the message


@pytest.fixture
def srv():
    with PinataDevServer() as server:
        server.state.reply_tokens = 6
        yield server


def post(srv: PinataDevServer, fault: Fault | None = None, **body: Any) -> httpx.Response:
    if fault is not None:
        srv.state.add_fault(fault)
    return httpx.post(f"{srv.url}/v0/llm/chat/completions", json={**BODY, **body},
                      headers={"Authorization": f"Bearer {DEV_LLM_KEY}"}, timeout=10)


def events(text: str) -> list[Any]:
    """The ``data:`` payloads in order: parsed JSON, or the string ``[DONE]``."""
    out: list[Any] = []
    for line in text.split("\n"):
        if line.startswith("data: "):
            payload = line[len("data: "):]
            out.append(payload if payload == "[DONE]" else json.loads(payload))
    return out


def deltas(evs: list[Any]) -> list[dict[str, Any]]:
    return [e["choices"][0]["delta"] for e in evs if isinstance(e, dict) and e.get("choices")]


def finish_of(evs: list[Any]) -> str | None:
    reasons = [e["choices"][0]["finish_reason"] for e in evs if isinstance(e, dict) and e.get("choices")]
    assert all(r is None for r in reasons[:-1])
    return reasons[-1]


def usage_of(evs: list[Any]) -> dict[str, Any]:
    usages = [e["usage"] for e in evs if isinstance(e, dict) and "usage" in e]
    assert len(usages) == 1
    return usages[0]


def settle(srv: PinataDevServer) -> None:
    """Wait for the handler to bill (just after the body's last byte, it releases the hold and
    charges the balance in one step under the state's lock: read under it, both are seen done)."""

    def billed() -> bool:
        with srv.state.lock:
            return srv.state.loaned_micro == 0

    wait_for(billed, 5, "the reply to be billed")


# ------------------------------------------------------------------ reasoning


@pytest.mark.parametrize("field", ["reasoning", "reasoning_content", "reasoning_details"])
def test_reasoning_deltas_come_before_the_content(srv, field):
    evs = events(post(srv, Fault(reasoning=field, reasoning_tokens=4)).text)
    ds = deltas(evs)
    thinking = generate_reasoning(MESSAGES, 4)
    assert ds[0] == {"role": "assistant", "content": ""}
    if field == "reasoning_details":
        assert ds[1:5] == [{"reasoning_details": [{"type": "reasoning.text", "text": t, "format": "unknown",
                                                   "index": 0}]} for t in thinking]
    else:
        assert ds[1:5] == [{field: t} for t in thinking]
    assert ds[5:11] == [{"content": p} for p in generate_reply(MODEL, MESSAGES, 6)]
    assert ds[11] == {} and finish_of(evs) == "stop"
    assert usage_of(evs) == {"prompt_tokens": PROMPT_TOKENS, "completion_tokens": 10,
                             "total_tokens": PROMPT_TOKENS + 10,
                             "completion_tokens_details": {"reasoning_tokens": 4}}
    assert evs[-1] == "[DONE]"


def test_whole_budget_spent_on_reasoning(srv):
    evs = events(post(srv, Fault(reasoning="reasoning_content", reasoning_tokens=3, content_tokens=0,
                                 finish_reason="length")).text)
    ds = deltas(evs)
    assert not any("content" in d and d["content"] for d in ds)
    assert [d for d in ds if "reasoning_content" in d] == [{"reasoning_content": t}
                                                           for t in generate_reasoning(MESSAGES, 3)]
    assert finish_of(evs) == "length"
    usage = usage_of(evs)
    assert usage["completion_tokens"] == 3 and usage["completion_tokens_details"] == {"reasoning_tokens": 3}


def test_max_tokens_spent_on_reasoning_cuts_with_length(srv):
    evs = events(post(srv, Fault(reasoning="reasoning", reasoning_tokens=8), max_tokens=5).text)
    ds = deltas(evs)
    assert len([d for d in ds if "reasoning" in d]) == 5
    assert not [d for d in ds if d.get("content")]
    assert finish_of(evs) == "length"
    assert usage_of(evs)["completion_tokens"] == 5


# ------------------------------------------------------------------ content, finish


@pytest.mark.parametrize("count", [0, 1, 9])
def test_content_tokens_sends_exactly_that_many_pieces(srv, count):
    evs = events(post(srv, Fault(content_tokens=count)).text)
    content = [d for d in deltas(evs) if "content" in d and "role" not in d]
    assert content == [{"content": p} for p in generate_reply(MODEL, MESSAGES, count)]
    assert finish_of(evs) == "stop"
    assert usage_of(evs)["completion_tokens"] == count


@pytest.mark.parametrize("reason", ["length", "content_filter", "tool_calls", "error"])
def test_finish_reason_override(srv, reason):
    evs = events(post(srv, Fault(finish_reason=reason)).text)
    assert finish_of(evs) == reason
    assert evs[-1] == "[DONE]"


def test_default_finish_is_length_when_max_tokens_cuts(srv):
    assert finish_of(events(post(srv, max_tokens=2).text)) == "length"
    assert finish_of(events(post(srv).text)) == "stop"


# ------------------------------------------------------------------ errors inside the stream


def test_stream_error_openrouter_shape(srv):
    response = post(srv, Fault(stream_error="Provider returned error", stream_error_after=2))
    assert response.status_code == 200
    evs = events(response.text)
    ds = deltas(evs)
    assert ds[1:3] == [{"content": p} for p in generate_reply(MODEL, MESSAGES, 2)]
    error = evs[-2]
    assert set(error) == {"id", "object", "created", "model", "provider", "error", "choices"}
    assert error["object"] == "chat.completion.chunk" and error["model"] == MODEL
    assert isinstance(error["provider"], str) and error["provider"]
    assert error["error"] == {"code": "server_error", "message": "Provider returned error"}
    assert error["choices"] == [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}]
    assert evs[-1] == "[DONE]"
    assert not any("usage" in e for e in evs if isinstance(e, dict))


def test_stream_error_inside_the_choice(srv):
    evs = events(post(srv, Fault(stream_error="upstream died", stream_error_after=1,
                                 stream_error_style="choice")).text)
    assert len([d for d in deltas(evs) if d.get("content")]) == 1
    error = evs[-2]
    assert error["object"] == "chat.completion.chunk" and "error" not in error
    assert error["choices"] == [{"index": 0, "delta": {}, "finish_reason": "error",
                                 "error": {"message": "upstream died", "code": 502}}]
    assert evs[-1] == "[DONE]"


def test_stream_error_vllm_ends_without_done(srv):
    response = post(srv, Fault(stream_error="bad request", stream_error_after=3, stream_error_style="vllm"))
    evs = events(response.text)
    assert len([d for d in deltas(evs) if d.get("content")]) == 3
    assert evs[-1] == {"object": "error", "message": "bad request", "type": "BadRequestError",
                       "param": None, "code": 400}
    assert "[DONE]" not in evs


def test_stream_error_after_more_pieces_than_the_reply_comes_after_the_last(srv):
    evs = events(post(srv, Fault(stream_error="late", stream_error_after=100)).text)
    assert len([d for d in deltas(evs) if d.get("content")]) == 6
    assert evs[-2]["error"]["message"] == "late" and evs[-1] == "[DONE]"


# ------------------------------------------------------------------ refusal, tool calls


def test_refusal_streams_as_refusal_deltas(srv):
    evs = events(post(srv, Fault(refusal="I can't help with that.")).text)
    ds = deltas(evs)
    assert ds[0] == {"role": "assistant", "content": None, "refusal": ""}
    pieces = ds[1:-1]
    assert all(set(d) == {"content", "refusal"} and d["content"] is None for d in pieces)
    assert "".join(d["refusal"] for d in pieces) == "I can't help with that."
    assert finish_of(evs) == "stop"


def test_tool_calls_stream_their_arguments(srv):
    evs = events(post(srv, Fault(tool_calls=True)).text)
    ds = deltas(evs)
    assert ds[0] == {"role": "assistant", "content": None, "tool_calls": [
        {"index": 0, "id": "call_abc", "type": "function", "function": {"name": "get_weather", "arguments": ""}}]}
    pieces = ds[1:-1]
    assert len(pieces) >= 3
    assert all(list(d) == ["tool_calls"] and d["tool_calls"][0]["index"] == 0
               and list(d["tool_calls"][0]) == ["index", "function"] for d in pieces)
    assert pieces[0] == {"tool_calls": [{"index": 0, "function": {"arguments": '{"loc'}}]}
    arguments = "".join(d["tool_calls"][0]["function"]["arguments"] for d in pieces)
    assert json.loads(arguments) == {"location": "Paris, France", "unit": "celsius"}
    assert not any(d.get("content") for d in ds)
    assert finish_of(evs) == "tool_calls"
    assert evs[-1] == "[DONE]"


# ------------------------------------------------------------------ usage extras, comments, [DONE]


def test_usage_cost_and_cached_tokens(srv):
    usage = usage_of(events(post(srv, Fault(usage_cost=0.00123, cached_tokens=3)).text))
    assert usage == {"prompt_tokens": PROMPT_TOKENS, "completion_tokens": 6, "total_tokens": PROMPT_TOKENS + 6,
                     "prompt_tokens_details": {"cached_tokens": 3}, "cost": 0.00123}


def test_no_extras_by_default(srv):
    usage = usage_of(events(post(srv).text))
    assert usage == {"prompt_tokens": PROMPT_TOKENS, "completion_tokens": 6, "total_tokens": PROMPT_TOKENS + 6}


def test_comments_before_the_first_chunk_and_between_chunks(srv):
    srv.state.reply_tokens = 25
    text = post(srv, Fault(comments=[": OPENROUTER PROCESSING"])).text
    assert text.startswith(": OPENROUTER PROCESSING\n\n")
    assert text.count(": OPENROUTER PROCESSING\n") == 3  # before the first chunk, then every 10 pieces
    first_data = text.index("data: ")
    assert text.index(": OPENROUTER PROCESSING", first_data) > first_data
    evs = events(text)
    assert len([d for d in deltas(evs) if d.get("content")]) == 25 and evs[-1] == "[DONE]"


def test_drop_done_still_sends_finish_and_usage(srv):
    response = post(srv, Fault(drop_done=True))
    evs = events(response.text)
    assert "[DONE]" not in evs
    assert evs[-2]["choices"][0]["finish_reason"] == "stop"
    assert evs[-1]["choices"] == [] and evs[-1]["usage"]["completion_tokens"] == 6
    assert response.text.endswith("\n\n")


# ------------------------------------------------------------------ not streamed


def whole(srv: PinataDevServer, fault: Fault) -> dict[str, Any]:
    response = post(srv, fault, stream=False)
    assert response.status_code == 200
    data = response.json()
    assert data["object"] == "chat.completion"
    return data


@pytest.mark.parametrize("field", ["reasoning", "reasoning_content", "reasoning_details"])
def test_whole_reply_with_reasoning(srv, field):
    data = whole(srv, Fault(reasoning=field, reasoning_tokens=4, usage_cost=0.5, cached_tokens=2))
    message = data["choices"][0]["message"]
    thinking = "".join(generate_reasoning(MESSAGES, 4))
    assert message["content"] == "".join(generate_reply(MODEL, MESSAGES, 6))
    if field == "reasoning_content":
        assert message["reasoning_content"] == thinking
    else:
        assert message["reasoning"] == thinking
    if field == "reasoning_details":
        assert message["reasoning_details"] == [{"type": "reasoning.text", "text": thinking,
                                                 "format": "unknown", "index": 0}]
    assert data["usage"] == {"prompt_tokens": PROMPT_TOKENS, "completion_tokens": 10,
                             "total_tokens": PROMPT_TOKENS + 10,
                             "completion_tokens_details": {"reasoning_tokens": 4},
                             "prompt_tokens_details": {"cached_tokens": 2}, "cost": 0.5}


def test_whole_reply_refusal_tool_calls_and_finish(srv):
    data = whole(srv, Fault(refusal="No."))
    assert data["choices"][0]["message"] == {"role": "assistant", "content": None, "refusal": "No."}
    assert data["choices"][0]["finish_reason"] == "stop"

    data = whole(srv, Fault(tool_calls=True))
    message = data["choices"][0]["message"]
    assert message["content"] is None
    (call,) = message["tool_calls"]
    assert call["id"] == "call_abc" and call["type"] == "function"
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"location": "Paris, France", "unit": "celsius"}
    assert data["choices"][0]["finish_reason"] == "tool_calls"

    data = whole(srv, Fault(finish_reason="content_filter", content_tokens=2))
    assert data["choices"][0]["finish_reason"] == "content_filter"
    assert data["choices"][0]["message"]["content"] == "".join(generate_reply(MODEL, MESSAGES, 2))


# ------------------------------------------------------------------ billing


def test_billing_counts_reasoning_as_output_and_cached_at_cache_price(srv):
    srv.state.catalog = [
        {"model_id": "test/cached", "input_usd_per_1m_tokens": 2.0, "output_usd_per_1m_tokens": 10.0,
         "cache_read_usd_per_1m_tokens": 1.0},
        {"model_id": "test/uncached", "input_usd_per_1m_tokens": 2.0, "output_usd_per_1m_tokens": 10.0},
    ]

    def drain(model: str, fault: Fault) -> int:
        settle(srv)
        before = srv.state.balance_micro
        evs = events(post(srv, fault, model=model).text)
        settle(srv)
        assert usage_of(evs)["completion_tokens"] == 10
        return before - srv.state.balance_micro

    def knobs() -> Fault:
        return Fault(reasoning="reasoning", reasoning_tokens=7, content_tokens=3, cached_tokens=4)

    # 1 uncached prompt token at 2, 4 cached at 1, 7 reasoning + 3 content at 10 (micro = tokens × $/1M)
    assert drain("test/cached", knobs()) == 1 * 2 + 4 * 1 + 10 * 10
    # no cache-read price: the cached tokens go at the input price
    assert drain("test/uncached", knobs()) == 5 * 2 + 10 * 10
    # the reported cost does not change what is billed
    assert drain("test/cached", Fault(content_tokens=10, usage_cost=99.0)) == 5 * 2 + 10 * 10


# ------------------------------------------------------------------ the HTTP control route


def test_faults_queued_over_http(srv):
    queued = httpx.post(f"{srv.url}/_dev/faults", json=[
        {"reasoning": "reasoning_content", "reasoning_tokens": 2, "content_tokens": 0,
         "finish_reason": "length", "comments": [": OPENROUTER PROCESSING"], "usage_cost": 0.1},
        {"stream_error": "boom", "stream_error_style": "choice"},
    ], timeout=10)
    assert queued.status_code == 200 and queued.json() == {"queued": 2}
    text = post(srv).text
    assert text.startswith(": OPENROUTER PROCESSING\n\n")
    evs = events(text)
    assert [d for d in deltas(evs) if "reasoning_content" in d] == [
        {"reasoning_content": t} for t in generate_reasoning(MESSAGES, 2)]
    assert finish_of(evs) == "length" and usage_of(evs)["cost"] == 0.1
    evs = events(post(srv).text)
    assert evs[-2]["choices"][0]["error"]["message"] == "boom"


@pytest.mark.parametrize("bad", [{"reasoning": "thoughts"}, {"stream_error_style": "grpc"}])
def test_bad_fault_values_are_refused(srv, bad):
    response = httpx.post(f"{srv.url}/_dev/faults", json=bad, timeout=10)
    assert response.status_code == 400
    assert srv.state.faults == []
