"""Markdown export against golden files; JSON export/import round trip; keys never exported."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pinata_tui.api import Usage
from pinata_tui.conversation import ChatMessage, Conversation, MessageStatus
from pinata_tui.devserver import DEV_JWT, DEV_LLM_KEY
from pinata_tui.export import InvalidImport, from_json, to_json, to_markdown

GOLDEN = Path(__file__).parent / "golden"
T0 = 1_790_000_000.0  # 2026-09-21 14:13 UTC


def conversation() -> Conversation:
    conv = Conversation(model="openai/gpt-5-mini", system_prompt="You are terse.")
    conv.add(ChatMessage("user", "Show me a Python hello world", created_at=T0))
    conv.add(ChatMessage("assistant", "Here:\n\n```python\nprint(\"hello\")\n```\n",
                         model="anthropic/claude-sonnet-4-6", usage=Usage(20, 12, 32), cost=0.00024,
                         created_at=T0 + 5))
    conv.add(ChatMessage("user", f"My key is {DEV_LLM_KEY}, is that safe?\n\n## Not a real heading", created_at=T0 + 60))
    conv.add(ChatMessage("assistant", "Never paste keys. Rotate it:\n\n```sh\npinata-chat enable\n# and the",
                         model="openai/gpt-5-mini", status=MessageStatus.INTERRUPTED, cost=0.0001,
                         cost_is_estimate=True, created_at=T0 + 65))
    return conv


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_markdown_export_matches_the_golden_file():
    text = to_markdown(conversation(), secrets=(DEV_LLM_KEY, DEV_JWT))
    check_golden("conversation.md", text)


def test_markdown_export_never_contains_keys():
    text = to_markdown(conversation(), secrets=(DEV_LLM_KEY, DEV_JWT))
    assert DEV_LLM_KEY not in text and "pk-…cdef" in text


def test_markdown_closes_a_code_fence_left_open_by_an_interrupted_reply():
    text = to_markdown(conversation())
    fences = [line for line in text.splitlines() if line.startswith("```")]
    assert len(fences) % 2 == 0
    assert text.index("*(interrupted: partial reply") > text.rindex("```")


def test_json_is_the_openai_shape_plus_metadata():
    data = json.loads(to_json(conversation(), secrets=(DEV_LLM_KEY,)))
    assert data["format"] == "pinata-chat/1"
    assert data["messages"][0] == {"role": "system", "content": "You are terse."}
    assert all(set(m) == {"role", "content"} for m in data["messages"])
    assert len(data["message_metadata"]) == 4
    assert data["message_metadata"][1]["usage"] == {"prompt_tokens": 20, "completion_tokens": 12, "total_tokens": 32}
    assert data["models_used"] == ["anthropic/claude-sonnet-4-6", "openai/gpt-5-mini"]
    assert DEV_LLM_KEY not in json.dumps(data)


def test_json_round_trip():
    original = conversation()
    back = from_json(to_json(original), default_model="x/y")
    assert back.system_prompt == original.system_prompt and back.title == original.title
    assert back.model == original.model
    fields = lambda c: [(m.role, m.content, m.model, m.status, m.usage, m.cost, m.cost_is_estimate, m.created_at)
                        for m in c.messages]
    assert fields(back) == fields(original)


def test_import_accepts_a_bare_openai_messages_array():
    conv = from_json(json.dumps([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]),
                     default_model="a/b")
    assert [(m.role, m.content, m.model) for m in conv.messages] == [("user", "hi", None), ("assistant", "yo", "a/b")]


@pytest.mark.parametrize(("text", "complaint"), [
    ("{nope", "not valid JSON (line 1"),
    ('{"messages": "x"}', "'messages' array"),
    ('{"messages": [{"role": "robot", "content": "x"}]}', "message 1 needs a role"),
    ('{"messages": [{"role": "system", "content": "x"}]}', "no user or assistant"),
])
def test_import_explains_what_is_wrong(text, complaint):
    with pytest.raises(InvalidImport) as err:
        from_json(text, default_model="a/b")
    assert complaint in str(err.value)
