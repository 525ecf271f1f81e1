"""Issue #15's command-line items: `list`, `export --last`, help texts, `[keymap]` ids (in process)."""

from __future__ import annotations

import ast
import importlib
import io
import json
import os
import sqlite3
import sys
from datetime import datetime
from pathlib import Path

import pytest

from pinata_tui import cli_list
from pinata_tui.cli import main
from pinata_tui.conversation import ChatMessage, Conversation, MessageStatus
from pinata_tui.devserver import DEV_JWT, DEV_LLM_KEY, Fault
from pinata_tui.keymap import BINDING_IDS
from pinata_tui.paths import AppPaths
from pinata_tui.sanitize import has_control_characters
from pinata_tui.store import ConversationStore

HOSTILE_TITLE = "Evil \x1b]52;c;cGF5bG9hZA==\x07title\x1b[2J with \u202eRTL\r\nand a newline"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("PINATA_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("PINATA_CHAT_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def online(server, home, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PINATA_BASE_URL", server.url)
    monkeypatch.setenv("PINATA_LLM_KEY", DEV_LLM_KEY)
    monkeypatch.setenv("PINATA_JWT", DEV_JWT)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))  # nothing piped to `ask`
    return home


def database(home: Path) -> Path:
    return AppPaths.under(home).database


def add(home: Path, title: str, *turns: tuple[str, str, MessageStatus, str | None, float | None],
        model: str = "openai/gpt-5-mini", updated_at: float | None = None) -> int:
    """A conversation of (role, content, status, model, cost) messages; ``updated_at`` set by hand."""
    conversation = Conversation(model=model, title=title)
    with ConversationStore(database(home)) as store:
        store.create_conversation(conversation)
        for role, content, status, reply_model, cost in turns:
            store.save_message(conversation, ChatMessage(role, content, model=reply_model, status=status, cost=cost))
    if updated_at is not None:
        with sqlite3.connect(database(home)) as connection:
            connection.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (updated_at, conversation.id))
        connection.close()
    assert conversation.id is not None
    return conversation.id


def user(text: str, status: MessageStatus = MessageStatus.COMPLETE):
    return ("user", text, status, None, None)


def reply(text: str, model: str = "openai/gpt-5-mini", cost: float | None = 0.0012,
          status: MessageStatus = MessageStatus.COMPLETE):
    return ("assistant", text, status, model, cost)


T0 = datetime(2025, 3, 4, 10, 0).timestamp()


def seed(home: Path) -> dict[str, int]:
    """Three conversations: two models answered the first; every request in the newest failed."""
    first = add(home, "Capybaras", user("Tell me about the capybara"), reply("The capybara is large."),
                user("And its diet?"), reply("Grass, mostly; capybara teeth grow.", "anthropic/claude-sonnet-4-6",
                                             0.0100), updated_at=T0)
    second = add(home, "Rust lifetimes", user("explain lifetimes"), reply("Lifetimes name scopes."),
                 updated_at=T0 + 60)
    failed = add(home, "Never answered", user("hello?", MessageStatus.ERROR), updated_at=T0 + 120)
    return {"first": first, "second": second, "failed": failed}


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ------------------------------------------------------------------ list


def test_list_shows_each_conversation_newest_first_and_marks_those_without_a_reply(home, capsys):
    ids = seed(home)
    code, out, err = run(["list"], capsys)
    assert code == 0, err
    header, *rows = out.splitlines()
    assert header.split() == ["ID", "UPDATED", "MSGS", "COST", "MODELS", "TITLE"]
    assert [int(row.split()[0]) for row in rows] == [ids["failed"], ids["second"], ids["first"]]
    failed, second, first = rows
    assert failed.endswith("Never answered (no reply)") and "2025-03-04 10:02" in failed
    assert "(no reply)" not in second and "(no reply)" not in first
    # the models that replied, in order; the messages; the summed cost; the local time
    assert "openai/gpt-5-mini, anthropic/claude-sonnet-4-6" in first
    assert first.split()[1:5] == ["2025-03-04", "10:00", "4", "$0.0112"]
    assert "openai/gpt-5-mini" in failed  # no reply: the model that was asked


