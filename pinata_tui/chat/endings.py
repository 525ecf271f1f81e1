"""How a reply ended, named once: the saved status, the one-line notice, the status-bar label.

Both the TUI and ``ask`` read these, so a finish reason or an error is described the same way
everywhere. Exit codes for ``ask`` are derived in ``exit_code_for_outcome``.
"""

from __future__ import annotations

from dataclasses import dataclass

from pinata_tui.api.errors import (
    APIStatusError,
    AuthError,
    InsecureTransport,
    InsufficientCredits,
    InvalidCredential,
    MissingCredential,
    NetworkError,
    PinataError,
    RateLimited,
    StreamFailed,
    StreamInterrupted,
)
from pinata_tui.conversation import ChatMessage, MessageStatus
from pinata_tui.exit_codes import (
    EXIT_AUTH,
    EXIT_CREDITS,
    EXIT_CTRL_C,
    EXIT_FAILURE,
    EXIT_FILTERED,
    EXIT_INTERRUPTED,
    EXIT_NETWORK,
    EXIT_NO_TEXT,
    EXIT_OK,
    EXIT_RATE_LIMITED,
    EXIT_REFUSED,
    EXIT_SERVER,
    EXIT_TOOL_CALLS,
    EXIT_TRUNCATED,
    EXIT_USAGE,
)

LENGTH_REASONS = frozenset({"length", "max_tokens", "max_output_tokens"})
FILTER_REASONS = frozenset({"content_filter", "safety", "recitation", "prohibited_content", "blocklist", "spii"})
TOOL_REASONS = frozenset({"tool_calls", "function_call", "tool_use"})
REFUSAL_REASONS = frozenset({"refusal"})

SERVER_DEFAULT_MAX_TOKENS = 4096
"""What Pinata uses when a request sets no ``max_tokens`` (shared/pinata-api.md)."""


def ending_status(reply: ChatMessage, *, refused: bool, tool_calls: bool) -> MessageStatus:
    """The status of a reply whose stream finished (a finish reason or ``[DONE]`` arrived)."""
    reason = (reply.finish_reason or "").lower()
    if refused or reason in REFUSAL_REASONS:
        return MessageStatus.REFUSED
    if reason in LENGTH_REASONS:
        return MessageStatus.TRUNCATED
    if reason in FILTER_REASONS:
        return MessageStatus.FILTERED
    if not reply.content and (tool_calls or reason in TOOL_REASONS):
        return MessageStatus.TOOL_CALLS
    if not reply.content:
        return MessageStatus.EMPTY
    return MessageStatus.COMPLETE


@dataclass(frozen=True)
class Hints:
    """How to go on after an ending, in the words of the front end that shows it."""

    continue_reply: str
    retry: str
    raise_own_limit: str = "raise max tokens in this conversation's settings (F3)"
    """When the limit was the conversation's own (its settings or a preset), not config.toml's."""


TUI_HINTS = Hints(continue_reply="Ctrl+G asks the model to continue", retry="Ctrl+R retries")
CLI_HINTS = Hints(continue_reply="`pinata-chat --continue` reopens it in the app to carry it on",
                  retry="run the command again to retry", raise_own_limit="raise --max-tokens")


def _limit(max_tokens: int | None) -> str:
    if max_tokens is None:
        return f"the server's default limit of {SERVER_DEFAULT_MAX_TOKENS:,} tokens"
    return f"the limit of {max_tokens:,} tokens (max_tokens)"


def _reasoning_used(reply: ChatMessage) -> str:
    tokens = reply.usage.reasoning_tokens if reply.usage else None
    if tokens:
        return f"{tokens:,} reasoning tokens used"
    if reply.reasoning:
        return "the model spent its budget thinking"
    return ""


def interrupted_notice(error: PinataError, hints: Hints = TUI_HINTS) -> str:
    return f"{error} The partial reply is kept. {hints.retry[0].upper()}{hints.retry[1:]}; {hints.continue_reply}."


