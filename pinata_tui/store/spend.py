"""What was spent: tokens and cost from history, per day, per model or per conversation.

A mixin of ``ConversationStore`` (which supplies ``_read``); knows nothing of Textual. Costs are
the ones saved with each reply: billed (the server's ``usage.cost``), computed from the catalog,
or estimated locally, and the report keeps them apart so a total says how sure it is.

Imported replies (``pinata-chat import``) are not spend: they were paid for where they were made.
A reply added to an imported conversation later is.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pinata_tui.conversation import MessageStatus

Grouping = Literal["day", "model", "conversation"]


@dataclass(frozen=True)
class SpendRow:
    key: str
    """The day (YYYY-MM-DD, local), the model id, or the conversation's id."""
    label: str
    """What to show for it: the day, the model, or the conversation's title."""
    replies: int
    prompt_tokens: int
    completion_tokens: int
    reasoning_tokens: int
    cached_tokens: int
    cost: float
    billed: float | None
    """The part of ``cost`` the server said it billed; None when it billed none of these replies."""
    estimated: float
    """The part of ``cost`` counted locally (no usage came back)."""

    @property
    def computed(self) -> float:
        """The part of ``cost`` computed from the catalog's prices (neither billed nor estimated)."""
        return max(self.cost - (self.billed or 0.0) - self.estimated, 0.0)


def start_of_day(moment: float | None = None) -> float:
    now = datetime.fromtimestamp(time.time() if moment is None else moment)
    return now.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def start_of_month(moment: float | None = None) -> float:
    now = datetime.fromtimestamp(time.time() if moment is None else moment)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0).timestamp()


_SPENT = "m.role = 'assistant' AND m.status NOT IN (?, ?) AND m.created_at >= ?"
"""The replies that cost something (with the statuses and the start as parameters)."""


class SpendQueries:
    def _read(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        raise NotImplementedError  # supplied by ConversationStore

    def spend(self, *, since: float | None = None, by: Grouping = "day") -> list[SpendRow]:
        """Replies since ``since`` (a timestamp; None for all), grouped; days newest first, else costliest."""
        key = {
            "day": "date(m.created_at, 'unixepoch', 'localtime')",
            "model": "COALESCE(m.model, c.model)",
            "conversation": "CAST(c.id AS TEXT)",
        }[by]
        label = "MAX(COALESCE(c.title, '(untitled)'))" if by == "conversation" else key
        order = "key DESC" if by == "day" else "cost DESC, key"
        rows = self._read(
            f"SELECT {key} AS key, {label} AS label, COUNT(*) AS replies,"
            " COALESCE(SUM(m.prompt_tokens), 0) AS prompt_tokens,"
            " COALESCE(SUM(m.completion_tokens), 0) AS completion_tokens,"
            " COALESCE(SUM(m.reasoning_tokens), 0) AS reasoning_tokens,"
            " COALESCE(SUM(m.cached_tokens), 0) AS cached_tokens,"
            " COALESCE(SUM(m.cost), 0) AS cost,"
            " SUM(CASE WHEN m.cost_is_billed THEN m.cost END) AS billed,"
            " COALESCE(SUM(CASE WHEN m.cost_is_estimate THEN m.cost END), 0) AS estimated"
            " FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            f" WHERE {_SPENT} AND NOT m.imported GROUP BY key ORDER BY {order}",
            (MessageStatus.DISCARDED.value, MessageStatus.ERROR.value, since or 0.0),
        )
        return [SpendRow(str(r["key"]), str(r["label"]), r["replies"], r["prompt_tokens"], r["completion_tokens"],
                         r["reasoning_tokens"], r["cached_tokens"], r["cost"], r["billed"], r["estimated"])
                for r in rows]

    def imported_since(self, since: float | None = None) -> tuple[int, float]:
        """Imported replies since ``since`` (left out of ``spend``): how many, and what they cost where made."""
        rows = self._read(f"SELECT COUNT(*) AS replies, COALESCE(SUM(m.cost), 0) AS cost FROM messages m"
                          f" WHERE {_SPENT} AND m.imported",
                          (MessageStatus.DISCARDED.value, MessageStatus.ERROR.value, since or 0.0))
        return int(rows[0]["replies"]), float(rows[0]["cost"])

    def spent_since(self, since: float) -> float:
        """The cost of every reply since ``since`` (for budgets)."""
        return sum(row.cost for row in self.spend(since=since, by="model"))
