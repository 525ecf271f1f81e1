"""The chat-turn service (``chat.turn``) against the loopback server: every ending, named and saved.

Each test queues a stream shape that real gateways send (see ``pinata_tui.devserver``), runs one
turn through ``ChatTurn`` (as the TUI does) or ``run_ask`` (as ``pinata-chat ask`` does), and checks
the text, the saved status, usage, cost, the notice and the exit code. Tests wait on the turn's
own events, never on the clock.
"""

from __future__ import annotations

import asyncio
import io
import json
import sqlite3
from pathlib import Path

import pytest

from pinata_tui.api import PinataClient
from pinata_tui.api.types import ModelInfo
from pinata_tui.ask import AskRequest, run_ask
from pinata_tui.chat.turn import (
    ChatTurn,
    ReasoningText,
    ReplySaved,
    ReplyText,
    Settled,
    TurnEvent,
    plan_regenerate,
    plan_resend,
    plan_send,
)
from pinata_tui.conversation import Conversation, MessageStatus
from pinata_tui.devserver import CATALOG, Fault
from pinata_tui.exit_codes import (
    EXIT_FILTERED,
    EXIT_NO_TEXT,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_SERVER,
    EXIT_TOOL_CALLS,
    EXIT_TRUNCATED,
)
from pinata_tui.store import ConversationStore

MODEL = "anthropic/claude-sonnet-4-6"
SONNET = next(ModelInfo.from_json(m) for m in CATALOG if m["model_id"] == MODEL)


class Recorder:
    """A turn's event sink that keeps every event, and a store the turn writes to in a thread."""

    def __init__(self, database: Path) -> None:
        self.events: list[TurnEvent] = []
        self.store = ConversationStore(database)

    def __call__(self, event: TurnEvent) -> None:
        self.events.append(event)

    async def persist(self, write):
        return await asyncio.to_thread(write, self.store)

    def of(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]


async def prices(model_id: str) -> ModelInfo | None:
    return SONNET if model_id == MODEL else None


async def run_turn(client: PinataClient, recorder: Recorder, conversation: Conversation, text: str = "Hi",
                   **kwargs):
    plan = plan_send(conversation, text)
    turn = ChatTurn(plan, client, persist=recorder.persist, prices=prices, **kwargs)
    return plan, await turn.run(recorder)


@pytest.fixture
def recorder(tmp_path: Path) -> Recorder:
    rec = Recorder(tmp_path / "history.db")
    yield rec
    rec.store.close()


def saved_reply(recorder: Recorder, conversation: Conversation):
    return recorder.store.load(conversation.id).messages[-1]


async def ask(settings, tmp_path: Path, *, as_json: bool = False, show_reasoning: bool = False):
    out, err = io.StringIO(), io.StringIO()
    request = AskRequest(prompt="Hi", model=MODEL, system_prompt=None, as_json=as_json, save=True,
                         show_reasoning=show_reasoning)
    code = await run_ask(request, settings, tmp_path / "ask.db", out=out, err=err)
    return code, out.getvalue(), err.getvalue()


# ------------------------------------------------------------------ the path of one turn


async def test_a_turn_saves_the_prompt_first_and_the_reply_from_its_first_text(server, client, recorder):
    conversation = Conversation(model=MODEL)
    plan, outcome = await run_turn(client, recorder, conversation)
    kinds = [type(e).__name__ for e in recorder.events]
    assert kinds[0] == "UserSaved" and kinds[-1] == "Settled"
    assert kinds.index("ReplySaved") < kinds.index("ReplyText") or kinds.index("ReplySaved") == 1
    assert outcome.status == MessageStatus.COMPLETE and outcome.notice is None
    saved = saved_reply(recorder, conversation)
    assert saved.content == plan.reply.content and saved.status == MessageStatus.COMPLETE
    assert saved.usage == plan.reply.usage and saved.cost == pytest.approx(plan.reply.cost)
    assert outcome.tokens_per_second and outcome.completion_tokens == plan.reply.usage.completion_tokens


