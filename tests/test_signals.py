"""SIGTERM and SIGHUP end pinata-chat cleanly (issue #14 item 10): the terminal is given back and the
reply in flight is saved, as Ctrl+Q and Esc would."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys

import pytest

from pinata_tui.devserver import DEV_LLM_KEY
from pinata_tui.paths import AppPaths
from tests.pty_helpers import PROMPT_PLACEHOLDER, pinata_in_pty
from tests.waiting import wait_for

LEAVE_ALTERNATE_SCREEN = b"\x1b[?1049l"
MOUSE_TRACKING_OFF = b"\x1b[?1000l"


def reply_row(database) -> tuple[str, str] | None:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT content, status FROM messages WHERE role = 'assistant'").fetchone()
    except sqlite3.Error:
        return None


def some_reply_saved(database) -> bool:
    return bool((row := reply_row(database)) and len(row[0]) > 20)


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP])
def test_a_terminating_signal_restores_the_terminal_and_keeps_the_reply(server, tmp_path, number):
    server.state.tokens_per_second = 40
    server.state.reply_tokens = 2000
    home = tmp_path / "home"
    database = AppPaths.under(home).database
    env = {**os.environ, "PINATA_CHAT_HOME": str(home), "PINATA_BASE_URL": server.url,
           "PINATA_LLM_KEY": DEV_LLM_KEY, "TERM": "xterm-256color"}
    env.pop("PINATA_JWT", None)
    with pinata_in_pty([], env) as terminal:
        terminal.wait_for_output(PROMPT_PLACEHOLDER)
        terminal.write(b"Tell me a long story\r")
        wait_for(lambda: some_reply_saved(database), 30, "the reply to be saved as it streams")
        before = len(terminal.raw)
        terminal.send_signal(number)
        wait_for(lambda: LEAVE_ALTERNATE_SCREEN in terminal.raw[before:], 20, "the terminal to be given back")
        terminal.proc.wait(timeout=20)
        tail = terminal.raw[before:]
    assert LEAVE_ALTERNATE_SCREEN in tail and MOUSE_TRACKING_OFF in tail
    content, status = reply_row(database)
    assert status == "stopped" and len(content) > 20


def test_ask_stops_on_sigterm_and_saves_what_arrived(server, tmp_path):
    server.state.tokens_per_second = 40
    server.state.reply_tokens = 2000
    home = tmp_path / "home"
    database = AppPaths.under(home).database
    env = {**os.environ, "PINATA_CHAT_HOME": str(home), "PINATA_BASE_URL": server.url,
           "PINATA_LLM_KEY": DEV_LLM_KEY}
    env.pop("PINATA_JWT", None)
    proc = subprocess.Popen([sys.executable, "-m", "pinata_tui", "ask", "Tell me a long story"], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: some_reply_saved(database), 30, "the reply to be saved as it streams")
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert b"stopped; what arrived was kept" in err
    content, status = reply_row(database)
    assert status == "stopped" and out.decode().startswith(content[:20])
