"""The store's read-only questions about many conversations: listing, the latest one, full-text search.

A mixin of ``ConversationStore`` (which supplies ``_read`` and ``has_fts``); knows nothing of Textual.

A conversation has a *reply* when it holds an assistant message that was kept: not discarded
(replaced by a regenerated one) and not an error. A request that failed before any text arrived
saves no reply at all, so such a conversation holds only the prompt (marked not sent).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from pinata_tui.conversation import MessageStatus

_NOT_REPLIES = (MessageStatus.DISCARDED.value, MessageStatus.ERROR.value)
_IS_REPLY = "m.role = 'assistant' AND m.status NOT IN (?, ?)"
"""SQL for "message ``m`` is a reply"; its parameters are ``_NOT_REPLIES``."""


@dataclass(frozen=True)
class ConversationSummary:
    id: int
    title: str
    model: str
    """The conversation's current model (the one its next request would use)."""
    created_at: float
    updated_at: float
    message_count: int
    cost: float
    reply_count: int = 0
    """Replies kept (see the module's docstring); 0 for a conversation whose requests all failed."""
    models: tuple[str, ...] = ()
    """The models that replied, in order of first reply."""

    @property
    def replied(self) -> bool:
        return self.reply_count > 0


@dataclass(frozen=True)
class SearchHit:
    conversation_id: int
    title: str
    message_id: int
    snippet: str
    updated_at: float


@dataclass(frozen=True)
class ConversationMatch:
    """A conversation that full-text search found: its summary, how many messages matched, the newest hit."""

    summary: ConversationSummary
    hits: int
    message_id: int
    snippet: str


