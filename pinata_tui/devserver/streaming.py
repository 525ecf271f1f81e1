"""The SSE body of a streamed chat completion, with every fault that bends it."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

from pinata_tui.devserver.faults import Fault
from pinata_tui.devserver.plan import Reply, reasoning_detail
from pinata_tui.devserver.replies import TOOL_CALL_ID, TOOL_NAME
from pinata_tui.devserver.state import ServerState

COMMENT_EVERY = 10
"""A fault's ``comments`` are repeated before every this-many-th streamed piece."""

PROVIDERS = {"anthropic": "Anthropic", "openai": "OpenAI", "google": "Google", "meta-llama": "Meta",
             "mistralai": "Mistral", "deepseek": "DeepSeek", "x-ai": "xAI"}


class SSEWriter:
    """Frames events and comments as HTTP/1.1 chunks on the handler's socket."""

    def __init__(self, handler: BaseHTTPRequestHandler, state: ServerState) -> None:
        self.handler = handler
        self.style = state.style

    def headers(self) -> None:
        h = self.handler
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream; charset=utf-8")
        h.send_header("Cache-Control", "no-cache")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        h.wfile.flush()

    def write(self, data: bytes) -> None:
        """One HTTP/1.1 chunk, optionally split into several writes to fragment reads."""
        frame = b"%x\r\n%s\r\n" % (len(data), data)
        size = self.style.write_size
        wfile = self.handler.wfile
        if size:
            for i in range(0, len(frame), size):
                wfile.write(frame[i:i + size])
                wfile.flush()
        else:
            wfile.write(frame)
            wfile.flush()

    def event(self, payload: str) -> None:
        nl = self.style.line_ending
        prefix = f": keep-alive{nl}" if self.style.comments else ""
        self.write(f"{prefix}data: {payload}{nl}{nl}".encode())

    def comments(self, lines: list[str]) -> None:
        nl = self.style.line_ending
        text = "".join(f"{line if line.startswith(':') else ': ' + line}{nl}" for line in lines)
        self.write(f"{text}{nl}".encode())

    def end(self) -> None:
        self.handler.wfile.write(b"0\r\n\r\n")
        self.handler.wfile.flush()

    def cut(self) -> None:
        """Drop the connection mid-body, as a crashed proxy or a revoked key would."""
        self.handler.close_connection = True
        try:
            self.handler.wfile.flush()
            self.handler.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _reasoning_delta(field: str, piece: str) -> dict[str, Any]:
    if field == "reasoning_details":
        return {"reasoning_details": [reasoning_detail(piece)]}
    return {field: piece}


def _output_delta(kind: str, piece: str) -> dict[str, Any]:
    if kind == "refusal":
        return {"content": None, "refusal": piece}
    if kind == "tool_calls":
        return {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}
    return {"content": piece}


def stream_reply(handler: BaseHTTPRequestHandler, state: ServerState, stopping: threading.Event,
                 reply: Reply, fault: Fault | None, key: str, cid: str) -> int:
    """Send the SSE body. Returns how many output tokens went out (for billing)."""
    fault = fault or Fault()
    created = int(time.time())
    style = state.style
    out = SSEWriter(handler, state)
    out.headers()

    def chunk(delta: dict[str, Any], finish_reason: str | None = None,
              usage: dict[str, Any] | None = None, choices: bool = True) -> None:
        data: dict[str, Any] = {"id": cid, "object": "chat.completion.chunk", "created": created,
                                "model": reply.model,
                                "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]
                                if choices else []}
        if usage is not None:
            data["usage"] = usage
        out.event(json.dumps(data))

    def stream_error() -> None:
        message = fault.stream_error
        if fault.stream_error_style == "vllm":
            out.event(json.dumps({"object": "error", "message": message, "type": "BadRequestError",
                                  "param": None, "code": 400}))
            out.end()
            return
        if fault.stream_error_style == "choice":
            choice = {"index": 0, "delta": {}, "finish_reason": "error",
                      "error": {"message": message, "code": 502}}
            data: dict[str, Any] = {"id": cid, "object": "chat.completion.chunk", "created": created,
                                    "model": reply.model, "choices": [choice]}
        else:
            vendor = reply.model.split("/", 1)[0]
            data = {"id": cid, "object": "chat.completion.chunk", "created": created,
                    "model": reply.model, "provider": PROVIDERS.get(vendor, vendor),
                    "error": {"code": "server_error", "message": message},
                    "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}]}
        out.event(json.dumps(data))
        if not fault.drop_done:
            out.event("[DONE]")
        out.end()

    if fault.comments:
        out.comments(fault.comments)
    stop = stopping
    if fault.first_token_delay and stop.wait(fault.first_token_delay):
        return 0
    reasoning_field = reply.reasoning_field or "reasoning"
    if reply.kind == "refusal":
        chunk({"role": "assistant", "content": None, "refusal": ""})
    elif reply.kind != "tool_calls" or reply.reasoning:
        chunk({"role": "assistant", "content": ""})
    interval = 1.0 / state.tokens_per_second if state.tokens_per_second else 0.0
    start = time.monotonic()
    n_reasoning = len(reply.reasoning)
    sequence = [*reply.reasoning, *reply.output]
    for g, piece in enumerate(sequence):
        thinking = g < n_reasoning
        i = g - n_reasoning  # index among the visible pieces (the fault counters use it)
        if key not in state.llm_keys:  # revoked by disable/enable: cut at once
            out.cut()
            return g
        if g and fault.comments and g % COMMENT_EVERY == 0:
            out.comments(fault.comments)
        if not thinking:
            if fault.cut_after is not None and i >= fault.cut_after:
                out.cut()
                return g
            if fault.stall_after is not None and i >= fault.stall_after:
                stop.wait(fault.stall_seconds)
                out.cut()
                return g
            if fault.stream_error is not None and i >= fault.stream_error_after:
                stream_error()
                return g
            if fault.malformed_after is not None and i == fault.malformed_after:
                out.event('{"choices": [{"delta": {"content": "oops')
            if i == 0 and reply.kind == "tool_calls":
                chunk({"role": "assistant", "content": None, "tool_calls": [
                    {"index": 0, "id": TOOL_CALL_ID, "type": "function",
                     "function": {"name": TOOL_NAME, "arguments": ""}}]})
        if interval:
            delay = start + g * interval - time.monotonic()
            if delay > 0 and stop.wait(delay):
                out.cut()
                return g
        usage = None
        if style.usage == "every" or (style.usage == "last-content" and g == len(sequence) - 1 and not thinking):
            usage = reply.usage(min(g + 1, n_reasoning), max(0, i + 1))
        delta = _reasoning_delta(reasoning_field, piece) if thinking else _output_delta(reply.kind, piece)
        chunk(delta, usage=usage)
    if fault.stream_error is not None:
        stream_error()
        return len(sequence)
    full = reply.usage(n_reasoning, len(reply.output))
    chunk({}, finish_reason=reply.finish, usage=full if style.usage == "last-content" else None)
    if style.usage == "final":
        chunk({}, usage=full, choices=False)
    if not fault.drop_done:
        out.event("[DONE]")
    out.end()
    return len(sequence)
