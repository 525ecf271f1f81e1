"""Reading what the server answered: whole completions, top-up settings, and error responses.

Everything here is defensive: numbers must be finite, strings are made storable (no lone
surrogates) and whatever the server said is made displayable before it reaches a message.
"""

from __future__ import annotations

import email.utils
import html
import json
import math
import re
import time
from typing import Any, Literal, TypeGuard

import httpx

from pinata_tui.api.errors import (
    BILLING_URL,
    MICROCREDITS_PER_CREDIT,
    APIStatusError,
    AuthError,
    InsufficientCredits,
    ProtocolError,
    RateLimited,
    RequestRejected,
    ServerError,
    StreamFailed,
)
from pinata_tui.api.events import Usage
from pinata_tui.api.types import ChatResult, TopUpConfig
from pinata_tui.sanitize import one_line, valid_unicode
from pinata_tui.settings import ENV_JWT, ENV_LLM_KEY

Auth = Literal["llm", "jwt"] | None

MIN_TOPUP_THRESHOLD = 5


def parse_completion(data: Any) -> ChatResult:
    """A whole ``chat.completion``; ``choices[0].error`` or ``finish_reason: "error"`` raise ``StreamFailed``."""
    from pinata_tui.api.streaming import error_message, reasoning_text, tool_call_names

    if not isinstance(data, dict):
        raise ProtocolError("The completion was not a JSON object.")
    text = reasoning = refusal = ""
    finish = None
    calls: list[str | None] = []
    usage = Usage.from_json(data.get("usage"))
    choices = data.get("choices")
    choice = choices[0] if isinstance(choices, list) and choices and isinstance(choices[0], dict) else {}
    message = choice.get("message")
    if isinstance(message, dict):
        text = valid_unicode(message["content"]) if isinstance(message.get("content"), str) else ""
        reasoning = valid_unicode(reasoning_text(message))
        refusal = valid_unicode(message["refusal"]) if isinstance(message.get("refusal"), str) else ""
        calls = tool_call_names(message)
    if isinstance(choice.get("finish_reason"), str):
        finish = one_line(choice["finish_reason"], 60)
    error = data.get("error") or choice.get("error")
    if error or finish == "error" or data.get("object") == "error":
        raise StreamFailed(error_message(error or data), partial_text=text, usage=usage,
                           partial_reasoning=reasoning)
    model = valid_unicode(data["model"]) if isinstance(data.get("model"), str) else None
    response_id = valid_unicode(data["id"]) if isinstance(data.get("id"), str) else None
    return ChatResult(text, usage, finish, model, response_id, reasoning, refusal, tuple(calls))


def _parse_topup(data: Any) -> TopUpConfig:
    if not isinstance(data, dict):
        raise ProtocolError("The top-up reply was not a JSON object.")
    threshold = data.get("threshold")
    amount = data.get("amount")
    return TopUpConfig(
        float(threshold) if _finite(threshold) else None,
        int(amount) if _finite(amount) else None,
    )


def _finite(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def validate_topup(threshold: float | None, amount: int | None) -> None:
    """Apply the documented rules before calling: threshold ≥ 5 or null; amount a positive integer or null."""
    if (threshold is None) != (amount is None):
        raise RequestRejected(
            400, "Give both a threshold and an amount to turn auto top-up on, or neither to turn it off."
        )
    if threshold is not None and threshold < MIN_TOPUP_THRESHOLD:
        raise RequestRejected(400, f"The top-up threshold must be at least {MIN_TOPUP_THRESHOLD} credits.")
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0):
        raise RequestRejected(400, "The top-up amount must be a positive whole number of credits.")


_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")


def describe_body(raw: bytes, content_type: str | None) -> str:
    """A short, readable summary of a body that is not the JSON we expected."""
    if not raw.strip():
        return "an empty body"
    ctype = (content_type or "").partition(";")[0].strip() or "no content type"
    if b"<html" in raw[:2000].lower() or "html" in ctype:
        title = _TITLE.search(raw[:20000])
        if title:
            text = html.unescape(title.group(1).decode("utf-8", "replace")).strip()
        else:
            text = html.unescape(_TAGS.sub(" ", raw[:2000].decode("utf-8", "replace")))
        text = " ".join(text.split())[:120]
        return f"an HTML page ({text!r})" if text else "an HTML page"
    snippet = " ".join(raw[:200].decode("utf-8", "replace").split())
    if len(raw) > 200:
        snippet += "…"
    return f"{ctype}: {snippet!r}"


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _find_microcredits(data: Any) -> int | None:
    """``availableMicrocredits`` may sit at the top level or inside ``error``."""
    for holder in (data, data.get("error") if isinstance(data, dict) else None):
        if isinstance(holder, dict):
            for key in ("availableMicrocredits", "available_microcredits"):
                value = holder.get(key)
                if isinstance(value, str):
                    try:
                        value = float(value)
                    except ValueError:
                        continue
                if _finite(value) and abs(value) < 1e18:
                    return int(value)
    return None


def error_from_response(response: httpx.Response, *, auth: Auth, raw: bytes | None = None) -> APIStatusError:
    """Map an HTTP error response to a typed error with a message a person can act on.

    ``raw`` is the body as read (at most ``MAX_ERROR_BODY``); by default, the response's content.
    What the server said is made displayable here: it reaches terminals and notifications.
    """
    status = response.status_code
    if raw is None:
        raw = response.content
    try:
        data: Any = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        data = None
    server_said: str | None = None
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            server_said = error["message"]
        elif isinstance(error, str):
            server_said = error
        elif isinstance(data.get("message"), str):
            server_said = data["message"]
    if server_said is not None:
        server_said = one_line(server_said)
    detail = server_said if server_said is not None else one_line(
        describe_body(raw, response.headers.get("content-type")))
    said = f" (server said: {server_said})" if server_said else ""

    if status == 401:
        if auth == "jwt":
            hint = f"Check {ENV_JWT}: it must be a current JWT from the API Keys page of your Pinata account."
            what = "the Pinata JWT"
        else:
            hint = (
                f"Set {ENV_LLM_KEY} to a valid inference key, or mint a new one with "
                f"`pinata-chat enable` (needs {ENV_JWT})."
            )
            what = "the inference key (missing, invalid or revoked)"
        return AuthError(401, f"Pinata rejected {what}{said}. {hint}", detail=detail)
    if status == 402:
        micro = _find_microcredits(data)
        if micro is None:
            amount = "The server did not say how many credits remain."
        else:
            amount = f"Available: {micro / MICROCREDITS_PER_CREDIT:,.6f} credits ({micro:,} microcredits)."
        return InsufficientCredits(
            f"Out of credits: requests will fail until you top up. {amount} "
            f"Buy credits in the Billing dashboard at {BILLING_URL}, or turn on auto top-up.",
            available_microcredits=micro,
            detail=detail,
        )
    if status == 429:
        after = _retry_after(response.headers.get("retry-after"))
        when = f" Try again in {after:.0f} s." if after is not None else ""
        return RateLimited(f"Rate limited by Pinata (429){said}.{when}", retry_after=after, detail=detail)
    if status >= 500:
        return ServerError(status, f"Pinata had a server error ({status}): {detail}.", detail=detail)
    return RequestRejected(status, f"Pinata refused the request ({status}): {detail}.", detail=detail)
