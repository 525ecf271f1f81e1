"""A conversation in memory: a tree of messages, its current branch, and the history sent with each request.

Every message has a parent (None for a first message); editing a message or regenerating a reply
adds a sibling instead of replacing anything. ``Conversation.messages`` is the **current branch**,
root to leaf: what is shown, sent, counted and exported by default. The rest of the tree is
reached through ``siblings()`` and ``select()``.

Knows nothing of Textual; the store persists these objects and the TUI shows them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from pinata_tui.attachment_content import message_content
from pinata_tui.attachments import Attachment
from pinata_tui.conversation_settings import ConversationSettings
from pinata_tui.growing_text import GrowingText

if TYPE_CHECKING:  # (a name in annotations only: the API's events load when a reply arrives)
    from pinata_tui.api.events import Usage


class MessageStatus(str, Enum):
    COMPLETE = "complete"
    STREAMING = "streaming"
    STOPPED = "stopped"
    """The user stopped it; the partial text is kept."""
    INTERRUPTED = "interrupted"
    """The stream broke (cut, stalled, app killed); the partial text is kept."""
    ERROR = "error"
    """The request failed before any text arrived."""
    DISCARDED = "discarded"
    """Before schema 4, a regenerated reply's old version (hidden). Now an alternative instead."""
    TRUNCATED = "truncated"
    """Cut at the token limit (``finish_reason: "length"``); Ctrl+G continues it."""
    FILTERED = "filtered"
    """Stopped by a content filter (``finish_reason: "content_filter"``)."""
    FAILED = "failed"
    """The server reported an error inside the stream; what arrived is kept."""
    REFUSED = "refused"
    """The model refused; the refusal text is the reply's content."""
    TOOL_CALLS = "tool_calls"
    """The model only asked to call tools, which pinata-chat does not run."""
    EMPTY = "empty"
    """The model finished without any visible text (perhaps after reasoning)."""


PARTIAL_STATUSES = frozenset({MessageStatus.STOPPED, MessageStatus.INTERRUPTED, MessageStatus.TRUNCATED,
                              MessageStatus.FAILED})
"""Replies that ended before the model was done: Ctrl+G asks it to continue."""


@dataclass
class ChatMessage:
    role: str
    content: GrowingText = GrowingText()
    """The text (a ``str``); a streaming reply grows it with ``add_content``, in O(1) a piece."""
    model: str | None = None
    status: MessageStatus = MessageStatus.COMPLETE
    usage: Usage | None = None
    cost: float | None = None
    cost_is_estimate: bool = False
    cost_is_billed: bool = False
    """``cost`` is what the server said it billed (``usage.cost``), not computed from the catalog."""
    error: str | None = None
    """Why it failed (a user message not sent, or the server's in-stream error), one line."""
    reasoning: GrowingText = GrowingText("")
    """The model's visible thinking, kept apart from the answer (a ``str``; grown with ``add_reasoning``)."""
    finish_reason: str | None = None
    created_at: float = field(default_factory=time.time)
    id: int | None = None
    tokens: int | None = None
    """Cached token count of ``content`` (for the status bar's context meter)."""
    parent: ChatMessage | None = field(default=None, compare=False, repr=False)
    """The message this one follows (None for a conversation's first message)."""
    elapsed: float | None = None
    """Seconds from the reply's first token to its last (its speed, with the completion tokens)."""
    attachments: list[Attachment] = field(default_factory=list, compare=False, repr=False)
    """Files sent with a user message (``attachments.py``); they go into its request content."""
    imported: bool = False
    """It came in with ``pinata-chat import``: its cost was spent before (or elsewhere), not here."""

    @property
    def is_partial(self) -> bool:
        return self.status in PARTIAL_STATUSES

    def add_content(self, piece: str) -> None:
        """``content += piece`` without copying the whole text (``growing_text``): a reply's streamed pieces."""
        _CONTENT.append(self, piece)

    def add_reasoning(self, piece: str) -> None:
        _REASONING.append(self, piece)

    @property
    def reasoning_length(self) -> int:
        """``len(reasoning)``, without joining its pieces."""
        return _REASONING.length(self)

    def reasoning_tail(self, chars: int) -> str:
        """The end of ``reasoning`` (its last ``chars`` characters), joining only what that takes."""
        return _REASONING.tail(self, chars)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        _CONTENT.detach(self, state)
        _REASONING.detach(self, state)
        return state


_CONTENT: GrowingText = vars(ChatMessage)["content"]
_REASONING: GrowingText = vars(ChatMessage)["reasoning"]


_ROOT = 0


class _Leaf:
    """Marker: "the current leaf" as ``Conversation.add``'s default parent."""


def _key(parent: ChatMessage | None) -> int:
    return _ROOT if parent is None else id(parent)


