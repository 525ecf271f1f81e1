"""What was spent (issue #20, spend): the usage report, budgets in ask and in the TUI."""

from __future__ import annotations

import io
import json

from pinata_tui.api import Usage
from pinata_tui.ask import AskRequest, run_ask
from pinata_tui.cli import main
from pinata_tui.conversation import ChatMessage, Conversation
from pinata_tui.exit_codes import EXIT_OK, EXIT_OVER_BUDGET
from pinata_tui.paths import AppPaths
from pinata_tui.settings import BudgetSettings
from pinata_tui.store import ConversationStore
from pinata_tui.tui.chat.notice import Notice
from tests.tui_helpers import chat, make_app, ready, type_and_send, until


def seed(home) -> None:
    with ConversationStore(AppPaths.under(home).database) as store:
        for model, cost, billed in (("openai/gpt-5.1", 0.25, True), ("anthropic/claude-sonnet-4-6", 0.5, False)):
            conversation = Conversation(model=model, title=f"about {model}")
            store.save_message(conversation, conversation.add(ChatMessage("user", "hi")))
            store.save_message(conversation, conversation.add(ChatMessage(
                "assistant", "hello", model=model, cost=cost, cost_is_billed=billed,
                usage=Usage(100, 50, 150, cached_tokens=20, reasoning_tokens=10, cost=cost if billed else None))))


