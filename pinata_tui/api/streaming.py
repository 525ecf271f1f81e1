"""Turns a streamed chat-completion response into typed events, as bytes arrive.

Server-sent events are framed here, as the SSE specification says (lines split at ``\\n``,
``\\r\\n`` or ``\\r``, comments such as ``: OPENROUTER PROCESSING``, UTF-8 split across reads),
with limits on what a server may send: one line or event of at most ``MAX_SSE_LINE``
characters, a reply of at most ``MAX_REPLY_CHARS``; a compressed body is inflated a piece at
a time, so a gzip bomb never sits in memory whole. This module interprets the
``chat.completion.chunk`` payloads that real gateways send (OpenAI, OpenRouter, vLLM,
llama.cpp, Ollama, Azure OpenAI) and decides how the stream ended:

- ``[DONE]``, or a clean end of body after a finish reason arrived: ``Finished``;
- an error signalled inside the stream (``finish_reason: "error"``, ``choices[0].error``, an
  ``error`` chunk, a vLLM ``{"object": "error"}`` event): ``StreamFailed``;
- anything else (cut, stall, malformed chunk, no finish reason): ``StreamInterrupted``.
"""

from __future__ import annotations

import codecs
import json
import re
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

from pinata_tui.api.errors import (
    MAX_JSON_BODY,
    MAX_REPLY_CHARS,
    MAX_SSE_LINE,
    ProtocolError,
    StreamFailed,
    StreamInterrupted,
)
from pinata_tui.api.events import (
    Finished,
    ReasoningDelta,
    RefusalDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from pinata_tui.sanitize import one_line, valid_unicode

DONE = "[DONE]"

ChunkEvent = TextDelta | ReasoningDelta | RefusalDelta | ToolCallDelta | Usage


# ------------------------------------------------------------ bodies, read with limits


def _inflater(encoding: str) -> Any:
    return zlib.decompressobj(zlib.MAX_WBITS if encoding == "deflate" else 16 + zlib.MAX_WBITS)


async def iter_decoded(response: httpx.Response, piece: int = 64 * 1024) -> AsyncIterator[bytes]:
    """The body as it arrives, decompressed here in pieces of at most ``piece`` bytes.

    httpx would inflate each network read whole (a 64 KiB read of a gzip bomb is 64 MB);
    gzip and deflate are therefore inflated with a cap on each step. Other encodings (br,
    zstd, if their packages are installed) are left to httpx.
    """
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if response.is_stream_consumed:  # already in memory (a response built whole, as in tests)
        async for chunk in response.aiter_bytes(piece):
            yield chunk
        return
    if encoding in ("", "identity"):
        async for raw in response.aiter_raw():
            yield raw
        return
    if encoding not in ("gzip", "x-gzip", "deflate"):
        async for chunk in response.aiter_bytes():
            yield chunk
        return
    inflater = _inflater(encoding)
    started = False
    async for raw in response.aiter_raw():
        data = raw
        while data:
            try:
                out = inflater.decompress(data, piece)
            except zlib.error as exc:
                if not started and encoding == "deflate":  # raw deflate, without the zlib header
                    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                    started = True
                    continue
                raise httpx.DecodingError(f"the body could not be inflated ({exc})",
                                          request=response.request) from None
            started = True
            data = inflater.unconsumed_tail
            if inflater.eof and inflater.unused_data and encoding != "deflate":
                data, inflater = inflater.unused_data, _inflater(encoding)  # another gzip member
            if out:
                yield out


async def read_limited(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """At most ``limit`` bytes of the (decompressed) body, and whether there was more (left unread)."""
    parts: list[bytes] = []
    size = 0
    pieces = iter_decoded(response)
    try:
        async for part in pieces:
            parts.append(part)
            size += len(part)
            if size > limit:
                return b"".join(parts)[:limit], True
    finally:
        await pieces.aclose()  # type: ignore[attr-defined]
    return b"".join(parts), False


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit // 1024} KiB"


# ------------------------------------------------------------ server-sent events


@dataclass(slots=True)
class ServerSentEvent:
    event: str
    data: str


class LineTooLong(Exception):
    """A line or an event of the stream passed ``MAX_SSE_LINE``."""


_LINE_END = re.compile(r"\r\n|\r|\n")


class SSEFramer:
    """Text in, events out, as the SSE specification frames them; no line or event beyond ``max_line``."""

    def __init__(self, max_line: int = MAX_SSE_LINE) -> None:
        self.max_line = max_line
        self._partial: list[str] = []
        self._partial_size = 0
        self._after_cr = False
        self._event = ""
        self._data: list[str] = []
        self._data_size = 0

    def feed(self, text: str) -> list[ServerSentEvent]:
        if self._after_cr and text.startswith("\n"):
            text = text[1:]  # the second half of a \r\n split across two reads
        self._after_cr = False
        if not text:
            return []
        *complete, rest = _LINE_END.split(text)
        events: list[ServerSentEvent] = []
        for piece in complete:
            if self._partial:
                piece = "".join(self._partial) + piece
                self._partial.clear()
                self._partial_size = 0
            if len(piece) > self.max_line:
                raise LineTooLong
            event = self._line(piece)
            if event is not None:
                events.append(event)
        if rest:
            self._partial.append(rest)
            self._partial_size += len(rest)
            if self._partial_size > self.max_line:
                raise LineTooLong
        self._after_cr = text.endswith("\r")
        return events

    def _line(self, line: str) -> ServerSentEvent | None:
        if not line:
            event = ServerSentEvent(self._event, "\n".join(self._data)) if self._data else None
            self._event, self._data, self._data_size = "", [], 0
            return event
        if line.startswith(":"):
            return None  # a comment (keep-alive, ": OPENROUTER PROCESSING")
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
            self._data_size += len(value) + 1
            if self._data_size > self.max_line:
                raise LineTooLong
        elif name == "event":
            self._event = value
        return None


async def iter_sse(response: httpx.Response, max_line: int = MAX_SSE_LINE) -> AsyncIterator[ServerSentEvent]:
    """Events from an open ``text/event-stream`` response (UTF-8; a bad byte becomes U+FFFD)."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    framer = SSEFramer(max_line)
    first = True
    pieces = iter_decoded(response)
    try:
        async for raw in pieces:
            text = decoder.decode(raw)
            if first and text:
                text = text.removeprefix("\ufeff")  # a leading byte-order mark is ignored
                first = False
            for event in framer.feed(text):
                yield event
        for event in framer.feed(decoder.decode(b"", final=True)):
            yield event
    finally:
        await pieces.aclose()  # type: ignore[attr-defined]


# ------------------------------------------------------------ chunks


def error_message(error: object) -> str:
    """What an in-band error object says, as one safe line."""
    if isinstance(error, dict):
        message = error.get("message") or error.get("detail") or error.get("error")
        if isinstance(message, (dict, list)):
            return error_message(message)
        code = error.get("code")
        text = str(message) if message else "no details given"
        return one_line(f"{text} ({code})" if code not in (None, "") and str(code) not in text else text)
    if isinstance(error, str) and error:
        return one_line(error)
    return "no details given"


def reasoning_text(holder: dict[str, Any]) -> str:
    """Reasoning from a delta or message, whichever field name the provider uses.

    OpenRouter sends the same text as both ``reasoning`` and ``reasoning_details``: one is taken.
    """
    for key in ("reasoning", "reasoning_content"):
        value = holder.get(key)
        if isinstance(value, str) and value:
            return value
    details = holder.get("reasoning_details")
    if isinstance(details, list):
        parts = []
        for item in details:
            if isinstance(item, dict) and item.get("type") != "reasoning.encrypted":
                text = item.get("text") if isinstance(item.get("text"), str) else item.get("summary")
                if isinstance(text, str):
                    parts.append(text)
        return "".join(parts)
    return ""


def tool_call_names(holder: dict[str, Any]) -> list[str | None]:
    """One entry per tool call that starts in this delta (a call's first delta carries its id or name)."""
    names: list[str | None] = []
    calls = holder.get("tool_calls")
    if isinstance(calls, list):
        for call in calls:
            if not isinstance(call, dict):
                continue
            function: dict[str, Any] = call["function"] if isinstance(call.get("function"), dict) else {}
            name = function.get("name") if isinstance(function.get("name"), str) else None
            if call.get("id") or name:
                names.append(name)
    legacy = holder.get("function_call")
    if isinstance(legacy, dict) and isinstance(legacy.get("name"), str):
        names.append(legacy["name"])
    return names


_REASONING_KEYS = frozenset(("reasoning", "reasoning_content", "reasoning_details"))
_TOOL_KEYS = frozenset(("tool_calls", "function_call"))


class ChunkInterpreter:
    """Folds ``chat.completion.chunk`` payloads into events and remembers what arrived."""

    def __init__(self, max_reply: int = MAX_REPLY_CHARS) -> None:
        self.max_reply = max_reply
        self.size = 0
        self.parts: list[str] = []
        self.reasoning_parts: list[str] = []
        self.usage: Usage | None = None
        self.finish_reason: str | None = None
        self.model: str | None = None
        self.response_id: str | None = None
        self._model_seen: object = None
        self._id_seen: object = None
        """The raw ``model`` and ``id`` last checked: every chunk repeats them."""

    @property
    def text(self) -> str:
        return "".join(self.parts)

    @property
    def reasoning(self) -> str:
        return "".join(self.reasoning_parts)

    def interrupted(self, reason: str) -> StreamInterrupted:
        return StreamInterrupted(reason, partial_text=self.text, usage=self.usage,
                                 partial_reasoning=self.reasoning)

    def failed(self, error: object) -> StreamFailed:
        return StreamFailed(error_message(error), partial_text=self.text, usage=self.usage,
                            partial_reasoning=self.reasoning)

    def finished(self) -> Finished:
        return Finished(self.finish_reason, self.model, self.response_id)

    def _count(self, added: int) -> None:
        """Refuse a piece that would take the reply past ``max_reply`` (what came before is kept)."""
        if self.size + added > self.max_reply:
            raise self.interrupted(f"the reply passed the {_size(self.max_reply)} limit on one reply, "
                                   "so the rest was not read")
        self.size += added

    def feed(self, data: str) -> list[ChunkEvent]:
        """Interpret one event's data field (not ``[DONE]``)."""
        try:
            chunk = json.loads(data)
        except (json.JSONDecodeError, RecursionError):
            raise self.interrupted("the server sent a malformed chunk") from None
        if not isinstance(chunk, dict):
            return []
        # Each chunk of a reply is read here (thousands a reply): what most chunks lack is not looked into.
        usage = Usage.from_json(chunk["usage"]) if chunk.get("usage") is not None else None
        if usage is not None:
            self.usage = usage
        if chunk.get("object") == "error":  # vLLM: the error object is the whole event
            raise self.failed(chunk)
        model, response_id = chunk.get("model"), chunk.get("id")
        if model and model != self._model_seen and isinstance(model, str):  # Azure's annotation chunks send ""
            self.model, self._model_seen = valid_unicode(model), model
        if response_id and response_id != self._id_seen and isinstance(response_id, str):
            self.response_id, self._id_seen = valid_unicode(response_id), response_id
        events: list[ChunkEvent] = []
        choices = chunk.get("choices")
        choice = choices[0] if isinstance(choices, list) and choices and isinstance(choices[0], dict) else {}
        delta = choice.get("delta")
        if isinstance(delta, dict):
            reasoning = "" if _REASONING_KEYS.isdisjoint(delta) else valid_unicode(reasoning_text(delta))
            content = delta.get("content")
            content = valid_unicode(content) if isinstance(content, str) else ""
            refusal = delta.get("refusal")
            refusal = valid_unicode(refusal) if isinstance(refusal, str) else ""
            self._count(len(reasoning) + len(content) + len(refusal))
            if reasoning:
                self.reasoning_parts.append(reasoning)
                events.append(ReasoningDelta(reasoning))
            if content:
                self.parts.append(content)
                events.append(TextDelta(content))
            if refusal:
                events.append(RefusalDelta(refusal))
            if not _TOOL_KEYS.isdisjoint(delta):
                events.extend(ToolCallDelta(valid_unicode(name) if name else name) for name in tool_call_names(delta))
        error = chunk.get("error") or choice.get("error")
        finish = choice.get("finish_reason")
        if isinstance(finish, str) and finish:
            self.finish_reason = one_line(finish, 60)
        if error or finish == "error":
            raise self.failed(error)
        if usage is not None:
            events.append(usage)
        return events


async def read_chat_stream(
    response: httpx.Response, *, read_timeout: float | None = None,
    max_line: int = MAX_SSE_LINE, max_reply: int = MAX_REPLY_CHARS,
) -> AsyncIterator[StreamEvent]:
    """Yield events from an open streaming response; raise ``StreamInterrupted`` on any early end."""
    content_type = response.headers.get("content-type", "").partition(";")[0].strip().lower()
    if content_type == "application/json":
        # A server that ignored ``stream: true`` answered with a whole completion: accept it.
        from pinata_tui.api.responses import parse_completion  # local: avoids an import cycle

        try:
            raw, cut = await read_limited(response, MAX_JSON_BODY)
        except httpx.TimeoutException:
            raise StreamInterrupted("no data for a while, the answer stalled", partial_text="") from None
        except (httpx.TransportError, httpx.StreamError, httpx.DecodingError) as exc:
            raise StreamInterrupted(f"the connection was cut ({type(exc).__name__})", partial_text="") from None
        if cut:
            raise ProtocolError(f"The server's reply was larger than the {_size(MAX_JSON_BODY)} limit; "
                                "it was not read.")
        try:
            result = parse_completion(json.loads(raw))
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            raise ProtocolError("The server's reply was not valid JSON.") from None
        if result.reasoning:
            yield ReasoningDelta(result.reasoning)
        if result.text:
            yield TextDelta(result.text)
        if result.refusal:
            yield RefusalDelta(result.refusal)
        for name in result.tool_calls:
            yield ToolCallDelta(name)
        if result.usage:
            yield result.usage
        yield Finished(result.finish_reason, result.model, result.response_id)
        return

    if "text/event-stream" not in content_type:
        raise ProtocolError(f"Expected a stream of server-sent events, got content type {content_type or 'none'!r}.")
    interpreter = ChunkInterpreter(max_reply)
    stall = f"no data for {read_timeout:g} s, the stream stalled" if read_timeout else "the stream stalled"
    events = iter_sse(response, max_line)
    try:
        async for sse in events:
            data = sse.data
            if data.strip() == DONE:
                yield interpreter.finished()
                return
            if not data:
                continue
            if sse.event == "error":  # an SSE ``event: error`` frame
                try:
                    payload: object = json.loads(data)
                except (json.JSONDecodeError, RecursionError):
                    payload = data
                raise interpreter.failed(payload.get("error", payload) if isinstance(payload, dict) else payload)
            for event in interpreter.feed(data):
                yield event
    except LineTooLong:
        raise interpreter.interrupted(f"one line of the stream passed the {_size(max_line)} limit, "
                                      "so the rest was not read") from None
    except httpx.TimeoutException:
        raise interpreter.interrupted(stall) from None
    except (httpx.TransportError, httpx.StreamError, httpx.DecodingError) as exc:
        raise interpreter.interrupted(f"the connection was cut ({type(exc).__name__})") from None
    finally:
        await events.aclose()  # type: ignore[attr-defined]
    if interpreter.finish_reason is not None:
        # The finish reason arrived and the body ended cleanly: complete, as the OpenAI SDK takes it.
        yield interpreter.finished()
        return
    raise interpreter.interrupted("the stream ended before the reply was finished")
