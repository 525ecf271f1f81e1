"""The Pinata Inference API client. Imports nothing from Textual.

Every name is loaded on first use (``__getattr__``): ``PinataClient`` (and with it httpx), the
events and the types (a dozen dataclasses, which take milliseconds to create), so code that
needs only the errors (the TUI at start-up, before its first frame) pays for nothing else.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pinata_tui.api.client import PinataClient
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

_MODULES = {
    "client": ("PinataClient",),
    "errors": ("APIStatusError", "AuthError", "InsufficientCredits", "MissingCredential", "NetworkError",
               "PinataError", "ProtocolError", "RateLimited", "RequestRejected", "ServerError", "StreamFailed",
               "StreamInterrupted"),
    "events": ("Finished", "ReasoningDelta", "RefusalDelta", "Retrying", "StreamEvent", "TextDelta",
               "ToolCallDelta", "Usage"),
    "types": ("ChatResult", "CreditBalance", "KeyStatus", "ModelInfo", "TopUpConfig"),
}
_HOME = {name: module for module, names in _MODULES.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)


__all__ = [
    "APIStatusError", "AuthError", "ChatResult", "CreditBalance", "Finished", "InsufficientCredits",
    "KeyStatus", "MissingCredential", "ModelInfo", "NetworkError", "PinataClient", "PinataError",
    "ProtocolError", "RateLimited", "ReasoningDelta", "RefusalDelta", "RequestRejected", "Retrying",
    "ServerError", "StreamEvent", "StreamFailed", "StreamInterrupted", "TextDelta", "ToolCallDelta",
    "TopUpConfig", "Usage",
]
