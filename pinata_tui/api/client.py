"""PinataClient: every route of the Pinata Inference API over one shared httpx.AsyncClient.

Knows nothing of Textual. Credentials are read from ``settings`` at each call and
only ever placed in the ``Authorization`` header, never in messages or reprs.
"""

from __future__ import annotations

import asyncio
import email.utils
import html
import json
import random
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, Literal

import httpx

from pinata_tui import __version__
from pinata_tui.api.errors import (
    BILLING_URL,
    AuthError,
    InsufficientCredits,
    MICROCREDITS_PER_CREDIT,
    MissingCredential,
    NetworkError,
    PinataError,
    ProtocolError,
    RateLimited,
    RequestRejected,
    ServerError,
    StreamFailed,
    APIStatusError,
)
from pinata_tui.api.events import Retrying, StreamEvent, Usage
from pinata_tui.api.streaming import read_chat_stream
from pinata_tui.api.types import (
    ChatResult,
    CreditBalance,
    KeyStatus,
    ModelInfo,
    TopUpConfig,
    parse_timestamp,
)
from pinata_tui.secrets import redact
from pinata_tui.settings import ENV_JWT, ENV_LLM_KEY, Settings, normalize_base_url

Auth = Literal["llm", "jwt", None]
Message = dict[str, str]
RetryObserver = Callable[[Retrying], Awaitable[None] | None]

CHAT_PATH = "/v0/llm/chat/completions"
MODELS_PATH = "/v0/llm/models"
ENABLE_PATH = "/v0/llm/enable"
STATUS_PATH = "/v0/llm/status"
DISABLE_PATH = "/v0/llm/disable"
BALANCE_PATH = "/v0/credits/balance"
TOPUP_PATH = "/v0/credits/topup/config"

MIN_TOPUP_THRESHOLD = 5


