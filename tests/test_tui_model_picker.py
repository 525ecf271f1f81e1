"""The model picker: ranked matches, what a user weighs (prices, the next request's cost), any width."""

from __future__ import annotations

from textual.widgets import OptionList

from pinata_tui.api.types import ModelInfo
from pinata_tui.catalog import rank_models
from pinata_tui.devserver import CATALOG
from pinata_tui.tui.models.model_picker import ModelPicker
from tests.tui_helpers import chat, make_app, ready, send_and_wait, until

MODELS = [m for m in (ModelInfo.from_json(item) for item in CATALOG) if m is not None]


def ids(query: str) -> list[str]:
    return [m.model_id for m in rank_models(query, MODELS)]


def test_contiguous_and_word_start_matches_rank_first():
    assert ids("gmini")[:2] == ["google/gemini-2.5-pro", "google/gemini-2.5-flash"]
    assert ids("gmini").index("openai/gpt-5-mini") == 2
    assert ids("sonnet") == ["anthropic/claude-sonnet-4-6"]
    assert ids("mini")[0] == "openai/gpt-5-mini"  # a whole word in the name beats letters spread out
    assert ids("xyzzy") == [] and ids("") == [m.model_id for m in MODELS]


def rows(picker: ModelPicker) -> list[str]:
    options = picker.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def open_picker(pilot) -> ModelPicker:
    await pilot.press("ctrl+l")
    picker = pilot.app.screen
    assert isinstance(picker, ModelPicker)
    await until(pilot, lambda: len(rows(picker)) > 1, what="the rows")
    return picker


async def test_rows_show_prices_cache_read_and_the_next_requests_cost(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "Hello there, a question")
        picker = await open_picker(pilot)
        context = chat(app).context.total(chat(app).conversation)
        opus = next(r for r in rows(picker) if "claude-opus-4-1" in r)
        assert "$15.00 in" in opus and "$75.00 out" in opus and "$1.50 cached" in opus
        assert f"next ${context * 15 / 1e6:.4f}".rstrip("0") in opus
        assert "0.175" not in opus
        await pilot.press(*"gmini")
        await until(pilot, lambda: "gemini-2.5-pro" in rows(picker)[0], what="the ranking")


async def test_at_40_columns_the_picker_still_shows_one_row_per_model(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(40, 12)) as pilot:
        await ready(pilot)
        picker = await open_picker(pilot)
        shown = rows(picker)
        assert len(shown) == len(MODELS)
        assert all("\n" not in r for r in shown)
        sonnet = next(r for r in shown if "sonnet" in r)
        assert "$3.00 in" in sonnet and "cached" not in sonnet and "anthropic" not in sonnet
        list_widget = picker.query_one(OptionList)
        assert list_widget.size.height >= 2  # rows are visible, not squeezed out
        await pilot.press("enter")
        assert not isinstance(app.screen, ModelPicker)
