"""SQLite persistence for conversations. Knows nothing of Textual."""

from pinata_tui.store.conversation_store import (
           ConversationStore,
           StoreError,
           StoreNotWritable,
)
from pinata_tui.store.queries import ConversationMatch, ConversationSummary, SearchHit
from pinata_tui.store.spend import SpendRow

__all__ = ["ConversationMatch", "ConversationStore", "ConversationSummary", "SearchHit", "SpendRow", "StoreError",
           "StoreNotWritable"]
