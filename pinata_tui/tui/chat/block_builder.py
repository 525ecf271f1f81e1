"""The widgets for a stretch of the current branch: one block per message, a marker where the
replying model changed, a notice under a prompt that was not sent, and each message's place
among its alternatives (``◀ 2/3 ▶``)."""

from __future__ import annotations

from collections.abc import Iterable

from textual.widget import Widget

from pinata_tui.conversation import ChatMessage, Conversation, MessageStatus
from pinata_tui.sanitize import make_displayable
from pinata_tui.tui.chat.assistant_message import AssistantMessage
from pinata_tui.tui.chat.model_switch_marker import ModelSwitchMarker
from pinata_tui.tui.chat.notice import Notice
from pinata_tui.tui.chat.user_message import UserMessage


def tag_owner(widget: Widget, index: int) -> Widget:
    """Tag a block with the index of the message it belongs to, so a page unmounts as a unit."""
    widget.message_index = index  # type: ignore[attr-defined]
    return widget


def owner_index(widget: Widget) -> int | None:
    return getattr(widget, "message_index", None)


def said_about(children: Iterable[Widget], message: ChatMessage, *, keep_block: bool = False) -> list[Widget]:
    """``message``'s block and the notices said after it (tagged with its index: "failed… Ctrl+R
    retries", "cut… Ctrl+G continues"), which go when it is replaced; only the notices when it is
    continued (``keep_block``)."""
    children = list(children)
    owner = next((owner_index(c) for c in children if getattr(c, "message", None) is message), None)
    return [c for c in children if owner is not None and owner_index(c) == owner
            and (isinstance(c, Notice) or (not keep_block and getattr(c, "message", None) is message))]


def build_blocks(conversation: Conversation, start: int, end: int) -> list[Widget]:
    """Widgets for messages ``[start, end)`` of the current branch, with a marker wherever the
    replying model changed."""
    blocks: list[Widget] = []
    last_model = last_reply_model(conversation.messages[:start])
    for index, message in enumerate(conversation.messages[start:end], start=start):
        branch = conversation.alternative_position(message)
        if message.role == "user":
            blocks.append(tag_owner(UserMessage(message, branch=branch), index))
        elif message.role == "assistant":
            if last_model is not None and message.model and message.model != last_model:
                blocks.append(tag_owner(ModelSwitchMarker(message.model), index))
            last_model = message.model or last_model
            blocks.append(tag_owner(AssistantMessage(message, branch=branch), index))
        if message.status == MessageStatus.ERROR and message.error:
            blocks.append(tag_owner(Notice(message.error, kind="error"), index))
    return blocks


def last_reply_model(messages: list[ChatMessage]) -> str | None:
    return next((m.model for m in reversed(messages) if m.role == "assistant" and m.model), None)


def render_ahead(mounted: Iterable[Widget], conversation: Conversation, start: int, end: int,
                 nearest_first: str = "bottom") -> None:
    """Have the replies of messages ``[start, end)`` (the page the reader is heading for, not mounted)
    rendered in the background at the mounted replies' width and theme, the ``nearest_first`` end first,
    so that they mount with their lines: no blank lines to fill, no second layout when they come."""
    model = next((block for block in mounted
                  if isinstance(block, AssistantMessage) and block.rendered and block.is_attached), None)
    if model is None or start >= end:
        return
    texts = [make_displayable(m.content) for m in conversation.messages[max(0, start):end] if m.role == "assistant"]
    model.render_ahead(texts if nearest_first == "bottom" else texts[::-1])
