"""The context meter's arithmetic: tokens of the system prompt, the messages and the draft.

Textual-free; the chat screen calls ``recount`` in a thread (tokenizing a long history takes a
while) and the cheap parts on the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence

from pinata_tui.attachment_content import fenced_block, image_tokens
from pinata_tui.attachments import Attachment
from pinata_tui.conversation import ChatMessage, Conversation, MessageStatus
from pinata_tui.tokens import TokenCounter


class ContextTokens:
    def __init__(self, counter: TokenCounter) -> None:
        self.counter = counter
        self.system = 0
        """The system prompt's count, counted with the messages (not per keystroke)."""
        self.draft = 0
        self.pending = 0
        """The files attached to the next message (images by an estimate: ``image_tokens``)."""
        self.pending_images = False
        self._pending_files: list[Attachment] = []

    @property
    def ready(self) -> bool:
        return self.counter.loaded

    def attachment_tokens(self, attachments: Sequence[Attachment], model: str) -> int:
        return sum(image_tokens(a) if a.is_image else self.counter.count(fenced_block(a), model)
                   for a in attachments)

    def _message_tokens(self, message: ChatMessage, model: str) -> int:
        tokens = self.counter.count_message(message.content, model)
        return tokens + self.attachment_tokens(message.attachments, model) if message.attachments else tokens

    def count_message(self, message: ChatMessage, model: str) -> None:
        if self.ready:
            message.tokens = self._message_tokens(message, model)

    def count_pending(self, attachments: Sequence[Attachment], model: str) -> None:
        self._pending_files = list(attachments)
        self.pending_images = any(a.is_image for a in attachments)
        self.pending = self.attachment_tokens(attachments, model) if self.ready else 0

    def has_images(self, conversation: Conversation) -> bool:
        """An image is in the count: the total is an estimate."""
        return self.pending_images or any(a.is_image for m in conversation.messages for a in m.attachments)

    def count_draft(self, text: str, model: str) -> int:
        self.draft = self.counter.count(text, model) if self.ready else 0
        return self.draft

    def recount(self, conversation: Conversation, draft: str) -> None:
        """Every message, the system prompt and the draft (after a model switch, or once loaded). Slow."""
        if not self.ready:
            return
        model = conversation.model
        for message in list(conversation.messages):
            message.tokens = self._message_tokens(message, model)
        system = conversation.system_prompt
        self.system = self.counter.count_message(system, model) if system else 0
        self.count_draft(draft, model)
        self.count_pending(self._pending_files, model)

    def total(self, conversation: Conversation, *, before: ChatMessage | None = None) -> int:
        """The next request's tokens; with ``before`` (a prompt being edited), only the messages above
        it go, the draft standing in for it."""
        messages = conversation.messages
        if before is not None:
            cut = next((i for i, m in enumerate(messages) if m is before), len(messages))
            messages = messages[:cut]
        in_context = sum(m.tokens or 0 for m in messages if m.status != MessageStatus.ERROR)
        return self.system + in_context + self.draft + self.pending

    def exact(self, model: str) -> bool:
        return self.counter.choice_for(model).exact

    def prompt_tokens_for(self, conversation: Conversation, reply: ChatMessage) -> int:
        """What the request for ``reply`` held, by this count (for an estimate when no usage came)."""
        return self.system + sum(m.tokens or 0 for m in conversation.messages if m is not reply)
