"""One Settings object for the whole program (built by ``config.load_settings``).

Precedence, highest first: command-line flags > environment > config file > defaults.
Credentials never appear in ``repr`` (masked), so a Settings object is safe to log.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from pinata_tui.secrets import mask_key

DEFAULT_BASE_URL = "https://agents.pinata.cloud"
DEFAULT_MODEL = "anthropic/claude-sonnet-4-6"

ENV_LLM_KEY = "PINATA_LLM_KEY"
ENV_JWT = "PINATA_JWT"
ENV_BASE_URL = "PINATA_BASE_URL"
ENV_ALLOW_INSECURE_HTTP = "PINATA_ALLOW_INSECURE_HTTP"

MAX_RETRY_ATTEMPTS = 20
"""However the settings were made, no request is tried more often than this."""


OPENAI_COMPATIBLE_SUFFIX = "/v0/llm"
"""Pinata documents ``https://agents.pinata.cloud/v0/llm`` as the base URL for OpenAI SDKs."""


def normalize_base_url(value: str) -> str:
    """The server's root URL from either documented form (root, or the OpenAI-compatible ``…/v0/llm``).

    Raises ValueError with a reason for anything that is not an http(s) URL with a host.
    """
    from urllib.parse import urlsplit

    text = value.strip()
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid URL ({exc}).") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{text!r} must be an http:// or https:// URL with a host, "
                         "e.g. https://agents.pinata.cloud")
    if parts.query or parts.fragment:
        raise ValueError(f"{text!r} must not have a query or fragment.")
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in text):
        raise ValueError("must not contain spaces or control characters.")
    path = parts.path.rstrip("/")
    for suffix in (OPENAI_COMPATIBLE_SUFFIX + "/chat/completions", OPENAI_COMPATIBLE_SUFFIX):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
            break
    return f"{parts.scheme}://{parts.netloc}{path}"


def is_loopback_host(host: str | None) -> bool:
    """``localhost``, 127.0.0.0/8 or ::1: traffic that never leaves this machine."""
    import ipaddress

    if not host:
        return False
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def insecure_credentials_problem(base_url: str, allow_insecure_http: bool) -> str | None:
    """Why credentials must not go to ``base_url`` (plain http:// to another machine), or None."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(base_url.strip())
        host = parts.hostname
    except ValueError:
        return None  # an invalid URL is reported where it is read
    if parts.scheme != "http" or allow_insecure_http or is_loopback_host(host):
        return None
    return (f"plain http:// to {host} would send it unencrypted, readable by anyone on the way. "
            f"Use https://, or allow it explicitly with `allow_insecure_http = true` in config.toml "
            f"or {ENV_ALLOW_INSECURE_HTTP}=1.")


@dataclass(frozen=True)
class RetrySettings:
    """How hard the client tries again after 429, 5xx and connection failures."""

    max_attempts: int = 4
    """Total attempts, the first one included."""
    base_delay: float = 1.0
    """First backoff delay in seconds; doubles each attempt, with full jitter."""
    max_delay: float = 20.0
    """No single wait is longer than this (unless the server's Retry-After asks for more)."""
    max_total_wait: float = 60.0
    """Give up rather than wait longer than this in all."""


ZERO_BUDGET_NOTE = "a budget of 0 means nothing is to be spent (every request is over it)"


@dataclass(frozen=True)
class BudgetSettings:
    """Spend limits in USD (None: no limit; 0: nothing to spend). Past one, the TUI warns before sending
    and ``ask`` refuses."""

    daily: float | None = None
    monthly: float | None = None


@dataclass(frozen=True)
class TimeoutSettings:
    connect: float = 10.0
    read: float = 60.0
    """Longest silence between two chunks of a response before it counts as stalled."""
    write: float = 30.0


@dataclass(frozen=True)
class Settings:
    base_url: str = DEFAULT_BASE_URL
    llm_key: str | None = field(default=None, repr=False)
    jwt: str | None = field(default=None, repr=False)
    model: str = DEFAULT_MODEL
    system_prompt: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    theme: str | None = None
    export_dir: str | None = None
    """Where the app offers to save exports (None: the Documents folder, or home)."""
    allow_insecure_http: bool = False
    """Send credentials over plain http:// to a host other than loopback (off: refused)."""
    retry: RetrySettings = field(default_factory=RetrySettings)
    budget: BudgetSettings = field(default_factory=BudgetSettings)
    timeouts: TimeoutSettings = field(default_factory=TimeoutSettings)

    def __repr__(self) -> str:  # keys masked, everything else shown
        shown = ", ".join(
            f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self) if f.repr
        )
        return f"Settings({shown}, llm_key={mask_key(self.llm_key)}, jwt={mask_key(self.jwt)})"

    @property
    def llm_base_url(self) -> str:
        """The OpenAI-compatible prefix, for reference in docs and messages."""
        return self.base_url.rstrip("/") + OPENAI_COMPATIBLE_SUFFIX

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)
