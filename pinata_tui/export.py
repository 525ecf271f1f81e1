"""Markdown and JSON export of a conversation, and JSON import. Knows nothing of Textual.

Exports never contain credentials: the configured keys are masked wherever they appear
(a user may have pasted one into a prompt).
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pinata_tui.api.events import Usage
from pinata_tui.conversation import ChatMessage, Conversation, MessageStatus
from pinata_tui.pricing import format_usd
from pinata_tui.secrets import redact

FORMAT = "pinata-chat/1"
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.MULTILINE)


class InvalidImport(ValueError):
    """The file is not a conversation this program can read; the message says why."""


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _close_open_fence(text: str) -> str:
    """An interrupted reply may stop inside a code block; close it so the export stays well-formed."""
    fences = _FENCE.findall(text)
    if len(fences) % 2 == 1:
        return text.rstrip("\n") + "\n" + fences[-1] + "\n"
    return text


def models_used(conversation: Conversation) -> list[str]:
    seen: list[str] = []
    for message in conversation.messages:
        if message.role == "assistant" and message.model and message.model not in seen:
            seen.append(message.model)
    return seen or [conversation.model]


def to_markdown(conversation: Conversation, *, secrets: tuple[str | None, ...] = ()) -> str:
    visible = [m for m in conversation.messages if m.status != MessageStatus.DISCARDED]
    started = min((m.created_at for m in visible), default=None)
    prompt_tokens = sum(m.usage.prompt_tokens for m in visible if m.usage)
    completion_tokens = sum(m.usage.completion_tokens for m in visible if m.usage)
    cost = sum(m.cost or 0 for m in visible)
    estimate = any(m.cost_is_estimate for m in visible)
    lines = [f"# {conversation.title or 'Untitled conversation'}", ""]
    if started is not None:
        lines.append(f"- **Date:** {_when(started)}")
    lines.append(f"- **Models:** {', '.join(models_used(conversation))}")
    lines.append(f"- **Messages:** {len(visible)}")
    lines.append(f"- **Tokens:** {prompt_tokens:,} prompt, {completion_tokens:,} completion")
    lines.append(f"- **Cost:** {format_usd(cost, estimate=estimate)}")
    lines += ["", "---", ""]
    if conversation.system_prompt:
        lines += ["## System", "", _close_open_fence(conversation.system_prompt).rstrip("\n"), ""]
    for message in visible:
        if message.role == "user":
            heading = "## You" + (" (not sent)" if message.status == MessageStatus.ERROR else "")
        else:
            heading = f"## Assistant · {message.model or conversation.model}"
        lines += [heading, "", _close_open_fence(message.content).rstrip("\n"), ""]
        notes = []
        if message.status in (MessageStatus.STOPPED, MessageStatus.INTERRUPTED):
            notes.append(f"{message.status.value}: partial reply")
        if message.role == "assistant" and message.usage:
            notes.append(f"{message.usage.completion_tokens:,} tokens")
        if message.role == "assistant" and message.cost is not None:
            notes.append(format_usd(message.cost, estimate=message.cost_is_estimate))
        if notes:
            lines += [f"*({', '.join(notes)})*", ""]
    return redact("\n".join(lines).rstrip("\n") + "\n", *secrets)


def to_json(conversation: Conversation, *, secrets: tuple[str | None, ...] = ()) -> str:
    """The OpenAI ``messages`` shape (usable as a request body) plus metadata alongside."""
    visible = [m for m in conversation.messages if m.status != MessageStatus.DISCARDED]
    messages: list[dict[str, str]] = []
    if conversation.system_prompt:
        messages.append({"role": "system", "content": conversation.system_prompt})
    metadata = []
    for message in visible:
        messages.append({"role": message.role, "content": message.content})
        metadata.append({
            "model": message.model,
            "status": message.status.value,
            "created_at": message.created_at,
            "usage": None if message.usage is None else {
                "prompt_tokens": message.usage.prompt_tokens,
                "completion_tokens": message.usage.completion_tokens,
                "total_tokens": message.usage.total_tokens,
            },
            "cost_usd": message.cost,
            "cost_is_estimate": message.cost_is_estimate,
        })
    document = {
        "format": FORMAT,
        "title": conversation.title,
        "model": conversation.model,
        "models_used": models_used(conversation),
        "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "messages": messages,
        "message_metadata": metadata,
    }
    return redact(json.dumps(document, indent=2, ensure_ascii=False) + "\n", *secrets)


def from_json(text: str, *, default_model: str) -> Conversation:
    """Read an export (or a bare OpenAI messages array) back into a Conversation."""
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidImport(f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    if isinstance(data, list):
        data = {"messages": data}
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        raise InvalidImport("expected an object with a 'messages' array (or a bare messages array)")
    metadata = data.get("message_metadata") if isinstance(data.get("message_metadata"), list) else []
    conversation = Conversation(model=str(data.get("model") or default_model),
                                title=data.get("title") if isinstance(data.get("title"), str) else None)
    index = 0
    for position, item in enumerate(data["messages"]):
        if not isinstance(item, dict) or item.get("role") not in ("system", "user", "assistant") \
                or not isinstance(item.get("content"), str):
            raise InvalidImport(f"message {position + 1} needs a role (system, user or assistant) and text content")
        if item["role"] == "system":
            conversation.system_prompt = item["content"]
            continue
        meta = metadata[index] if index < len(metadata) and isinstance(metadata[index], dict) else {}
        index += 1
        usage = meta.get("usage")
        try:
            status = MessageStatus(meta.get("status") or "complete")
        except ValueError:
            status = MessageStatus.COMPLETE
        if status == MessageStatus.STREAMING:
            status = MessageStatus.INTERRUPTED
        message = ChatMessage(
            role=item["role"], content=item["content"],
            model=meta.get("model") or (conversation.model if item["role"] == "assistant" else None),
            status=status,
            usage=Usage.from_json(usage) if isinstance(usage, dict) else None,
            cost=meta.get("cost_usd") if isinstance(meta.get("cost_usd"), (int, float)) else None,
            cost_is_estimate=bool(meta.get("cost_is_estimate")),
        )
        if isinstance(meta.get("created_at"), (int, float)):
            message.created_at = float(meta["created_at"])
        conversation.add(message)
    if not conversation.messages:
        raise InvalidImport("the conversation has no user or assistant messages")
    return conversation


def export_filename(conversation: Conversation, fmt: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", (conversation.title or "conversation").lower()).strip("-")[:40]
    return f"pinata-chat-{conversation.id or 'unsaved'}-{slug or 'conversation'}.{fmt}"


def write_export(conversation: Conversation, fmt: str, *, directory: Path | None = None,
                 fallback_dir: Path | None = None, secrets: tuple[str | None, ...] = ()) -> Path:
    """Write to ``directory`` (default: the current folder), or ``fallback_dir`` if that is not writable."""
    text = to_json(conversation, secrets=secrets) if fmt == "json" else to_markdown(conversation, secrets=secrets)
    name = export_filename(conversation, "json" if fmt == "json" else "md")
    target = (directory or Path.cwd())
    if not os.access(target, os.W_OK) and fallback_dir is not None:
        target = fallback_dir
    target.mkdir(parents=True, exist_ok=True)
    path = target / name
    path.write_text(text, encoding="utf-8")
    return path.resolve()