def test_list_json_is_machine_readable(home, capsys):
    ids = seed(home)
    code, out, _ = run(["list", "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert [c["id"] for c in data] == [ids["failed"], ids["second"], ids["first"]]
    failed, _, first = data
    assert failed["replied"] is False and failed["replies"] == 0 and failed["messages"] == 1
    assert failed["models"] == [] and failed["model"] == "openai/gpt-5-mini"
    assert first["replied"] is True and first["replies"] == 2 and first["messages"] == 4
    assert first["models"] == ["openai/gpt-5-mini", "anthropic/claude-sonnet-4-6"]
    assert first["title"] == "Capybaras" and first["cost_usd"] == pytest.approx(0.0112)
    assert datetime.fromisoformat(first["updated"]).timestamp() == T0  # ISO 8601 with the local offset
    assert datetime.fromisoformat(first["updated"]).utcoffset() is not None


def test_list_search_groups_full_text_hits_per_conversation(home, capsys):
    ids = seed(home)
    code, out, _ = run(["list", "--search", "capybara", "--json"], capsys)
    assert code == 0
    [found] = json.loads(out)
    assert found["id"] == ids["first"] and found["matches"] == 3
    assert "«capybara»" in found["match"]["snippet"].lower()  # the newest matching message
    code, out, _ = run(["list", "--search", "capybara"], capsys)
    rows = out.splitlines()
    assert len(rows) == 3 and rows[1].split()[0] == str(ids["first"]) and "3 matches: " in rows[2]
    code, out, err = run(["list", "--search", "nothing-like-this"], capsys)
    assert code == 0 and out == "" and "No saved message matches" in err
    assert json.loads(run(["list", "--search", "lifetimes", "--json"], capsys)[1])[0]["id"] == ids["second"]


def test_list_search_leaves_out_discarded_replies(home, capsys):
    add(home, "Regenerated", user("a question"), reply("old zebra answer", status=MessageStatus.DISCARDED),
        reply("new answer"))
    assert json.loads(run(["list", "--search", "zebra", "--json"], capsys)[1]) == []
    [listed] = json.loads(run(["list", "--json"], capsys)[1])
    assert listed["messages"] == 2 and listed["replies"] == 1


@pytest.mark.parametrize("fts", [True, False], ids=["fts5", "like"])
def test_search_conversations_with_and_without_fts5(home, fts):
    ids = seed(home)
    with ConversationStore(database(home)) as store:
        store.has_fts = fts and store.has_fts  # SQLite without FTS5 falls back to LIKE
        [match] = store.search_conversations("capybara")
        assert match.summary.id == ids["first"] and match.hits == 3 and "capybara" in match.snippet
        assert match.summary.models == ("openai/gpt-5-mini", "anthropic/claude-sonnet-4-6")
        assert [m.summary.id for m in store.search_conversations("e", limit=2)] == (
            [ids["failed"], ids["second"]] if not fts else [])  # LIKE finds substrings; FTS5 whole words
        assert store.search_conversations("  ") == []


def test_list_never_prints_control_characters_from_the_database(home, capsys, monkeypatch):
    add(home, HOSTILE_TITLE, user("a capybara \x1b]52;c;cGF5bG9hZA==\x07 \x1b[2J here"), reply("ok", "evil/\x1b[5mmodel\x07"))
    for argv in (["list"], ["list", "--search", "capybara"]):
        code, out, _ = run(argv, capsys)  # piped: plain, but sanitised
        assert code == 0 and "\x1b" not in out and "\x07" not in out and "\u202e" not in out
        assert not has_control_characters(out.replace("\n", "")) and "Evil ␛]52" in out and "evil/␛[5m" in out
        assert len(out.splitlines()) == (2 if argv == ["list"] else 3)  # the title's newline is folded
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)  # a terminal 70 columns wide
    monkeypatch.setattr(cli_list.shutil, "get_terminal_size", lambda: os.terminal_size((70, 24)))
    code, out, _ = run(["list", "--search", "capybara"], capsys)
    assert not has_control_characters(out.replace("\n", ""))
    assert all(len(line) <= 70 for line in out.splitlines()) and "…" in out
    data = run(["list", "--json"], capsys)[1]
    assert "\x1b" not in data and json.loads(data)[0]["title"] == HOSTILE_TITLE  # escaped, not lost


def test_list_limit(home, capsys):
    for n in range(3):
        add(home, f"chat {n}", user("hi"), reply("hello"), updated_at=T0 + n)
    code, out, err = run(["list", "--limit", "2"], capsys)
    assert code == 0 and len(out.splitlines()) == 3 and "chat 2" in out and "chat 0" not in out
    assert "--limit 0" in err
    assert len(json.loads(run(["list", "--limit", "0", "--json"], capsys)[1])) == 3
    code, out, err = run(["list", "--limit", "3"], capsys)
    assert len(out.splitlines()) == 4 and err == ""
    code, _, err = run(["list", "--limit", "-1"], capsys)
    assert code == 2 and "--limit" in err


def test_list_without_a_database_creates_none(home, capsys):
    code, out, err = run(["list"], capsys)
    assert code == 0 and out == "" and "No saved conversations yet" in err
    assert run(["list", "--json"], capsys)[1].strip() == "[]"
    assert not database(home).exists()


def test_list_after_real_asks_through_the_server(server, online, capsys):
    code, _, err = run(["ask", "Tell me about pinatas", "-m", "openai/gpt-5-mini"], capsys)
    assert code == 0, err
    server.state.add_fault(Fault(status=402))
    assert run(["ask", "this one fails"], capsys)[0] == 4
    code, out, _ = run(["list", "--json"], capsys)
    data = json.loads(out)
    answered = next(c for c in data if c["title"].startswith("Tell me about pinatas"))
    assert answered["replied"] is True and answered["models"] == ["openai/gpt-5-mini"]
    assert answered["cost_usd"] > 0 and answered["messages"] == 2
    assert all(not c["replied"] for c in data if c is not answered)  # a failed ask, if it was saved


# ------------------------------------------------------------ export --last


def test_export_last_is_the_latest_updated_conversation_with_a_reply(home, capsys):
    ids = seed(home)  # "Never answered" is the newest, and has no reply
    code, out, err = run(["export", "--last"], capsys)
    assert code == 0, err
    assert out.startswith("# Rust lifetimes")
    with ConversationStore(database(home)) as store:  # now the oldest is updated: it becomes the last
        conversation = store.load(ids["first"])
        store.save_message(conversation, ChatMessage("user", "one more"))
    assert run(["export", "--last"], capsys)[1].startswith("# Capybaras")


def test_export_last_when_no_conversation_has_a_reply(home, capsys):
    add(home, "Never answered", user("hello?", MessageStatus.ERROR))
    code, out, err = run(["export", "--last"], capsys)
    assert code == 1 and out == ""
    assert "no saved conversation has a reply" in err and "pinata-chat list" in err
    assert run(["export", "1"], capsys)[0] == 0  # by id, it still exports


def test_export_last_through_the_server_skips_a_failed_ask(server, online, capsys):
    assert run(["ask", "Answer me"], capsys)[0] == 0
    server.state.add_fault(Fault(status=402))
    assert run(["ask", "Out of credits"], capsys)[0] == 4
    assert run(["export", "--last"], capsys)[1].startswith("# Answer me")


def test_the_store_keeps_last_conversation_id_for_its_other_callers(home):
    ids = seed(home)
    with ConversationStore(database(home)) as store:
        assert store.last_conversation_id() == ids["failed"]  # --continue: the latest, replied or not
        assert store.last_conversation_id(with_reply=True) == ids["second"]
        summaries = {s.id: s for s in store.list_conversations()}
    assert summaries[ids["failed"]].replied is False and summaries[ids["first"]].reply_count == 2


def test_a_failed_or_discarded_reply_is_not_a_reply(home):
    only_failed = add(home, "error reply", user("q"), reply("", status=MessageStatus.ERROR), updated_at=T0 + 2)
    only_discarded = add(home, "discarded", user("q"), reply("x", status=MessageStatus.DISCARDED), updated_at=T0 + 1)
    partial = add(home, "cut off", user("q"), reply("half", status=MessageStatus.INTERRUPTED), updated_at=T0)
    with ConversationStore(database(home)) as store:
        assert store.last_conversation_id(with_reply=True) == partial  # what arrived is a reply
        replied = {s.id: s.replied for s in store.list_conversations()}
    assert replied == {only_failed: False, only_discarded: False, partial: True}


# ------------------------------------------------------------------- help


def help_text(argv: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--help"])
    assert exit_.value.code == 0
    return " ".join(capsys.readouterr().out.split())


def test_help_texts(capsys):
    assert "With no subcommand, `pinata-chat credits` shows the credit balance" in help_text(["credits"], capsys)
    importing = help_text(["import"], capsys)
    assert "Add a conversation from a JSON file" in importing and "the JSON file to read" in importing
    exporting = help_text(["export"], capsys)
    assert "F2" not in exporting and "(see `pinata-chat list`)" in exporting
    assert "the most recently updated conversation that has a reply" in exporting
    top = help_text([], capsys)
    assert "`pinata-chat list`" in top and "list saved conversations" in top
    assert "`pinata-chat list`" in help_text(["ask"], capsys)  # the shared epilog
    listing = help_text(["list"], capsys)
    assert "--search TEXT" in listing and "--json" in listing and "(no reply)" in listing
    assert "chat.retry" in help_text(["config", "set"], capsys)


# ----------------------------------------------------------------- keymap


def write_config(home: Path, text: str) -> Path:
    path = AppPaths.under(home).config_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_an_unknown_keymap_id_in_config_toml_is_reported(home, capsys):
    write_config(home, '[keymap]\n"app.modles" = "f3"\n')
    code, out, err = run(["config", "show"], capsys)
    assert code == 2 and out == ""
    assert "unknown binding id 'app.modles' in [keymap]" in err and "Did you mean app.models?" in err
    assert "Known ids: " in err and all(binding_id in err for binding_id in BINDING_IDS)
    assert "pinata-chat config unset keymap.app.modles" in err and len(err.splitlines()) == 1
    assert run(["config", "unset", "keymap.app.modles"], capsys)[0] == 0  # the fix it names works
    code, out, _ = run(["config", "show"], capsys)
    assert code == 0 and "keymap." not in out


def test_a_known_keymap_id_in_config_toml_is_accepted(home, capsys):
    write_config(home, '[keymap]\n"app.models" = "f3"\n"chat.retry" = "f5"\n')
    code, out, _ = run(["config", "show"], capsys)
    assert code == 0 and "keymap.app.models" in out and "keymap.chat.retry" in out


def test_config_set_refuses_an_unknown_keymap_id(home, capsys):
    code, out, err = run(["config", "set", "keymap.chat.retyr", "f5"], capsys)
    assert code == 2 and "unknown binding id 'chat.retyr'" in err and "Did you mean chat.retry?" in err
    assert "app.models" in err and not AppPaths.under(home).config_file.exists()
    code, out, _ = run(["config", "set", "keymap.chat.retry", "f5"], capsys)
    assert code == 0 and '"chat.retry" = "f5"' in AppPaths.under(home).config_file.read_text()
    code, out, _ = run(["config", "unset", "keymap.chat.retry"], capsys)
    assert code == 0 and out.startswith("Removed keymap.chat.retry")
    assert "chat.retry" not in AppPaths.under(home).config_file.read_text()


def declared_binding_ids() -> set[str]:
    """Every ``id=`` in the ``BINDINGS`` of the app's and screens' classes, read from the live classes."""
    from textual.binding import Binding

    package = Path(__file__).resolve().parents[1] / "pinata_tui" / "tui"
    found: set[str] = set()
    for path in sorted(package.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        if "BINDINGS" not in source:
            continue  # only modules that declare bindings are imported
        module = importlib.import_module(".".join(path.relative_to(package.parents[1]).with_suffix("").parts))
        classes = [node.name for node in ast.walk(ast.parse(source)) if isinstance(node, ast.ClassDef)]
        for name in classes:
            cls = getattr(module, name, None)
            for binding in (vars(cls).get("BINDINGS", []) if cls is not None else []):
                if isinstance(binding, Binding) and binding.id:
                    found.add(binding.id)
    return found


def test_the_keymap_ids_are_the_ids_the_app_declares():
    declared = declared_binding_ids()
    assert "app.models" in declared and "chat.retry" in declared
    assert set(BINDING_IDS) == declared, (
        f"add to pinata_tui/keymap.py: {sorted(declared - set(BINDING_IDS))}; "
        f"remove from it: {sorted(set(BINDING_IDS) - declared)}")
    assert all(description.strip() for description in BINDING_IDS.values())
