"""Turns a streamed chat-completion response into typed events, as bytes arrive.

Server-sent events are framed by ``httpx-sse`` (split lines, ``\\r\\n``, comments,
UTF-8 split across reads); this module interprets OpenAI ``chat.completion.chunk``
payloads and decides what counts as a clean end (``[DONE]``) versus an interruption.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
from httpx_sse import EventSource, SSEError

from pinata_tui.api.errors import ProtocolError, StreamInterrupted
from pinata_tui.api.events import Finished, TextDelta, Usage

DONE = "[DONE]"


class ChunkInterpreter:
    """Folds ``chat.completion.chunk`` payloads into events and remembers what arrived."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.usage: Usage | None = None
        self.finish_reason: str | None = None
        self.model: str | None = None
        self.response_id: str | None = None

    @property
    def text(self) -> str:
        return "".join(self.parts)

    def interrupted(self, reason: str) -> StreamInterrupted:
        return StreamInterrupted(reason, partial_text=self.text, usage=self.usage)

    def finished(self) -> Finished:
        return Finished(self.finish_reason, self.model, self.response_id)

    def feed(self, data: str) -> list[TextDelta | Usage]:
        """Interpret one event's data field (not ``[DONE]``)."""
        try:
            chunk = json.loads(data)
        except json.JSONDecodeError:
            raise self.interrupted("the server sent a malformed chunk") from None
        if not isinstance(chunk, dict):
            return []
        error = chunk.get("error")
        if error:
            message = error.get("message") if isinstance(error, dict) else str(error)
            raise self.interrupted(f"the server reported an error mid-stream: {message}")
        self.model = chunk.get("model") or self.model
        self.response_id = chunk.get("id") or self.response_id
        events: list[TextDelta | Usage] = []
        choices = chunk.get("choices")
        if isinstance(choices, list) and choices and isinstance(choices[0], dict):
            choice = choices[0]
            delta = choice.get("delta")
            if isinstance(delta, dict):
                content = delta.get("content")
                if isinstance(content, str) and content:
                    self.parts.append(content)
                    events.append(TextDelta(content))
            if choice.get("finish_reason"):
                self.finish_reason = str(choice["finish_reason"])
        usage = Usage.from_json(chunk.get("usage"))
        if usage is not None:
            self.usage = usage
            events.append(usage)
        return events


async def read_chat_stream(
    response: httpx.Response, *, read_timeout: float | None = None
) -> AsyncIterator[TextDelta | Usage | Finished]:
    """Yield events from an open streaming response; raise ``StreamInterrupted`` on any early end."""
    content_type = response.headers.get("content-type", "").partition(";")[0].strip().lower()
    if content_type == "application/json":
        # A server that ignored ``stream: true`` answered with a whole completion: accept it.
        from pinata_tui.api.client import parse_completion  # local: avoids an import cycle

        try:
            result = parse_completion(json.loads(await response.aread()))
        except json.JSONDecodeError:
            raise ProtocolError("The server's reply was not valid JSON.") from None
        if result.text:
            yield TextDelta(result.text)
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
    raise interpreter.interrupted("the stream ended without [DONE]")
