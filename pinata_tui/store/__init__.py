"""SQLite persistence for conversations. Knows nothing of Textual."""

from pinata_tui.store.conversation_store import (
    ConversationStore,
    ConversationSummary,
    SearchHit,
    StoreError,
    StoreNotWritable,
)

__all__ = ["ConversationStore", "ConversationSummary", "SearchHit", "StoreError", "StoreNotWritable"]
