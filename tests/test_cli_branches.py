"""Trees outside the TUI (#19): `ask --continue` / `--conversation ID` append to the current branch;
export follows the current branch (Markdown adds the others with --all-branches); JSON export and
import carry the whole tree to another machine."""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import pytest

from pinata_tui.conversation import ChatMessage, Conversation
from pinata_tui.devserver import DEV_JWT, DEV_LLM_KEY
from pinata_tui.export import from_json, to_json, to_markdown
from pinata_tui.paths import AppPaths
from pinata_tui.store import ConversationStore
from tests.cli_helpers import run_cli


@pytest.fixture
def online(server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("PINATA_"):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    monkeypatch.setenv("PINATA_CHAT_HOME", str(home))
    monkeypatch.setenv("PINATA_BASE_URL", server.url)
    monkeypatch.setenv("PINATA_LLM_KEY", DEV_LLM_KEY)
    monkeypatch.setenv("PINATA_JWT", DEV_JWT)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    return home


def branched() -> Conversation:
    """q1 a1 q2 a2, then q2 edited into a second branch (current), and an alternative to its reply."""
    conversation = Conversation(model="openai/gpt-5-mini", title="Trees")
    for role, text in (("user", "q1"), ("assistant", "a1"), ("user", "q2"), ("assistant", "a2")):
        conversation.add(ChatMessage(role, text, model="openai/gpt-5-mini" if role == "assistant" else None))
    conversation.cut_after(conversation.messages[1])
    conversation.add(ChatMessage("user", "q2 edited"))
    first = conversation.add(ChatMessage("assistant", "a2 from haiku", model="anthropic/claude-haiku-4-5"))
    conversation.add(ChatMessage("assistant", "a2 from gemini", model="google/gemini-2.5-flash"), parent=first.parent)
    conversation.messages.remove(first)
    return conversation


def save(home: Path, conversation: Conversation) -> int:
    with ConversationStore(AppPaths.under(home).database) as store:
        return store.save_conversation(conversation)


def test_markdown_shows_the_current_branch_and_adds_the_others_on_request():
    conversation = branched()
    current = to_markdown(conversation)
    assert "q2 edited" in current and "a2 from gemini" in current
    assert "a2 from haiku" not in current and "\na2\n" not in current
    assert "## Assistant · google/gemini-2.5-flash (alternative 2 of 2)" in current
    assert "current one of 3" in current and "all branches" in current
    everything = to_markdown(conversation, all_branches=True)
    transcript = current.split("\n---\n", 1)[1]
    assert transcript.strip() in everything
    assert "- **All branches:** 7 messages, anthropic/claude-haiku-4-5, google/gemini-2.5-flash, openai/gpt-5-mini" \
        in everything
    others = everything.split("## Other branches", 1)[1]
    assert "### Branch 2 · from message 3" in others and "### Branch 3 · from message 4" in others
    assert others.index("q2\n") < others.index("a2\n") < others.index("a2 from haiku")


def test_json_round_trips_the_whole_tree_and_the_current_branch():
    conversation = branched()
    data = json.loads(to_json(conversation))
    assert [m["content"] for m in data["messages"]] == ["q1", "a1", "q2 edited", "a2 from gemini"]
    assert {a["content"] for a in data["alternatives"]} == {"q2", "a2", "a2 from haiku"}
    back = from_json(json.dumps(data), default_model="x")
    assert [m.content for m in back.messages] == ["q1", "a1", "q2 edited", "a2 from gemini"]
    assert [m.content for m in back.siblings(back.messages[2])] == ["q2", "q2 edited"]
    assert [m.content for m in back.siblings(back.messages[3])] == ["a2 from haiku", "a2 from gemini"]
    back.select(back.siblings(back.messages[2])[0])
    assert [m.content for m in back.messages] == ["q1", "a1", "q2", "a2"]


@pytest.mark.parametrize(("alternatives", "complaint"), [
    ([{"role": "user", "content": "x", "parent": 99}], "not earlier in the file"),
    ([{"role": "user", "content": "x", "parent": 3, "id": 3}], "not earlier in the file"),  # itself
    ([{"role": "robot", "content": "x", "parent": None}], "alternative 1 needs a role"),
    ([{"role": "user", "content": "no parent named"}], "does not say which message it follows"),
    ([{"role": "assistant", "content": "a reply as a first message", "parent": None}], "assistant message beside user"),
    ([{"role": "user", "content": "a prompt beside a reply", "parent": 1}], "user message beside assistant"),
    ({"role": "user", "content": "x"}, "'alternatives' must be a list"),
])
def test_a_broken_tree_in_an_import_is_named(alternatives, complaint):
    from pinata_tui.export import InvalidImport

    document = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}],
                "message_metadata": [{"id": 1}, {"id": 2, "parent": 1}], "alternatives": alternatives}
    with pytest.raises(InvalidImport, match=complaint):
        from_json(json.dumps(document), default_model="m")


