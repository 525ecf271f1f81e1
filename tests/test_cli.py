"""Every subcommand as a real subprocess against the loopback server."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pinata_tui.conversation import MessageStatus
from pinata_tui.devserver import DEV_JWT, DEV_LLM_KEY, Fault, generate_reply
from pinata_tui.paths import AppPaths
from pinata_tui.store import ConversationStore


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def env(server, home) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("PINATA_")}
    return {**base, "PINATA_CHAT_HOME": str(home), "PINATA_BASE_URL": server.url,
            "PINATA_LLM_KEY": DEV_LLM_KEY, "PINATA_JWT": DEV_JWT}


def run(env: dict[str, str], *args: str, stdin: str | None = None, timeout: float = 60,
        drop: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in env.items() if k not in drop}
    return subprocess.run([sys.executable, "-m", "pinata_tui", *args], input=stdin if stdin is not None else "",
                          capture_output=True, text=True, env=environment, timeout=timeout)


def reply_for(model: str, messages: list[dict[str, str]], tokens: int) -> str:
    return "".join(generate_reply(model, messages, tokens))


# ------------------------------------------------------------------- ask


def test_ask_streams_the_reply_and_saves_it(server, env, home):
    result = run(env, "ask", "What is a pinata?", "-m", "openai/gpt-5-mini")
    assert result.returncode == 0, result.stderr
    expected = reply_for("openai/gpt-5-mini", [{"role": "user", "content": "What is a pinata?"}],
                         server.state.reply_tokens)
    assert result.stdout == expected + "\n"
    with ConversationStore(AppPaths.under(home).database) as store:
        conversation = store.load(store.last_conversation_id())
    assert [(m.role, m.status) for m in conversation.messages] == [
        ("user", MessageStatus.COMPLETE), ("assistant", MessageStatus.COMPLETE)]
    assert conversation.messages[1].content == expected and conversation.messages[1].cost > 0


def test_ask_reads_piped_stdin_after_the_prompt(server, env):
    result = run(env, "ask", "review this", "--no-save", stdin="--- a/x.py\n+++ b/x.py\n+print(1)\n")
    assert result.returncode == 0, result.stderr
    [request] = server.state.chat_requests()
    assert request["body"]["messages"] == [
        {"role": "user", "content": "review this\n\n--- a/x.py\n+++ b/x.py\n+print(1)"}]


def test_ask_with_only_stdin_and_a_system_prompt(server, env):
    result = run(env, "ask", "-s", "Be terse.", "--no-save", stdin="just this")
    assert result.returncode == 0
    assert server.state.chat_requests()[0]["body"]["messages"] == [
        {"role": "system", "content": "Be terse."}, {"role": "user", "content": "just this"}]


def test_ask_without_a_prompt_is_a_usage_error(env):
    result = run(env, "ask")
    assert result.returncode == 2 and "give a prompt" in result.stderr


def test_ask_no_save_leaves_history_alone(env, home):
    assert run(env, "ask", "hi", "--no-save").returncode == 0
    assert not AppPaths.under(home).database.exists()


def test_ask_json_has_content_usage_and_cost(server, env):
    result = run(env, "ask", "hi", "--json", "-m", "anthropic/claude-opus-4-1")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    usage = data["usage"]
    assert data["model"] == "anthropic/claude-opus-4-1" and data["status"] == "complete"
    assert data["content"] == reply_for("anthropic/claude-opus-4-1", [{"role": "user", "content": "hi"}],
                                        server.state.reply_tokens)
    assert data["cost_usd"] == pytest.approx((usage["prompt_tokens"] * 15 + usage["completion_tokens"] * 75) / 1e6)
    assert data["finish_reason"] == "stop" and isinstance(data["conversation_id"], int)


@pytest.mark.parametrize(("setup", "code", "said"), [
    (lambda s: setattr(s.state, "llm_keys", set()), 3, "PINATA_LLM_KEY"),
    (lambda s: setattr(s.state, "balance_micro", 4321), None, None),
    (lambda s: s.state.add_fault(Fault(status=402)), 4, "4,321 microcredits"),
    (lambda s: s.state.add_fault(Fault(status=429, retry_after="0", times=10)), 5, "Rate limited"),
    (lambda s: s.state.add_fault(Fault(status=503, times=10)), 7, "server error (503)"),
    (lambda s: s.state.add_fault(Fault(status=502, html=True, times=10)), 7, "HTML page"),
])
def test_ask_exit_codes(server, env, setup, code, said):
    server.state.balance_micro = 4321
    setup(server)
    if code is None:
        return
    result = run(env, "ask", "hi", "--no-save")
    assert result.returncode == code, result.stderr
    assert said in result.stderr and "Traceback" not in result.stderr
    assert DEV_LLM_KEY not in result.stderr


def test_ask_out_of_credits_for_real(server, env):
    server.state.balance_micro = 0
    result = run(env, "ask", "hi", "--no-save")
    assert result.returncode == 4 and "0 microcredits" in result.stderr and "Billing" in result.stderr


def test_ask_without_a_key(env):
    result = run(env, "ask", "hi", "--no-save", drop=("PINATA_LLM_KEY",))
    assert result.returncode == 3 and "PINATA_LLM_KEY" in result.stderr


def test_ask_network_failure(env):
    result = run({**env, "PINATA_BASE_URL": "http://127.0.0.1:9"}, "ask", "hi", "--no-save")
    assert result.returncode == 6 and "Could not reach Pinata" in result.stderr


def test_ask_cut_stream_prints_what_arrived(server, env, home):
    server.state.add_fault(Fault(cut_after=12))
    result = run(env, "ask", "hi")
    assert result.returncode == 8 and "interrupted" in result.stderr
    full = reply_for(env.get("MODEL", "anthropic/claude-sonnet-4-6"), [{"role": "user", "content": "hi"}],
                     server.state.reply_tokens)
    assert full.startswith(result.stdout.rstrip("\n")) and len(result.stdout) > 10
    with ConversationStore(AppPaths.under(home).database) as store:
        reply = store.load(store.last_conversation_id()).messages[1]
    assert reply.status == MessageStatus.INTERRUPTED


def test_ask_ctrl_c_stops_cleanly_and_keeps_what_arrived(server, env, home):
    server.state.tokens_per_second = 30
    server.state.reply_tokens = 1000
    proc = subprocess.Popen([sys.executable, "-m", "pinata_tui", "ask", "long story"], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    received = ""
    deadline = time.monotonic() + 30
    while len(received) < 40 and time.monotonic() < deadline:
        received += proc.stdout.read(1)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=30)
    out, err = proc.stdout.read(), proc.stderr.read()  # the same buffered readers as above
    assert proc.returncode == 130, err
    assert "stopped" in err and "Traceback" not in err
    with ConversationStore(AppPaths.under(home).database) as store:
        reply = store.load(store.last_conversation_id()).messages[1]
    assert reply.status == MessageStatus.STOPPED
    assert (received + out).rstrip("\n") == reply.content


def test_ask_on_a_terminal_shows_escape_codes_instead_of_obeying_them(server, env):
    from tests.test_crash_recovery import drain_all, spawn_in_pty

    server.state.reply_override = "safe \x1b]0;pwned\x07 \x1b[2J done"
    proc, master = spawn_in_pty([sys.executable, "-m", "pinata_tui", "ask", "x", "--no-save"], env)
    output = drain_all(master, proc)
    assert "\x1b]0;pwned" not in output and "\x1b[2J" not in output
    assert "safe ␛]0;pwned␇ ␛[2J done" in output


def test_ask_into_a_pipe_is_verbatim(server, env):
    server.state.reply_override = "tab\there \x1b[1mraw\x1b[0m"
    result = run(env, "ask", "x", "--no-save")
    assert result.stdout == "tab\there \x1b[1mraw\x1b[0m\n"


# ---------------------------------------------------------------- models


def test_models_table_filters_and_json(env):
    table = run(env, "models")
    assert table.returncode == 0
    assert "anthropic/claude-sonnet-4-6" in table.stdout and "$3.00" in table.stdout and "$0.30" in table.stdout
    only = run(env, "models", "--provider", "anthropic").stdout
    assert "anthropic/" in only and "openai/" not in only
    assert "gpt-5-mini" in run(env, "models", "mini").stdout
    data = json.loads(run(env, "models", "--json").stdout)
    assert data[0]["model_id"] and "input_usd_per_1m_tokens" in data[0]


def test_models_falls_back_to_the_cache_when_offline(env):
    assert run(env, "models").returncode == 0
    offline = run({**env, "PINATA_BASE_URL": "http://127.0.0.1:9"}, "models")
    assert offline.returncode == 0 and "cached" in offline.stderr and "gpt-5.1" in offline.stdout


# ---------------------------------------------------------------- config


def test_config_path_show_and_set(env, home):
    path = run(env, "config", "path").stdout.strip()
    assert path == str(AppPaths.under(home).config_file)
    assert run(env, "config", "set", "model", "openai/gpt-5.1").returncode == 0
    assert run(env, "config", "set", "temperature", "0.3").returncode == 0
    assert run(env, "config", "set", "retry.max_attempts", "2").returncode == 0
    assert run(env, "config", "set", "keymap.app.models", "f9").returncode == 0
    mode = stat.S_IMODE(Path(path).stat().st_mode)
    assert mode == 0o600
    text = Path(path).read_text()
    assert 'model = "openai/gpt-5.1"' in text and "temperature = 0.3" in text and "[retry]" in text
    shown = run(env, "config", "show").stdout
    assert "model" in shown and "'openai/gpt-5.1'" in shown and "(config)" in shown
    assert "pk-…cdef" in shown and DEV_LLM_KEY not in shown and "(env)" in shown
    assert "keymap.app.models" in shown


def test_config_set_rejects_bad_values_and_unknown_keys(env):
    bad = run(env, "config", "set", "temperature", "warm")
    assert bad.returncode == 2 and "temperature must be a float" in bad.stderr
    unknown = run(env, "config", "set", "colour", "blue")
    assert unknown.returncode == 2 and "unknown setting 'colour'" in unknown.stderr


def test_config_set_warns_that_comments_are_not_kept(env, home):
    path = AppPaths.under(home).config_file
    path.parent.mkdir(parents=True)
    path.write_text("# my notes\nmodel = \"openai/gpt-5.1\"\n")
    result = run(env, "config", "set", "temperature", "1")
    assert result.returncode == 0 and "comments" in result.stderr
    assert 'model = "openai/gpt-5.1"' in path.read_text()


def test_malformed_config_names_the_file_and_line(env, home):
    path = AppPaths.under(home).config_file
    path.parent.mkdir(parents=True)
    path.write_text('model = "ok"\ntemperature = = 3\n')
    for args in (["ask", "hi"], ["models"], ["config", "show"]):
        result = run(env, *args)
        assert result.returncode == 2, args
        assert str(path) in result.stderr and "line 2" in result.stderr and "Traceback" not in result.stderr


def test_precedence_flags_over_env_over_config(server, env, home):
    path = AppPaths.under(home).config_file
    path.parent.mkdir(parents=True)
    path.write_text('model = "openai/gpt-5.1"\nbase_url = "http://127.0.0.1:9"\nllm_key = "wrong-key"\n')
    path.chmod(0o600)
    # env beats config: PINATA_BASE_URL and PINATA_LLM_KEY are set, so the bad file values lose.
    assert run(env, "ask", "hi", "--no-save").returncode == 0
    assert server.state.chat_requests()[-1]["body"]["model"] == "openai/gpt-5.1"  # config beats default
    # flags beat config
    assert run(env, "ask", "hi", "--no-save", "-m", "openai/gpt-4.1").returncode == 0
    assert server.state.chat_requests()[-1]["body"]["model"] == "openai/gpt-4.1"
    # and the flag beats the environment
    result = run(env, "--base-url", "http://127.0.0.1:9", "ask", "hi", "--no-save")
    assert result.returncode == 6
    # without the env key, the config's key is used (and rejected by the server)
    assert run(env, "ask", "hi", "--no-save", drop=("PINATA_LLM_KEY",)).returncode == 3


def test_a_config_with_a_key_readable_by_others_is_warned_about(env, home):
    path = AppPaths.under(home).config_file
    path.parent.mkdir(parents=True)
    path.write_text(f'llm_key = "{DEV_LLM_KEY}"\n')
    path.chmod(0o644)
    result = run(env, "models")
    assert "others can read it" in result.stderr and "chmod 600" in result.stderr


# ------------------------------------------------------------- key management


def test_enable_saves_the_new_key_and_it_works(server, env, home):
    server.state.enabled = False
    server.state.llm_keys = set()
    result = run(env, "enable", drop=("PINATA_LLM_KEY",))
    assert result.returncode == 0, result.stderr
    config = AppPaths.under(home).config_file
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    [key] = server.state.llm_keys
    assert f'llm_key = "{key}"' in config.read_text()
    assert key not in result.stdout + result.stderr
    assert run(env, "ask", "hi", "--no-save", drop=("PINATA_LLM_KEY",)).returncode == 0


def test_enable_again_warns_and_needs_confirmation(server, env):
    result = run(env, "enable")
    assert result.returncode == 2 and "revokes the current one" in result.stdout and "--yes" in result.stderr
    assert server.state.llm_keys == {DEV_LLM_KEY}
    assert run(env, "enable", "--yes").returncode == 0
    assert server.state.llm_keys != {DEV_LLM_KEY}


def test_enable_prints_the_key_once_when_it_cannot_be_saved(server, env, home):
    # A config folder where no file can be created, even by root: reading finds nothing, writing fails.
    home.mkdir(parents=True)
    (home / "config").symlink_to("/proc/self")
    result = run(env, "enable", "--yes")
    [key] = server.state.llm_keys
    assert result.returncode == 1
    assert result.stdout.strip().splitlines()[-1] == key and result.stdout.count(key) == 1
    assert "could not save" in result.stderr and "only once" in result.stderr


def test_status(env, server):
    result = run(env, "status")
    assert result.returncode == 0 and "enabled (key created 2026-06-29" in result.stdout
    assert "pk-…cdef" in result.stdout and DEV_LLM_KEY not in result.stdout
    assert run(env, "status", drop=("PINATA_JWT",)).returncode == 3


def test_disable_explains_and_asks_first(server, env):
    refused = run(env, "disable")
    assert refused.returncode == 2 and "revokes your inference key" in refused.stdout
    assert server.state.enabled and server.state.llm_keys
    done = run(env, "disable", "--yes")
    assert done.returncode == 0 and not server.state.enabled and not server.state.llm_keys


def test_disable_answering_no_in_a_terminal_changes_nothing(server, env):
    from tests.test_crash_recovery import drain_all, spawn_in_pty

    proc, master = spawn_in_pty([sys.executable, "-m", "pinata_tui", "disable"], env)
    time.sleep(1.5)
    os.write(master, b"n\r")
    output = drain_all(master, proc)
    assert "Revoke the inference key now? [y/N]" in output and "Nothing changed" in output
    assert server.state.enabled


# ---------------------------------------------------------------- credits


def test_credits_shows_total_held_and_available(server, env):
    server.state.balance_micro = 12_345_678
    result = run(env, "credits")
    assert result.returncode == 0
    assert "Total:" in result.stdout and "12.345678" in result.stdout and "Held:" in result.stdout
    assert "Auto top-up is off" in result.stdout


def test_credits_topup_set_show_and_off(server, env):
    assert "is off" in run(env, "credits", "topup").stdout
    on = run(env, "credits", "topup", "--threshold", "10", "--amount", "50")
    assert on.returncode == 0 and "buy 50 credits when available drops below 10" in on.stdout
    assert (server.state.topup_threshold, server.state.topup_amount) == (10, 50)
    assert run(env, "credits", "topup", "--off").returncode == 0
    assert server.state.topup_threshold is None and server.state.topup_amount is None


@pytest.mark.parametrize(("args", "said"), [
    (["--threshold", "2", "--amount", "10"], "at least 5"),
    (["--threshold", "10"], "both"),
    (["--threshold", "10", "--amount", "0"], "positive whole"),
    (["--off", "--amount", "3"], "cannot be combined"),
])
def test_credits_topup_rules_are_checked_before_calling(server, env, args, said):
    result = run(env, "credits", "topup", *args)
    assert result.returncode == 2 and said in result.stderr
    assert not [r for r in server.state.requests if r["method"] == "PUT"]


# ------------------------------------------------------------ export/import


def test_export_and_import_round_trip(server, env, tmp_path):
    assert run(env, "ask", "Export me").returncode == 0
    markdown = run(env, "export", "--last")
    assert markdown.returncode == 0 and markdown.stdout.startswith("# Export me")
    assert "## Assistant · anthropic/claude-sonnet-4-6" in markdown.stdout
    target = tmp_path / "conv.json"
    written = run(env, "export", "1", "-o", str(target))
    assert written.returncode == 0 and str(target) in written.stderr
    data = json.loads(target.read_text())
    assert data["messages"][0] == {"role": "user", "content": "Export me"}
    imported = run(env, "import", str(target))
    assert imported.returncode == 0 and "as conversation 2" in imported.stdout
    again = run(env, "export", "2", "--format", "json")
    assert json.loads(again.stdout)["messages"] == data["messages"]


def test_export_and_import_errors(env, tmp_path):
    assert "no saved conversations" in run(env, "export", "--last").stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"messages": [{"role": "robot", "content": "x"}]}')
    result = run(env, "import", str(bad))
    assert result.returncode == 2 and "not a conversation" in result.stderr and "message 1" in result.stderr
    assert "cannot read" in run(env, "import", str(tmp_path / "missing.json")).stderr
