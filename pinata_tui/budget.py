"""Spend budgets (``budget.daily``, ``budget.monthly`` in config.toml), checked the same way by
``ask`` (which refuses) and the TUI (which warns before sending). Knows nothing of Textual.

A budget of 0 means what it says: nothing is to be spent, so every request is over it (a budget
that is not set is off: ``pinata-chat config unset budget.daily``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pinata_tui.pricing import format_usd
from pinata_tui.settings import ZERO_BUDGET_NOTE, Settings
from pinata_tui.store.spend import start_of_day, start_of_month

if TYPE_CHECKING:
    from pinata_tui.store import ConversationStore


def _budgets(settings: Settings) -> list[tuple[float | None, float, str]]:
    return [(settings.budget.daily, start_of_day(), "today"), (settings.budget.monthly, start_of_month(), "this month")]


def over_budget(settings: Settings, store: ConversationStore) -> str | None:
    """One line when today's or this month's spend has reached its budget, else None. Reads the store."""
    for limit, since, what in _budgets(settings):
        if limit == 0:
            key = "budget.daily" if what == "today" else "budget.monthly"
            return f"{key} is $0: {ZERO_BUDGET_NOTE}; `pinata-chat config unset {key}` turns it off."
        if limit is not None:
            spent = store.spent_since(since)
            if spent >= limit:
                return f"Spent {format_usd(spent)} {what}: over the budget of {format_usd(limit)}."
    return None


def budget_notes(settings: Settings, store: ConversationStore) -> list[str]:
    """Each budget set, and how much of it is spent (for the usage report and the palette)."""
    notes = []
    for limit, since, what in _budgets(settings):
        if limit is not None:
            spent = store.spent_since(since)
            over = ", over budget" if spent >= limit else ""
            notes.append(f"budget {what}: {format_usd(spent)} of {format_usd(limit)}{over}")
    return notes
