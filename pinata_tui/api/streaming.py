"""Turns a streamed chat-completion response into typed events, as bytes arrive.

Server-sent events are framed by ``httpx-sse`` (split lines, ``\\r\\n``, comments such as
``: OPENROUTER PROCESSING``, UTF-8 split across reads); this module interprets the
``chat.completion.chunk`` payloads that real gateways send (OpenAI, OpenRouter, vLLM,
llama.cpp, Ollama, Azure OpenAI) and decides how the stream ended:

- ``[DONE]``, or a clean end of body after a finish reason arrived: ``Finished``;
- an error signalled inside the stream (``finish_reason: "error"``, ``choices[0].error``, an
  ``error`` chunk, a vLLM ``{"object": "error"}`` event): ``StreamFailed``;
- anything else (cut, stall, malformed chunk, no finish reason): ``StreamInterrupted``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
from httpx_sse import EventSource, SSEError

from pinata_tui.api.errors import ProtocolError, StreamFailed, StreamInterrupted
from pinata_tui.api.events import (
    Finished,
    ReasoningDelta,
    RefusalDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from pinata_tui.sanitize import one_line

DONE = "[DONE]"

ChunkEvent = TextDelta | ReasoningDelta | RefusalDelta | ToolCallDelta | Usage


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
            function = call.get("function") if isinstance(call.get("function"), dict) else {}
            name = function.get("name") if isinstance(function.get("name"), str) else None
            if call.get("id") or name:
                names.append(name)
    legacy = holder.get("function_call")
    if isinstance(legacy, dict) and isinstance(legacy.get("name"), str):
        names.append(legacy["name"])
    return names


class ChunkInterpreter:
    """Folds ``chat.completion.chunk`` payloads into events and remembers what arrived."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.reasoning_parts: list[str] = []
        self.usage: Usage | None = None
        self.finish_reason: str | None = None
        self.model: str | None = None
        self.response_id: str | None = None

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

    def feed(self, data: str) -> list[ChunkEvent]:
        """Interpret one event's data field (not ``[DONE]``)."""
        try:
            chunk = json.loads(data)
        except (json.JSONDecodeError, RecursionError):
            raise self.interrupted("the server sent a malformed chunk") from None
        if not isinstance(chunk, dict):
            return []
        usage = Usage.from_json(chunk.get("usage"))
        if usage is not None:
            self.usage = usage
        if chunk.get("object") == "error":  # vLLM: the error object is the whole event
            raise self.failed(chunk)
        if isinstance(chunk.get("model"), str) and chunk["model"]:  # Azure's annotation chunks send ""
            self.model = chunk["model"]
        if isinstance(chunk.get("id"), str) and chunk["id"]:
            self.response_id = chunk["id"]
        events: list[ChunkEvent] = []
        choices = chunk.get("choices")
        choice = choices[0] if isinstance(choices, list) and choices and isinstance(choices[0], dict) else {}
        delta = choice.get("delta")
        if isinstance(delta, dict):
            reasoning = reasoning_text(delta)
            if reasoning:
                self.reasoning_parts.append(reasoning)
                events.append(ReasoningDelta(reasoning))
            content = delta.get("content")
            if isinstance(content, str) and content:
                self.parts.append(content)
                events.append(TextDelta(content))
            refusal = delta.get("refusal")
            if isinstance(refusal, str) and refusal:
                events.append(RefusalDelta(refusal))
            events.extend(ToolCallDelta(name) for name in tool_call_names(delta))
        error = chunk.get("error") or choice.get("error")
        finish = choice.get("finish_reason")
        if isinstance(finish, str) and finish:
            self.finish_reason = finish
        if error or finish == "error":
            raise self.failed(error)
        if usage is not None:
            events.append(usage)
        return events


async def read_chat_stream(
    response: httpx.Response, *, read_timeout: float | None = None
) -> AsyncIterator[StreamEvent]:
    """Yield events from an open streaming response; raise ``StreamInterrupted`` on any early end."""
    content_type = response.headers.get("content-type", "").partition(";")[0].strip().lower()
    if content_type == "application/json":
        # A server that ignored ``stream: true`` answered with a whole completion: accept it.
        from pinata_tui.api.client import parse_completion  # local: avoids an import cycle

        try:
            result = parse_completion(json.loads(await response.aread()))
        except (json.JSONDecodeError, RecursionError):
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

    interpreter = ChunkInterpreter()
    stall = f"no data for {read_timeout:g} s, the stream stalled" if read_timeout else "the stream stalled"
    try:
        async for sse in EventSource(response).aiter_sse():
            data = sse.data
            if data.strip() == DONE:
                yield interpreter.finished()
                return
            if not data:
                continue
            if sse.event == "error":  # an SSE ``event: error`` frame
                try:
                    payload: object = json.loads(data)
                except json.JSONDecodeError:
                    payload = data
                raise interpreter.failed(payload.get("error", payload) if isinstance(payload, dict) else payload)
            for event in interpreter.feed(data):
                yield event
    except SSEError:
        raise ProtocolError(
            f"Expected a stream of server-sent events, got content type {content_type or 'none'!r}."
        ) from None
    except httpx.TimeoutException:
        raise interpreter.interrupted(stall) from None
    except (httpx.TransportError, httpx.StreamError) as exc:
        raise interpreter.interrupted(f"the connection was cut ({type(exc).__name__})") from None
    if interpreter.finish_reason is not None:
        # The finish reason arrived and the body ended cleanly: complete, as the OpenAI SDK takes it.
        yield interpreter.finished()
        return
    raise interpreter.interrupted("the stream ended before the reply was finished")
