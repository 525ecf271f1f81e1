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
    def fields(c):
        return [(m.role, m.content, m.model, m.status, m.usage, m.cost, m.cost_is_estimate, m.created_at)
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


def thinking_conversation() -> Conversation:
    conv = Conversation(model="openai/gpt-5.1")
    conv.add(ChatMessage("user", "Is 91 prime?", created_at=T0))
    conv.add(ChatMessage("assistant", "No: 91 = 7 × 13.", model="openai/gpt-5.1",
                         reasoning="Try 7: 7 × 13 = 91.\n</details> is not the end", finish_reason="stop",
                         usage=Usage(10, 40, 50, cached_tokens=4, reasoning_tokens=30, cost=0.0012),
                         cost=0.0012, cost_is_billed=True, created_at=T0 + 3))
    conv.add(ChatMessage("user", "And 97?", created_at=T0 + 10))
    conv.add(ChatMessage("assistant", "", model="openai/gpt-5.1", status=MessageStatus.TRUNCATED,
                         reasoning="Check divisors up to 9…", finish_reason="length",
                         usage=Usage(30, 64, 94, reasoning_tokens=64), cost=0.0007, created_at=T0 + 12))
    return conv


def test_reasoning_is_exported_folded_in_markdown_and_can_be_left_out():
    text = to_markdown(thinking_conversation())
    assert text.count("<details><summary>Reasoning</summary>") == 2
    assert "Try 7: 7 × 13 = 91." in text and "&lt;/details> is not the end" in text
    assert "$0.0012 billed" in text and "cut at limit" in text
    assert "(94 of them reasoning)" in text
    plain = to_markdown(thinking_conversation(), include_reasoning=False)
    assert "<details>" not in plain and "Try 7" not in plain and "No: 91 = 7 × 13." in plain


def test_reasoning_usage_details_and_billed_cost_round_trip_through_json():
    back = from_json(to_json(thinking_conversation()), default_model="x/y")
    first, second = back.messages[1], back.messages[3]
    assert first.reasoning.startswith("Try 7") and first.cost_is_billed and first.cost == 0.0012
    assert first.usage.cached_tokens == 4 and first.usage.reasoning_tokens == 30
    assert second.status == MessageStatus.TRUNCATED and second.finish_reason == "length"
    without = json.loads(to_json(thinking_conversation(), include_reasoning=False))
    assert all("reasoning" not in meta for meta in without["message_metadata"])


def test_an_imported_cost_that_is_not_a_sane_number_is_dropped():
    data = json.loads(to_json(thinking_conversation()))
    data["message_metadata"][1]["cost_usd"] = 1e999
    assert from_json(json.dumps(data), default_model="x/y").messages[1].cost is None


def test_an_imported_number_too_large_for_a_float_is_dropped_not_a_crash():
    document = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
                "message_metadata": [{}, {"cost_usd": 10**400, "elapsed_seconds": 10**400, "created_at": 10**400}]}
    reply = from_json(json.dumps(document), default_model="m").messages[1]
    assert reply.cost is None and reply.elapsed is None and not reply.cost_is_billed
