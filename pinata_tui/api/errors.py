"""Typed errors for everything that can go wrong talking to Pinata.

Messages are written for people: they say what happened and what to do. No
message ever contains a credential (the client never puts headers in them).
"""

from __future__ import annotations

MICROCREDITS_PER_CREDIT = 1_000_000

MAX_ERROR_BODY = 64 * 1024
"""Bytes of an error response that are read (after decompression); the rest is never read."""
MAX_JSON_BODY = 8 * 1024 * 1024
"""A JSON answer (catalog, balance, a whole completion) larger than this is refused."""
MAX_SSE_LINE = 1024 * 1024
"""Characters in one line (and one event) of a streamed reply."""
MAX_REPLY_CHARS = 8 * 1024 * 1024
"""Characters of answer plus reasoning in one streamed reply; beyond it the stream is cut (what arrived is kept)."""
BILLING_URL = "https://agents.pinata.cloud"
"""Credits are bought in the Billing dashboard of the Agents app, not through the API."""


class PinataError(Exception):
    """Base class: ``str(err)`` is a sentence fit to show a user."""

    retryable = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MissingCredential(PinataError):
    """The call needs a key or JWT that is not configured; nothing was sent."""

    def __init__(self, which: str, hint: str) -> None:
        super().__init__(f"{which} is not set. {hint}")
        self.which = which


class InvalidCredential(MissingCredential):
    """The configured key or JWT cannot be sent (a line break, a space, a non-ASCII character)."""

    def __init__(self, problem: str, hint: str) -> None:
        PinataError.__init__(self, f"{problem} {hint}")
        self.which = problem


class InsecureTransport(PinataError):
    """Credentials would go over plain http:// to a host other than loopback; nothing was sent."""


class APIStatusError(PinataError):
    """The server answered with an HTTP error status."""

    def __init__(self, status: int, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail
        """What the server itself said (its JSON message, or a summary of a non-JSON page)."""


class AuthError(APIStatusError):
    """401: the credential is missing, wrong or revoked."""


class InsufficientCredits(APIStatusError):
    """402: the account is out of credits."""

    def __init__(
        self, message: str, *, available_microcredits: int | None, detail: str | None = None
    ) -> None:
        super().__init__(402, message, detail=detail)
        self.available_microcredits = available_microcredits

    @property
    def available_credits(self) -> float | None:
        if self.available_microcredits is None:
            return None
        return self.available_microcredits / MICROCREDITS_PER_CREDIT


class RateLimited(APIStatusError):
    """429, after the client's retries ran out (or the wait asked for was too long)."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None, detail: str | None = None) -> None:
        super().__init__(429, message, detail=detail)
        self.retry_after = retry_after


class ServerError(APIStatusError):
    """5xx: Pinata or a proxy in front of it failed."""

    retryable = True


class RequestRejected(APIStatusError):
    """Any other 4xx: the request itself was refused (bad model id, bad field...)."""


class NetworkError(PinataError):
    """No usable answer at all: connection refused, DNS failure, timeout before a response."""

    retryable = True


class ProtocolError(PinataError):
    """The server answered, but not in the documented shape."""


class StreamInterrupted(PinataError):
    """A streamed reply ended early: cut, stalled, or broken off before it finished.

    Carries what had arrived so nothing is lost: ``partial_text``, ``partial_reasoning`` and,
    if the server sent it before the break, ``usage``.
    """

    def __init__(self, reason: str, *, partial_text: str, usage: object | None = None,
                 partial_reasoning: str = "") -> None:
        received = f" after {len(partial_text):,} characters" if partial_text else " before any text"
        super().__init__(f"The reply was interrupted{received}: {reason}.")
        self.reason = reason
        self.partial_text = partial_text
        self.partial_reasoning = partial_reasoning
        self.usage = usage


class StreamFailed(StreamInterrupted):
    """The server reported an error *inside* a 200 stream (``finish_reason: "error"``,
    ``choices[0].error``, an ``error`` chunk or a vLLM ``object: "error"`` event).

    ``server_message`` is what the server said, already made safe to show.
    """

    def __init__(self, server_message: str, *, partial_text: str, usage: object | None = None,
                 partial_reasoning: str = "") -> None:
        super().__init__(f"the server reported an error: {server_message}", partial_text=partial_text,
                         usage=usage, partial_reasoning=partial_reasoning)
        received = f" after {len(partial_text):,} characters" if partial_text else " before any text"
        self.message = f"The reply failed{received}: the server reported an error: {server_message}."
        self.args = (self.message,)
        self.server_message = server_message