@pytest.mark.parametrize("field", ["reasoning", "reasoning_content", "reasoning_details"])
async def test_reasoning_in_every_field_name_is_shown_saved_and_billed(server, client, recorder, field):
    server.state.add_fault(Fault(reasoning=field, reasoning_tokens=12))
    conversation = Conversation(model=MODEL)
    plan, outcome = await run_turn(client, recorder, conversation)
    reasoning = "".join(e.text for e in recorder.of(ReasoningText))
    assert reasoning and plan.reply.reasoning == reasoning
    first_text = next(i for i, e in enumerate(recorder.events) if isinstance(e, ReplyText))
    assert all(i < first_text for i, e in enumerate(recorder.events) if isinstance(e, ReasoningText))
    assert outcome.status == MessageStatus.COMPLETE
    usage = plan.reply.usage
    assert usage.reasoning_tokens == 12 and usage.completion_tokens >= 12
    assert plan.reply.cost == pytest.approx((usage.prompt_tokens * 3 + usage.completion_tokens * 15) / 1e6)
    saved = saved_reply(recorder, conversation)
    assert saved.reasoning == reasoning and saved.usage.reasoning_tokens == 12


async def test_a_reply_that_spent_its_budget_on_reasoning_is_named_and_costed(server, client, recorder):
    server.state.add_fault(Fault(reasoning="reasoning_content", reasoning_tokens=30, content_tokens=0,
                                 finish_reason="length"))
    conversation = Conversation(model=MODEL)
    plan, outcome = await run_turn(client, recorder, conversation)
    assert outcome.status == MessageStatus.TRUNCATED and plan.reply.content == ""
    assert "No visible text" in outcome.notice and "30 reasoning tokens" in outcome.notice
    assert "max_tokens" in outcome.notice
    saved = saved_reply(recorder, conversation)
    assert saved.status == MessageStatus.TRUNCATED and saved.usage.completion_tokens >= 30
    assert saved.cost is not None and saved.cost > 0


async def test_ask_never_exits_0_with_empty_stdout_after_a_reasoning_only_reply(server, settings, tmp_path):
    server.state.add_fault(Fault(reasoning="reasoning", reasoning_tokens=10, content_tokens=0,
                                 finish_reason="length"))
    code, out, err = await ask(settings, tmp_path)
    assert code == EXIT_TRUNCATED and out == ""
    assert "No visible text: 10 reasoning tokens used" in err


async def test_ask_json_carries_reasoning_usage_and_cost_of_an_empty_reply(server, settings, tmp_path):
    server.state.add_fault(Fault(reasoning="reasoning", reasoning_tokens=10, content_tokens=0))
    code, out, err = await ask(settings, tmp_path, as_json=True)
    data = json.loads(out)
    assert code == EXIT_NO_TEXT and data["status"] == "empty" and data["content"] == ""
    assert data["reasoning"] and data["usage"]["reasoning_tokens"] == 10
    assert data["cost_usd"] is not None and data["cost_usd"] > 0


async def test_ask_shows_reasoning_on_stderr_only_when_asked(server, settings, tmp_path):
    server.state.add_fault(Fault(reasoning="reasoning_content", reasoning_tokens=8, times=2))
    code, out, err = await ask(settings, tmp_path)
    assert code == EXIT_OK and "reasoning" not in err
    code, out_shown, err_shown = await ask(settings, tmp_path, show_reasoning=True)
    assert code == EXIT_OK and "pinata-chat: reasoning:" in err_shown and out_shown == out


async def test_cut_at_the_token_limit_is_saved_as_such_and_says_how_to_go_on(server, client, recorder):
    conversation = Conversation(model=MODEL)
    plan, outcome = await run_turn(client, recorder, conversation, max_tokens=5)
    assert outcome.status == MessageStatus.TRUNCATED and plan.reply.content
    assert "limit of 5 tokens" in outcome.notice and "Ctrl+G" in outcome.notice
    assert saved_reply(recorder, conversation).status == MessageStatus.TRUNCATED
    assert plan.reply.is_partial  # Ctrl+G can continue it


