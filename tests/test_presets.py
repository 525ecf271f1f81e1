"""Presets (#20): parsing and checking preset files, shipped and user ones, and the CLI (`presets`, `-p`)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pinata_tui.conversation_settings import ConversationSettings
from pinata_tui.exit_codes import EXIT_UNKNOWN_PRESET
from pinata_tui.paths import AppPaths
from pinata_tui.preset_files import PresetError, UnknownPreset, load_presets, parse_preset, start_conversation
from pinata_tui.store import ConversationStore
from tests.cli_helpers import pinata_env, run_cli, write_config

SHIPPED = {"code-review", "concise", "explain", "commit-message"}
GOOD = '''description = "Pirate talk"
model = "openai/gpt-5-mini"
system_prompt = """
Talk like a pirate.
"""
temperature = 1.1
top_p = 0.5
max_tokens = 300
'''


def preset_file(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ parsing


def test_shipped_presets_are_valid():
    catalog = load_presets(None)
    assert catalog.problems == [] and set(catalog.presets) == SHIPPED
    assert all(p.source == "shipped" and p.description and p.system_prompt for p in catalog.presets.values())


def test_a_preset_file_gives_its_fields(tmp_path):
    preset = parse_preset(preset_file(tmp_path, "pirate", GOOD))
    assert (preset.name, preset.description, preset.model, preset.system_prompt) == (
        "pirate", "Pirate talk", "openai/gpt-5-mini", "Talk like a pirate.")
    assert preset.settings == ConversationSettings(temperature=1.1, top_p=0.5, max_tokens=300, preset="pirate")
    empty = parse_preset(preset_file(tmp_path, "empty", ""))
    assert empty.model is None and empty.settings == ConversationSettings(preset="empty")


@pytest.mark.parametrize(("text", "expected"), [
    ('description = "x"\ntemperature = "hot"\n', "line 2: temperature must be a number from 0 to 2"),
    ("\n\ntop_p = 1.5\n", "line 3: top_p must be a number from 0 to 1"),
    ("max_tokens = 0\n", "line 1: max tokens must be a whole number"),
    ("max_tokens = 1.5\n", "line 1: max tokens must be a whole number"),
    ("model = 5\n", "line 1: model must be a string"),
    ('model = "has spaces in it"\n', "line 1: model must be a model id"),
    ('description = "x"\nsystem = "typo"\n', "line 2: unknown key 'system'"),
    ("temperature = 0.2\n[extra]\nx = 1\n", "line 2: unknown key 'extra'"),
    ('description = "unclosed\n', "line 1, column"),
    ("temperature = 0.2\ntemperature = 0.3\n", "line 2, column"),
])
def test_a_broken_preset_is_named_with_its_line(tmp_path, text, expected):
    with pytest.raises(PresetError) as caught:
        parse_preset(preset_file(tmp_path, "broken", text))
    assert expected in str(caught.value)


def test_bad_files_are_skipped_and_named_never_fatal(tmp_path):
    user = tmp_path / "presets"
    preset_file(user, "good", GOOD)
    preset_file(user, "bad", "temperature = 9\n")
    preset_file(user, "bad name!", "")
    (user / "binary.toml").write_bytes(b"\xff\xfe\x00garbage")
    (user / "huge.toml").write_text("# " + "x" * 300_000, encoding="utf-8")
    (user / "folder.toml").mkdir()
    (user / "loop.toml").symlink_to("loop.toml")
    (user / "gone.toml").symlink_to("nowhere.toml")
    os.mkfifo(user / "pipe.toml")
    catalog = load_presets(user)
    assert "good" in catalog.presets and SHIPPED <= set(catalog.presets)
    assert not {"bad", "bad name!", "binary", "huge", "folder", "loop", "gone", "pipe"} & set(catalog.presets)
    said = {p.name: p.text for p in catalog.problems}
    assert set(said) == {"bad", "bad name!", "binary", "huge", "folder", "loop", "gone", "pipe"}
    assert f"{user / 'bad.toml'}, line 1: temperature" in said["bad"]
    assert all(text.endswith("; skipped.") for text in said.values())
    assert "is a folder, not a file" in said["folder"] and "not a regular file" in said["pipe"]
    assert "link that leads nowhere" in said["loop"] and "link that leads nowhere" in said["gone"]


def test_a_user_preset_replaces_a_shipped_one(tmp_path):
    preset_file(tmp_path, "concise", 'description = "mine"\n')
    catalog = load_presets(tmp_path)
    assert catalog.presets["concise"].source == "user" and catalog.presets["concise"].description == "mine"
    assert catalog.presets["explain"].source == "shipped"


def test_an_unknown_name_lists_the_available_ones():
    with pytest.raises(UnknownPreset) as caught:
        load_presets(None).find("nope\x1b[2J")
    message = str(caught.value)
    assert "code-review, commit-message, concise, explain" in message and "\x1b" not in message


def test_a_new_conversation_takes_the_presets_values_else_the_defaults(tmp_path):
    preset = parse_preset(preset_file(tmp_path, "plain", "temperature = 0.4\n"))
    conversation = start_conversation(preset, model="m/default", system_prompt="configured")
    assert (conversation.model, conversation.system_prompt) == ("m/default", "configured")
    assert conversation.settings == ConversationSettings(temperature=0.4, preset="plain")
    assert start_conversation(parse_preset(preset_file(tmp_path, "p", GOOD)), model="m/default",
                              system_prompt="configured").model == "openai/gpt-5-mini"


# ------------------------------------------------------------------ the CLI


@pytest.fixture
def paths(server, tmp_path, monkeypatch) -> AppPaths:
    paths = pinata_env(monkeypatch, tmp_path / "home", server.url)
    write_config(paths, "[retry]\nmax_attempts = 1\nbase_delay = 0\n")
    return paths


def test_presets_lists_name_source_model_and_description(paths, monkeypatch):
    preset_file(paths.user_presets_dir, "pirate", GOOD)
    preset_file(paths.user_presets_dir, "broken", "top_p = 2\n")
    run = run_cli(monkeypatch, "presets")
    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[0].split() == ["NAME", "SOURCE", "MODEL", "DESCRIPTION"]
    assert any(line.split()[:3] == ["pirate", "user", "openai/gpt-5-mini"] for line in lines)
    assert any(line.split()[:3] == ["concise", "shipped", "(default)"] for line in lines)
    assert f"{paths.user_presets_dir / 'broken.toml'}, line 1: top_p must be" in run.err and "skipped" in run.err

    listed = json.loads(run_cli(monkeypatch, "presets", "--json").out)
    pirate = next(p for p in listed if p["name"] == "pirate")
    assert pirate == {"name": "pirate", "source": "user", "path": str(paths.user_presets_dir / "pirate.toml"),
                      "model": "openai/gpt-5-mini", "description": "Pirate talk",
                      "system_prompt": "Talk like a pirate.", "temperature": 1.1, "top_p": 0.5, "max_tokens": 300}
    assert {p["name"] for p in listed} == SHIPPED | {"pirate"}


def test_ask_with_a_preset_sends_its_values_and_saves_its_name(server, paths, monkeypatch):
    preset_file(paths.user_presets_dir, "pirate", GOOD)
    run = run_cli(monkeypatch, "ask", "-p", "pirate", "Hello")
    assert run.code == 0, run.err
    body = server.state.chat_requests()[-1]["body"]
    assert body["model"] == "openai/gpt-5-mini"
    assert (body["temperature"], body["top_p"], body["max_tokens"]) == (1.1, 0.5, 300)
    assert body["messages"][0] == {"role": "system", "content": "Talk like a pirate."}
    with ConversationStore(paths.database) as store:
        [summary] = store.list_conversations()
        assert store.load(summary.id).settings.preset == "pirate"


def test_flags_given_explicitly_win_over_the_preset(server, paths, monkeypatch):
    preset_file(paths.user_presets_dir, "pirate", GOOD)
    run = run_cli(monkeypatch, "ask", "-p", "pirate", "-m", "openai/gpt-4.1", "-s", "Be formal.",
                  "--temperature", "0.3", "--top-p", "0.8", "--max-tokens", "5000", "--no-save", "Hello")
    assert run.code == 0, run.err
    body = server.state.chat_requests()[-1]["body"]
    assert body["model"] == "openai/gpt-4.1"
    assert (body["temperature"], body["top_p"], body["max_tokens"]) == (0.3, 0.8, 5000)
    assert body["messages"][0] == {"role": "system", "content": "Be formal."}


def test_ask_top_p_out_of_range_is_a_usage_error(server, paths, monkeypatch):
    run = run_cli(monkeypatch, "ask", "--top-p", "1.5", "Hello")
    assert run.code == 2 and "top_p must be at most 1" in run.err
    assert server.state.chat_requests() == []


@pytest.mark.parametrize("command", [("ask", "-p", "nope", "Hello"), ("-p", "nope")])
def test_an_unknown_preset_is_one_line_and_its_own_exit_code(server, paths, monkeypatch, command):
    run = run_cli(monkeypatch, *command)
    assert run.code == EXIT_UNKNOWN_PRESET == 15
    [line] = run.err.splitlines()
    assert line.startswith("pinata-chat: no preset named 'nope'. Available: code-review, commit-message")
    assert server.state.chat_requests() == []


def test_a_broken_preset_file_does_not_stop_ask_nor_fill_its_stderr(server, paths, monkeypatch):
    for n in range(5):
        preset_file(paths.user_presets_dir, f"broken{n}", "[[[")
    run = run_cli(monkeypatch, "ask", "-p", "concise", "Hello")
    assert run.code == 0 and run.err.splitlines() == [
        "pinata-chat: warning: 5 other preset files are broken; `pinata-chat presets` names them."]
    assert server.state.chat_requests()[-1]["body"]["max_tokens"] == 800
    # The one asked for is named, with its line; `presets` names them all.
    preset_file(paths.user_presets_dir, "concise", "temperature = 9\n")
    run = run_cli(monkeypatch, "ask", "-p", "concise", "Hello")
    assert run.code == 0 and len(run.err.splitlines()) == 2
    assert "concise.toml, line 1: temperature" in run.err and "5 other preset files" in run.err
    listed = run_cli(monkeypatch, "presets")
    assert all(f"broken{n}.toml, line 1" in listed.err for n in range(5))


def test_p_opens_the_app_on_a_new_conversation_with_the_preset(paths, monkeypatch):
    """``pinata-chat -p NAME`` (and ``-m``, which wins over the preset's model) hands the app its conversation."""
    from pinata_tui.tui.app import PinataChatApp

    started = []
    monkeypatch.setattr(PinataChatApp, "run", lambda self, *a, **k: started.append(self._initial))
    monkeypatch.setenv("TERM", "xterm-256color")
    for args, model in ((("-p", "code-review"), "anthropic/claude-sonnet-4-6"),
                        (("-p", "code-review", "-m", "openai/gpt-4.1"), "openai/gpt-4.1")):
        run = run_cli(monkeypatch, *args)
        assert run.code == 0, run.err
        conversation = started.pop()
        assert conversation.model == model and conversation.settings.preset == "code-review"
        assert conversation.settings.temperature == 0.2 and "code reviewer" in (conversation.system_prompt or "")
    assert os.environ.get("PINATA_CHAT_HOME")


def test_ask_continue_keeps_the_conversations_settings_and_flags_win_for_one_request(server, paths, monkeypatch):
    preset_file(paths.user_presets_dir, "pirate", GOOD)
    assert run_cli(monkeypatch, "ask", "-p", "pirate", "Hello").code == 0
    run = run_cli(monkeypatch, "ask", "--continue", "More")
    assert run.code == 0, run.err
    body = server.state.chat_requests()[-1]["body"]
    assert body["model"] == "openai/gpt-5-mini" and (body["temperature"], body["top_p"]) == (1.1, 0.5)
    assert body["messages"][0] == {"role": "system", "content": "Talk like a pirate."}

    assert run_cli(monkeypatch, "ask", "--continue", "--temperature", "0.1", "Again").code == 0
    assert server.state.chat_requests()[-1]["body"]["temperature"] == 0.1
    with ConversationStore(paths.database) as store:  # the override was for that request
        [summary] = store.list_conversations()
        assert store.load(summary.id).settings.temperature == 1.1


def test_a_preset_starts_a_new_conversation_so_not_with_continue(server, paths, monkeypatch):
    run = run_cli(monkeypatch, "ask", "--continue", "-p", "concise", "Hello")
    assert run.code == 2 and "not allowed with argument" in run.err
