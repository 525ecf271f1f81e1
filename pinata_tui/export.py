"""Markdown and JSON export of a conversation, and JSON import. Knows nothing of Textual.

Exports never contain credentials: the configured keys are masked wherever they appear
(a user may have pasted one into a prompt).
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pinata_tui import attachment_content
from pinata_tui.api.events import MAX_COST_USD, Usage
from pinata_tui.attachments import MAX_ATTACHMENTS, Attachment, AttachmentError
from pinata_tui.chat.endings import status_label
from pinata_tui.conversation import ChatMessage, Conversation, MessageStatus
from pinata_tui.conversation_settings import from_untrusted as settings_from_untrusted
from pinata_tui.conversation_settings import summary as settings_summary
from pinata_tui.conversation_settings import to_json as settings_json
from pinata_tui.files import atomic_write_text
from pinata_tui.numbers import finite_number
from pinata_tui.pricing import format_usd_with_source
from pinata_tui.sanitize import valid_unicode
from pinata_tui.secrets import redact

FORMAT = "pinata-chat/1"
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.MULTILINE)


class InvalidImport(ValueError):
    """The file is not a conversation this program can read; the message says why."""


EARLIEST_TIMESTAMP = 0.0
LATEST_TIMESTAMP = 253402300799.0
MAX_ELAPSED_SECONDS = 86400.0
"""A reply's streaming time above a day is not believed (dropped on import)."""
"""9999-12-31: a ``created_at`` outside these bounds (or not finite) is replaced by the import time."""


def _text(value: Any) -> str | None:
    """A string from an imported file, made storable (no lone surrogates); None for anything else."""
    return valid_unicode(value) if isinstance(value, str) else None


def _timestamp(value: Any) -> float | None:
    return finite_number(value, EARLIEST_TIMESTAMP, LATEST_TIMESTAMP)


def _when(timestamp: float) -> str:
    try:
        return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
    except (OverflowError, OSError, ValueError):  # a date saved by an older, less careful import
        return "unknown date"


def _close_open_fence(text: str) -> str:
    """An interrupted reply may stop inside a code block; close it so the export stays well-formed."""
    fences: list[str] = _FENCE.findall(text)
    if len(fences) % 2 == 1:
        return text.rstrip("\n") + "\n" + fences[-1] + "\n"
    return text


def models_used(conversation: Conversation) -> list[str]:
    seen: list[str] = []
    for message in conversation.messages:
        if message.role == "assistant" and message.model and message.model not in seen:
            seen.append(message.model)
    return seen or [conversation.model]


def _reasoning_details(reasoning: str) -> list[str]:
    """A reply's reasoning as a collapsed HTML ``<details>`` block (GitHub and most viewers fold it)."""
    body = _close_open_fence(reasoning).rstrip("\n").replace("</details>", "&lt;/details>")
    return ["<details><summary>Reasoning</summary>", "", body, "", "</details>", ""]


def _cost_text(amount: float | None, *, estimate: bool, billed: bool) -> str:
    return format_usd_with_source(amount, estimate=estimate, billed=billed)


def _message_lines(message: ChatMessage, conversation: Conversation, *, include_reasoning: bool,
                   level: str = "##", label: str = "") -> list[str]:
    if message.role == "user":
        heading = f"{level} You" + (" (not sent)" if message.status == MessageStatus.ERROR else "")
    else:
        heading = f"{level} Assistant · {message.model or conversation.model}"
    lines = [heading + label, ""]
    if include_reasoning and message.reasoning:
        lines += _reasoning_details(message.reasoning)
    if message.content:
        lines += [_close_open_fence(message.content).rstrip("\n"), ""]
    lines += attachment_content.markdown_lines(message.attachments)
    notes = []
    if message.role == "assistant" and message.status != MessageStatus.COMPLETE:
        label = status_label(message.status) or message.status.value
        notes.append(f"{label}: partial reply" if message.is_partial else label)
    if message.role == "assistant" and message.usage:
        notes.append(f"{message.usage.completion_tokens:,} tokens")
    if message.role == "assistant" and message.cost is not None:
        notes.append(_cost_text(message.cost, estimate=message.cost_is_estimate, billed=message.cost_is_billed))
    if notes:
        lines += [f"*({', '.join(notes)})*", ""]
    return lines


