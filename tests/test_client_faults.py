"""Error codes and network faults, each against the loopback server."""

from __future__ import annotations

import json
import socket
import threading

import pytest

from pinata_tui.api import (
    AuthError,
    Finished,
    InsufficientCredits,
    NetworkError,
    PinataClient,
    ProtocolError,
    RateLimited,
    Retrying,
    ServerError,
    StreamInterrupted,
    TextDelta,
    Usage,
)
from pinata_tui.devserver import DEV_JWT, DEV_LLM_KEY, Fault
from pinata_tui.settings import RetrySettings, TimeoutSettings

HELLO = [{"role": "user", "content": "Hello, Pinata"}]
MODEL = "openai/gpt-5.1"


async def stream_events(client: PinataClient):
    events = []
    async for event in client.stream_chat(MODEL, HELLO):
        events.append(event)
    return events


async def test_401_says_what_to_do_and_never_shows_the_key(server, client):
    server.state.llm_keys = set()
    with pytest.raises(AuthError) as err:
        await stream_events(client)
    message = str(err.value)
    assert err.value.status == 401
    assert "PINATA_LLM_KEY" in message and "pinata-chat enable" in message
    assert DEV_LLM_KEY not in message and DEV_LLM_KEY not in repr(err.value)
    assert len(server.state.chat_requests()) == 1  # never retried


@pytest.mark.parametrize("at_top", [False, True])
async def test_402_carries_available_microcredits_wherever_the_body_puts_it(server, client, sleeper, at_top):
    server.state.balance_micro = 1234
    server.state.add_fault(Fault(status=402, available_at_top=at_top))
    with pytest.raises(InsufficientCredits) as err:
        await stream_events(client)
    assert err.value.available_microcredits == 1234
    assert err.value.available_credits == pytest.approx(0.001234)
    assert "1,234 microcredits" in str(err.value) and "0.001234 credits" in str(err.value)
    assert "Billing" in str(err.value)
    assert sleeper.delays == [] and len(server.state.chat_requests()) == 1


async def test_402_when_the_balance_is_really_spent(server, client):
    server.state.balance_micro = 0
    with pytest.raises(InsufficientCredits) as err:
        await client.chat(MODEL, HELLO)
    assert err.value.available_microcredits == 0


async def test_402_without_an_amount_is_still_understood(server, client):
    server.state.add_fault(Fault(status=402, body="no credits", content_type="text/plain"))
    with pytest.raises(InsufficientCredits) as err:
        await client.chat(MODEL, HELLO)
    assert err.value.available_microcredits is None
    assert "did not say" in str(err.value)


async def test_429_is_retried_honouring_retry_after_and_the_caller_sees_it(server, client, sleeper):
    server.state.add_fault(Fault(status=429, retry_after="2", times=2))
    events = await stream_events(client)
    retries = [e for e in events if isinstance(e, Retrying)]
    assert [(r.attempt, r.max_attempts, r.delay) for r in retries] == [(1, 3, 2.0), (2, 3, 2.0)]
    assert "Rate limited" in retries[0].reason
    assert sleeper.delays == [2.0, 2.0]
    assert all(not isinstance(e, Retrying) for e in events[2:])  # retries come before any text
    assert any(isinstance(e, TextDelta) for e in events)
    assert len(server.state.chat_requests()) == 3


async def test_429_gives_up_after_the_attempt_cap(server, client, sleeper):
    server.state.add_fault(Fault(status=429, retry_after="1", times=10))
    with pytest.raises(RateLimited) as err:
        await stream_events(client)
    assert err.value.retry_after == 1.0 and "Try again in 1 s" in str(err.value)
    assert len(server.state.chat_requests()) == 3 and sleeper.delays == [1.0, 1.0]


async def test_429_asking_for_too_long_a_wait_is_not_waited_on(server, client, sleeper):
    server.state.add_fault(Fault(status=429, retry_after="3600"))
    with pytest.raises(RateLimited) as err:
        await client.chat(MODEL, HELLO)
    assert err.value.retry_after == 3600 and sleeper.delays == []


