"""SQLite persistence for conversations. Knows nothing of Textual."""

from pinata_tui.store.conversation_store import (
           ConversationStore,
           StoreError,
           StoreNotWritable,
)
from pinata_tui.store.queries import ConversationMatch, ConversationSummary, SearchHit

__all__ = ["ConversationMatch", "ConversationStore", "ConversationSummary", "SearchHit", "StoreError",
           "StoreNotWritable"]