def _alternative_label(conversation: Conversation, message: ChatMessage) -> str:
    place = conversation.alternative_position(message)
    return f" (alternative {place[0]} of {place[1]})" if place else ""


def other_branches(conversation: Conversation) -> list[tuple[int, list[ChatMessage]]]:
    """Each branch but the current one, as (index where it leaves the current branch, its messages from there)."""
    current = conversation.messages
    on_current = {id(m) for m in current}
    branches = []
    for message in conversation.tree():
        if conversation.has_children(message) or id(message) in on_current:
            continue  # not a leaf, or the current leaf
        path = conversation.path_to(message)
        fork = next(i for i, m in enumerate(path) if i >= len(current) or m is not current[i])
        branches.append((fork, path[fork:]))
    return branches


def to_markdown(conversation: Conversation, *, secrets: tuple[str | None, ...] = (), include_reasoning: bool = True,
                all_branches: bool = False, default_system: str | None = None) -> str:
    """The current branch; with ``all_branches``, every other branch after it, from where it forks.
    ``default_system`` is config.toml's system prompt (the settings line says when it was turned off)."""
    visible = [m for m in conversation.messages if m.status != MessageStatus.DISCARDED]
    started = min((m.created_at for m in visible), default=None)
    prompt_tokens = sum(m.usage.prompt_tokens for m in visible if m.usage)
    completion_tokens = sum(m.usage.completion_tokens for m in visible if m.usage)
    reasoning_tokens = sum(m.usage.reasoning_tokens or 0 for m in visible if m.usage)
    cost = sum(m.cost or 0 for m in visible)
    estimate = any(m.cost_is_estimate for m in visible)
    branches = other_branches(conversation)
    lines = [f"# {conversation.title or 'Untitled conversation'}", ""]
    if started is not None:
        lines.append(f"- **Date:** {_when(started)}")
    lines.append(f"- **Models:** {', '.join(models_used(conversation))}")
    lines.append(f"- **Messages:** {len(visible)}")
    thinking = f" ({reasoning_tokens:,} of them reasoning)" if reasoning_tokens else ""
    lines.append(f"- **Tokens:** {prompt_tokens:,} prompt, {completion_tokens:,} completion{thinking}")
    lines.append(f"- **Cost:** {_cost_text(cost, estimate=estimate, billed=conversation.cost_is_billed)}")
    if branches:
        shown = "shown after it" if all_branches else "not included; export with all branches to add them"
        lines.append(f"- **Branches:** this is the current one of {len(branches) + 1} ({shown})")
        if all_branches:
            everything = conversation.tree()
            tree_models = sorted({m.model for m in everything if m.role == "assistant" and m.model})
            tree_cost = sum(m.cost or 0 for m in everything)
            tree_estimate = any(m.cost_is_estimate for m in everything)
            lines.append(f"- **All branches:** {len(everything)} messages, {', '.join(tree_models) or 'no replies'}, "
                         f"{_cost_text(tree_cost, estimate=tree_estimate, billed=False)}")
    shown = settings_summary(conversation.settings, conversation.system_prompt, default_system=default_system,
                             own_system=False)  # (a system prompt has its own section)
    if shown:
        lines.append(f"- **Settings:** {shown}")
    lines += ["", "---", ""]
    if conversation.system_prompt:
        lines += ["## System", "", _close_open_fence(conversation.system_prompt).rstrip("\n"), ""]
    for message in visible:
        lines += _message_lines(message, conversation, include_reasoning=include_reasoning,
                                label=_alternative_label(conversation, message))
    if all_branches and branches:
        lines += ["---", "", "## Other branches", ""]
        for number, (fork, messages) in enumerate(branches, 2):
            lines += [f"### Branch {number} · from message {fork + 1}", ""]
            for message in messages:
                lines += _message_lines(message, conversation, include_reasoning=include_reasoning, level="####",
                                        label=_alternative_label(conversation, message))
    return redact("\n".join(lines).rstrip("\n") + "\n", *secrets)


