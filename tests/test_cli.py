"""Every subcommand against the loopback server.

Most run in this process (``run_cli``: ``pinata_tui.cli.main`` with stdin, stdout and stderr
replaced), where a command costs no interpreter start-up; what only a real process shows runs
as one: the exit status of the installed command, Ctrl-C, and a real terminal.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from pinata_tui.conversation import MessageStatus
from pinata_tui.devserver import DEV_LLM_KEY, Fault, generate_reply
from pinata_tui.paths import AppPaths
from pinata_tui.store import ConversationStore
from tests.cli_helpers import NO_BACKOFF, Run, pinata_env, run_cli, write_config
from tests.pty_helpers import pinata_in_pty


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def env(server, home, monkeypatch) -> dict[str, str]:
    """This process set up as a user's (see ``pinata_env``); the same environment for a real one."""
    pinata_env(monkeypatch, home, server.url)
    return dict(os.environ)


@pytest.fixture
def cli(env, monkeypatch):
    """``cli(*args, stdin=..., drop=(VARIABLE, ...))``: pinata-chat in this process."""

    def run(*args: str, stdin: str = "", drop: tuple[str, ...] = ()) -> Run:
        with monkeypatch.context() as patch:
            for name in drop:
                patch.delenv(name)
            return run_cli(patch, *args, stdin=stdin)

    return run


