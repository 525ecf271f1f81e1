"""What F1 lists: every binding of the app, the chat screen (its mixins' too) and the messages,
with the user's keymap applied."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.binding import Binding, BindingType

if TYPE_CHECKING:
    from textual.app import App


def own_bindings(cls: type) -> list[BindingType]:
    """``cls``'s bindings and those of its pinata-chat base classes (a mixin's are the screen's too),
    its own first; Textual's own (focus next, …) are left out."""
    found: list[BindingType] = []
    for klass in cls.__mro__:
        if klass.__module__.startswith("pinata_tui."):
            found.extend(klass.__dict__.get("BINDINGS", []))
    return found


def binding_rows(app: App[Any], keymap: dict[str, str]) -> list[tuple[str, str, str]]:
    """(keys, what they do, binding id) for every binding with a description, one row per id."""
    from pinata_tui.tui.chat.assistant_message import AssistantMessage
    from pinata_tui.tui.chat.chat_screen import ChatScreen
    from pinata_tui.tui.chat.message_block import MessageBlock
    from pinata_tui.tui.chat.user_message import UserMessage

    rows: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    groups = [("", [*own_bindings(ChatScreen), *own_bindings(type(app))]),
              (" (on a focused message)", MessageBlock.BINDINGS),
              (" (on your message)", UserMessage.BINDINGS), (" (on a reply)", AssistantMessage.BINDINGS)]
    for where, bindings in groups:
        for binding in bindings:
            if not isinstance(binding, Binding) or not binding.description:
                continue
            described = binding.description + where
            identity = binding.id or described
            if identity in seen:
                continue
            seen.add(identity)
            keys = keymap.get(binding.id or "", binding.key)
            shown = " / ".join(app.get_key_display(Binding(k.strip(), binding.action)) for k in keys.split(","))
            rows.append((shown, described, binding.id or ""))
    return rows