def _usage_json(usage: Usage | None) -> dict[str, Any] | None:
    """Usage in the OpenAI shape (details nested as servers send them), so an import reads it back."""
    if usage is None:
        return None
    data: dict[str, Any] = {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
                            "total_tokens": usage.total_tokens}
    if usage.cached_tokens is not None or usage.cache_write_tokens is not None:
        data["prompt_tokens_details"] = {"cached_tokens": usage.cached_tokens,
                                         "cache_write_tokens": usage.cache_write_tokens}
    if usage.reasoning_tokens is not None:
        data["completion_tokens_details"] = {"reasoning_tokens": usage.reasoning_tokens}
    return data


def to_json(conversation: Conversation, *, secrets: tuple[str | None, ...] = (),
            include_reasoning: bool = True) -> str:
    """The OpenAI ``messages`` shape (usable as a request body) plus metadata alongside."""
    visible = [m for m in conversation.messages if m.status != MessageStatus.DISCARDED]
    messages: list[dict[str, str]] = []
    if conversation.system_prompt:
        messages.append({"role": "system", "content": conversation.system_prompt})
    numbers = {id(m): n for n, m in enumerate(conversation.tree(), 1)}
    """Each message's number in this file: ``parent`` refers to it, so the whole tree comes back."""
    metadata = []
    for message in visible:
        messages.append({"role": message.role, "content": message.content})
        metadata.append(_message_meta(message, numbers, include_reasoning))
    on_branch = {id(m) for m in visible}
    alternatives = [{"role": m.role, "content": m.content, **_message_meta(m, numbers, include_reasoning)}
                    for m in conversation.tree() if id(m) not in on_branch]
    document: dict[str, Any] = {
        "format": FORMAT,
        "title": conversation.title,
        "model": conversation.model,
        "models_used": models_used(conversation),
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "messages": messages,
        "message_metadata": metadata,
    }
    if alternatives:
        document["alternatives"] = alternatives
    if not conversation.settings.is_default:
        document["settings"] = settings_json(conversation.settings)
    return redact(json.dumps(document, indent=2, ensure_ascii=False) + "\n", *secrets)


def _message_meta(message: ChatMessage, numbers: dict[int, int], include_reasoning: bool) -> dict[str, Any]:
    """A message's metadata beside its OpenAI ``{role, content}``: its place in the tree, model, usage…"""
    meta: dict[str, Any] = {
        "id": numbers.get(id(message)),
        "parent": numbers.get(id(message.parent)) if message.parent is not None else None,
        "model": message.model,
        "status": message.status.value,
        "finish_reason": message.finish_reason,
        "created_at": message.created_at,
        "usage": _usage_json(message.usage),
        "cost_usd": message.cost,
        "cost_is_estimate": message.cost_is_estimate,
        "cost_is_billed": message.cost_is_billed,
    }
    if message.elapsed is not None:
        meta["elapsed_seconds"] = message.elapsed
    if message.error:
        meta["error"] = message.error
    if include_reasoning and message.reasoning:
        meta["reasoning"] = message.reasoning
    if message.attachments:
        meta["attachments"] = [attachment_content.to_json(a) for a in message.attachments]
    return meta