async def test_429_with_an_http_date_retry_after(server, client, sleeper):
    import email.utils
    import time

    server.state.add_fault(Fault(status=429, retry_after=email.utils.formatdate(time.time() + 5, usegmt=True)))
    await client.chat(MODEL, HELLO)
    assert len(sleeper.delays) == 1 and 3 <= sleeper.delays[0] <= 5


async def test_retries_use_exponential_backoff_with_jitter(server, settings):
    delays: list[float] = []

    async def record(delay: float) -> None:
        delays.append(delay)

    policy = RetrySettings(max_attempts=4, base_delay=1.0, max_delay=3.0, max_total_wait=60)
    server.state.add_fault(Fault(status=503, times=3))
    async with PinataClient(settings.replace(retry=policy), sleep=record, jitter=lambda: 1.0) as c:
        await c.chat(MODEL, HELLO)
    assert delays == [1.0, 2.0, 3.0]  # doubling, capped at max_delay
    delays.clear()
    server.state.add_fault(Fault(status=503, times=1))
    async with PinataClient(settings.replace(retry=policy), sleep=record, jitter=lambda: 0.0) as c:
        await c.chat(MODEL, HELLO)
    assert delays == [0.5]  # jitter spans half the step


async def test_retry_observer_for_whole_requests(server, client):
    seen: list[Retrying] = []
    server.state.add_fault(Fault(status=500, route="models"))
    assert await client.models(on_retry=seen.append)
    assert len(seen) == 1 and "server error (500)" in seen[0].reason


async def test_total_wait_cap(server, settings, sleeper):
    server.state.add_fault(Fault(status=503, times=5))
    policy = RetrySettings(max_attempts=10, base_delay=4, max_delay=4, max_total_wait=5)
    async with PinataClient(settings.replace(retry=policy), sleep=sleeper, jitter=lambda: 1.0) as c:
        with pytest.raises(ServerError):
            await c.chat(MODEL, HELLO)
    assert sleeper.delays == [4]  # a second 4 s wait would pass the 5 s budget


async def test_html_error_page_is_summarised(server, client):
    server.state.add_fault(Fault(status=502, html=True, times=5))
    with pytest.raises(ServerError) as err:
        await client.chat(MODEL, HELLO)
    assert err.value.status == 502
    assert "HTML page ('502 Bad Gateway')" in str(err.value)
    assert "<" not in str(err.value)


async def test_json_5xx_message_is_shown(server, client):
    server.state.add_fault(Fault(status=500, message="upstream model crashed", times=5))
    with pytest.raises(ServerError) as err:
        await client.chat(MODEL, HELLO)
    assert "upstream model crashed" in str(err.value)


async def test_5xx_recovers_after_a_retry(server, client, sleeper):
    server.state.add_fault(Fault(status=503))
    assert (await client.chat(MODEL, HELLO)).text
    assert len(sleeper.delays) == 1


async def test_non_json_success_body(server, client):
    server.state.add_fault(Fault(status=200, body="<html>captive portal</html>", content_type="text/html",
                                 route="models"))
    with pytest.raises(ProtocolError) as err:
        await client.models()
    assert "Expected JSON" in str(err.value) and "HTML page" in str(err.value)


async def test_non_sse_success_for_a_stream(server, client):
    server.state.add_fault(Fault(status=200, body="hello", content_type="text/plain"))
    with pytest.raises(ProtocolError) as err:
        await stream_events(client)
    assert "text/plain" in str(err.value)


async def test_connection_refused_is_retried_then_reported(settings, sleeper):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with PinataClient(settings.replace(base_url=f"http://127.0.0.1:{port}"), sleep=sleeper) as c:
        with pytest.raises(NetworkError) as err:
            await c.chat(MODEL, HELLO)
    assert "Could not reach Pinata" in str(err.value) and str(port) in str(err.value)
    assert len(sleeper.delays) == 2


