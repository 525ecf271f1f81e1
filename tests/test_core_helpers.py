"""Sanitising, token counting, pricing, the catalog cache and the conversation model."""

from __future__ import annotations

import json

import pytest

from pinata_tui.api import ModelInfo, Usage
from pinata_tui.catalog import close_matches, load_cached_catalog, save_catalog
from pinata_tui.conversation import ChatMessage, Conversation, MessageStatus, title_from_prompt
from pinata_tui.pricing import format_price, format_usd, reply_cost
from pinata_tui.sanitize import has_control_characters, make_displayable
from pinata_tui.tokens import TokenCounter


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[2J\x1b[H", "␛[2J␛[H"),  # clear screen
        ("\x1b]0;pwned\x07", "␛]0;pwned␇"),  # window title
        ("\x1b]52;c;aGVsbG8=\x07", "␛]52;c;aGVsbG8=␇"),  # OSC 52 clipboard write
        ("\x9b31m", "⟨U+009B⟩31m"),  # 8-bit CSI
        ("a\rb", "a␍b"),
        ("line\r\nnext\tcol\n", "line\nnext\tcol\n"),
        ("abc\u202edef", "abc⟨U+202E⟩def"),
        ("[bold red]not markup[/]", "[bold red]not markup[/]"),
        ("\x00\x7f", "␀␡"),
    ],
)
def test_control_characters_become_visible(raw, shown):
    assert make_displayable(raw) == shown
    assert not has_control_characters(shown.replace("\t", "").replace("\n", ""))


def test_escape_split_across_chunks_is_still_neutralised():
    pieces = ["before \x1b", "]52;c;", "ZXZpbA==\x07 after"]
    assert "\x1b" not in "".join(make_displayable(p) for p in pieces)


@pytest.fixture(scope="module")
def counter() -> TokenCounter:
    return TokenCounter().load()


def test_token_counts_work_offline_and_label_estimates(counter):
    assert counter.count("Hello, world!", "openai/gpt-4") == 4  # cl100k_base, exact for gpt-4
    assert counter.choice_for("openai/gpt-4").exact
    assert not counter.choice_for("anthropic/claude-sonnet-4-6").exact
    assert counter.choice_for("openai/gpt-5.1").name in ("o200k_base", "cl100k_base")
    assert counter.choice_for("openai/gpt-5.1").exact == counter.o200k_available
    assert counter.count("", "x/y") == 0
    assert counter.count_message("Hello, world!", "openai/gpt-4") == 8


def test_token_counter_refuses_before_load():
    with pytest.raises(RuntimeError):
        TokenCounter().count("text", "openai/gpt-4")


def test_cost_from_usage_and_catalog_prices():
    sonnet = ModelInfo("anthropic/claude-sonnet-4-6", 3.0, 15.0, 0.3)
    assert reply_cost(Usage(1000, 500, 1500), sonnet) == pytest.approx(0.003 + 0.0075)
    assert reply_cost(Usage(1, 1, 2), ModelInfo("a/b", None, None)) is None
    assert reply_cost(Usage(1, 1, 2), None) is None
    assert format_usd(0.0105) == "$0.0105" and format_usd(0.00042) == "$0.0004" and format_usd(12.345) == "$12.35"
    assert format_usd(0.00001) == "<$0.0001" and format_usd(0.5) == "$0.50"
    assert format_price(0.175) == "$0.175" and format_price(3.0) == "$3.00" and format_price(None) == "—"
    assert format_usd(0.5, estimate=True) == "~$0.50" and format_usd(None) == "$?"


def test_catalog_cache_round_trip_and_bad_files(tmp_path):
    path = tmp_path / "cache" / "catalog.json"
    assert load_cached_catalog(path) == ([], None)
    models = [ModelInfo("a/b", 1.0, 2.0, None), ModelInfo("c/d", 0.5, 1.5, 0.1)]
    save_catalog(path, models)
    loaded, fetched_at = load_cached_catalog(path)
    assert loaded == models and fetched_at is not None
    path.write_text("{not json")
    assert load_cached_catalog(path) == ([], None)
    path.write_text(json.dumps({"models": "nope"}))
    assert load_cached_catalog(path) == ([], None)


def test_close_matches_for_unknown_models():
    models = [ModelInfo(i, 1, 1) for i in ("anthropic/claude-sonnet-4-6", "anthropic/claude-haiku-4-5",
                                             "openai/gpt-5.1", "openai/gpt-5-mini")]
    assert close_matches("anthropic/claude-sonet-4-6", models)[0] == "anthropic/claude-sonnet-4-6"
    assert "openai/gpt-5.1" in close_matches("gpt-5.1", models)
    assert close_matches("zzzz", models) == []


def test_history_keeps_partial_replies_and_drops_failed_ones():
    conv = Conversation(model="a/b", system_prompt="Be brief.")
    conv.add(ChatMessage("user", "one"))
    conv.add(ChatMessage("assistant", "partial", model="a/b", status=MessageStatus.STOPPED))
    conv.add(ChatMessage("user", "two"))
    conv.add(ChatMessage("assistant", "", model="a/b", status=MessageStatus.ERROR, error="boom"))
    assert conv.request_history() == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": "partial"},
        {"role": "user", "content": "two"},
    ]
    assert conv.title == "one"


def test_titles_come_from_the_first_line_cut_at_a_word():
    assert title_from_prompt("\n  Fix my regex  \nplease") == "Fix my regex"
    long = "word " * 30
    title = title_from_prompt(long)
    assert title.endswith("…") and len(title) <= 61 and "wor…" not in title