def test_export_then_import_on_another_machine_finds_the_same_tree(online, tmp_path, monkeypatch):
    conversation_id = save(online, branched())
    target = tmp_path / "trees.json"
    assert run_cli(monkeypatch, "export", str(conversation_id), "-o", str(target)).code == 0
    markdown = run_cli(monkeypatch, "export", str(conversation_id), "--all-branches")
    assert "## Other branches" in markdown.out and "a2 from haiku" in markdown.out

    monkeypatch.setenv("PINATA_CHAT_HOME", str(tmp_path / "another-machine"))
    imported = run_cli(monkeypatch, "import", str(target))
    assert imported.code == 0 and "4 messages (and 3 more in other branches)" in imported.out
    with ConversationStore(AppPaths.under(tmp_path / "another-machine").database) as store:
        copy = store.load(1)
    assert [m.content for m in copy.messages] == ["q1", "a1", "q2 edited", "a2 from gemini"]
    assert sorted(m.content for m in copy.tree()) == sorted(m.content for m in branched().tree())
    assert [m.model for m in copy.siblings(copy.messages[3])] == ["anthropic/claude-haiku-4-5",
                                                                  "google/gemini-2.5-flash"]


def test_ask_continue_appends_to_the_current_branch(online, server, monkeypatch):
    conversation_id = save(online, branched())
    result = run_cli(monkeypatch, "ask", "--continue", "and then?")
    assert result.code == 0, result.err
    request = server.state.chat_requests()[-1]["body"]
    assert [m["content"] for m in request["messages"]] == ["q1", "a1", "q2 edited", "a2 from gemini", "and then?"]
    assert request["model"] == "openai/gpt-5-mini"  # the conversation's model
    with ConversationStore(AppPaths.under(online).database) as store:
        again = store.load(conversation_id)
    assert [m.content for m in again.messages][:5] == ["q1", "a1", "q2 edited", "a2 from gemini", "and then?"]
    assert len(again.messages) == 6 and again.messages[5].role == "assistant"

    by_id = run_cli(monkeypatch, "ask", "--conversation", str(conversation_id), "-m", "openai/gpt-5-mini", "more")
    assert by_id.code == 0
    request = server.state.chat_requests()[-1]["body"]
    assert request["model"] == "openai/gpt-5-mini" and request["messages"][-1]["content"] == "more"
    assert len(request["messages"]) == 7


def test_ask_continue_errors_are_one_line_with_the_usage_code(online, monkeypatch):
    nothing = run_cli(monkeypatch, "ask", "--continue", "hello")
    assert nothing.code == 2 and "no saved conversations to continue" in nothing.err
    save(online, branched())
    missing = run_cli(monkeypatch, "ask", "--conversation", "42", "hello")
    assert missing.code == 2 and "there is no conversation 42" in missing.err
    system = run_cli(monkeypatch, "ask", "--continue", "-s", "be terse", "hello")
    assert system.code == 2 and "system prompt" in system.err
    both = run_cli(monkeypatch, "ask", "--continue", "--conversation", "1", "hello")
    assert both.code == 2


class ClosedPipe(io.StringIO):
    """stdout whose reader went away after the first piece (``| head -c 10``)."""

    def write(self, text: str) -> int:
        if self.getvalue():
            raise BrokenPipeError(32, "Broken pipe")
        return super().write(text)


def test_ask_into_a_pipe_that_closes_stops_the_reply_and_keeps_what_arrived(online, server, monkeypatch):
    server.state.reply_override = " ".join(f"word{n}" for n in range(400))
    server.state.tokens_per_second = 400
    err = io.StringIO()
    with monkeypatch.context() as patch:
        patch.setattr(sys, "stdout", ClosedPipe())
        patch.setattr(sys, "stderr", err)
        from pinata_tui import cli

        code = cli.main(["ask", "count for me"])
    assert code == 0 and "Traceback" not in err.getvalue()
    with ConversationStore(AppPaths.under(online).database) as store:
        saved = store.load(1)
    reply = saved.messages[-1]
    assert reply.role == "assistant" and reply.status.value == "stopped"
    assert reply.content.startswith("word0")  # what arrived is kept, not an empty "interrupted" row
