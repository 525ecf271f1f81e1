"""The model catalog kept on disk, so the picker opens instantly and works offline.

The live list comes from the API; this file only remembers the last one fetched.
"""

from __future__ import annotations

import difflib
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

from pinata_tui.files import atomic_write_text

if TYPE_CHECKING:
    from pinata_tui.api.types import ModelInfo


def load_cached_catalog(path: Path) -> tuple[list[ModelInfo], float | None]:
    """The cached catalog and when it was fetched; ([], None) if absent or unreadable."""
    from pinata_tui.api.types import ModelInfo  # (after the first frame: the types are a dozen dataclasses)

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


_WORD_BREAKS = "/-_. :"


def _subsequence_penalty(query: str, text: str) -> int | None:
    """How badly ``query`` matches ``text`` as a subsequence (gaps, pieces, late start), or None.

    Every start position of the first letter is tried; from each, letters are taken greedily.
    """
    best: int | None = None
    for start in (i for i, ch in enumerate(text) if ch == query[0]):
        position, gaps, pieces, previous = start + 1, 0, 1, start
        for ch in query[1:]:
            found = text.find(ch, position)
            if found < 0:
                break
            if found != previous + 1:
                gaps += found - previous - 1
                pieces += 1
            previous, position = found, found + 1
        else:
            word_start = start == 0 or text[start - 1] in _WORD_BREAKS
            penalty = gaps + 4 * (pieces - 1) + (0 if word_start else 6) + start // 8
            best = penalty if best is None else min(best, penalty)
    return best


def rank_models(query: str, models: list[ModelInfo]) -> list[ModelInfo]:
    """Models matching ``query``, best first: a contiguous match in the name beats one in the id,
    a match at a word start beats one inside a word, and fewer, closer pieces beat scattered letters
    (so ``gmini`` finds the Geminis before gpt-5-mini)."""
    query = query.strip().lower()
    if not query:
        return list(models)
    scored: list[tuple[int, int, ModelInfo]] = []
    for order, model in enumerate(models):
        name, whole = model.name.lower(), model.model_id.lower()
        if query in name:
            at = name.index(query)
            score = 0 if at == 0 or name[at - 1] in _WORD_BREAKS else 2
        elif query in whole:
            at = whole.index(query)
            score = 4 if at == 0 or whole[at - 1] in _WORD_BREAKS else 6
        else:
            penalty = _subsequence_penalty(query, name)
            if penalty is None:
                penalty = _subsequence_penalty(query, whole)
                penalty = None if penalty is None else penalty + 3
            if penalty is None:
                continue
            score = 10 + penalty
        scored.append((score, order, model))
    return [model for _, _, model in sorted(scored, key=lambda item: (item[0], item[1]))]
