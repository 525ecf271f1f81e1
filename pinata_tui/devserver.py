"""A Pinata Inference server on loopback, for the tests and the app's demo mode.

It speaks every documented route with the documented shapes: the public catalog,
streamed and whole chat completions (OpenAI chunks, usage on a late chunk with
empty ``choices``, ``[DONE]``), enable / status / disable with the JWT, a credit
balance that drains per token and answers 402 with ``availableMicrocredits``,
and auto top-up config. Replies are deterministic.

Faults are queued per request (Python: ``server.state.add_fault(Fault(...))``;
HTTP: ``POST /_dev/faults``): 401/402/429 (+Retry-After)/5xx, an HTML error page,
a slow first token, a stall, a cut mid-stream, a malformed chunk.

Run standalone::

    python -m pinata_tui.devserver --port 8787

It binds port 0 by default and prints its URL. Stdlib only (threads), so it runs
beside an asyncio app without sharing its loop.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEV_JWT = "dev-jwt-pinata-local"
DEV_LLM_KEY = "pk-dev-0123456789abcdef"

CATALOG: list[dict[str, Any]] = [
    {"model_id": "anthropic/claude-sonnet-4-6", "input_usd_per_1m_tokens": 3.0,
     "output_usd_per_1m_tokens": 15.0, "cache_read_usd_per_1m_tokens": 0.3},
    {"model_id": "anthropic/claude-haiku-4-5", "input_usd_per_1m_tokens": 1.0,
     "output_usd_per_1m_tokens": 5.0, "cache_read_usd_per_1m_tokens": 0.1},
    {"model_id": "anthropic/claude-opus-4-1", "input_usd_per_1m_tokens": 15.0,
     "output_usd_per_1m_tokens": 75.0, "cache_read_usd_per_1m_tokens": 1.5},
    {"model_id": "openai/gpt-5.1", "input_usd_per_1m_tokens": 1.25,
     "output_usd_per_1m_tokens": 10.0, "cache_read_usd_per_1m_tokens": 0.125},
    {"model_id": "openai/gpt-5-mini", "input_usd_per_1m_tokens": 0.25,
     "output_usd_per_1m_tokens": 2.0, "cache_read_usd_per_1m_tokens": 0.025},
    {"model_id": "openai/gpt-4.1", "input_usd_per_1m_tokens": 2.0,
     "output_usd_per_1m_tokens": 8.0, "cache_read_usd_per_1m_tokens": 0.5},
    {"model_id": "google/gemini-2.5-pro", "input_usd_per_1m_tokens": 1.25,
     "output_usd_per_1m_tokens": 10.0, "cache_read_usd_per_1m_tokens": 0.31},
    {"model_id": "google/gemini-2.5-flash", "input_usd_per_1m_tokens": 0.3,
     "output_usd_per_1m_tokens": 2.5, "cache_read_usd_per_1m_tokens": 0.075},
    {"model_id": "meta-llama/llama-4-maverick", "input_usd_per_1m_tokens": 0.15,
     "output_usd_per_1m_tokens": 0.6},
    {"model_id": "mistralai/mistral-large", "input_usd_per_1m_tokens": 2.0,
     "output_usd_per_1m_tokens": 6.0},
    {"model_id": "deepseek/deepseek-v3.2", "input_usd_per_1m_tokens": 0.27,
     "output_usd_per_1m_tokens": 1.1, "cache_read_usd_per_1m_tokens": 0.07},
    {"model_id": "x-ai/grok-4", "input_usd_per_1m_tokens": 3.0,
     "output_usd_per_1m_tokens": 15.0, "cache_read_usd_per_1m_tokens": 0.75},
]

MICRO = 1_000_000


@dataclass
class Fault:
    """One misbehaviour, applied to the next ``times`` requests on ``route``.

    ``route`` is ``"chat"`` (chat completions), ``"models"``, ``"jwt"`` (every
    management route) or ``"any"``.
    """

    status: int | None = None
    """Answer with this HTTP status instead of serving the request."""
    message: str | None = None
    retry_after: str | None = None
    """The ``Retry-After`` header to send with the status (seconds or an HTTP date)."""
    html: bool = False
    """Send the error as a proxy's HTML page rather than JSON."""
    body: str | None = None
    """Send exactly this body (with ``content_type``) for the status, or for a 200."""
    content_type: str = "text/plain"
    available_at_top: bool = False
    """For 402: put ``availableMicrocredits`` at the top level instead of inside ``error``."""
    first_token_delay: float = 0.0
    """Seconds to wait after the headers before the first chunk."""
    stall_after: int | None = None
    """Stop sending (but keep the socket open) after this many content chunks."""
    stall_seconds: float = 30.0
    cut_after: int | None = None
    """Close the socket abruptly after this many content chunks (no [DONE], no final chunk)."""
    malformed_after: int | None = None
    """Send a chunk that is not JSON after this many content chunks, then carry on."""
    drop_done: bool = False
    """End the body cleanly but without ``data: [DONE]``."""
    delay: float = 0.0
    """Seconds to wait before answering at all (any route)."""
    route: str = "chat"
    times: int = 1

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Fault":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class StreamStyle:
    """How the stream is framed on the wire: for exercising the client's SSE parsing."""

    line_ending: str = "\n"
    comments: bool = False
    """Send ``: keep-alive`` comment lines between events."""
    write_size: int | None = None
    """Write the body in pieces of this many bytes (splitting lines and UTF-8 characters)."""
    usage: str = "final"
    """``final``: a last chunk with empty choices; ``last-content``: on the finish chunk;
    ``every``: running totals on every chunk; ``none``: no usage at all."""


