"""Issue #14, items 7 and 8: numbers from outside never crash; what a server may send is capped.

Caps (``pinata_tui.api.errors``): an error body is read up to 64 KiB (after decompression, a
step at a time, so a gzip bomb never inflates whole), a JSON answer up to 8 MiB, one SSE line or
event up to 1 MiB, one streamed reply up to 8 MiB of text; past a cap the stream ends as
interrupted and keeps what arrived.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pinata_tui.api import PinataClient, ProtocolError, ServerError, StreamInterrupted
from pinata_tui.api.errors import MAX_ERROR_BODY, MAX_REPLY_CHARS
from pinata_tui.api.streaming import LineTooLong, SSEFramer
from pinata_tui.conversation import MessageStatus
from pinata_tui.devserver import Fault
from pinata_tui.settings import RetrySettings, Settings, TimeoutSettings
from pinata_tui.store import ConversationStore
from tests.cli_helpers import run_cli, use_home
from tests.hostile_helpers import content_chunk, sse

HELLO = [{"role": "user", "content": "hi"}]
MiB = 1024 * 1024


@pytest.fixture
def paths(server, tmp_path, monkeypatch):
    return use_home(monkeypatch, tmp_path / "home", server.url)


# ------------------------------------------------------- 7: numbers


USAGE_1E999 = '{"id":"c1","choices":[],"usage":{"prompt_tokens":1e999,"completion_tokens":1e999,"total_tokens":1e999}}'


def test_ask_survives_usage_counts_of_1e999(server, paths, monkeypatch):
    body = sse(content_chunk('"fine"'), content_chunk('""', finish='"stop"'), USAGE_1E999)
    server.state.add_fault(Fault(status=200, body=body, content_type="text/event-stream", times=2))
    result = run_cli(monkeypatch, "ask", "hi")
    assert result.code == 0 and result.out == "fine\n" and "Traceback" not in result.err
    with ConversationStore(paths.database) as store:
        reply = store.load(store.last_conversation_id()).messages[1]
    assert reply.content == "fine" and reply.usage is None
    as_json = json.loads(run_cli(monkeypatch, "ask", "hi", "--json").out)
    assert as_json["content"] == "fine" and as_json["usage"] is None


def test_ask_survives_a_whole_completion_with_usage_1e999(server, paths, monkeypatch):
    body = ('{"id":"x","object":"chat.completion","model":"m","choices":[{"index":0,"message":'
            '{"role":"assistant","content":"whole"},"finish_reason":"stop"}],'
            '"usage":{"prompt_tokens":1e999,"completion_tokens":-5,"total_tokens":"NaN"}}')
    server.state.add_fault(Fault(status=200, body=body, content_type="application/json"))
    result = run_cli(monkeypatch, "ask", "hi", "--no-save")
    assert result.code == 0 and result.out == "whole\n"


@pytest.mark.parametrize("available", ["1e999", '"NaN"', '"inf"', "-1e400", "[1]"])
def test_402_with_an_absurd_available_amount_is_one_line(server, paths, monkeypatch, available):
    body = f'{{"error": {{"message": "Insufficient credits", "availableMicrocredits": {available}}}}}'
    server.state.add_fault(Fault(status=402, body=body, content_type="application/json"))
    result = run_cli(monkeypatch, "ask", "hi", "--no-save")
    assert result.code == 4 and "did not say how many credits remain" in result.err
    assert result.err.count("\n") == 1


@pytest.mark.parametrize("after", ["1e999", "nan", "-inf", "99999999999999999999999"])
def test_429_with_an_absurd_retry_after_is_one_line(server, paths, monkeypatch, after):
    server.state.add_fault(Fault(status=429, retry_after=after, times=3))
    result = run_cli(monkeypatch, "ask", "hi", "--no-save")
    assert result.code == 5 and "Rate limited" in result.err
    assert "inf" not in result.err and "nan" not in result.err and result.err.count("\n") == 1


def test_credits_topup_with_absurd_figures_does_not_crash(server, paths, monkeypatch):
    server.state.add_fault(Fault(status=200, route="jwt", content_type="application/json",
                                 body='{"threshold": 1e999, "amount": 1e999}'))
    result = run_cli(monkeypatch, "credits", "topup")
    assert result.code == 0 and "Auto top-up is off" in result.out


def test_import_survives_numbers_of_1e999_and_export_reads_it_back(paths, monkeypatch, tmp_path):
    source = tmp_path / "numbers.json"
    source.write_text(
        '{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],'
        ' "message_metadata": [{"created_at": 1e999},'
        ' {"created_at": -1e999, "cost_usd": 1e999, "cost_is_billed": true,'
        '  "usage": {"prompt_tokens": 1e999, "completion_tokens": 1e999}}]}', encoding="utf-8")
    result = run_cli(monkeypatch, "import", str(source))
    assert result.code == 0, result.err
    with ConversationStore(paths.database) as store:
        reply = store.load(store.last_conversation_id()).messages[1]
    assert reply.usage is None and reply.cost is None and time.time() - reply.created_at < 60
    for fmt in ("md", "json"):
        exported = run_cli(monkeypatch, "export", "--last", "--format", fmt)
        assert exported.code == 0 and "Traceback" not in exported.err


def test_export_survives_a_date_saved_out_of_range_by_an_older_import(paths, monkeypatch):
    from pinata_tui.conversation import ChatMessage, Conversation

    conversation = Conversation(model="m", title="old")
    conversation.add(ChatMessage("user", "q", created_at=1e300))
    conversation.add(ChatMessage("assistant", "a", model="m", created_at=1e300))  # --last wants a reply
    with ConversationStore(paths.database) as store:
        store.save_conversation(conversation)
    result = run_cli(monkeypatch, "export", "--last")
    assert result.code == 0 and "unknown date" in result.out


# --------------------------------------------------------- 8: limits


def test_a_single_sse_line_over_1_mib_ends_the_reply_keeping_what_arrived(server, paths, monkeypatch):
    body = sse(content_chunk('"Hello"'), done=False) + "data: " + "x" * (3 * MiB) + "\n\n"
    server.state.add_fault(Fault(status=200, body=body, content_type="text/event-stream"))
    started = time.monotonic()
    result = run_cli(monkeypatch, "ask", "hi")
    assert time.monotonic() - started < 10
    assert result.code == 8 and result.out == "Hello\n"
    assert "1 MiB limit" in result.err and result.err.count("\n") == 1
    with ConversationStore(paths.database) as store:
        reply = store.load(store.last_conversation_id()).messages[1]
    assert reply.content == "Hello" and reply.status == MessageStatus.INTERRUPTED


async def test_a_reply_over_8_mib_is_cut_at_the_limit_keeping_what_arrived(server, client):
    piece = "y" * (64 * 1024)
    chunks = [content_chunk(json.dumps(piece)) for _ in range(MAX_REPLY_CHARS // len(piece) + 4)]
    server.state.add_fault(Fault(status=200, body=sse(*chunks), content_type="text/event-stream"))
    received = []
    with pytest.raises(StreamInterrupted) as err:
        async for event in client.stream_chat("openai/gpt-5.1", HELLO):
            received.append(getattr(event, "text", ""))
    assert "8 MiB limit" in str(err.value)
    assert err.value.partial_text == "".join(received) and len(err.value.partial_text) == MAX_REPLY_CHARS


async def test_a_whole_json_answer_over_8_mib_is_refused(server, client):
    server.state.add_fault(Fault(status=200, route="models", content_type="application/json",
                                 body=json.dumps([{"model_id": "m" * 1000}] * 9000)))
    with pytest.raises(ProtocolError, match="8 MiB limit"):
        await client.models()


def test_sse_framer_caps_lines_and_events_and_splits_crlf_across_reads():
    framer = SSEFramer(max_line=10)
    assert framer.feed("data: a\r") == []
    assert [e.data for e in framer.feed("\n\r\ndata: b\n\n")] == ["a", "b"]
    with pytest.raises(LineTooLong):
        framer.feed("data: " + "z" * 20)
    framer = SSEFramer(max_line=10)
    with pytest.raises(LineTooLong):  # many short data lines, never a blank one
        for _ in range(10):
            framer.feed("data: 1234\n")


# A loopback server of our own, for bodies that must be built before the memory is measured.

BOMB_SIZE = 256 * MiB


def gzip_bomb(prefix: bytes = b"") -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"x" * MiB
    parts = [packer.compress(prefix)] + [packer.compress(block) for _ in range(BOMB_SIZE // MiB)]
    return b"".join(parts) + packer.flush()


class BombServer(ThreadingHTTPServer):
    daemon_threads = True
    bodies: dict[str, tuple[int, str, bytes]]

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the client hangs up once it has read enough: that is the point


class BombHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: BombServer

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self) -> None:
        status, content_type, body = self.server.bodies[self.path.split("?")[0]]
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer()


@pytest.fixture(scope="module")
def bombs() -> Iterator[BombServer]:
    server = BombServer(("127.0.0.1", 0), BombHandler)
    error_bomb = gzip_bomb(b'{"error": {"message": "')
    server.bodies = {
        "/v0/llm/models": (500, "application/json", error_bomb),
        "/v0/llm/status": (200, "application/json", error_bomb),
        "/v0/llm/chat/completions": (200, "text/event-stream", gzip_bomb(b"data: ")),
        "/v0/credits/balance": (502, "text/html", gzip.compress(b"<html>" + b"y" * (5 * MiB))),
    }
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def bomb_settings(server: BombServer) -> Settings:
    host, port = server.server_address[:2]
    return Settings(base_url=f"http://{host}:{port}", llm_key="pk-dev-0123456789abcdef", jwt="eyJ.e30.sig",
                    retry=RetrySettings(max_attempts=1), timeouts=TimeoutSettings(connect=2, read=10, write=5))


async def measured(coroutine) -> tuple[BaseException, float, int]:
    """The error ``coroutine`` raises, how long it took and the peak of Python memory meanwhile."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        await coroutine
    except Exception as exc:
        error = exc
    else:
        raise AssertionError("expected an error")
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return error, time.monotonic() - started, peak