class ConversationQueries:
    has_fts: bool

    def _read(self, sql: str, params: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        raise NotImplementedError

    def list_conversations(self, limit: int = 200, offset: int = 0) -> list[ConversationSummary]:
        """Newest (most recently updated) first."""
        return self._summaries("", (), limit, offset)

    def _summaries(self, where: str, params: tuple[object, ...], limit: int, offset: int
                   ) -> list[ConversationSummary]:
        rows = self._read(
            "SELECT c.id, c.title, c.model, c.created_at, c.updated_at,"
            " COUNT(m.id) AS message_count, COALESCE(SUM(m.cost), 0) AS cost,"
            f" COUNT(CASE WHEN {_IS_REPLY} THEN 1 END) AS reply_count"
            " FROM conversations c LEFT JOIN messages m ON m.conversation_id = c.id AND m.status != ?"
            f"{where} GROUP BY c.id ORDER BY c.updated_at DESC, c.id DESC LIMIT ? OFFSET ?",
            (*_NOT_REPLIES, MessageStatus.DISCARDED.value, *params, limit, offset),
        )
        models = self._reply_models([r["id"] for r in rows])
        return [ConversationSummary(r["id"], r["title"] or "(untitled)", r["model"], r["created_at"],
                                    r["updated_at"], r["message_count"], r["cost"], r["reply_count"],
                                    models.get(r["id"], ())) for r in rows]

    def _reply_models(self, ids: list[int]) -> dict[int, tuple[str, ...]]:
        models: dict[int, tuple[str, ...]] = {}
        for chunk in _chunks(ids):
            rows = self._read(
                "SELECT m.conversation_id, m.model, MIN(m.id) AS first FROM messages m"
                f" WHERE m.conversation_id IN ({_marks(chunk)}) AND {_IS_REPLY} AND m.model IS NOT NULL"
                " GROUP BY m.conversation_id, m.model ORDER BY m.conversation_id, first",
                (*chunk, *_NOT_REPLIES),
            )
            for r in rows:
                models[r["conversation_id"]] = (*models.get(r["conversation_id"], ()), r["model"])
        return models

    def last_conversation_id(self, *, with_reply: bool = False) -> int | None:
        """The most recently updated conversation; with ``with_reply``, the latest that has a reply."""
        if not with_reply:
            rows = self._read("SELECT id FROM conversations ORDER BY updated_at DESC, id DESC LIMIT 1")
        else:
            rows = self._read(
                "SELECT c.id FROM conversations c WHERE EXISTS (SELECT 1 FROM messages m"
                f" WHERE m.conversation_id = c.id AND {_IS_REPLY})"
                " ORDER BY c.updated_at DESC, c.id DESC LIMIT 1", _NOT_REPLIES)
        return rows[0]["id"] if rows else None

    def _matching(self, query: str) -> tuple[str, tuple[object, ...]] | None:
        """``FROM … WHERE …`` for the kept messages (alias ``m``) matching ``query``; None for no query."""
        query = query.strip()
        if not query:
            return None
        if self.has_fts:
            terms = _fts_terms(query)
            source = ("FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid"
                      " JOIN conversations c ON c.id = m.conversation_id"
                      " WHERE messages_fts MATCH ? AND m.status != ?")
            return source, (terms, MessageStatus.DISCARDED.value)
        like = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        source = ("FROM messages m JOIN conversations c ON c.id = m.conversation_id"
                  " WHERE m.content LIKE ? ESCAPE '\\' AND m.status != ?")
        return source, (like, MessageStatus.DISCARDED.value)

    def _snippet(self) -> str:
        return "snippet(messages_fts, 0, '«', '»', '…', 12)" if self.has_fts else "substr(m.content, 1, 80)"

    def search(self, query: str, limit: int = 50, *, snippets: bool = True) -> list[SearchHit]:
        """Full-text search over every message (FTS5 where available): the newest ``limit`` matches, newest first.

        ``snippets=False`` leaves each hit's snippet empty, for :meth:`snippets` to make for the hits
        shown: a snippet costs four times what finding its match does."""
        matching = self._matching(query)
        if matching is None:
            return []
        source, params = matching
        # Newest matching messages first: FTS5 hands its matches over in rowid (message id) order, so the
        # query stops after ``limit`` rows and makes snippets for those only, however many messages match.
        # Sorting by the conversations' update time instead joined and sorted every match: a one-letter
        # query over 10,000 conversations is 25,000 matches, 25-55 ms; about 5 ms this way, as over 1,000.
        order = "ORDER BY messages_fts.rowid DESC" if self.has_fts else "ORDER BY m.id DESC"
        snippet = self._snippet() if snippets else "''"
        rows = self._read(
            f"SELECT m.id AS message_id, m.conversation_id, c.title, c.updated_at, {snippet} AS snippet"
            f" {source} {order} LIMIT ?", (*params, limit))
        return [SearchHit(r["conversation_id"], r["title"] or "(untitled)", r["message_id"],
                          " ".join((r["snippet"] or "").split()), r["updated_at"]) for r in rows]

    def snippets(self, query: str, message_ids: list[int]) -> dict[int, str]:
        """The snippets of these messages (hits of ``search(query)``), by message id."""
        if not query.strip():
            return {}
        found: dict[int, str] = {}
        for chunk in _chunks(message_ids):
            if self.has_fts:
                # The matches from the newest down to the oldest wanted (FTS5 takes the rowid bound), a
                # snippet made for the wanted only: ``rowid IN (…)`` beside MATCH runs the query per id.
                rows = self._read(
                    f"SELECT rowid, CASE WHEN rowid IN ({_marks(chunk)}) THEN {self._snippet()} END"
                    " FROM messages_fts WHERE messages_fts MATCH ? AND rowid >= ?",
                    (*chunk, _fts_terms(query), min(chunk)))
            else:
                rows = self._read(f"SELECT m.id, {self._snippet()} FROM messages m WHERE m.id IN ({_marks(chunk)})",
                                  tuple(chunk))
            found.update((row[0], " ".join(row[1].split())) for row in rows if row[1] is not None)
        return found

    def search_conversations(self, query: str, limit: int = 200) -> list[ConversationMatch]:
        """Full-text search grouped per conversation: newest conversations first, each with its newest hit."""
        matching = self._matching(query)
        if matching is None:
            return []
        source, params = matching
        summaries = self._summaries(f" WHERE c.id IN (SELECT m.conversation_id {source})", params, limit, 0)
        wanted = {s.id for s in summaries}
        groups = {g["conversation_id"]: g for g in self._read(
            f"SELECT m.conversation_id, COUNT(*) AS hits, MAX(m.id) AS message_id {source}"
            " GROUP BY m.conversation_id", params) if g["conversation_id"] in wanted}
        snippets = self.snippets(query, [g["message_id"] for g in groups.values()])
        return [ConversationMatch(s, groups[s.id]["hits"], groups[s.id]["message_id"],
                                  snippets.get(groups[s.id]["message_id"], "")) for s in summaries]


def _fts_terms(query: str) -> str:
    """Each word of ``query`` as an FTS5 string: every word must occur, whatever its punctuation."""
    return " ".join('"' + t.replace('"', '""') + '"' for t in query.split())


def _chunks(ids: list[int], size: int = 500) -> list[list[int]]:
    """Ids in groups small enough for one statement's parameters."""
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def _marks(ids: list[int]) -> str:
    return ", ".join("?" * len(ids))