@dataclass
class ServerState:
    """Everything the server knows; guarded by ``lock``. Tests may read and change it."""

    jwt: str = DEV_JWT
    llm_keys: set[str] = field(default_factory=lambda: {DEV_LLM_KEY})
    enabled: bool = True
    created_at: str = "2026-06-29T00:00:00.000Z"
    balance_micro: int = 100 * MICRO
    loaned_micro: int = 0
    topup_threshold: float | None = None
    topup_amount: int | None = None
    reply_tokens: int = 60
    """Length of a generated reply, in chunks (one chunk = one token here)."""
    tokens_per_second: float | None = None
    """Pace of the stream; None sends as fast as the socket takes it."""
    style: StreamStyle = field(default_factory=StreamStyle)
    faults: list[Fault] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    """Every request received: method, path, whether it was authorised, JSON body."""
    catalog: list[dict[str, Any]] = field(default_factory=lambda: [dict(m) for m in CATALOG])
    reply_override: str | None = None
    """When set, every reply is exactly this text (split into tokens)."""
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def add_fault(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def take_fault(self, route: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.route in (route, "any"):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def chat_requests(self) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.requests if r["path"].endswith("/chat/completions")]


# ------------------------------------------------------------------ replies

def estimate_tokens(text: str) -> int:
    """The server's own deterministic token count: about four characters a token."""
    return max(1, math.ceil(len(text) / 4)) if text else 0


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


def generate_reply(model: str, messages: list[dict[str, Any]], tokens: int) -> list[str]:
    """Deterministic reply pieces (one per chunk) for a request."""
    last_user = next(
        (str(m.get("content", "")) for m in reversed(messages) if m.get("role") == "user"), ""
    )
    seed = int.from_bytes(hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).digest()[:4], "big")
    document = _sample_document(seed, model, last_user)
    pieces = tokenize_reply(document)
    out: list[str] = []
    while len(out) < tokens:
        out.extend(pieces)
    out = out[:tokens]
    return out


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