async def test_ask_exit_code_and_notice_for_a_cut_reply(server, settings, tmp_path):
    code, out, err = await ask(settings.replace(max_tokens=5), tmp_path)
    assert code == EXIT_TRUNCATED and out.strip() and "Cut at the limit of 5 tokens" in err


async def test_content_filter_is_named(server, client, recorder, settings, tmp_path):
    server.state.add_fault(Fault(finish_reason="content_filter", content_tokens=4, times=2))
    conversation = Conversation(model=MODEL)
    _, outcome = await run_turn(client, recorder, conversation)
    assert outcome.status == MessageStatus.FILTERED and "content filter" in outcome.notice
    code, _, err = await ask(settings, tmp_path)
    assert code == EXIT_FILTERED and "content filter" in err


@pytest.mark.parametrize("style", ["openrouter", "choice", "vllm"])
async def test_an_error_inside_the_stream_keeps_the_text_and_says_what_the_server_said(
        server, client, recorder, style):
    server.state.add_fault(Fault(stream_error="Provider disconnected [bold]x[/] \x1b]0;pwned\x07",
                                 stream_error_after=5, stream_error_style=style))
    conversation = Conversation(model=MODEL)
    plan, outcome = await run_turn(client, recorder, conversation)
    assert outcome.status == MessageStatus.FAILED and plan.reply.content
    assert "Provider disconnected [bold]x[/]" in outcome.notice and "\x1b" not in outcome.notice
    saved = saved_reply(recorder, conversation)
    assert saved.status == MessageStatus.FAILED and saved.content == plan.reply.content
    assert "Provider disconnected" in saved.error


async def test_ask_exits_with_the_server_code_on_an_in_stream_error(server, settings, tmp_path):
    server.state.add_fault(Fault(stream_error="overloaded", stream_error_after=3))
    code, out, err = await ask(settings, tmp_path)
    assert code == EXIT_SERVER and out.strip() and "overloaded" in err


async def test_a_refusal_is_the_reply_marked_refused(server, client, recorder, settings, tmp_path):
    server.state.add_fault(Fault(refusal="I can't help with that.", times=2))
    conversation = Conversation(model=MODEL)
    plan, outcome = await run_turn(client, recorder, conversation)
    assert outcome.status == MessageStatus.REFUSED and plan.reply.content == "I can't help with that."
    assert saved_reply(recorder, conversation).status == MessageStatus.REFUSED
    code, out, err = await ask(settings, tmp_path)
    assert code == EXIT_REFUSED and out.strip() == "I can't help with that." and "refused" in err


async def test_tool_calls_only_is_saved_and_explained(server, client, recorder, settings, tmp_path):
    server.state.add_fault(Fault(tool_calls=True, times=2))
    conversation = Conversation(model=MODEL)
    plan, outcome = await run_turn(client, recorder, conversation)
    assert outcome.status == MessageStatus.TOOL_CALLS and "get_weather" in outcome.notice
    assert "does not run tools" in outcome.notice
    saved = saved_reply(recorder, conversation)
    assert saved.status == MessageStatus.TOOL_CALLS and saved.usage is not None
    code, out, err = await ask(settings, tmp_path)
    assert code == EXIT_TOOL_CALLS and out == "" and "get_weather" in err


async def test_the_billed_cost_is_preferred_and_labelled(server, client, recorder):
    server.state.add_fault(Fault(usage_cost=0.004321))
    conversation = Conversation(model=MODEL)
    plan, _ = await run_turn(client, recorder, conversation)
    assert plan.reply.cost == pytest.approx(0.004321) and plan.reply.cost_is_billed
    saved = saved_reply(recorder, conversation)
    assert saved.cost == pytest.approx(0.004321) and saved.cost_is_billed