def test_usage_reports_tokens_and_cost_by_model_and_as_json(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PINATA_CHAT_HOME", str(tmp_path))
    seed(tmp_path)
    assert main(["usage", "--by", "model"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "anthropic/claude-sonnet-4-6" in out and "$0.50" in out and "total" in out and "$0.75" in out
    assert main(["usage", "--by", "day", "--json", "--since", "7d"]) == EXIT_OK
    data = json.loads(capsys.readouterr().out)
    [today] = data["rows"]
    assert today["replies"] == 2 and today["reasoning_tokens"] == 20 and today["cached_tokens"] == 40
    assert today["cost_usd"] == 0.75 and today["billed_usd"] == 0.25 and data["total_usd"] == 0.75
    assert main(["usage", "--since", "yesterday-ish"]) == 2


async def test_ask_refuses_past_the_daily_budget_unless_told(server, settings, tmp_path):
    seed(tmp_path)
    database = AppPaths.under(tmp_path).database
    over = settings.replace(budget=BudgetSettings(daily=0.5))
    request = AskRequest(prompt="hi", model="anthropic/claude-sonnet-4-6", system_prompt=None, as_json=False,
                         save=True)
    out, err = io.StringIO(), io.StringIO()
    assert await run_ask(request, over, database, out=out, err=err) == EXIT_OVER_BUDGET
    assert "over the budget of $0.50" in err.getvalue() and out.getvalue() == "" and not server.state.chat_requests()
    request.over_budget_ok = True
    assert await run_ask(request, over, database, out=io.StringIO(), err=io.StringIO()) == EXIT_OK
    under = settings.replace(budget=BudgetSettings(daily=5.0, monthly=10.0))
    request.over_budget_ok = False
    assert await run_ask(request, under, database, out=io.StringIO(), err=io.StringIO()) == EXIT_OK


async def test_the_tui_warns_past_the_budget_and_sends_on_a_second_enter(server, tmp_path):
    seed(tmp_path)
    app = make_app(server, tmp_path, budget=BudgetSettings(monthly=0.1))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = chat(app)
        await type_and_send(pilot, "one more")
        await until(pilot, lambda: any("over the budget" in str(n.render()) for n in screen.view.query(Notice)))
        assert screen.prompt.text == "one more" and not server.state.chat_requests()
        await pilot.press("enter")
        await until(pilot, lambda: not screen.streaming and len(screen.conversation.messages) == 2)
        assert len(server.state.chat_requests()) == 1
        await app.key_actions.show_spend()
        assert any("Spend: today" in str(n.render()) and "budget this month" in str(n.render())
                   for n in screen.view.query(Notice))


def test_imported_replies_are_not_new_spend_but_replies_added_to_them_are(server, tmp_path, monkeypatch):
    from tests.cli_helpers import run_cli, use_home

    paths = use_home(monkeypatch, tmp_path, server.url)
    seed(tmp_path)  # $0.75 really spent, in two conversations
    exported = tmp_path / "one.json"
    assert run_cli(monkeypatch, "export", "1", "-o", str(exported)).code == EXIT_OK
    for _ in range(3):
        assert run_cli(monkeypatch, "import", str(exported)).code == EXIT_OK
    usage = json.loads(run_cli(monkeypatch, "usage", "--by", "conversation", "--json").out)
    assert usage["total_usd"] == 0.75 and sorted(row["key"] for row in usage["rows"]) == ["1", "2"]
    assert usage["imported"] == {"replies": 3, "cost_usd": 0.75}
    with ConversationStore(paths.database) as store:
        assert store.spent_since(0) == 0.75
    table = run_cli(monkeypatch, "usage", "--by", "conversation").out
    assert "1  about openai/gpt-5.1" in table and "2  about anthropic" in table  # the id tells copies apart
    assert "3 imported replies ($0.75) are not counted" in table

    # A reply added later to an imported conversation (the newest one, id 5) is spent here and now.
    assert run_cli(monkeypatch, "ask", "--continue", "and more").code == EXIT_OK
    usage = json.loads(run_cli(monkeypatch, "usage", "--by", "conversation", "--json").out)
    assert [row["key"] for row in usage["rows"] if row["key"] not in ("1", "2")] == ["5"]
    assert usage["total_usd"] > 0.75 and usage["rows"][-1]["replies"] == 1


def test_usage_says_what_was_billed_computed_or_estimated_without_float_noise(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PINATA_CHAT_HOME", str(tmp_path))
    with ConversationStore(AppPaths.under(tmp_path).database) as store:
        conversation = Conversation(model="m", title="noise")
        store.save_message(conversation, conversation.add(ChatMessage("user", "hi")))
        for cost in (0.1, 0.2, 0.00000001):  # 0.1 + 0.2 is 0.30000000000000004 in floats
            store.save_message(conversation, conversation.add(ChatMessage("assistant", "x", model="m", cost=cost)))
    assert main(["usage", "--json"]) == EXIT_OK
    [row] = json.loads(capsys.readouterr().out)["rows"]
    assert row["cost_usd"] == 0.30000001 and row["computed_usd"] == 0.30000001
    assert row["billed_usd"] is None and row["estimated_usd"] == 0  # nothing billed: not "billed $0"
    assert main(["usage"]) == EXIT_OK
    out = capsys.readouterr().out
    [total] = [line for line in out.splitlines() if line.strip().startswith("total")]
    assert total.split()[-2:] == ["$0.30", "—"] and "computed from the catalog" in out


def test_usage_and_the_palette_say_when_a_budget_is_over(tmp_path, monkeypatch, capsys):
    from pinata_tui.budget import budget_notes
    from pinata_tui.settings import Settings

    seed(tmp_path)
    with ConversationStore(AppPaths.under(tmp_path).database) as store:
        notes = budget_notes(Settings(budget=BudgetSettings(daily=0.5, monthly=10.0)), store)
    assert notes == ["budget today: $0.75 of $0.50, over budget", "budget this month: $0.75 of $10.00"]


def test_usage_since_a_span_too_long_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PINATA_CHAT_HOME", str(tmp_path))
    assert main(["usage", "--since", "99999999d"]) == 2
    err = capsys.readouterr().err
    assert "'99999999d' reaches back before 1970" in err and "like 7d" not in err
    assert main(["usage", "--since", "9" * 5000 + "d"]) == 2
    assert "before 1970" in capsys.readouterr().err
    assert main(["usage", "--since", "20000d"]) == EXIT_OK


async def test_a_budget_of_0_means_nothing_is_to_be_spent_and_says_how_to_turn_it_off(server, settings, tmp_path,
                                                                                      monkeypatch):
    from tests.cli_helpers import run_cli, use_home

    request = AskRequest(prompt="hi", model="anthropic/claude-sonnet-4-6", system_prompt=None, as_json=False,
                         save=True)
    err = io.StringIO()
    zero = settings.replace(budget=BudgetSettings(monthly=0.0))
    assert await run_ask(request, zero, tmp_path / "new.db", out=io.StringIO(), err=err) == EXIT_OVER_BUDGET
    assert "budget.monthly is $0" in err.getvalue() and "config unset budget.monthly" in err.getvalue()
    assert not server.state.chat_requests()

    use_home(monkeypatch, tmp_path / "home", server.url)
    result = run_cli(monkeypatch, "config", "set", "budget.daily", "0")
    assert result.code == EXIT_OK and "nothing is to be spent" in result.err and "config unset budget.daily" in result.err
