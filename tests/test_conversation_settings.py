"""Per-conversation settings (#20): checking values, the store, exports and imports, and the request body."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from pinata_tui.chat.turn import ChatTurn, plan_send
from pinata_tui.conversation import ChatMessage, Conversation
from pinata_tui.conversation_settings import (
    ConversationSettings,
    SettingError,
    check_max_tokens,
    check_temperature,
    check_top_p,
    from_untrusted,
    parse_field,
    request_options,
    summary,
)
from pinata_tui.export import from_json, to_json, to_markdown
from pinata_tui.store import ConversationStore

MODEL = "anthropic/claude-sonnet-4-6"
CUSTOM = ConversationSettings(temperature=0.2, top_p=0.9, max_tokens=800, preset="code-review")


# ------------------------------------------------------------------ values


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("temperature", "", None), ("temperature", "  ", None), ("temperature", "0", 0.0), ("temperature", "2", 2.0),
    ("temperature", " 0.7 ", 0.7), ("top_p", "1", 1.0), ("top_p", "0.05", 0.05), ("max_tokens", "800", 800),
    ("max_tokens", "1000000", 1_000_000), ("temperature", ".5", 0.5), ("temperature", f"{0.00001:g}", 0.00001),
])
def test_dialog_values_parse(name, text, expected):
    assert parse_field(name, text) == expected


@pytest.mark.parametrize(("name", "text"), [
    ("temperature", "2.01"), ("temperature", "-0.1"), ("temperature", "nan"), ("temperature", "inf"),
    ("temperature", "warm"), ("top_p", "1.5"), ("top_p", "-1"), ("max_tokens", "0"), ("max_tokens", "-5"),
    ("max_tokens", "1.5"), ("max_tokens", "1000001"), ("max_tokens", "9" * 400), ("max_tokens", "lots"),
    # Python's int() and float() take these; a person typing a number does not mean them.
    ("max_tokens", "1_000"), ("temperature", "0_5"), ("max_tokens", "١٢"), ("max_tokens", "1e3"),
    ("top_p", "infinity"), ("temperature", "1e5"),
])
def test_dialog_values_out_of_bounds_are_refused_with_the_range(name, text):
    with pytest.raises(SettingError, match=r"from \d"):
        parse_field(name, text)


def test_checks_refuse_wrong_types():
    for check in (check_temperature, check_top_p, check_max_tokens):
        for value in (True, "1", None, [1], {"a": 1}, math.inf):
            with pytest.raises(SettingError):
                check(value)
    assert check_max_tokens(5) == 5 and check_temperature(1) == 1.0


def test_untrusted_settings_keep_what_is_valid_and_drop_the_rest():
    hostile = {"temperature": 1e308, "top_p": "0.5", "max_tokens": 10**30, "preset": "\x1b[31mred\nline" + "x" * 500}
    settings = from_untrusted(hostile)
    assert settings.temperature is None and settings.top_p is None and settings.max_tokens is None
    assert settings.preset is not None and "\x1b" not in settings.preset and "\n" not in settings.preset
    assert len(settings.preset) <= 64
    assert from_untrusted({"temperature": 0.3, "max_tokens": 12, "preset": 5}) == ConversationSettings(
        temperature=0.3, max_tokens=12)
    assert from_untrusted("nonsense") == ConversationSettings() == from_untrusted(None)


def test_summary_shows_only_what_differs_from_the_defaults():
    assert summary(ConversationSettings(), None) == ""
    assert summary(ConversationSettings(), "Be brief.", default_system="Be brief.") == ""
    assert summary(CUSTOM, "x") == "preset code-review · T 0.2 · top_p 0.9 · max 800 · system ✓"
    assert summary(ConversationSettings(max_tokens=4000), None) == "max 4,000"
    # config.toml's system prompt turned off for this conversation is a difference too.
    assert summary(ConversationSettings(), None, default_system="CFG SYS") == "system off"
    assert summary(ConversationSettings(), "", default_system="CFG SYS") == "system off"


def test_a_summary_too_wide_shortens_the_preset_name_and_keeps_the_values():
    long = ConversationSettings(temperature=0.2, max_tokens=4000, preset="a" * 60 + "-end")
    full = summary(long, "x")
    assert full == f"preset {'a' * 60}-end · T 0.2 · max 4,000 · system ✓" and summary(long, "x", width=200) == full
    short = summary(long, "x", width=50)
    assert len(short) == 50 and short.endswith("… · T 0.2 · max 4,000 · system ✓")
    assert short.startswith("preset aaaa")
    assert summary(long, "x", width=10).endswith("· T 0.2 · max 4,000 · system ✓")  # the values stay


def test_the_conversations_values_win_over_the_config_defaults():
    options = request_options(CUSTOM, max_tokens=100, temperature=1.0, top_p=0.5, extra={"seed": 1})
    assert (options.max_tokens, options.temperature) == (800, 0.2)
    assert options.extra == {"seed": 1, "top_p": 0.9}
    defaults = request_options(ConversationSettings(), max_tokens=100, temperature=None)
    assert (defaults.max_tokens, defaults.temperature, defaults.extra) == (100, None, {})


# ------------------------------------------------------------------ the store


def test_settings_round_trip_through_the_store(tmp_path: Path):
    with ConversationStore(tmp_path / "h.db") as store:
        conversation = Conversation(model=MODEL, system_prompt="Be terse.", settings=CUSTOM)
        store.save_message(conversation, conversation.add(ChatMessage("user", "hi")))
        loaded = store.load(conversation.id)
        assert loaded.settings == CUSTOM and loaded.system_prompt == "Be terse."

        conversation.settings = ConversationSettings(top_p=0.4)
        conversation.system_prompt = None
        store.save_settings(conversation)
        loaded = store.load(conversation.id)
        assert loaded.settings == ConversationSettings(top_p=0.4) and loaded.system_prompt is None

        imported = Conversation(model=MODEL, settings=ConversationSettings(max_tokens=42, preset="x"))
        imported.add(ChatMessage("user", "imported"))
        store.save_conversation(imported)
        assert store.load(imported.id).settings == ConversationSettings(max_tokens=42, preset="x")


def test_a_value_edited_by_hand_out_of_bounds_is_not_loaded(tmp_path: Path):
    with ConversationStore(tmp_path / "h.db") as store:
        conversation = Conversation(model=MODEL)
        store.save_message(conversation, conversation.add(ChatMessage("user", "hi")))
        store._write("UPDATE conversations SET temperature = 9, top_p = 'x', max_tokens = -3 WHERE id = ?",
                     (conversation.id,))
        assert store.load(conversation.id).settings == ConversationSettings()


def test_saving_settings_of_an_unsaved_conversation_does_nothing(tmp_path: Path):
    with ConversationStore(tmp_path / "h.db") as store:
        store.save_settings(Conversation(model=MODEL, settings=CUSTOM))
        assert store.list_conversations() == []


# ------------------------------------------------------------------ exports and imports


def conversation_with_settings() -> Conversation:
    conversation = Conversation(model=MODEL, system_prompt="Be terse.", settings=CUSTOM, title="T")
    conversation.add(ChatMessage("user", "hi"))
    conversation.add(ChatMessage("assistant", "hello", model=MODEL))
    return conversation


def test_json_export_keeps_the_settings_and_import_reads_them_back():
    text = to_json(conversation_with_settings())
    assert json.loads(text)["settings"] == {"temperature": 0.2, "top_p": 0.9, "max_tokens": 800,
                                            "preset": "code-review"}
    back = from_json(text, default_model="x")
    assert back.settings == CUSTOM and back.system_prompt == "Be terse."
    plain = Conversation(model=MODEL)
    plain.add(ChatMessage("user", "hi"))
    assert "settings" not in json.loads(to_json(plain))


def test_markdown_export_has_a_settings_line():
    text = to_markdown(conversation_with_settings())
    header = text.split("---", 1)[0]
    assert "- **Settings:** preset code-review · T 0.2 · top_p 0.9 · max 800\n" in header



def test_markdown_export_says_when_config_tomls_system_prompt_was_turned_off():
    conversation = conversation_with_settings()
    conversation.system_prompt, conversation.settings = None, ConversationSettings()
    assert "- **Settings:** system off\n" in to_markdown(conversation, default_system="CFG SYS")
    assert "**Settings:**" not in to_markdown(conversation)  # no system prompt in config.toml: nothing is off


def test_hostile_settings_in_an_import_are_dropped_without_a_crash():
    for settings in ({"temperature": "NaN", "top_p": 7, "max_tokens": 1.5, "preset": ["x"]}, [1, 2], "x", 5,
                     {"temperature": {"nested": True}}, None):
        document = {"messages": [{"role": "user", "content": "hi"}], "settings": settings}
        assert from_json(json.dumps(document), default_model=MODEL).settings == ConversationSettings()


# ------------------------------------------------------------------ the request body


async def persist(write):
    return None


async def no_prices(model_id):
    return None


async def test_the_request_carries_the_conversations_settings(server, client):
    conversation = Conversation(model=MODEL, system_prompt="Answer in French.", settings=CUSTOM)
    await ChatTurn(plan_send(conversation, "Hi"), client, persist=persist, prices=no_prices,
                   max_tokens=100, temperature=1.0, top_p=0.5).run()
    body = server.state.chat_requests()[-1]["body"]
    assert (body["temperature"], body["top_p"], body["max_tokens"]) == (0.2, 0.9, 800)
    assert body["messages"][0] == {"role": "system", "content": "Answer in French."}

    conversation.settings = ConversationSettings()  # changed mid-conversation: the next request follows
    await ChatTurn(plan_send(conversation, "Again"), client, persist=persist, prices=no_prices,
                   max_tokens=100, temperature=1.0, top_p=0.5).run()
    body = server.state.chat_requests()[-1]["body"]
    assert (body["temperature"], body["top_p"], body["max_tokens"]) == (1.0, 0.5, 100)


async def test_a_cut_at_the_conversations_own_limit_points_at_its_settings(server, client):
    from pinata_tui.devserver import Fault

    server.state.add_fault(Fault(content_tokens=30, finish_reason="length"))
    conversation = Conversation(model=MODEL, settings=ConversationSettings(max_tokens=30))
    outcome = await ChatTurn(plan_send(conversation, "Hi"), client, persist=persist, prices=no_prices,
                             max_tokens=4000).run()
    assert outcome.notice is not None and "limit of 30 tokens" in outcome.notice
    assert "this conversation's settings (F3)" in outcome.notice and "config set" not in outcome.notice


def test_settings_survive_an_export_with_branches():
    conversation = conversation_with_settings()
    first = conversation.messages[-1]
    other = ChatMessage("assistant", "another", model=MODEL, parent=first.parent)
    conversation.add_to_tree(other)
    back = from_json(to_json(conversation), default_model="x")
    assert back.has_branches and back.settings == CUSTOM
