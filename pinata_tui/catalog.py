"""The model catalog kept on disk, so the picker opens instantly and works offline.

The live list comes from the API; this file only remembers the last one fetched.
"""

from __future__ import annotations

import difflib
import json
import time
from pathlib import Path

from pinata_tui.api.types import ModelInfo
from pinata_tui.files import atomic_write_text


def load_cached_catalog(path: Path) -> tuple[list[ModelInfo], float | None]:
    """The cached catalog and when it was fetched; ([], None) if absent or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return [], None
    if not isinstance(data, dict) or not isinstance(data.get("models"), list):
        return [], None
    models = [m for m in (ModelInfo.from_json(item) for item in data["models"]) if m is not None]
    fetched = data.get("fetched_at")
    return models, float(fetched) if isinstance(fetched, (int, float)) else None


def save_catalog(path: Path, models: list[ModelInfo]) -> None:
    """Written atomically: a reader never sees half a file."""
    atomic_write_text(path, json.dumps({"fetched_at": time.time(), "models": [m.to_json() for m in models]}))


def close_matches(model_id: str, models: list[ModelInfo], n: int = 3) -> list[str]:
    """Catalog ids that look like ``model_id``: for 'unknown model' messages."""
    ids = [m.model_id for m in models]
    found = difflib.get_close_matches(model_id, ids, n=n, cutoff=0.4)
    if len(found) < n:
        tail = model_id.rsplit("/", 1)[-1].lower()
        names = {m.name.lower(): m.model_id for m in models}
        for name in difflib.get_close_matches(tail, list(names), n=n, cutoff=0.4):
            if names[name] not in found:
                found.append(names[name])
    return found[:n]