def from_json(text: str, *, default_model: str) -> Conversation:
    """Read an export (or a bare OpenAI messages array) back into a Conversation."""
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidImport(f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise InvalidImport("its JSON is nested too deeply to be a conversation") from None
    if isinstance(data, list):
        data = {"messages": data}
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        raise InvalidImport("expected an object with a 'messages' array (or a bare messages array)")
    raw_metadata = data.get("message_metadata")
    metadata: list[Any] = raw_metadata if isinstance(raw_metadata, list) else []
    conversation = Conversation(model=_text(data.get("model")) or default_model, title=_text(data.get("title")),
                                settings=settings_from_untrusted(data.get("settings")))
    numbered: dict[int, ChatMessage] = {}
    index = 0
    for position, item in enumerate(data["messages"]):
        if not isinstance(item, dict) or item.get("role") not in ("system", "user", "assistant") \
                or not isinstance(item.get("content"), str):
            raise InvalidImport(f"message {position + 1} needs a role (system, user or assistant) and text content")
        if item["role"] == "system":
            conversation.system_prompt = valid_unicode(item["content"])
            continue
        meta = metadata[index] if index < len(metadata) and isinstance(metadata[index], dict) else {}
        index += 1
        message = _imported_message(item, meta, conversation.model)
        message.attachments = _attachments(meta.get("attachments"), f"message {position + 1}")
        conversation.add(message)
        _number(numbered, meta, message)
    if not conversation.messages:
        raise InvalidImport("the conversation has no user or assistant messages")
    alternatives = data.get("alternatives", [])
    if not isinstance(alternatives, list):
        raise InvalidImport("'alternatives' must be a list of messages")
    roles: dict[int, set[str]] = {}
    """The roles of each message's children so far (by ``id`` of the parent; 0 for first messages)."""
    for message in conversation.messages:
        roles.setdefault(id(message.parent) if message.parent else 0, set()).add(message.role)
    for position, item in enumerate(alternatives):
        if not isinstance(item, dict) or item.get("role") not in ("user", "assistant") \
                or not isinstance(item.get("content"), str):
            raise InvalidImport(f"alternative {position + 1} needs a role (user or assistant) and text content")
        if "parent" not in item:
            raise InvalidImport(f"alternative {position + 1} does not say which message it follows ('parent')")
        parent_number = item["parent"]
        parent = numbered.get(parent_number) if isinstance(parent_number, int) else None
        if parent_number is not None and parent is None:
            raise InvalidImport(f"alternative {position + 1} follows message {parent_number!r}, which is not "
                                "earlier in the file")
        beside = roles.setdefault(id(parent) if parent else 0, set())
        if beside and item["role"] not in beside:
            raise InvalidImport(f"alternative {position + 1} is a {item['role']} message beside "
                                f"{' and '.join(sorted(beside))} messages: an alternative takes the place of one like it")
        beside.add(item["role"])
        message = _imported_message(item, item, conversation.model)
        message.attachments = _attachments(item.get("attachments"), f"alternative {position + 1}")
        message.parent = parent
        conversation.add_to_tree(message)
        _number(numbered, item, message)
    if not numbered:
        return conversation
    # Alternatives in the file's order: each message's alternatives are listed as they were made.
    rebuilt = Conversation(model=conversation.model, system_prompt=conversation.system_prompt,
                           title=conversation.title, settings=conversation.settings)
    everything = conversation.tree()
    order = {id(m): n for n, m in numbered.items()}
    for message in sorted(everything, key=lambda m: order.get(id(m), len(everything) + 1)):
        rebuilt.add_to_tree(message)
    rebuilt.messages[:] = conversation.messages
    return rebuilt


def _number(numbered: dict[int, ChatMessage], meta: dict[str, Any], message: ChatMessage) -> None:
    number = meta.get("id")
    if isinstance(number, int) and not isinstance(number, bool):
        if number in numbered:
            raise InvalidImport(f"two messages are numbered {number}")
        numbered[number] = message


def _imported_message(item: dict[str, Any], meta: dict[str, Any], default_model: str) -> ChatMessage:
    """One message of an import, every field checked (a hostile file gets defaults, not a crash)."""
    usage = meta.get("usage")
    try:
        status = MessageStatus(meta.get("status") or "complete")
    except ValueError:
        status = MessageStatus.COMPLETE
    if status in (MessageStatus.STREAMING, MessageStatus.DISCARDED):
        status = MessageStatus.INTERRUPTED if status == MessageStatus.STREAMING else MessageStatus.COMPLETE
    cost = finite_number(meta.get("cost_usd"), 0, MAX_COST_USD)
    elapsed = finite_number(meta.get("elapsed_seconds"), 0, MAX_ELAPSED_SECONDS)
    message = ChatMessage(
        role=item["role"], content=valid_unicode(item["content"]),
        model=_text(meta.get("model")) or (default_model if item["role"] == "assistant" else None),
        status=status,
        usage=Usage.from_json(usage) if isinstance(usage, dict) else None,
        cost=cost,
        cost_is_estimate=bool(meta.get("cost_is_estimate")),
        cost_is_billed=bool(meta.get("cost_is_billed")) and cost is not None,
        reasoning=_text(meta.get("reasoning")) or "",
        finish_reason=_text(meta.get("finish_reason")),
        error=_text(meta.get("error")),
        elapsed=elapsed or None,
        imported=True,  # what it cost was spent where (and when) it was made, not by this import
    )
    created = _timestamp(meta.get("created_at"))
    if created is not None:
        message.created_at = created
    return message


def _attachments(items: Any, where: str) -> list[Attachment]:
    """A message's attachments from an export, each checked as a file read from disk is."""
    if items is None:
        return []
    if not isinstance(items, list) or len(items) > MAX_ATTACHMENTS:
        raise InvalidImport(f"{where}: 'attachments' must be a list of at most {MAX_ATTACHMENTS}")
    try:
        return [attachment_content.from_json(item, where) for item in items]
    except AttachmentError as exc:
        raise InvalidImport(str(exc)) from None


def export_filename(conversation: Conversation, fmt: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", (conversation.title or "conversation").lower()).strip("-")[:40]
    return f"pinata-chat-{conversation.id or 'unsaved'}-{slug or 'conversation'}.{fmt}"


def export_text(conversation: Conversation, fmt: str, *, secrets: tuple[str | None, ...] = (),
                include_reasoning: bool = True, all_branches: bool = False, default_system: str | None = None) -> str:
    """The whole export in ``fmt`` (``md`` or ``json``). JSON always holds every branch (to import
    back); Markdown the current one, and the others too with ``all_branches``."""
    if fmt == "json":
        return to_json(conversation, secrets=secrets, include_reasoning=include_reasoning)
    return to_markdown(conversation, secrets=secrets, include_reasoning=include_reasoning, all_branches=all_branches,
                       default_system=default_system)


def default_export_dir(configured: str | None) -> Path:
    """Where exports go unless the user says otherwise: ``export_dir`` from config.toml, else the
    user's Documents folder where there is one, else the home folder."""
    if configured:
        return Path(configured).expanduser()
    import platformdirs

    documents = Path(platformdirs.user_documents_dir())
    return documents if documents.is_dir() else Path.home()


def write_export_to(conversation: Conversation, fmt: str, path: Path, *, secrets: tuple[str | None, ...] = (),
                    include_reasoning: bool = True, all_branches: bool = False,
                    default_system: str | None = None) -> Path:
    """Write the export to exactly ``path`` (its folder made if need be), atomically. Raises OSError."""
    text = export_text(conversation, fmt, secrets=secrets, include_reasoning=include_reasoning,
                       all_branches=all_branches, default_system=default_system)
    path = path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text)
    return path.resolve()


def write_export(conversation: Conversation, fmt: str, *, directory: Path | None = None,
                 fallback_dir: Path | None = None, secrets: tuple[str | None, ...] = (),
                 include_reasoning: bool = True) -> Path:
    """Write to ``directory`` (default: the current folder), or ``fallback_dir`` if that is not writable."""
    text = export_text(conversation, fmt, secrets=secrets, include_reasoning=include_reasoning)
    name = export_filename(conversation, "json" if fmt == "json" else "md")
    target = (directory or Path.cwd())
    if not os.access(target, os.W_OK) and fallback_dir is not None:
        target = fallback_dir
    target.mkdir(parents=True, exist_ok=True)
    path = target / name
    path.write_text(text, encoding="utf-8")
    return path.resolve()
