"""What the server knows: credentials, the catalog, the balance, queued faults, requests seen."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from pinata_tui.devserver.faults import Fault, StreamStyle

DEV_JWT = "dev-jwt-pinata-local"
DEV_LLM_KEY = "pk-dev-0123456789abcdef"

CATALOG: list[dict[str, Any]] = [
    {"model_id": "anthropic/claude-sonnet-4-6", "input_usd_per_1m_tokens": 3.0,
     "output_usd_per_1m_tokens": 15.0, "cache_read_usd_per_1m_tokens": 0.3},
    {"model_id": "anthropic/claude-haiku-4-5", "input_usd_per_1m_tokens": 1.0,
     "output_usd_per_1m_tokens": 5.0, "cache_read_usd_per_1m_tokens": 0.1},
    {"model_id": "anthropic/claude-opus-4-1", "input_usd_per_1m_tokens": 15.0,
     "output_usd_per_1m_tokens": 75.0, "cache_read_usd_per_1m_tokens": 1.5},
    {"model_id": "openai/gpt-5.1", "input_usd_per_1m_tokens": 1.25,
     "output_usd_per_1m_tokens": 10.0, "cache_read_usd_per_1m_tokens": 0.125},
    {"model_id": "openai/gpt-5-mini", "input_usd_per_1m_tokens": 0.25,
     "output_usd_per_1m_tokens": 2.0, "cache_read_usd_per_1m_tokens": 0.025},
    {"model_id": "openai/gpt-4.1", "input_usd_per_1m_tokens": 2.0,
     "output_usd_per_1m_tokens": 8.0, "cache_read_usd_per_1m_tokens": 0.5},
    {"model_id": "google/gemini-2.5-pro", "input_usd_per_1m_tokens": 1.25,
     "output_usd_per_1m_tokens": 10.0, "cache_read_usd_per_1m_tokens": 0.31},
    {"model_id": "google/gemini-2.5-flash", "input_usd_per_1m_tokens": 0.3,
     "output_usd_per_1m_tokens": 2.5, "cache_read_usd_per_1m_tokens": 0.075},
    {"model_id": "meta-llama/llama-4-maverick", "input_usd_per_1m_tokens": 0.15,
     "output_usd_per_1m_tokens": 0.6},
    {"model_id": "mistralai/mistral-large", "input_usd_per_1m_tokens": 2.0,
     "output_usd_per_1m_tokens": 6.0},
    {"model_id": "deepseek/deepseek-v3.2", "input_usd_per_1m_tokens": 0.27,
     "output_usd_per_1m_tokens": 1.1, "cache_read_usd_per_1m_tokens": 0.07},
    {"model_id": "x-ai/grok-4", "input_usd_per_1m_tokens": 3.0,
     "output_usd_per_1m_tokens": 15.0, "cache_read_usd_per_1m_tokens": 0.75},
]

TEXT_ONLY_MODELS = frozenset({"deepseek/deepseek-v3.2", "mistralai/mistral-large"})
"""Catalog models that refuse images here; every other one accepts them."""

MICRO = 1_000_000


@dataclass
class ServerState:
    """Everything the server knows; guarded by ``lock``. Tests may read and change it."""

    jwt: str = DEV_JWT
    llm_keys: set[str] = field(default_factory=lambda: {DEV_LLM_KEY})
    enabled: bool = True
    created_at: str = "2026-06-29T00:00:00.000Z"
    balance_micro: int = 100 * MICRO
    loaned_micro: int = 0
    topup_threshold: float | None = None
    topup_amount: int | None = None
    reply_tokens: int = 60
    """Length of a generated reply, in chunks (one chunk = one token here)."""
    tokens_per_second: float | None = None
    """Pace of the stream; None sends as fast as the socket takes it."""
    style: StreamStyle = field(default_factory=StreamStyle)
    faults: list[Fault] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    """Every request received: method, path, whether it was authorised, JSON body."""
    catalog: list[dict[str, Any]] = field(default_factory=lambda: [dict(m) for m in CATALOG])
    text_only_models: set[str] = field(default_factory=lambda: set(TEXT_ONLY_MODELS))
    """Models that refuse image parts with a 400 (``devserver.content``)."""
    reply_override: str | None = None
    """When set, every reply is exactly this text (split into tokens)."""
    demo: bool = False
    """Demo mode: each reply is a whole, readable document about the demo, sent once (not cycled)."""
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def add_fault(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def take_fault(self, route: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.route in (route, "any"):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def chat_requests(self) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.requests if r["path"].endswith("/chat/completions")]