async def test_silence_before_the_response_times_out_and_is_retried(settings, sleeper):
    """A server that accepts and never answers: the read timeout fires, then retries."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    done = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not done.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        fast = settings.replace(base_url=f"http://127.0.0.1:{listener.getsockname()[1]}",
                                timeouts=TimeoutSettings(connect=1, read=0.3, write=1))
        async with PinataClient(fast, sleep=sleeper) as c:
            with pytest.raises(NetworkError) as err:
                await c.chat(MODEL, HELLO)
        assert "Timed out waiting for an answer" in str(err.value)
        assert len(accepted) == 3
    finally:
        done.set()
        thread.join()
        for s in accepted:
            s.close()
        listener.close()


async def test_slow_first_token_within_the_read_timeout_is_fine(server, client):
    server.state.add_fault(Fault(first_token_delay=0.5))
    assert any(isinstance(e, TextDelta) for e in await stream_events(client))


async def test_stall_is_detected_and_keeps_the_partial_text(server, settings):
    server.state.add_fault(Fault(stall_after=5, stall_seconds=10))
    async with PinataClient(settings.replace(timeouts=TimeoutSettings(connect=1, read=0.4, write=1))) as c:
        received = ""
        with pytest.raises(StreamInterrupted) as err:
            async for event in c.stream_chat(MODEL, HELLO):
                if isinstance(event, TextDelta):
                    received += event.text
    assert "stalled" in str(err.value) and "0.4 s" in str(err.value)
    assert err.value.partial_text == received and len(received) > 0
    assert len(server.state.chat_requests()) == 1


async def test_cut_stream_keeps_the_partial_text_and_is_never_resent(server, client, sleeper):
    server.state.add_fault(Fault(cut_after=7))
    received = ""
    with pytest.raises(StreamInterrupted) as err:
        async for event in client.stream_chat(MODEL, HELLO):
            if isinstance(event, TextDelta):
                received += event.text
    assert "cut" in err.value.reason
    assert err.value.partial_text == received
    assert len(received.split()) >= 6
    assert len(server.state.chat_requests()) == 1 and sleeper.delays == []


async def test_stream_that_ends_after_finish_and_usage_without_done_is_complete(server, client):
    """Issue #12.7: finish reason and usage arrived, then a clean end: the reply is whole."""
    server.state.add_fault(Fault(drop_done=True))
    events = await stream_events(client)
    assert isinstance(events[-1], Finished) and events[-1].finish_reason == "stop"
    assert any(isinstance(e, Usage) for e in events)


async def test_stream_that_ends_without_a_finish_reason_is_interrupted(server, client):
    chunk = {"choices": [{"index": 0, "delta": {"content": "half a sent"}, "finish_reason": None}]}
    server.state.add_fault(Fault(status=200, body=f"data: {json.dumps(chunk)}\n\n",
                                 content_type="text/event-stream"))
    with pytest.raises(StreamInterrupted) as err:
        await stream_events(client)
    assert "before the reply was finished" in str(err.value)
    assert err.value.partial_text == "half a sent"


async def test_malformed_chunk_interrupts_with_what_arrived(server, client):
    server.state.add_fault(Fault(malformed_after=4))
    with pytest.raises(StreamInterrupted) as err:
        await stream_events(client)
    assert "malformed" in str(err.value) and err.value.partial_text


async def test_revoking_the_key_mid_stream(server, client):
    """disable revokes at once: the in-flight stream is cut, later calls get 401."""
    server.state.tokens_per_second = 200
    server.state.reply_tokens = 400
    received = ""
    with pytest.raises(StreamInterrupted) as err:
        async for event in client.stream_chat(MODEL, HELLO):
            if isinstance(event, TextDelta):
                received += event.text
                if len(received) > 20 and (await client.status()).enabled:
                    await client.disable()
    assert err.value.partial_text == received and len(received.split()) < 400
    with pytest.raises(AuthError):
        await client.chat(MODEL, HELLO)


async def test_keys_never_appear_in_reprs(settings, client):
    for text in (repr(settings), str(settings), repr(client)):
        assert DEV_LLM_KEY not in text and DEV_JWT not in text
    assert "pk-…cdef" in repr(settings)