def ending_notice(reply: ChatMessage, *, max_tokens: int | None, tool_names: list[str],
                  hints: Hints = TUI_HINTS, own_limit: bool = False) -> str | None:
    """One line that says how a settled reply ended, or None when it simply completed."""
    status = reply.status
    if status == MessageStatus.TRUNCATED:
        raise_it = hints.raise_own_limit if own_limit else "raise max_tokens (`pinata-chat config set max_tokens 8192`)"
        if not reply.content:
            used = _reasoning_used(reply)
            return (f"No visible text: {used + ', ' if used else ''}the reply hit {_limit(max_tokens)} "
                    f"before any answer. To get one, {raise_it} and resend.")
        return f"Cut at {_limit(max_tokens)}. {hints.continue_reply}; or {raise_it}."
    if status == MessageStatus.FILTERED:
        kept = " What arrived before it is kept." if reply.content else ""
        return f"Blocked by the provider's content filter ({reply.finish_reason}).{kept}"
    if status == MessageStatus.FAILED:
        return f"{reply.error or 'The server reported an error mid-reply.'} What arrived is kept; {hints.retry}."
    if status == MessageStatus.REFUSED:
        return "The model refused this request; its refusal is shown as the reply."
    if status == MessageStatus.TOOL_CALLS:
        names = ", ".join(n for n in tool_names if n) or "a tool"
        return f"The model asked to call {names}; pinata-chat does not run tools, so there is no text reply."
    if status == MessageStatus.EMPTY:
        used = _reasoning_used(reply)
        return f"No visible text: {used}." if used else "The model sent an empty reply."
    return None


def status_label(status: MessageStatus) -> str:
    """A word or two for the status bar and the reply header."""
    return {
        MessageStatus.TRUNCATED: "cut at limit",
        MessageStatus.FILTERED: "filtered",
        MessageStatus.FAILED: "failed",
        MessageStatus.REFUSED: "refused",
        MessageStatus.TOOL_CALLS: "tool calls",
        MessageStatus.EMPTY: "no text",
        MessageStatus.STOPPED: "stopped",
        MessageStatus.INTERRUPTED: "interrupted",
        MessageStatus.ERROR: "not sent",
    }.get(status, "")


def error_label(exc: PinataError) -> str:
    """A couple of words for the status bar; the full message goes in the conversation."""
    if isinstance(exc, InsufficientCredits):
        return "out of credits"
    if isinstance(exc, AuthError):
        return "key rejected"
    if isinstance(exc, InvalidCredential):
        return "bad key"
    if isinstance(exc, InsecureTransport):
        return "plain http refused"
    if isinstance(exc, MissingCredential):
        return "no key"
    if isinstance(exc, RateLimited):
        return "rate limited"
    if isinstance(exc, APIStatusError):
        return f"HTTP {exc.status}"
    if isinstance(exc, NetworkError):
        return "offline"
    if isinstance(exc, StreamFailed):
        return "failed mid-reply"
    if isinstance(exc, StreamInterrupted):
        return "interrupted"
    return "failed"


def exit_code_for(error: BaseException) -> int:
    """The ``ask`` exit code for a request that failed."""
    if isinstance(error, InsecureTransport):
        return EXIT_USAGE
    if isinstance(error, (AuthError, MissingCredential)):
        return EXIT_AUTH
    if isinstance(error, InsufficientCredits):
        return EXIT_CREDITS
    if isinstance(error, RateLimited):
        return EXIT_RATE_LIMITED
    if isinstance(error, NetworkError):
        return EXIT_NETWORK
    if isinstance(error, StreamFailed):
        return EXIT_SERVER
    if isinstance(error, StreamInterrupted):
        return EXIT_INTERRUPTED
    if isinstance(error, APIStatusError) and error.status < 500:
        return EXIT_FAILURE
    if isinstance(error, PinataError):
        return EXIT_SERVER
    return EXIT_FAILURE


STATUS_EXIT_CODES = {
    MessageStatus.COMPLETE: EXIT_OK,
    MessageStatus.STOPPED: EXIT_CTRL_C,
    MessageStatus.INTERRUPTED: EXIT_INTERRUPTED,
    MessageStatus.FAILED: EXIT_SERVER,
    MessageStatus.TRUNCATED: EXIT_TRUNCATED,
    MessageStatus.FILTERED: EXIT_FILTERED,
    MessageStatus.REFUSED: EXIT_REFUSED,
    MessageStatus.TOOL_CALLS: EXIT_TOOL_CALLS,
    MessageStatus.EMPTY: EXIT_NO_TEXT,
}