async def test_cached_tokens_are_charged_at_the_cache_read_price(server, client, recorder):
    server.state.add_fault(Fault(cached_tokens=10))
    conversation = Conversation(model=MODEL)
    plan, _ = await run_turn(client, recorder, conversation, text="A longer prompt, " * 10)
    usage = plan.reply.usage
    assert usage.prompt_tokens > 10 and usage.cached_tokens == 10 and not plan.reply.cost_is_billed
    expected = ((usage.prompt_tokens - 10) * 3.0 + 10 * 0.3 + usage.completion_tokens * 15.0) / 1e6
    assert plan.reply.cost == pytest.approx(expected)


async def test_comment_lines_and_a_missing_done_after_finish_are_a_complete_reply(server, client, recorder):
    server.state.add_fault(Fault(comments=[": OPENROUTER PROCESSING"], drop_done=True))
    conversation = Conversation(model=MODEL)
    plan, outcome = await run_turn(client, recorder, conversation)
    assert outcome.status == MessageStatus.COMPLETE and plan.reply.usage is not None


# ------------------------------------------------------------------ failures, resends, regeneration


async def test_a_failed_request_gives_the_prompt_back_and_a_resend_is_the_same_message(server, client, recorder):
    server.state.add_fault(Fault(status=500, times=5))
    conversation = Conversation(model=MODEL)
    plan, outcome = await run_turn(client, recorder, conversation, text="Once only")
    assert outcome.reply is None and outcome.status == MessageStatus.ERROR and outcome.error is not None
    user = plan.user
    assert user.status == MessageStatus.ERROR and conversation.messages == [user]
    server.state.faults.clear()
    again = plan_resend(conversation, user)
    outcome = await ChatTurn(again, client, persist=recorder.persist, prices=prices).run(recorder)
    assert outcome.status == MessageStatus.COMPLETE
    saved = recorder.store.load(conversation.id).messages
    assert [m.role for m in saved] == ["user", "assistant"] and saved[0].content == "Once only"
    assert saved[0].status == MessageStatus.COMPLETE


async def test_a_failed_regenerate_hides_nothing(server, client, recorder):
    conversation = Conversation(model=MODEL)
    first, _ = await run_turn(client, recorder, conversation)
    server.state.add_fault(Fault(status=402, times=1))
    plan = plan_regenerate(conversation)
    outcome = await ChatTurn(plan, client, persist=recorder.persist, prices=prices).run(recorder)
    assert outcome.reply is None and conversation.messages[-1] is first.reply
    assert recorder.store.load(conversation.id).messages[-1].content == first.reply.content


async def test_a_regenerated_reply_replaces_the_old_one_only_once_it_has_text(server, client, recorder):
    conversation = Conversation(model=MODEL)
    first, _ = await run_turn(client, recorder, conversation)
    plan = plan_regenerate(conversation)
    assert plan.history[-1]["role"] == "user"  # the old reply is not sent back
    server.state.reply_override = "A second answer."
    outcome = await ChatTurn(plan, client, persist=recorder.persist, prices=prices).run(recorder)
    assert outcome.status == MessageStatus.COMPLETE
    loaded = recorder.store.load(conversation.id).messages
    assert [m.content for m in loaded] == ["Hi", "A second answer."]


async def test_stopping_keeps_what_arrived_as_stopped(server, client, recorder):
    server.state.tokens_per_second = 50
    conversation = Conversation(model=MODEL)
    plan = plan_send(conversation, "Hi")
    turn = ChatTurn(plan, client, persist=recorder.persist, prices=prices)
    saved = asyncio.Event()

    def sink(event: TurnEvent) -> None:
        recorder(event)
        if isinstance(event, ReplySaved):
            saved.set()

    task = asyncio.create_task(turn.run(sink))
    await saved.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    settled = recorder.of(Settled)
    assert settled and settled[0].outcome.status == MessageStatus.STOPPED
    reply = saved_reply(recorder, conversation)
    assert reply.status == MessageStatus.STOPPED and reply.content == plan.reply.content and reply.content