async def test_a_gzip_bomb_error_body_is_read_only_to_its_cap(bombs):
    async with PinataClient(bomb_settings(bombs)) as client:
        error, elapsed, peak = await measured(client.models())
    assert isinstance(error, ServerError) and error.status == 500
    assert peak < 16 * MiB and elapsed < 10, (peak, elapsed)
    assert len(str(error)) < 1000  # what the server said, summarised on one line
    assert MAX_ERROR_BODY == 64 * 1024


async def test_a_gzip_bomb_json_answer_is_refused_at_8_mib(bombs):
    async with PinataClient(bomb_settings(bombs)) as client:
        error, elapsed, peak = await measured(client.status())
    assert isinstance(error, ProtocolError) and "8 MiB limit" in str(error)
    assert peak < 40 * MiB and elapsed < 10, (peak, elapsed)


async def test_a_gzip_bomb_stream_is_cut_at_one_line(bombs):
    async with PinataClient(bomb_settings(bombs)) as client:

        async def consume() -> None:
            async for _ in client.stream_chat("m", HELLO):
                pass

        error, elapsed, peak = await measured(consume())
    assert isinstance(error, StreamInterrupted) and "1 MiB limit" in str(error)
    assert peak < 24 * MiB and elapsed < 10, (peak, elapsed)


async def test_a_large_compressed_html_error_page_is_summarised(bombs):
    async with PinataClient(bomb_settings(bombs)) as client:
        error, _, peak = await measured(client.balance())
    assert isinstance(error, ServerError) and error.status == 502 and "HTML page" in str(error)
    assert peak < 8 * MiB