# ------------------------------------------------------------------ handler


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "PinataDevServer"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if self.server.verbose:
            super().log_message(format, *args)

    # --- plumbing

    @property
    def state(self) -> ServerState:
        return self.server.state

    def _read_json(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return None
        try:
            return json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _INVALID

    def _send_json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _send_raw(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int, message: str, **extra: Any) -> None:
        self._send_json(status, {"error": {"message": message, **extra}})

    def _bearer(self) -> str | None:
        value = self.headers.get("Authorization", "")
        return value[7:].strip() if value.lower().startswith("bearer ") else None

    def _record(self, body: Any, authorised: bool) -> None:
        with self.state.lock:
            self.state.requests.append(
                {"method": self.command, "path": self.path, "authorised": authorised,
                 "body": body if body is not _INVALID else None, "time": time.time()}
            )

    def _apply_fault(self, fault: Fault | None) -> bool:
        """Answer with the fault's status if it has one. True when the request is done."""
        if fault is not None and fault.delay:
            self.server.stopping.wait(fault.delay)
        if fault is None or fault.status is None:
            return False
        headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
        if fault.body is not None:
            self._send_raw(fault.status, fault.body.encode(), fault.content_type, headers)
        elif fault.html:
            page = (
                f"<html><head><title>{fault.status} Bad Gateway</title></head><body>"
                f"<center><h1>{fault.status} Bad Gateway</h1></center><hr><center>nginx</center>"
                "</body></html>"
            ).encode()
            self._send_raw(fault.status, page, "text/html", headers)
        elif fault.status == 402:
            available = self.state.balance_micro - self.state.loaned_micro
            if fault.available_at_top:
                self._send_json(402, {"error": {"message": fault.message or "Insufficient credits"},
                                      "availableMicrocredits": max(0, available)}, headers)
            else:
                self._send_json(402, {"error": {"message": fault.message or "Insufficient credits",
                                                "availableMicrocredits": max(0, available)}}, headers)
        else:
            message = fault.message or {
                401: "Invalid API key", 429: "Rate limit exceeded", 500: "Internal server error",
                503: "Service unavailable"}.get(fault.status, f"Error {fault.status}")
            self._send_json(fault.status, {"error": {"message": message}}, headers)
        return True

    # --- routing

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PUT(self) -> None:
        self._route("PUT")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    def _route(self, method: str) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        body = self._read_json() if method in ("POST", "PUT") else None
        routes = {
            ("GET", "/v0/llm/models"): self._models,
            ("POST", "/v0/llm/chat/completions"): self._chat,
            ("POST", "/v0/llm/enable"): self._enable,
            ("GET", "/v0/llm/status"): self._status,
            ("DELETE", "/v0/llm/disable"): self._disable,
            ("GET", "/v0/credits/balance"): self._balance,
            ("GET", "/v0/credits/topup/config"): self._topup_get,
            ("PUT", "/v0/credits/topup/config"): self._topup_put,
            ("POST", "/_dev/faults"): self._dev_faults,
            ("POST", "/_dev/state"): self._dev_state,
            ("GET", "/_dev/requests"): self._dev_requests,
        }
        handler = routes.get((method, path))
        if handler is None:
            self._record(body, False)
            known_path = any(p == path for _, p in routes)
            self._error(405 if known_path else 404, f"No route for {method} {path}")
            return
        try:
            handler(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # --- public catalog

    def _models(self, body: Any) -> None:
        self._record(body, True)
        if self._apply_fault(self.state.take_fault("models")):
            return
        self._send_json(200, self.state.catalog)

    # --- JWT routes

    def _jwt_ok(self, body: Any) -> bool:
        ok = self._bearer() == self.state.jwt
        self._record(body, ok)
        if self._apply_fault(self.state.take_fault("jwt")):
            return False
        if not ok:
            self._error(401, "Unauthorized: a valid Pinata JWT is required")
        return ok

    def _enable(self, body: Any) -> None:
        if not self._jwt_ok(body):
            return
        key = "pk-dev-" + secrets.token_hex(16)
        with self.state.lock:
            self.state.llm_keys = {key}
            self.state.enabled = True
            self.state.created_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        self._send_json(200, {"success": True, "privateKey": key})

    def _status(self, body: Any) -> None:
        if not self._jwt_ok(body):
            return
        with self.state.lock:
            data: dict[str, Any] = {"enabled": self.state.enabled}
            if self.state.enabled:
                data["createdAt"] = self.state.created_at
        self._send_json(200, data)

    def _disable(self, body: Any) -> None:
        if not self._jwt_ok(body):
            return
        with self.state.lock:
            self.state.llm_keys = set()
            self.state.enabled = False
        self._send_json(200, {"success": True})

    def _balance(self, body: Any) -> None:
        if not self._jwt_ok(body):
            return
        with self.state.lock:
            total = self.state.balance_micro / MICRO
            loaned = self.state.loaned_micro / MICRO
        self._send_json(200, {"total": total, "loaned": loaned, "available": round(total - loaned, 6)})

    def _topup_get(self, body: Any) -> None:
        if not self._jwt_ok(body):
            return
        self._send_json(200, {"threshold": self.state.topup_threshold, "amount": self.state.topup_amount})

    def _topup_put(self, body: Any) -> None:
        if not self._jwt_ok(body):
            return
        if not isinstance(body, dict):
            self._error(400, "Expected a JSON object with threshold and amount")
            return
        threshold, amount = body.get("threshold"), body.get("amount")
        if threshold is not None and (not isinstance(threshold, (int, float)) or isinstance(threshold, bool)
                                      or threshold < 5):
            self._error(400, "threshold must be at least 5, or null")
            return
        if amount is not None and (not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0):
            self._error(400, "amount must be a positive integer, or null")
            return
        with self.state.lock:
            self.state.topup_threshold, self.state.topup_amount = threshold, amount
        self._send_json(200, {"threshold": threshold, "amount": amount})

    # --- chat

    def _chat(self, body: Any) -> None:
        key = self._bearer()
        with self.state.lock:
            authorised = key is not None and key in self.state.llm_keys
        self._record(body, authorised)
        fault = self.state.take_fault("chat")
        if self._apply_fault(fault):
            return
        if not authorised:
            self._error(401, "Invalid or missing API key" if key != self.state.jwt
                        else "The JWT cannot authenticate chat completions; use your inference key")
            return
        if body is _INVALID or not isinstance(body, dict):
            self._error(400, "Request body must be a JSON object")
            return
        model = body.get("model")
        messages = body.get("messages")
        prices = next((m for m in self.state.catalog if m["model_id"] == model), None)
        if not isinstance(model, str) or prices is None:
            self._error(400, f"Unknown model: {model!r}")
            return
        if not isinstance(messages, list) or not messages:
            self._error(400, "messages must be a non-empty array")
            return
        with self.state.lock:
            available = self.state.balance_micro - self.state.loaned_micro
        if available <= 0:
            self._error(402, "Insufficient credits", availableMicrocredits=max(0, available))
            return

        prompt_tokens = sum(estimate_tokens(str(m.get("content", ""))) + 4 for m in messages
                            if isinstance(m, dict))
        limit = body.get("max_completion_tokens") or body.get("max_tokens") or 4096
        if self.state.reply_override is not None:
            pieces = tokenize_reply(self.state.reply_override)
        else:
            pieces = generate_reply(model, messages, self.state.reply_tokens)
        finish = "stop"
        if len(pieces) > int(limit):
            pieces, finish = pieces[: int(limit)], "length"

        hold = self._cost_micro(prices, prompt_tokens, len(pieces))
        with self.state.lock:
            self.state.loaned_micro += hold
        sent = 0
        try:
            if body.get("stream"):
                sent = self._stream(model, pieces, prompt_tokens, finish, fault, key or "")
            else:
                sent = len(pieces)
                self._send_json(200, {
                    "id": self._completion_id(), "object": "chat.completion", "model": model,
                    "created": int(time.time()),
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(pieces)},
                                 "finish_reason": finish}],
                    "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": sent,
                              "total_tokens": prompt_tokens + sent},
                })
        finally:
            with self.state.lock:
                self.state.loaned_micro -= hold
                self.state.balance_micro = max(
                    0, self.state.balance_micro - self._cost_micro(prices, prompt_tokens, sent))

    @staticmethod
    def _cost_micro(prices: dict[str, Any], prompt: int, completion: int) -> int:
        usd = (prompt * (prices.get("input_usd_per_1m_tokens") or 0)
               + completion * (prices.get("output_usd_per_1m_tokens") or 0)) / 1_000_000
        return math.ceil(usd * MICRO)  # one credit is taken as one US dollar

    def _completion_id(self) -> str:
        with self.state.lock:
            n = len(self.state.requests)
        return f"chatcmpl-dev{n:06d}"

    def _write_chunk(self, data: bytes) -> None:
        """One HTTP/1.1 chunk, optionally split into several writes to fragment reads."""
        frame = b"%x\r\n%s\r\n" % (len(data), data)
        size = self.state.style.write_size
        if size:
            for i in range(0, len(frame), size):
                self.wfile.write(frame[i:i + size])
                self.wfile.flush()
        else:
            self.wfile.write(frame)
            self.wfile.flush()

    def _event(self, payload: str) -> bytes:
        nl = self.state.style.line_ending
        prefix = f": keep-alive{nl}" if self.state.style.comments else ""
        return f"{prefix}data: {payload}{nl}{nl}".encode()

    def _stream(self, model: str, pieces: list[str], prompt_tokens: int, finish: str,
                fault: Fault | None, key: str) -> int:
        """Send the SSE body. Returns how many content chunks went out (for billing)."""
        cid = self._completion_id()
        created = int(time.time())
        style = self.state.style
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()

        def chunk(delta: dict[str, Any], finish_reason: str | None = None,
                  usage: dict[str, int] | None = None, choices: bool = True) -> bytes:
            data: dict[str, Any] = {"id": cid, "object": "chat.completion.chunk", "created": created,
                                    "model": model,
                                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]
                                    if choices else []}
            if usage is not None:
                data["usage"] = usage
            return self._event(json.dumps(data))

        def usage_for(n: int) -> dict[str, int]:
            return {"prompt_tokens": prompt_tokens, "completion_tokens": n, "total_tokens": prompt_tokens + n}

        stop = self.server.stopping
        if fault and fault.first_token_delay:
            if stop.wait(fault.first_token_delay):
                return 0
        self._write_chunk(chunk({"role": "assistant", "content": ""}))
        interval = 1.0 / self.state.tokens_per_second if self.state.tokens_per_second else 0.0
        start = time.monotonic()
        for i, piece in enumerate(pieces):
            if key not in self.state.llm_keys:  # revoked by disable/enable: cut at once
                self._cut()
                return i
            if fault and fault.cut_after is not None and i >= fault.cut_after:
                self._cut()
                return i
            if fault and fault.stall_after is not None and i >= fault.stall_after:
                stop.wait(fault.stall_seconds)
                self._cut()
                return i
            if fault and fault.malformed_after is not None and i == fault.malformed_after:
                self._write_chunk(self._event('{"choices": [{"delta": {"content": "oops'))
            if interval:
                delay = start + i * interval - time.monotonic()
                if delay > 0 and stop.wait(delay):
                    self._cut()
                    return i
            is_last = i == len(pieces) - 1
            usage = None
            if style.usage == "every" or (style.usage == "last-content" and is_last):
                usage = usage_for(i + 1)
            self._write_chunk(chunk({"content": piece}, usage=usage))
        self._write_chunk(chunk({}, finish_reason=finish,
                                usage=usage_for(len(pieces)) if style.usage == "last-content" else None))
        if style.usage == "final":
            self._write_chunk(chunk({}, usage=usage_for(len(pieces)), choices=False))
        if not (fault and fault.drop_done):
            self._write_chunk(self._event("[DONE]"))
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()
        return len(pieces)

    def _cut(self) -> None:
        """Drop the connection mid-body, as a crashed proxy or a revoked key would."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # --- dev-only controls (unauthenticated: loopback only)

    def _dev_faults(self, body: Any) -> None:
        self._record(body, True)
        items = body if isinstance(body, list) else [body]
        for item in items:
            if isinstance(item, dict):
                self.state.add_fault(Fault.from_json(item))
        self._send_json(200, {"queued": len(self.state.faults)})

    def _dev_state(self, body: Any) -> None:
        self._record(body, True)
        if not isinstance(body, dict):
            self._error(400, "Expected a JSON object")
            return
        with self.state.lock:
            for name in ("reply_tokens", "tokens_per_second", "balance_micro", "enabled", "reply_override"):
                if name in body:
                    setattr(self.state, name, body[name])
            if isinstance(body.get("style"), dict):
                self.state.style = StreamStyle(**body["style"])
        self._send_json(200, {"ok": True})

    def _dev_requests(self, body: Any) -> None:
        with self.state.lock:
            data = list(self.state.requests)
        self._send_json(200, data)


_INVALID = object()


class PinataDevServer(ThreadingHTTPServer):
    """The loopback server. ``start()`` serves from a daemon thread; ``url`` says where."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, state: ServerState | None = None,
                 verbose: bool = False) -> None:
        self.state = state or ServerState()
        self.verbose = verbose
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None
        super().__init__((host, port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up (resets, broken pipes) are normal here; report the rest."""
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)) and not self.verbose:
            return
        super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "PinataDevServer":
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, name="pinata-devserver", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> "PinataDevServer":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pinata_tui.devserver",
        description="Serve the Pinata Inference API on loopback, for tests and demos.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--reply-tokens", type=int, default=ServerState.reply_tokens)
    parser.add_argument("--rate", type=float, default=None, help="tokens per second (default: unlimited)")
    parser.add_argument("--balance", type=float, default=100.0, help="starting credits")
    parser.add_argument("--jwt", default=DEV_JWT)
    parser.add_argument("--key", default=DEV_LLM_KEY, help="the inference key accepted at start")
    parser.add_argument("--verbose", action="store_true", help="log each request")
    args = parser.parse_args(argv)
    state = ServerState(jwt=args.jwt, llm_keys={args.key}, reply_tokens=args.reply_tokens,
                        tokens_per_second=args.rate, balance_micro=int(args.balance * MICRO))
    server = PinataDevServer(args.host, args.port, state=state, verbose=args.verbose)
    print(f"Pinata dev server at {server.url}", flush=True)
    print(f"  PINATA_BASE_URL={server.url} PINATA_LLM_KEY={args.key} PINATA_JWT={args.jwt}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stopping.set()
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
