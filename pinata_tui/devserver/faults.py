"""The per-request knobs (``Fault``) and the stream framing (``StreamStyle``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any

REASONING_FIELDS = ("reasoning", "reasoning_content", "reasoning_details")
STREAM_ERROR_STYLES = ("openrouter", "choice", "vllm")


@dataclass
class Fault:
    """One misbehaviour, applied to the next ``times`` requests on ``route``.

    ``route`` is ``"chat"`` (chat completions), ``"models"``, ``"jwt"`` (every
    management route) or ``"any"``. Every field defaults to the well-behaved reply.
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
    """End the body cleanly but without ``data: [DONE]`` (the finish and usage chunks still go out)."""
    delay: float = 0.0
    """Seconds to wait before answering at all (any route)."""

    # --- reply shapes real gateways send (chat only)

    reasoning: str | None = None
    """Stream "thinking" before the content in this delta field: ``reasoning`` (OpenRouter,
    a string), ``reasoning_content`` (DeepSeek / vLLM / llama.cpp / Ollama, a string) or
    ``reasoning_details`` (OpenRouter, ``[{"type": "reasoning.text", "text": …}]``)."""
    reasoning_tokens: int = 20
    """How many reasoning pieces; they count (and bill) as completion tokens and are
    reported as ``usage.completion_tokens_details.reasoning_tokens``."""
    content_tokens: int | None = None
    """Send exactly this many content pieces (0: no visible text at all)."""
    finish_reason: str | None = None
    """The finish reason on the final choice chunk (default: ``stop``, ``length`` when
    ``max_tokens`` cut the reply, ``tool_calls`` for a tool call)."""
    stream_error: str | None = None
    """Signal this error message inside the 200 stream after ``stream_error_after``
    content pieces (or after the last one, if fewer), in ``stream_error_style``."""
    stream_error_after: int = 0
    stream_error_style: str = "openrouter"
    """``openrouter``: a chunk with top-level ``error`` and ``finish_reason: "error"``, then
    [DONE]; ``choice``: the ``error`` inside the choice, then [DONE]; ``vllm``: a bare
    ``{"object": "error", …}`` event, then the body ends without [DONE]."""
    refusal: str | None = None
    """Reply with this refusal: ``delta.refusal`` pieces with ``"content": null``."""
    tool_calls: bool = False
    """Reply with one ``get_weather`` tool call only, its arguments streamed in pieces;
    finish reason ``tool_calls``."""
    usage_cost: float | None = None
    """Add ``"cost": usage_cost`` to the usage object (as OpenRouter does); billing is unchanged."""
    cached_tokens: int | None = None
    """Report ``usage.prompt_tokens_details.cached_tokens``; that many prompt tokens (at most
    all of them) are billed at the cache-read price (the input price when there is none)."""
    comments: list[str] | None = None
    """SSE comment lines (e.g. ``": OPENROUTER PROCESSING"``) sent before the first chunk and
    again every 10 pieces; a leading ``": "`` is added when missing."""

    route: str = "chat"
    times: int = 1

    def __post_init__(self) -> None:
        if self.reasoning is not None and self.reasoning not in REASONING_FIELDS:
            raise ValueError(f"reasoning must be one of {REASONING_FIELDS}, not {self.reasoning!r}")
        if self.stream_error_style not in STREAM_ERROR_STYLES:
            raise ValueError(
                f"stream_error_style must be one of {STREAM_ERROR_STYLES}, not {self.stream_error_style!r}"
            )

    def response(self, available_micro: int) -> tuple[int, bytes, str, dict[str, str]]:
        """The answer for a fault with a ``status``: status, body, content type, headers."""
        status = self.status or 500
        headers = {"Retry-After": self.retry_after} if self.retry_after is not None else {}
        if self.body is not None:
            return status, self.body.encode(), self.content_type, headers
        if self.html:
            page = (
                f"<html><head><title>{status} Bad Gateway</title></head><body>"
                f"<center><h1>{status} Bad Gateway</h1></center><hr><center>nginx</center>"
                "</body></html>"
            )
            return status, page.encode(), "text/html", headers
        data: dict[str, Any]
        if status == 402:
            available = max(0, available_micro)
            message = self.message or "Insufficient credits"
            if self.available_at_top:
                data = {"error": {"message": message}, "availableMicrocredits": available}
            else:
                data = {"error": {"message": message, "availableMicrocredits": available}}
        else:
            message = self.message or {
                401: "Invalid API key", 429: "Rate limit exceeded", 500: "Internal server error",
                503: "Service unavailable"}.get(status, f"Error {status}")
            data = {"error": {"message": message}}
        return status, json.dumps(data).encode(), "application/json", headers

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
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
