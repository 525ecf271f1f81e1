"""PinataClient: every route of the Pinata Inference API over one shared httpx.AsyncClient.

Knows nothing of Textual. Credentials are read from ``settings`` at each call and
only ever placed in the ``Authorization`` header, never in messages or reprs.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import httpx

from pinata_tui import __version__
from pinata_tui.api.errors import (
    MAX_ERROR_BODY,
    MAX_JSON_BODY,
    InsecureTransport,
    InvalidCredential,
    MissingCredential,
    NetworkError,
    PinataError,
    ProtocolError,
    RateLimited,
)
from pinata_tui.api.events import Retrying, StreamEvent
from pinata_tui.api.responses import (
    MIN_TOPUP_THRESHOLD,
    Auth,
    _parse_topup,
    describe_body,
    error_from_response,
    parse_completion,
    validate_topup,
)
from pinata_tui.api.streaming import read_chat_stream, read_limited
from pinata_tui.api.types import (
    ChatResult,
    CreditBalance,
    KeyStatus,
    ModelInfo,
    TopUpConfig,
    parse_timestamp,
)
from pinata_tui.secrets import check_credential, redact
from pinata_tui.settings import (
    ENV_JWT,
    ENV_LLM_KEY,
    MAX_RETRY_ATTEMPTS,
    Settings,
    insecure_credentials_problem,
    normalize_base_url,
)

__all__ = ["MIN_TOPUP_THRESHOLD", "PinataClient", "describe_body", "error_from_response", "parse_completion",
           "validate_topup"]
"""The parsing helpers live in ``api.responses``; they are still importable from here."""

Message = dict[str, Any]
"""``{role, content}``; content is a string, or an array of parts (text, ``image_url``)."""
RetryObserver = Callable[[Retrying], Awaitable[None] | None]

CHAT_PATH = "/v0/llm/chat/completions"
MODELS_PATH = "/v0/llm/models"
ENABLE_PATH = "/v0/llm/enable"
STATUS_PATH = "/v0/llm/status"
DISABLE_PATH = "/v0/llm/disable"
BALANCE_PATH = "/v0/credits/balance"
TOPUP_PATH = "/v0/credits/topup/config"

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

    async def __aenter__(self) -> PinataClient:
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
            yield Retrying(attempt, self._max_attempts, delay, str(outcome))
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
        try:
            return check_credential("The key Pinata returned", key)
        except ValueError as exc:
            raise ProtocolError(f"{exc} It cannot be used; run `pinata-chat enable` again.") from None

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
        except (TypeError, KeyError, ValueError, OverflowError):
            raise ProtocolError("The balance reply lacked total/available figures.") from None
        if not all(math.isfinite(x) for x in (total, loaned, available)):
            raise ProtocolError("The balance reply held a figure that is not a finite number.")
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

    @property
    def _max_attempts(self) -> int:
        return max(1, min(self.settings.retry.max_attempts, MAX_RETRY_ATTEMPTS))

    def _credential(self, auth: Auth) -> str | None:
        """The credential for ``auth``, checked; nothing is sent with a bad one or over plain http."""
        if auth == "llm":
            which, value = "The inference key", self.settings.llm_key
            hint = f"Set {ENV_LLM_KEY}, or run `pinata-chat enable` with {ENV_JWT} set to mint one."
        elif auth == "jwt":
            which, value = "The Pinata JWT", self.settings.jwt
            hint = f"Set {ENV_JWT} to a JWT from the API Keys page of your Pinata account."
        else:
            return None
        if not value or not value.strip():
            raise MissingCredential(which, hint)
        try:
            value = check_credential(which, value)
        except ValueError as exc:
            raise InvalidCredential(str(exc), hint) from None
        problem = insecure_credentials_problem(self.settings.base_url, self.settings.allow_insecure_http)
        if problem:
            raise InsecureTransport(f"Not sending {which[0].lower()}{which[1:]}: {problem}")
        return value

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
        raw = b""
        try:
            raw, _ = await read_limited(response, MAX_ERROR_BODY)  # a gzip bomb is never inflated whole
        except httpx.HTTPError:
            pass
        finally:
            await response.aclose()
        return error_from_response(response, auth=auth, raw=raw)

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
        if not error.retryable or attempt >= self._max_attempts:
            return None
        ceiling = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
        delay: float = ceiling / 2 + self._jitter() * ceiling / 2
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
                maybe = on_retry(Retrying(attempt, self._max_attempts, delay, str(outcome)))
                if maybe is not None:
                    await maybe
            await self._sleep(delay)
            waited += delay
        try:
            raw, cut = await read_limited(outcome, MAX_JSON_BODY)
        except httpx.TimeoutException:
            raise NetworkError(f"Timed out reading the answer from {self.settings.base_url}.") from None
        except (httpx.TransportError, httpx.StreamError, httpx.DecodingError):
            raise NetworkError(f"The connection to {self.settings.base_url} broke mid-answer.") from None
        finally:
            await outcome.aclose()
        if cut:
            raise ProtocolError(f"The answer from {path} was larger than the {MAX_JSON_BODY // (1024 * 1024)} MiB "
                                "limit; it was not read.")
        try:
            return json.loads(raw) if raw.strip() else {}
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            raise ProtocolError(
                f"Expected JSON from {path}, got {describe_body(raw, outcome.headers.get('content-type'))}."
            ) from None