def run_process(env: dict[str, str], *args: str, stdin: str = "", timeout: float = 60,
                drop: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """``pinata-chat ARGS`` as a real process (``python -m pinata_tui``)."""
    environment = {k: v for k, v in env.items() if k not in drop}
    return subprocess.run([sys.executable, "-m", "pinata_tui", *args], input=stdin,
                          capture_output=True, text=True, env=environment, timeout=timeout)


def no_backoff(home: Path) -> None:
    """Retries as many as by default, without waiting between them (what is retried stays the same)."""
    write_config(AppPaths.under(home), NO_BACKOFF)


def reply_for(model: str, messages: list[dict[str, str]], tokens: int) -> str:
    return "".join(generate_reply(model, messages, tokens))


# ------------------------------------------------------------------- ask


def test_ask_streams_the_reply_and_saves_it(server, env, home):
    """The installed command end to end, as a real process: exit status 0, the reply, the history."""
    result = run_process(env, "ask", "What is a pinata?", "-m", "openai/gpt-5-mini")
    assert result.returncode == 0, result.stderr
    expected = reply_for("openai/gpt-5-mini", [{"role": "user", "content": "What is a pinata?"}],
                         server.state.reply_tokens)
    assert result.stdout == expected + "\n"
    with ConversationStore(AppPaths.under(home).database) as store:
        conversation = store.load(store.last_conversation_id())
    assert [(m.role, m.status) for m in conversation.messages] == [
        ("user", MessageStatus.COMPLETE), ("assistant", MessageStatus.COMPLETE)]
    assert conversation.messages[1].content == expected and conversation.messages[1].cost > 0


def test_ask_reads_piped_stdin_after_the_prompt(server, cli):
    result = cli("ask", "review this", "--no-save", stdin="--- a/x.py\n+++ b/x.py\n+print(1)\n")
    assert result.code == 0, result.err
    [request] = server.state.chat_requests()
    assert request["body"]["messages"] == [
        {"role": "user", "content": "review this\n\n--- a/x.py\n+++ b/x.py\n+print(1)"}]


def test_ask_with_only_stdin_and_a_system_prompt(server, cli):
    result = cli("ask", "-s", "Be terse.", "--no-save", stdin="just this")
    assert result.code == 0
    assert server.state.chat_requests()[0]["body"]["messages"] == [
        {"role": "system", "content": "Be terse."}, {"role": "user", "content": "just this"}]


def test_ask_without_a_prompt_is_a_usage_error(cli):
    result = cli("ask")
    assert result.code == 2 and "give a prompt" in result.err


def test_ask_no_save_leaves_history_alone(cli, home):
    assert cli("ask", "hi", "--no-save").code == 0
    assert not AppPaths.under(home).database.exists()


def test_ask_json_has_content_usage_and_cost(server, cli):
    result = cli("ask", "hi", "--json", "-m", "anthropic/claude-opus-4-1")
    assert result.code == 0, result.err
    data = json.loads(result.out)
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
def test_ask_exit_codes(server, cli, home, setup, code, said):
    no_backoff(home)  # the 5xx are retried (every attempt), but not waited for
    server.state.balance_micro = 4321
    setup(server)
    if code is None:
        return
    result = cli("ask", "hi", "--no-save")
    assert result.code == code, result.err
    assert said in result.err and "Traceback" not in result.err
    assert DEV_LLM_KEY not in result.err


def test_the_real_command_exits_with_the_errors_code(server, env):
    """A failure's code is the process's exit status (``python -m pinata_tui`` as installed)."""
    server.state.add_fault(Fault(status=503, times=10))
    write_config(AppPaths.under(Path(env["PINATA_CHAT_HOME"])), NO_BACKOFF)
    result = run_process(env, "ask", "hi", "--no-save")
    assert result.returncode == 7 and "server error (503)" in result.stderr and "Traceback" not in result.stderr
    assert len(server.state.chat_requests()) == 4  # the default attempts, all made


def test_ask_out_of_credits_for_real(server, cli):
    server.state.balance_micro = 0
    result = cli("ask", "hi", "--no-save")
    assert result.code == 4 and "0 microcredits" in result.err and "Billing" in result.err


def test_ask_without_a_key(env):
    result = run_process(env, "ask", "hi", "--no-save", drop=("PINATA_LLM_KEY",))
    assert result.returncode == 3 and "PINATA_LLM_KEY" in result.stderr


def test_ask_network_failure(cli, home, monkeypatch):
    no_backoff(home)
    monkeypatch.setenv("PINATA_BASE_URL", "http://127.0.0.1:9")
    result = cli("ask", "hi", "--no-save")
    assert result.code == 6 and "Could not reach Pinata" in result.err


def test_ask_cut_stream_prints_what_arrived(server, cli, home):
    server.state.add_fault(Fault(cut_after=12))
    result = cli("ask", "hi")
    assert result.code == 8 and "interrupted" in result.err
    full = reply_for("anthropic/claude-sonnet-4-6", [{"role": "user", "content": "hi"}], server.state.reply_tokens)
    assert full.startswith(result.out.rstrip("\n")) and len(result.out) > 10
    with ConversationStore(AppPaths.under(home).database) as store:
        reply = store.load(store.last_conversation_id()).messages[1]
    assert reply.status == MessageStatus.INTERRUPTED


def test_ask_ctrl_c_stops_cleanly_and_keeps_what_arrived(server, env, home):
    server.state.tokens_per_second = 30
    server.state.reply_tokens = 1000
    # Ctrl-C as a user's shell delivers it: a test run started in the background (`… &` in a script)
    # ignores SIGINT, and a child would inherit that.
    proc = subprocess.Popen([sys.executable, "-m", "pinata_tui", "ask", "long story"], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        received = ""
        while len(received) < 40:  # blocks until the reply is streaming; the test's timeout bounds it
            char = proc.stdout.read(1)
            assert char, f"the reply stopped early: {received!r} {proc.stderr.read()}"
            received += char
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    out, err = proc.stdout.read(), proc.stderr.read()  # the same buffered readers as above
    assert proc.returncode == 130, err
    assert "stopped" in err and "Traceback" not in err
    with ConversationStore(AppPaths.under(home).database) as store:
        reply = store.load(store.last_conversation_id()).messages[1]
    assert reply.status == MessageStatus.STOPPED
    assert (received + out).rstrip("\n") == reply.content


def test_ask_on_a_terminal_shows_escape_codes_instead_of_obeying_them(server, env):
    server.state.reply_override = "safe \x1b]0;pwned\x07 \x1b[2J done"
    with pinata_in_pty(["ask", "x", "--no-save"], env) as terminal:
        output = terminal.finish()
    assert "\x1b]0;pwned" not in output and "\x1b[2J" not in output
    assert "safe ␛]0;pwned␇ ␛[2J done" in output


def test_ask_into_a_pipe_is_verbatim(server, cli):
    server.state.reply_override = "tab\there \x1b[1mraw\x1b[0m"
    result = cli("ask", "x", "--no-save")
    assert result.out == "tab\there \x1b[1mraw\x1b[0m\n"


# ---------------------------------------------------------------- models


def test_models_table_filters_and_json(cli):
    table = cli("models")
    assert table.code == 0
    assert "anthropic/claude-sonnet-4-6" in table.out and "$3.00" in table.out and "$0.30" in table.out
    only = cli("models", "--provider", "anthropic").out
    assert "anthropic/" in only and "openai/" not in only
    assert "gpt-5-mini" in cli("models", "mini").out
    data = json.loads(cli("models", "--json").out)
    assert data[0]["model_id"] and "input_usd_per_1m_tokens" in data[0]


def test_models_falls_back_to_the_cache_when_offline(cli, home, monkeypatch):
    assert cli("models").code == 0
    no_backoff(home)
    monkeypatch.setenv("PINATA_BASE_URL", "http://127.0.0.1:9")
    offline = cli("models")
    assert offline.code == 0 and "cached" in offline.err and "gpt-5.1" in offline.out


# ---------------------------------------------------------------- config


def test_config_path_show_and_set(cli, home):
    path = cli("config", "path").out.strip()
    assert path == str(AppPaths.under(home).config_file)
    assert cli("config", "set", "model", "openai/gpt-5.1").code == 0
    assert cli("config", "set", "temperature", "0.3").code == 0
    assert cli("config", "set", "retry.max_attempts", "2").code == 0
    assert cli("config", "set", "keymap.app.models", "f9").code == 0
    mode = stat.S_IMODE(Path(path).stat().st_mode)
    assert mode == 0o600
    text = Path(path).read_text()
    assert 'model = "openai/gpt-5.1"' in text and "temperature = 0.3" in text and "[retry]" in text
    shown = cli("config", "show").out
    assert "model" in shown and "'openai/gpt-5.1'" in shown and "(config)" in shown
    assert "pk-…cdef" in shown and DEV_LLM_KEY not in shown and "(env)" in shown
    assert "keymap.app.models" in shown


def test_config_set_rejects_bad_values_and_unknown_keys(cli):
    bad = cli("config", "set", "temperature", "warm")
    assert bad.code == 2 and "temperature must be a float" in bad.err
    unknown = cli("config", "set", "colour", "blue")
    assert unknown.code == 2 and "unknown setting 'colour'" in unknown.err


def test_config_set_warns_that_comments_are_not_kept(cli, home):
    path = AppPaths.under(home).config_file
    path.parent.mkdir(parents=True)
    path.write_text("# my notes\nmodel = \"openai/gpt-5.1\"\n")
    result = cli("config", "set", "temperature", "1")
    assert result.code == 0 and "comments" in result.err
    assert 'model = "openai/gpt-5.1"' in path.read_text()


def test_malformed_config_names_the_file_and_line(cli, home):
    path = AppPaths.under(home).config_file
    path.parent.mkdir(parents=True)
    path.write_text('model = "ok"\ntemperature = = 3\n')
    for args in (["ask", "hi"], ["models"], ["config", "show"]):
        result = cli(*args)
        assert result.code == 2, args
        assert str(path) in result.err and "line 2" in result.err and "Traceback" not in result.err


def test_precedence_flags_over_env_over_config(server, cli, home):
    path = AppPaths.under(home).config_file
    path.parent.mkdir(parents=True)
    path.write_text('model = "openai/gpt-5.1"\nbase_url = "http://127.0.0.1:9"\nllm_key = "wrong-key"\n'
                    + NO_BACKOFF)
    path.chmod(0o600)
    # env beats config: PINATA_BASE_URL and PINATA_LLM_KEY are set, so the bad file values lose.
    assert cli("ask", "hi", "--no-save").code == 0
    assert server.state.chat_requests()[-1]["body"]["model"] == "openai/gpt-5.1"  # config beats default
    # flags beat config
    assert cli("ask", "hi", "--no-save", "-m", "openai/gpt-4.1").code == 0
    assert server.state.chat_requests()[-1]["body"]["model"] == "openai/gpt-4.1"
    # and the flag beats the environment
    result = cli("--base-url", "http://127.0.0.1:9", "ask", "hi", "--no-save")
    assert result.code == 6
    # without the env key, the config's key is used (and rejected by the server)
    assert cli("ask", "hi", "--no-save", drop=("PINATA_LLM_KEY",)).code == 3


def test_a_config_with_a_key_readable_by_others_is_warned_about(cli, home):
    path = AppPaths.under(home).config_file
    path.parent.mkdir(parents=True)
    path.write_text(f'llm_key = "{DEV_LLM_KEY}"\n')
    path.chmod(0o644)
    result = cli("models")
    assert "others can read it" in result.err and "chmod 600" in result.err


# ------------------------------------------------------------- key management


def test_enable_saves_the_new_key_and_it_works(server, cli, home):
    server.state.enabled = False
    server.state.llm_keys = set()
    result = cli("enable", drop=("PINATA_LLM_KEY",))
    assert result.code == 0, result.err
    config = AppPaths.under(home).config_file
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    [key] = server.state.llm_keys
    assert f'llm_key = "{key}"' in config.read_text()
    assert key not in result.out + result.err
    assert cli("ask", "hi", "--no-save", drop=("PINATA_LLM_KEY",)).code == 0


def test_enable_again_warns_and_needs_confirmation(server, cli):
    result = cli("enable")
    assert result.code == 2 and "revokes the current one" in result.out and "--yes" in result.err
    assert server.state.llm_keys == {DEV_LLM_KEY}
    assert cli("enable", "--yes").code == 0
    assert server.state.llm_keys != {DEV_LLM_KEY}


def test_enable_prints_the_key_once_when_it_cannot_be_saved(server, cli, home):
    # A config folder where no file can be created, even by root: reading finds nothing, writing fails.
    home.mkdir(parents=True)
    (home / "config").symlink_to("/proc/self")
    result = cli("enable", "--yes")
    [key] = server.state.llm_keys
    assert result.code == 1
    assert result.out.strip().splitlines()[-1] == key and result.out.count(key) == 1
    assert "could not save" in result.err and "only once" in result.err


def test_status(cli, server):
    result = cli("status")
    assert result.code == 0 and "enabled (key created 2026-06-29" in result.out
    assert "pk-…cdef" in result.out and DEV_LLM_KEY not in result.out
    assert cli("status", drop=("PINATA_JWT",)).code == 3


def test_disable_explains_and_asks_first(server, cli):
    refused = cli("disable")
    assert refused.code == 2 and "revokes your inference key" in refused.out
    assert server.state.enabled and server.state.llm_keys
    done = cli("disable", "--yes")
    assert done.code == 0 and not server.state.enabled and not server.state.llm_keys


def test_disable_answering_no_in_a_terminal_changes_nothing(server, env):
    with pinata_in_pty(["disable"], env) as terminal:
        terminal.wait_for_output("[y/N]")  # asked, and waiting for the answer
        terminal.write(b"n\r")
        output = terminal.finish()
    assert "Revoke the inference key now? [y/N]" in output and "Nothing changed" in output
    assert server.state.enabled


# ---------------------------------------------------------------- credits


def test_credits_shows_total_held_and_available(server, cli):
    server.state.balance_micro = 12_345_678
    result = cli("credits")
    assert result.code == 0
    assert "Total:" in result.out and "12.345678" in result.out and "Held:" in result.out
    assert "Auto top-up is off" in result.out


def test_credits_topup_set_show_and_off(server, cli):
    assert "is off" in cli("credits", "topup").out
    on = cli("credits", "topup", "--threshold", "10", "--amount", "50")
    assert on.code == 0 and "buy 50 credits when available drops below 10" in on.out
    assert (server.state.topup_threshold, server.state.topup_amount) == (10, 50)
    assert cli("credits", "topup", "--off").code == 0
    assert server.state.topup_threshold is None and server.state.topup_amount is None


@pytest.mark.parametrize(("args", "said"), [
    (["--threshold", "2", "--amount", "10"], "at least 5"),
    (["--threshold", "10"], "both"),
    (["--threshold", "10", "--amount", "0"], "positive whole"),
    (["--off", "--amount", "3"], "cannot be combined"),
])
def test_credits_topup_rules_are_checked_before_calling(server, cli, args, said):
    result = cli("credits", "topup", *args)
    assert result.code == 2 and said in result.err
    assert not [r for r in server.state.requests if r["method"] == "PUT"]


# ------------------------------------------------------------ export/import


def test_export_and_import_round_trip(server, cli, tmp_path):
    assert cli("ask", "Export me").code == 0
    markdown = cli("export", "--last")
    assert markdown.code == 0 and markdown.out.startswith("# Export me")
    assert "## Assistant · anthropic/claude-sonnet-4-6" in markdown.out
    target = tmp_path / "conv.json"
    written = cli("export", "1", "-o", str(target))
    assert written.code == 0 and str(target) in written.err
    data = json.loads(target.read_text())
    assert data["messages"][0] == {"role": "user", "content": "Export me"}
    imported = cli("import", str(target))
    assert imported.code == 0 and "as conversation 2" in imported.out
    again = cli("export", "2", "--format", "json")
    assert json.loads(again.out)["messages"] == data["messages"]


def test_export_and_import_errors(cli, tmp_path):
    assert "no saved conversations" in cli("export", "--last").err
    bad = tmp_path / "bad.json"
    bad.write_text('{"messages": [{"role": "robot", "content": "x"}]}')
    result = cli("import", str(bad))
    assert result.code == 2 and "not a conversation" in result.err and "message 1" in result.err
    assert "cannot read" in cli("import", str(tmp_path / "missing.json")).err


async def test_ask_closes_its_database_only_after_a_save_under_way_has_finished(tmp_path):
    import asyncio
    import io
    import threading

    from pinata_tui.ask import StorePersist

    persist = StorePersist(tmp_path / "history.sqlite3", True, io.StringIO())
    started, finished = threading.Event(), threading.Event()

    def slow_save(store):
        started.set()
        threading.Event().wait(0.3)
        store.list_conversations()  # the database still open
        finished.set()

    waiting = asyncio.ensure_future(persist(slow_save))
    await asyncio.to_thread(started.wait, 5)
    waiting.cancel()  # Ctrl-C: the wait is cancelled, not the save
    persist.close()
    assert finished.is_set()