class PinataClient:
    """Async client for Pinata Inference. Use as ``async with PinataClient(settings) as c:``."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._jitter = jitter
        t = settings.timeouts
        try:
            base_url = normalize_base_url(settings.base_url)  # either documented form works
        except ValueError:
            base_url = settings.base_url.rstrip("/")  # config loading has already said what is wrong
        self._http = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(connect=t.connect, read=t.read, write=t.write, pool=t.connect),
            transport=transport,
            headers={"User-Agent": f"pinata-chat/{__version__}"},
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"PinataClient(base_url={self.settings.base_url!r})"

    async def __aenter__(self) -> "PinataClient":
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # ------------------------------------------------------------------ chat

    def _chat_body(
        self,
        model: str,
        messages: Sequence[Message],
        *,
        stream: bool,
        max_tokens: int | None,
        temperature: float | None,
        extra: dict[str, Any] | None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"model": model, "messages": list(messages), "stream": stream}
        if stream:
            body["stream_options"] = {"include_usage": True}
        if max_tokens is not None:
            body["max_tokens"] = max_tokens
        if temperature is not None:
            body["temperature"] = temperature
        if extra:
            body.update(extra)
        return body

    async def stream_chat(
        self,
        model: str,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        extra: dict[str, Any] | None = None,
    ) -> AsyncIterator[StreamEvent]:
        """Stream a reply as events. Retries happen only before the response starts.

        Raises a ``PinataError`` subclass; ``StreamInterrupted`` carries the partial text.
        """
        body = self._chat_body(
            model, messages, stream=True, max_tokens=max_tokens, temperature=temperature, extra=extra
        )
        request = self._build("POST", CHAT_PATH, auth="llm", json_body=body)
        request.headers["Accept"] = "text/event-stream"
        attempt = 0
        waited = 0.0
        while True:
            attempt += 1
            outcome = await self._attempt(request, auth="llm")
            if isinstance(outcome, httpx.Response):
                break
            delay = self._retry_delay(attempt, outcome, waited)
            if delay is None:
                raise outcome
            yield Retrying(attempt, self.settings.retry.max_attempts, delay, str(outcome))
            await self._sleep(delay)
            waited += delay
        try:
            async for event in read_chat_stream(outcome, read_timeout=self.settings.timeouts.read):
                yield event
        finally:
            await outcome.aclose()

    async def chat(
        self,
        model: str,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        extra: dict[str, Any] | None = None,
        on_retry: RetryObserver | None = None,
    ) -> ChatResult:
        """One whole reply, not streamed."""
        body = self._chat_body(
            model, messages, stream=False, max_tokens=max_tokens, temperature=temperature, extra=extra
        )
        data = await self._request_json("POST", CHAT_PATH, auth="llm", json_body=body, on_retry=on_retry)
        return parse_completion(data)

    # --------------------------------------------------------------- catalog

    async def models(self, *, on_retry: RetryObserver | None = None) -> list[ModelInfo]:
        """The live catalog (a JSON array; an OpenAI-style ``{data: [...]}`` is accepted too)."""
        data = await self._request_json("GET", MODELS_PATH, auth=None, on_retry=on_retry)
        if isinstance(data, dict) and isinstance(data.get("data"), list):
            data = data["data"]
        if not isinstance(data, list):
            raise ProtocolError("The model catalog was not a list.")
        return [m for m in (ModelInfo.from_json(item) for item in data) if m is not None]

    # ------------------------------------------------------------ management

    async def enable(self) -> str:
        """Mint a new inference key (revoking any previous one). Returned once: save it at once."""
        data = await self._request_json("POST", ENABLE_PATH, auth="jwt")
        key = data.get("privateKey") if isinstance(data, dict) else None
        if not isinstance(key, str) or not key:
            raise ProtocolError("Enable succeeded but the reply held no privateKey.")
        return key

    async def status(self) -> KeyStatus:
        data = await self._request_json("GET", STATUS_PATH, auth="jwt")
        if not isinstance(data, dict):
            raise ProtocolError("The status reply was not a JSON object.")
        return KeyStatus(bool(data.get("enabled")), parse_timestamp(data.get("createdAt")))

    async def disable(self) -> None:
        """Revoke the inference key at once. Destructive: callers confirm with the user first."""
        data = await self._request_json("DELETE", DISABLE_PATH, auth="jwt")
        if isinstance(data, dict) and data.get("success") is False:
            raise ProtocolError("The server did not confirm that inference was disabled.")

    async def balance(self) -> CreditBalance:
        data = await self._request_json("GET", BALANCE_PATH, auth="jwt")
        try:
            total = float(data["total"])
            loaned = float(data.get("loaned") or 0)
            available = float(data["available"]) if "available" in data else total - loaned
        except (TypeError, KeyError, ValueError):
            raise ProtocolError("The balance reply lacked total/available figures.") from None
        return CreditBalance(total, loaned, available)

    async def topup_config(self) -> TopUpConfig:
        data = await self._request_json("GET", TOPUP_PATH, auth="jwt")
        return _parse_topup(data)

    async def set_topup_config(self, threshold: float | None, amount: int | None) -> TopUpConfig:
        """Set auto top-up; both None turns it off. The documented rules are checked first."""
        validate_topup(threshold, amount)
        body = {"threshold": threshold, "amount": amount}
        data = await self._request_json("PUT", TOPUP_PATH, auth="jwt", json_body=body)
        if isinstance(data, dict) and ("threshold" in data or "amount" in data):
            return _parse_topup(data)
        return TopUpConfig(threshold, amount)

    # ------------------------------------------------------------- internals

    def _credential(self, auth: Auth) -> str | None:
        if auth == "llm":
            if not self.settings.llm_key:
                raise MissingCredential(
                    "The inference key",
                    f"Set {ENV_LLM_KEY}, or run `pinata-chat enable` with {ENV_JWT} set to mint one.",
                )
            return self.settings.llm_key
        if auth == "jwt":
            if not self.settings.jwt:
                raise MissingCredential(
                    "The Pinata JWT",
                    f"Set {ENV_JWT} to a JWT from the API Keys page of your Pinata account.",
                )
            return self.settings.jwt
        return None

    def _build(
        self, method: str, path: str, *, auth: Auth, json_body: Any = None
    ) -> httpx.Request:
        headers = {"Accept": "application/json"}
        credential = self._credential(auth)
        if credential:
            headers["Authorization"] = f"Bearer {credential}"
        content = None
        if json_body is not None:
            content = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        return self._http.build_request(method, path, headers=headers, content=content)

    async def _attempt(self, request: httpx.Request, *, auth: Auth) -> httpx.Response | PinataError:
        """Send once. Returns an open response on success, or the error (not raised) on failure."""
        try:
            response = await self._http.send(request, stream=True)
        except httpx.TimeoutException as exc:
            return NetworkError(self._network_message(exc, timed_out=True))
        except httpx.TransportError as exc:
            return NetworkError(self._network_message(exc, timed_out=False))
        if response.status_code < 400:
            return response
        try:
            await response.aread()
        except httpx.HTTPError:
            pass
        finally:
            await response.aclose()
        return error_from_response(response, auth=auth)

    def _network_message(self, exc: httpx.HTTPError, *, timed_out: bool) -> str:
        where = self.settings.base_url
        if timed_out:
            what = "connecting" if isinstance(exc, httpx.ConnectTimeout) else "waiting for an answer"
            return f"Timed out {what} ({where})."
        detail = redact(str(exc) or type(exc).__name__, self.settings.llm_key, self.settings.jwt)
        return f"Could not reach Pinata at {where}: {detail}."

    def _retry_delay(self, attempt: int, error: PinataError, waited: float) -> float | None:
        """Seconds to wait before the next attempt, or None to give up and raise ``error``."""
        policy = self.settings.retry
        if not error.retryable or attempt >= policy.max_attempts:
            return None
        ceiling = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
        delay = ceiling / 2 + self._jitter() * ceiling / 2
        if isinstance(error, RateLimited) and error.retry_after is not None:
            delay = error.retry_after
        if waited + delay > policy.max_total_wait:
            return None
        return delay

    async def _request_json(
        self,
        method: str,
        path: str,
        *,
        auth: Auth,
        json_body: Any = None,
        on_retry: RetryObserver | None = None,
    ) -> Any:
        request = self._build(method, path, auth=auth, json_body=json_body)
        attempt = 0
        waited = 0.0
        while True:
            attempt += 1
            outcome = await self._attempt(request, auth=auth)
            if isinstance(outcome, httpx.Response):
                break
            delay = self._retry_delay(attempt, outcome, waited)
            if delay is None:
                raise outcome
            if on_retry is not None:
                maybe = on_retry(Retrying(attempt, self.settings.retry.max_attempts, delay, str(outcome)))
                if maybe is not None:
                    await maybe
            await self._sleep(delay)
            waited += delay
        try:
            raw = await outcome.aread()
        except httpx.TimeoutException:
            raise NetworkError(f"Timed out reading the answer from {self.settings.base_url}.") from None
        except httpx.TransportError:
            raise NetworkError(f"The connection to {self.settings.base_url} broke mid-answer.") from None
        finally:
            await outcome.aclose()
        try:
            return json.loads(raw) if raw.strip() else {}
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ProtocolError(
                f"Expected JSON from {path}, got {describe_body(raw, outcome.headers.get('content-type'))}."
            ) from None


# ---------------------------------------------------------------- parsing


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
        text = message["content"] if isinstance(message.get("content"), str) else ""
        reasoning = reasoning_text(message)
        refusal = message["refusal"] if isinstance(message.get("refusal"), str) else ""
        calls = tool_call_names(message)
    if isinstance(choice.get("finish_reason"), str):
        finish = choice["finish_reason"]
    error = data.get("error") or choice.get("error")
    if error or finish == "error" or data.get("object") == "error":
        raise StreamFailed(error_message(error or data), partial_text=text, usage=usage,
                           partial_reasoning=reasoning)
    model = data["model"] if isinstance(data.get("model"), str) else None
    response_id = data["id"] if isinstance(data.get("id"), str) else None
    return ChatResult(text, usage, finish, model, response_id, reasoning, refusal, tuple(calls))


def _parse_topup(data: Any) -> TopUpConfig:
    if not isinstance(data, dict):
        raise ProtocolError("The top-up reply was not a JSON object.")
    threshold = data.get("threshold")
    amount = data.get("amount")
    return TopUpConfig(
        float(threshold) if isinstance(threshold, (int, float)) and not isinstance(threshold, bool) else None,
        int(amount) if isinstance(amount, (int, float)) and not isinstance(amount, bool) else None,
    )


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
        return max(0.0, float(value))
    except ValueError:
        pass
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
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    return int(value)
                if isinstance(value, str):
                    try:
                        return int(float(value))
                    except ValueError:
                        pass
    return None


def error_from_response(response: httpx.Response, *, auth: Auth) -> APIStatusError:
    """Map an HTTP error response to a typed error with a message a person can act on."""
    status = response.status_code
    raw = response.content
    try:
        data: Any = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
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
    detail = server_said if server_said is not None else describe_body(raw, response.headers.get("content-type"))
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