@dataclass
class Conversation:
    model: str
    system_prompt: str | None = None
    title: str | None = None
    messages: list[ChatMessage] = field(default_factory=list)
    """The current branch, from the first message to the leaf."""
    id: int | None = None
    settings: ConversationSettings = field(default_factory=ConversationSettings)
    """Its own temperature, top_p, max tokens and preset name (None each: config.toml's default)."""
    _children: dict[int, list[ChatMessage]] = field(default_factory=dict, repr=False, compare=False)
    """Children by ``id(parent)`` (``_ROOT`` for first messages), in the order they were added."""
    _place: dict[int, int] = field(default_factory=dict, repr=False, compare=False)
    """Each registered message's index among its siblings, by ``id()``: adding a message and finding
    its ``◀ n/m ▶`` stay O(1) however many alternatives there are."""

    def __post_init__(self) -> None:
        previous = None
        for message in self.messages:
            if message.parent is None:
                message.parent = previous
            self._register(message)
            previous = message

    # ------------------------------------------------------------ the tree

    def _register(self, message: ChatMessage) -> None:
        if id(message) not in self._place:
            family = self._children.setdefault(_key(message.parent), [])
            self._place[id(message)] = len(family)
            family.append(message)

    def add(self, message: ChatMessage, *, parent: ChatMessage | None | type[_Leaf] = _Leaf) -> ChatMessage:
        """Append ``message`` to the current branch; its parent is the leaf unless ``parent`` is given."""
        if isinstance(parent, ChatMessage) or parent is None:
            message.parent = parent
        else:
            message.parent = self.messages[-1] if self.messages else None
        self._register(message)
        self.messages.append(message)
        if self.title is None and message.role == "user" and message.content.strip():
            self.title = title_from_prompt(message.content)
        return message

    def add_to_tree(self, message: ChatMessage) -> None:
        """Record a message of another branch (loading, importing): the current branch is unchanged."""
        self._register(message)

    def forget(self, message: ChatMessage) -> None:
        """Drop a message that was never saved (a reply that got nothing) from the branch and the tree."""
        self.messages[:] = [m for m in self.messages if m is not message]
        family = self._children.get(_key(message.parent), [])
        family[:] = [m for m in family if m is not message]
        self._place.pop(id(message), None)
        self._place.update((id(m), index) for index, m in enumerate(family))

    def move_to_leaf(self, message: ChatMessage) -> None:
        """Re-attach ``message`` (a prompt sent again) under the current leaf, at the end of the branch."""
        self.forget(message)
        self.add(message)

    def children(self, message: ChatMessage | None) -> list[ChatMessage]:
        return list(self._children.get(_key(message), ()))

    def has_children(self, message: ChatMessage) -> bool:
        return bool(self._children.get(_key(message)))

    def alternative_position(self, message: ChatMessage) -> tuple[int, int] | None:
        """(position from 1, count) of ``message`` among its alternatives; None when it has none."""
        count = len(self._children.get(_key(message.parent), ()))
        place = self._place.get(id(message))
        return (place + 1, count) if count > 1 and place is not None else None

    def siblings(self, message: ChatMessage) -> list[ChatMessage]:
        """``message`` and its alternatives (same parent), oldest first."""
        return self.children(message.parent)

    def path_to(self, message: ChatMessage) -> list[ChatMessage]:
        path: list[ChatMessage] = []
        node: ChatMessage | None = message
        while node is not None:
            path.append(node)
            node = node.parent
        path.reverse()
        return path

    def select(self, message: ChatMessage) -> int:
        """Make the branch through ``message`` current (down to its newest descendants).

        Returns the index of the first message that changed, so a view repaints only below it.
        """
        path = self.path_to(message)
        node = message
        while children := self._children.get(_key(node)):
            node = children[-1]
            path.append(node)
        changed = next((i for i, (old, new) in enumerate(zip(self.messages, path)) if old is not new),
                       min(len(self.messages), len(path)))
        self.messages[:] = path
        return changed

    def cut_after(self, message: ChatMessage | None) -> int:
        """End the current branch at ``message`` (None: before the first message), to branch from there.

        Returns the index of the first message taken off the branch.
        """
        keep = self.path_to(message) if message is not None else []
        self.messages[:] = keep
        return len(keep)

    def tree(self) -> list[ChatMessage]:
        """Every message, each after its parent (branch by branch, in the order they were added)."""
        ordered: list[ChatMessage] = []
        stack = list(reversed(self._children.get(_ROOT, [])))
        while stack:
            node = stack.pop()
            ordered.append(node)
            stack.extend(reversed(self._children.get(id(node), [])))
        return ordered

    @property
    def has_branches(self) -> bool:
        return any(len(family) > 1 for family in self._children.values())

    def request_history(self, *, leave_out: tuple[ChatMessage, ...] = ()) -> list[dict[str, Any]]:
        """The OpenAI ``messages`` for the next request: system prompt, then every turn with text.

        Partial replies go too (the user saw them); failed ones, which hold no text, do not;
        nor do those in ``leave_out`` (a reply being regenerated). Reasoning is never sent back.
        A message with attachments carries them (``attachment_content.message_content``).
        """
        history: list[dict[str, Any]] = []
        if self.system_prompt:
            history.append({"role": "system", "content": self.system_prompt})
        for message in self.messages:
            if any(message is left for left in leave_out):
                continue
            if (message.role in ("user", "assistant") and (message.content or message.attachments)
                    and message.status not in (MessageStatus.ERROR, MessageStatus.DISCARDED)):
                content = (message_content(message.content, message.attachments) if message.attachments
                           else message.content)
                history.append({"role": message.role, "content": content})
        return history

    @property
    def last_reply(self) -> ChatMessage | None:
        return next((m for m in reversed(self.messages) if m.role == "assistant"), None)

    @property
    def total_cost(self) -> float:
        return sum(m.cost or 0.0 for m in self.messages)

    @property
    def cost_is_estimate(self) -> bool:
        return any(m.cost_is_estimate for m in self.messages if m.role == "assistant")

    @property
    def cost_is_billed(self) -> bool:
        """Every costed reply's figure came from the server's bill."""
        costed = [m for m in self.messages if m.role == "assistant" and m.cost is not None]
        return bool(costed) and all(m.cost_is_billed for m in costed)


def title_from_prompt(prompt: str, limit: int = 60) -> str:
    """A title from the first prompt: its first line, cut at a word boundary."""
    line = next((ln.strip() for ln in prompt.splitlines() if ln.strip()), "")
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0]
    return (cut if len(cut) > limit // 2 else line[:limit]).rstrip(" ,.;:") + "…"
