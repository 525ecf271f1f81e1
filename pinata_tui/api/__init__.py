"""The Pinata Inference API client. Imports nothing from Textual.

``PinataClient`` (and with it httpx) is imported on first use, so code that only needs the
errors, events and types (the TUI at start-up) does not pay for it.
"""

from typing import TYPE_CHECKING, Any

from pinata_tui.api.errors import (
    APIStatusError,
    AuthError,
    InsufficientCredits,
    MissingCredential,
    NetworkError,
    PinataError,
    ProtocolError,
    RateLimited,
    RequestRejected,
    ServerError,
    StreamFailed,
    StreamInterrupted,
)
from pinata_tui.api.events import (
    Finished,
    ReasoningDelta,
    RefusalDelta,
    Retrying,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from pinata_tui.api.types import ChatResult, CreditBalance, KeyStatus, ModelInfo, TopUpConfig

if TYPE_CHECKING:
    from pinata_tui.api.client import PinataClient


def __getattr__(name: str) -> Any:
    if name == "PinataClient":
        from pinata_tui.api.client import PinataClient

        return PinataClient
    raise AttributeError(name)


__all__ = [
    "APIStatusError", "AuthError", "ChatResult", "CreditBalance", "Finished", "InsufficientCredits",
    "KeyStatus", "MissingCredential", "ModelInfo", "NetworkError", "PinataClient", "PinataError",
    "ProtocolError", "RateLimited", "ReasoningDelta", "RefusalDelta", "RequestRejected", "Retrying",
    "ServerError", "StreamEvent", "StreamFailed", "StreamInterrupted", "TextDelta", "ToolCallDelta",
    "TopUpConfig", "Usage",
]
