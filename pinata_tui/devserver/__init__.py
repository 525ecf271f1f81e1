"""A Pinata Inference server on loopback, for the tests and the app's demo mode.

It speaks every documented route with the documented shapes: the public catalog,
streamed and whole chat completions (OpenAI chunks, usage on a late chunk with
empty ``choices``, ``[DONE]``), enable / status / disable with the JWT, a credit
balance that drains per token and answers 402 with ``availableMicrocredits``,
and auto top-up config. Replies are deterministic.

Server-wide knobs live on ``ServerState`` (``server.state``; HTTP: ``POST /_dev/state``):
``reply_tokens``, ``tokens_per_second``, ``balance_micro``, ``enabled``,
``reply_override``, ``demo`` (whole, readable replies about the demo) and ``style`` (a ``StreamStyle``: ``line_ending``, ``comments``
(``: keep-alive`` before each event), ``write_size`` (fragmented writes), ``usage``
(``final`` / ``last-content`` / ``every`` / ``none``)).

Per-request knobs are a ``Fault``, queued with ``server.state.add_fault(Fault(...))``
or ``POST /_dev/faults`` (a JSON object or list; see ``Fault.from_json``), applied to
the next ``times`` requests on ``route`` (``chat``, ``models``, ``jwt``, ``any``):

- errors instead of a reply: ``status`` (401/402/429/5xx…), ``message``,
  ``retry_after``, ``html`` (a proxy's page), ``body`` + ``content_type`` (verbatim),
  ``available_at_top`` (402's ``availableMicrocredits`` at the top level), ``delay``;
- a bent stream: ``first_token_delay``, ``stall_after`` + ``stall_seconds``,
  ``cut_after`` (socket closed), ``malformed_after`` (a non-JSON event),
  ``drop_done`` (finish and usage chunks, then the body ends without ``[DONE]``);
- what real gateways send:
  ``reasoning`` (``"reasoning"`` | ``"reasoning_content"`` | ``"reasoning_details"``)
  + ``reasoning_tokens``: thinking deltas before the content, counted and billed as
  output and reported in ``usage.completion_tokens_details.reasoning_tokens``;
  ``content_tokens`` (exact number of content pieces, 0 for none);
  ``finish_reason`` (e.g. ``length``, ``content_filter``, ``tool_calls``, ``error``);
  ``stream_error`` + ``stream_error_after`` + ``stream_error_style``
  (``openrouter`` | ``choice`` | ``vllm``): an error inside the 200 stream;
  ``refusal`` (``delta.refusal`` pieces, ``content: null``);
  ``tool_calls`` (one ``get_weather`` call, arguments streamed in pieces);
  ``usage_cost`` (``usage.cost``); ``cached_tokens``
  (``usage.prompt_tokens_details.cached_tokens``, billed at the cache-read price);
  ``comments`` (SSE comment lines such as ``": OPENROUTER PROCESSING"``).

Whole (``stream: false``) replies honour the reply-shape knobs too (reasoning,
refusal, tool calls, finish reason, usage extras) in the ``chat.completion`` shape.

Run standalone::

    python -m pinata_tui.devserver --port 8787

It binds port 0 by default and prints its URL. Stdlib only (threads), so it runs
beside an asyncio app without sharing its loop.

Modules: ``state`` (ServerState, catalog, keys), ``faults`` (Fault, StreamStyle),
``replies`` (deterministic text, token estimate), ``plan`` (what a request gets:
pieces, finish, usage, cost), ``streaming`` (the SSE body), ``routes`` (the
handler), ``server`` (PinataDevServer, ``main``).
"""

from __future__ import annotations

from pinata_tui.devserver.faults import (
    REASONING_FIELDS,
    STREAM_ERROR_STYLES,
    Fault,
    StreamStyle,
)
from pinata_tui.devserver.plan import Reply, cost_micro, plan_reply
from pinata_tui.devserver.replies import (
    _sample_document as _sample_document,
)
from pinata_tui.devserver.replies import (
    estimate_tokens,
    generate_reasoning,
    generate_reply,
    tokenize_reply,
    tool_argument_pieces,
)
from pinata_tui.devserver.routes import _INVALID as _INVALID
from pinata_tui.devserver.routes import _Handler as _Handler
from pinata_tui.devserver.server import PinataDevServer, main
from pinata_tui.devserver.state import CATALOG, DEV_JWT, DEV_LLM_KEY, MICRO, ServerState

__all__ = [
    "CATALOG",
    "DEV_JWT",
    "DEV_LLM_KEY",
    "MICRO",
    "REASONING_FIELDS",
    "STREAM_ERROR_STYLES",
    "Fault",
    "PinataDevServer",
    "Reply",
    "ServerState",
    "StreamStyle",
    "cost_micro",
    "estimate_tokens",
    "generate_reasoning",
    "generate_reply",
    "main",
    "plan_reply",
    "tokenize_reply",
    "tool_argument_pieces",
]
