"""A conversation's own settings in the store: system prompt, temperature, top_p, max tokens, preset.

A mixin of ``ConversationStore`` (which supplies ``_write``); the columns are schema 4's. Rows are
read back through ``conversation_settings.from_untrusted``, so a value edited by hand to something
out of bounds is dropped rather than sent. Knows nothing of Textual.
"""

from __future__ import annotations

import sqlite3

from pinata_tui.conversation import Conversation
from pinata_tui.conversation_settings import ConversationSettings, from_untrusted

SETTINGS_COLUMNS = ("temperature", "top_p", "max_tokens", "preset")
"""``conversations`` columns written with every new conversation (after ``system_prompt``)."""


def settings_values(conversation: Conversation) -> tuple[object, ...]:
    settings = conversation.settings
    return settings.temperature, settings.top_p, settings.max_tokens, settings.preset


def settings_from_row(row: sqlite3.Row) -> ConversationSettings:
    return from_untrusted({name: row[name] for name in SETTINGS_COLUMNS})


class SettingsQueries:
    def _write(self, sql: str, params: tuple[object, ...] = ()) -> sqlite3.Cursor:
        raise NotImplementedError  # supplied by ConversationStore

    def save_settings(self, conversation: Conversation) -> None:
        """Save the system prompt and settings of a conversation that has a row (else they go with its
        first message, in ``create_conversation``)."""
        if conversation.id is None:
            return
        assignments = ", ".join(f"{name} = ?" for name in ("system_prompt", *SETTINGS_COLUMNS))
        self._write(f"UPDATE conversations SET {assignments} WHERE id = ?",
                    (conversation.system_prompt, *settings_values(conversation), conversation.id))
