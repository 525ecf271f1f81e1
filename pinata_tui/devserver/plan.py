"""What one chat request will produce: the pieces to send, the finish reason, usage and cost."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from pinata_tui.devserver.content import images_of, text_of
from pinata_tui.devserver.faults import Fault
from pinata_tui.devserver.replies import (
    TOOL_CALL_ID,
    TOOL_NAME,
    demo_reply,
    estimate_tokens,
    generate_reasoning,
    generate_reply,
    tokenize_reply,
    tool_argument_pieces,
)
from pinata_tui.devserver.state import MICRO, ServerState


@dataclass
class Reply:
    """A planned reply. ``output`` holds the visible pieces (content, refusal or tool-call
    arguments, one token each); ``reasoning`` the thinking pieces sent before them."""

    model: str
    prompt_tokens: int
    output: list[str]
    finish: str
    kind: str = "content"
    """``content``, ``refusal`` or ``tool_calls``: what the ``output`` pieces are."""
    reasoning: list[str] = field(default_factory=list)
    reasoning_field: str | None = None
    cached_tokens: int | None = None
    cost: float | None = None

    @property
    def completion_tokens(self) -> int:
        return len(self.reasoning) + len(self.output)

    def usage(self, reasoning: int, output: int) -> dict[str, Any]:
        """The usage object after ``reasoning`` thinking and ``output`` visible pieces."""
        completion = reasoning + output
        usage: dict[str, Any] = {"prompt_tokens": self.prompt_tokens, "completion_tokens": completion,
                                 "total_tokens": self.prompt_tokens + completion}
        if self.reasoning_field is not None:
            usage["completion_tokens_details"] = {"reasoning_tokens": reasoning}
        if self.cached_tokens is not None:
            usage["prompt_tokens_details"] = {"cached_tokens": self.cached_tokens}
        if self.cost is not None:
            usage["cost"] = self.cost
        return usage

    def message(self) -> dict[str, Any]:
        """The whole assistant message, for a reply that is not streamed."""
        text = "".join(self.output)
        message: dict[str, Any] = {"role": "assistant", "content": text if self.kind == "content" else None}
        if self.reasoning_field is not None:
            thinking = "".join(self.reasoning)
            if self.reasoning_field == "reasoning_content":
                message["reasoning_content"] = thinking
            else:
                message["reasoning"] = thinking
            if self.reasoning_field == "reasoning_details":
                message["reasoning_details"] = [reasoning_detail(thinking)]
        if self.kind == "refusal":
            message["refusal"] = text
        elif self.kind == "tool_calls":
            message["tool_calls"] = [{"id": TOOL_CALL_ID, "type": "function",
                                      "function": {"name": TOOL_NAME, "arguments": text}}]
        return message

    def completion(self, cid: str, created: int) -> dict[str, Any]:
        """The OpenAI ``chat.completion`` body."""
        return {
            "id": cid, "object": "chat.completion", "model": self.model, "created": created,
            "choices": [{"index": 0, "message": self.message(), "finish_reason": self.finish}],
            "usage": self.usage(len(self.reasoning), len(self.output)),
        }


def reasoning_detail(text: str) -> dict[str, Any]:
    """One OpenRouter ``reasoning_details`` entry."""
    return {"type": "reasoning.text", "text": text, "format": "unknown", "index": 0}


def plan_reply(state: ServerState, body: dict[str, Any], model: str, messages: list[Any],
               fault: Fault | None) -> Reply:
    """Decide the reply to a valid chat request, applying the fault's reply-shape knobs."""
    fault = fault or Fault()
    prompt_tokens = sum(estimate_tokens(text_of(m.get("content", ""))) + 4 + 765 * len(images_of(m.get("content")))
                        for m in messages if isinstance(m, dict))
    limit = int(body.get("max_completion_tokens") or body.get("max_tokens") or 4096)
    kind = "content"
    if fault.tool_calls:
        kind, output = "tool_calls", tool_argument_pieces()
    elif fault.refusal is not None:
        kind, output = "refusal", tokenize_reply(fault.refusal)
    elif state.reply_override is not None:
        output = tokenize_reply(state.reply_override)
        if fault.content_tokens is not None:
            output = (output * fault.content_tokens)[: fault.content_tokens]
    elif state.demo and fault.content_tokens is None:
        output = tokenize_reply(demo_reply(model, messages, state.catalog))
    else:
        count = fault.content_tokens if fault.content_tokens is not None else state.reply_tokens
        output = generate_reply(model, messages, count)
    reasoning = generate_reasoning(messages, fault.reasoning_tokens) if fault.reasoning else []

    finish = "tool_calls" if kind == "tool_calls" else "stop"
    if len(reasoning) > limit:  # the whole budget went on thinking
        reasoning, finish = reasoning[:limit], "length"
    budget = limit - len(reasoning)
    if len(output) > budget:
        output, finish = output[:budget], "length"
    return Reply(model=model, prompt_tokens=prompt_tokens, output=output,
                 finish=fault.finish_reason or finish, kind=kind, reasoning=reasoning,
                 reasoning_field=fault.reasoning, cached_tokens=fault.cached_tokens,
                 cost=fault.usage_cost)


def cost_micro(prices: dict[str, Any], prompt: int, completion: int, cached: int = 0) -> int:
    """What a reply costs, in microcredits; ``cached`` prompt tokens go at the cache-read price."""
    cached = max(0, min(cached, prompt))
    input_price = prices.get("input_usd_per_1m_tokens") or 0
    cache_price = prices.get("cache_read_usd_per_1m_tokens")
    usd = ((prompt - cached) * input_price
           + cached * (input_price if cache_price is None else cache_price)
           + completion * (prices.get("output_usd_per_1m_tokens") or 0)) / 1_000_000
    return math.ceil(usd * MICRO)  # one credit is taken as one US dollar
