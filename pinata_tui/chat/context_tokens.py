"""The context meter's arithmetic: tokens of the system prompt, the messages and the draft.

Textual-free; the chat screen calls ``recount`` in a thread (tokenizing a long history takes a
while) and the cheap parts on the event loop.
"""

from __future__ import annotations

from pinata_tui.conversation import ChatMessage, Conversation, MessageStatus
from pinata_tui.tokens import TokenCounter


class ContextTokens:
    def __init__(self, counter: TokenCounter) -> None:
        self.counter = counter
        self.system = 0
        """The system prompt's count, counted with the messages (not per keystroke)."""
        self.draft = 0

    @property
    def ready(self) -> bool:
        return self.counter.loaded

    def count_message(self, message: ChatMessage, model: str) -> None:
        if self.ready:
            message.tokens = self.counter.count_message(message.content, model)

    def count_draft(self, text: str, model: str) -> int:
        self.draft = self.counter.count(text, model) if self.ready else 0
        return self.draft

    def recount(self, conversation: Conversation, draft: str) -> None:
        """Every message, the system prompt and the draft (after a model switch, or once loaded). Slow."""
        if not self.ready:
            return
        model = conversation.model
        for message in list(conversation.messages):
            message.tokens = self.counter.count_message(message.content, model)
        system = conversation.system_prompt
        self.system = self.counter.count_message(system, model) if system else 0
        self.count_draft(draft, model)

    def total(self, conversation: Conversation) -> int:
        in_context = sum(m.tokens or 0 for m in conversation.messages if m.status != MessageStatus.ERROR)
        return self.system + in_context + self.draft

    def exact(self, model: str) -> bool:
        return self.counter.choice_for(model).exact

    def prompt_tokens_for(self, conversation: Conversation, reply: ChatMessage) -> int:
        """What the request for ``reply`` held, by this count (for an estimate when no usage came)."""
        return self.system + sum(m.tokens or 0 for m in conversation.messages if m is not reply)