# ------------------------------------------------------------------ the store's upgrade


def test_a_version_2_database_gains_the_new_columns_and_keeps_its_rows(tmp_path):
    from pinata_tui.store.migrations import MIGRATIONS

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for version, step in enumerate(MIGRATIONS[:2]):
        step(conn)
        conn.execute(f"PRAGMA user_version = {version + 1}")
    conn.execute("INSERT INTO conversations (title, model, created_at, updated_at) VALUES ('t', 'm', 1, 1)")
    conn.execute("INSERT INTO messages (conversation_id, role, content, status, completion_tokens, prompt_tokens,"
                 " total_tokens, cost, created_at, updated_at) VALUES (1, 'assistant', 'old', 'complete', 5, 5,"
                 " 10, 0.5, 1, 1)")
    conn.close()
    with ConversationStore(path) as store:
        message = store.load(1).messages[0]
    assert message.content == "old" and message.reasoning == "" and message.usage.cached_tokens is None
    assert message.cost == 0.5 and not message.cost_is_billed


async def test_ask_notices_speak_of_commands_not_of_the_apps_keys(server, settings, tmp_path):
    code, _, err = await ask(settings.replace(max_tokens=5), tmp_path)
    assert code == EXIT_TRUNCATED and "Ctrl+" not in err and "pinata-chat --continue" in err
    server.state.add_fault(Fault(stream_error="overloaded", stream_error_after=3))
    code, out, err = await ask(settings, tmp_path, as_json=True)
    assert code == EXIT_SERVER and "Ctrl+" not in err
    assert json.loads(out)["finish_reason"] == "error"


async def test_continuing_an_imported_reply_makes_it_spend_here(server, client, recorder):
    from pinata_tui.chat.turn import plan_continue

    conversation = Conversation(model=MODEL)
    plan, _ = await run_turn(client, recorder, conversation, max_tokens=5)
    copy_id = recorder.store.save_conversation(recorder.store.load(conversation.id))
    with sqlite3.connect(recorder.store.path) as db:  # as `pinata-chat import` marks it
        db.execute("UPDATE messages SET imported = 1 WHERE conversation_id = ?", (copy_id,))
    imported = recorder.store.load(copy_id)
    assert imported.messages[-1].imported and recorder.store.imported_since()[0] == 1
    continued = plan_continue(imported)
    outcome = await ChatTurn(continued, client, persist=recorder.persist, prices=prices).run(recorder)
    assert outcome.status == MessageStatus.COMPLETE
    assert not recorder.store.load(copy_id).messages[-1].imported and recorder.store.imported_since()[0] == 0


async def test_the_reply_read_at_any_event_holds_all_that_arrived(server, client, recorder):
    """The text grows piece by piece without copying (``growing_text``): whoever reads the reply mid-stream
    (a copy, an export, the live reasoning view) reads every piece that has arrived."""
    server.state.add_fault(Fault(reasoning="reasoning", reasoning_tokens=12))
    conversation = Conversation(model=MODEL)
    plan = plan_send(conversation, "Hi")
    seen: list[tuple[str, str, str, str]] = []
    arrived = {"content": "", "reasoning": ""}

    def reader(event: TurnEvent) -> None:
        recorder(event)
        if isinstance(event, ReplyText):
            arrived["content"] += event.text
        elif isinstance(event, ReasoningText):
            arrived["reasoning"] += event.text
        else:
            return
        seen.append((plan.reply.content, arrived["content"], plan.reply.reasoning, arrived["reasoning"]))

    outcome = await ChatTurn(plan, client, persist=recorder.persist, prices=prices).run(reader)
    assert outcome.status == MessageStatus.COMPLETE
    assert len(seen) > 3 and arrived["content"] and arrived["reasoning"]
    assert all(content == expected and reasoning == expected_reasoning
               for content, expected, reasoning, expected_reasoning in seen)
    assert saved_reply(recorder, conversation).content == arrived["content"]
