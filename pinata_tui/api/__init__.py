"""The Pinata Inference API client. Imports nothing from Textual."""

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
    StreamInterrupted,
)
from pinata_tui.api.events import Finished, Retrying, StreamEvent, TextDelta, Usage
from pinata_tui.api.types import ChatResult, CreditBalance, KeyStatus, ModelInfo, TopUpConfig

__all__ = [
    "APIStatusError", "AuthError", "ChatResult", "CreditBalance", "Finished", "InsufficientCredits",
    "KeyStatus", "MissingCredential", "ModelInfo", "NetworkError", "PinataClient", "PinataError",
    "ProtocolError", "RateLimited", "RequestRejected", "Retrying", "ServerError", "StreamEvent",
    "StreamInterrupted", "TextDelta", "TopUpConfig", "Usage",
]
