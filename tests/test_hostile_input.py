"""Issue #14, item 1 (command line): text from outside reaches a terminal shown, never obeyed.

Every path from a server or a file to the terminal is fed the same payload (CSI, OSC 0/2/8/52,
DCS, C1, BIDI overrides, NUL, Rich markup) through the loopback server; the output must hold
visible stand-ins and the markup as plain characters. Piped stdout of ``ask`` and ``export``
stays verbatim.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pinata_tui.devserver import DEV_JWT, DEV_LLM_KEY, Fault
from pinata_tui.store import ConversationStore
from tests.cli_helpers import run_cli, use_home
from tests.hostile_helpers import HOSTILE, assert_inert, assert_shown, content_chunk, sse
from tests.pty_helpers import run_in_pty


@pytest.fixture
def paths(server, tmp_path, monkeypatch):
    return use_home(monkeypatch, tmp_path / "home", server.url)


# ------------------------------------------------------------------- ask


@pytest.mark.parametrize("status", [401, 403, 500, 502])
def test_ask_error_lines_show_server_text_without_obeying_it(server, paths, monkeypatch, status):
    server.state.add_fault(Fault(status=status, message=HOSTILE, times=5))
    result = run_cli(monkeypatch, "ask", "hello", "--no-save")
    assert result.code != 0 and result.out == ""
    assert_shown(result.err)
    assert result.err.count("\n") == 1, result.err  # one line


def test_ask_error_from_a_non_json_body_is_shown_inert(server, paths, monkeypatch):
    server.state.add_fault(Fault(status=502, body=HOSTILE, content_type="text/plain", times=5))
    result = run_cli(monkeypatch, "ask", "hello", "--no-save")
    assert result.code == 7
    assert_inert(result.err)
    assert "[@click=app.quit]" in result.err


def test_ask_in_stream_error_is_shown_inert(server, paths, monkeypatch):
    server.state.add_fault(Fault(stream_error=HOSTILE, stream_error_after=3))
    result = run_cli(monkeypatch, "ask", "hello", "--no-save")
    assert result.code == 7
    assert_shown(result.err)


def test_ask_in_stream_error_event_is_shown_inert(server, paths, monkeypatch):
    body = sse(content_chunk('"partial"'), done=False) + \
        f"event: error\ndata: {json.dumps({'error': {'message': HOSTILE}})}\n\n"
    server.state.add_fault(Fault(status=200, body=body, content_type="text/event-stream"))
    result = run_cli(monkeypatch, "ask", "hello", "--no-save")
    assert result.code == 7 and result.out == "partial\n"
    assert_shown(result.err)


def test_ask_reply_on_a_terminal_is_shown_and_into_a_pipe_is_verbatim(server, paths, monkeypatch):
    server.state.reply_override = HOSTILE
    shown = run_cli(monkeypatch, "ask", "hello", "--no-save", tty=True)
    assert shown.code == 0
    assert_shown(shown.out)
    piped = run_cli(monkeypatch, "ask", "hello", "--no-save")
    assert piped.code == 0 and piped.out == HOSTILE + "\n"


def test_ask_lone_surrogates_from_a_server_become_replacement_characters(server, paths, monkeypatch):
    body = sse(content_chunk('"bad \\ud800 pair \\udfff end"'), content_chunk('""', finish='"stop"'))
    server.state.add_fault(Fault(status=200, body=body, content_type="text/event-stream"))
    result = run_cli(monkeypatch, "ask", "hello")
    assert result.code == 0, result.err
    assert result.out == "bad \ufffd pair \ufffd end\n"
    with ConversationStore(paths.database) as store:
        assert store.load(store.last_conversation_id()).messages[1].content == "bad \ufffd pair \ufffd end"


# ---------------------------------------------------------------- models


def test_models_table_shows_hostile_ids_inert_and_json_keeps_them_exact(server, paths, monkeypatch):
    server.state.catalog.append({"model_id": "evil/" + HOSTILE, "input_usd_per_1m_tokens": 1,
                                 "output_usd_per_1m_tokens": 2})
    table = run_cli(monkeypatch, "models", tty=True)
    assert table.code == 0
    assert_inert(table.out)
    assert "evil/A␛[2J␛[31mred␛]0;pwned␇" in table.out and "…" in table.out  # shown, and cut to fit
    assert "anthropic/claude-sonnet-4-6" in table.out
    server.state.catalog[-1]["model_id"] = "evil/\u202e[@click=app.quit]x[/]\x9b2J"
    table = run_cli(monkeypatch, "models", tty=True)
    assert_inert(table.out)
    assert "evil/⟨U+202E⟩[@click=app.quit]x[/]⟨U+009B⟩2J" in table.out
    as_json = run_cli(monkeypatch, "models", "--json", tty=True).out
    assert_inert(as_json)  # JSON escapes them: \u001b, \u202e
    assert json.loads(as_json)[-1]["model_id"] == "evil/\u202e[@click=app.quit]x[/]\x9b2J"


def test_models_error_without_a_cache_is_one_inert_line(server, paths, monkeypatch):
    server.state.add_fault(Fault(status=500, message=HOSTILE, route="models", times=5))
    result = run_cli(monkeypatch, "models")
    assert result.code == 7 and result.out == ""
    assert_shown(result.err)
    assert result.err.count("\n") == 1


def test_models_error_with_a_cache_is_an_inert_note(server, paths, monkeypatch):
    assert run_cli(monkeypatch, "models").code == 0  # caches the catalog
    server.state.add_fault(Fault(status=500, message=HOSTILE, route="models", times=5))
    result = run_cli(monkeypatch, "models")
    assert result.code == 0 and "cached earlier" in result.err
    assert_shown(result.err)


# -------------------------------------------------------- import / export


def hostile_export(tmp_path: Path) -> Path:
    document = {"format": "pinata-chat/1", "title": HOSTILE, "model": "evil/" + HOSTILE,
                "messages": [{"role": "user", "content": "hi " + HOSTILE},
                             {"role": "assistant", "content": "reply " + HOSTILE}],
                "message_metadata": [{"model": None}, {"model": "evil/" + HOSTILE}]}
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_import_prints_a_hostile_title_inert(paths, monkeypatch, tmp_path):
    result = run_cli(monkeypatch, "import", str(hostile_export(tmp_path)))
    assert result.code == 0, result.err
    assert_inert(result.out)
    assert "[@click=app.quit]" in result.out and result.out.count("\n") == 1


def test_export_to_a_terminal_is_shown_and_into_a_pipe_is_verbatim(paths, monkeypatch, tmp_path):
    assert run_cli(monkeypatch, "import", str(hostile_export(tmp_path))).code == 0
    for fmt in ("md", "json"):
        shown = run_cli(monkeypatch, "export", "--last", "--format", fmt, tty=True)
        assert shown.code == 0
        assert_inert(shown.out)
    shown_md = run_cli(monkeypatch, "export", "--last", tty=True).out
    assert_shown(shown_md)
    piped = run_cli(monkeypatch, "export", "--last").out
    assert "reply " + HOSTILE in piped  # verbatim, for files and other programs


# ------------------------------------------------------- status / credits


@pytest.mark.parametrize("command", [["status"], ["credits"], ["credits", "topup"], ["enable", "--yes"],
                                     ["disable", "--yes"]])
def test_account_commands_show_server_errors_inert(server, paths, monkeypatch, command):
    server.state.add_fault(Fault(status=500, message=HOSTILE, route="jwt", times=5))
    result = run_cli(monkeypatch, *command)
    assert result.code == 7
    assert_shown(result.err)
    assert result.err.count("\n") == 1


def test_credits_with_absurd_figures_is_one_line(server, paths, monkeypatch):
    server.state.add_fault(Fault(status=200, route="jwt", content_type="application/json",
                                 body='{"total": 1e999, "loaned": 0, "available": 1e999}'))
    result = run_cli(monkeypatch, "credits")
    assert result.code == 7 and "not a finite number" in result.err
    assert "Traceback" not in result.err


# ------------------------------------------------------------- a real pty


def test_on_a_real_terminal_nothing_from_outside_is_obeyed(server, tmp_path):
    home = tmp_path / "pty-home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINATA_")}
    env.update(PINATA_CHAT_HOME=str(home), PINATA_BASE_URL=server.url, PINATA_LLM_KEY=DEV_LLM_KEY,
               PINATA_JWT=DEV_JWT)
    (home / "config").mkdir(parents=True)
    (home / "config" / "config.toml").write_text("[retry]\nmax_attempts = 1\n", encoding="utf-8")
    server.state.catalog.append({"model_id": "evil/" + HOSTILE})
    server.state.reply_override = HOSTILE
    outputs = [run_in_pty(["models"], env), run_in_pty(["ask", "hi"], env)]
    server.state.add_fault(Fault(status=401, message=HOSTILE))
    outputs.append(run_in_pty(["ask", "hi", "--no-save"], env))
    outputs.append(run_in_pty(["export", "--last"], env))
    assert [code for code, _ in outputs] == [0, 0, 3, 0]
    for _, output in outputs:
        assert "\x1b" not in output and "\x07" not in output, output  # the CLI itself writes no escapes
        assert_inert(output)
    assert "␛]52;c;cHduZWQ=" in outputs[0][1]  # a catalog id, cut to fit the table
    for _, output in outputs[1:]:
        assert_shown(output)


# ------------------------------------------------- stdin and arguments (12)


def test_ask_reads_invalid_utf8_and_binary_stdin_with_replacement_and_says_so(server, paths, monkeypatch):
    result = run_cli(monkeypatch, "ask", "review", "--no-save", stdin=b"caf\xe9 \xff\xfe na\xefve\x00\x01 end\n")
    assert result.code == 0, result.err
    assert "stdin is not UTF-8 text" in result.err and "NUL bytes" in result.err
    [request] = server.state.chat_requests()
    assert request["body"]["messages"][0]["content"] == "review\n\ncaf\ufffd \ufffd\ufffd na\ufffdve\x00\x01 end"


def test_a_latin1_diff_and_a_non_utf8_argument_in_a_real_process(server, paths, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINATA_")}
    env.update(PINATA_CHAT_HOME=str(tmp_path / "home"), PINATA_BASE_URL=server.url,
               PINATA_LLM_KEY=DEV_LLM_KEY)
    diff = "--- a/x\n+++ b/x\n+print('héllo wörld')\n".encode("latin-1")
    result = subprocess.run([sys.executable, "-m", "pinata_tui", "ask", b"r\xe9view this"], input=diff,
                            capture_output=True, env=env, timeout=60, check=False)
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 0, err
    assert "Traceback" not in err and "not UTF-8" in err
    [request] = server.state.chat_requests()
    assert request["body"]["messages"][0]["content"].startswith("r\ufffdview this\n\n--- a/x")
