"""SIGTERM and SIGHUP end pinata-chat cleanly (issue #14 item 10): the terminal is given back and the
reply in flight is saved, as Ctrl+Q and Esc would."""

from __future__ import annotations

import os
import select
import signal
import sqlite3
import sys
import time

import pytest

from pinata_tui.devserver import DEV_LLM_KEY
from pinata_tui.paths import AppPaths

from tests.test_crash_recovery import spawn_in_pty

LEAVE_ALTERNATE_SCREEN = b"\x1b[?1049l"
MOUSE_TRACKING_OFF = b"\x1b[?1000l"


def read_until(master: int, wanted: bytes, timeout: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while wanted not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    return seen


def reply_row(database) -> tuple[str, str] | None:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT content, status FROM messages WHERE role = 'assistant'").fetchone()
    except sqlite3.Error:
        return None


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP])
def test_a_terminating_signal_restores_the_terminal_and_keeps_the_reply(server, tmp_path, number):
    server.state.tokens_per_second = 40
    server.state.reply_tokens = 2000
    home = tmp_path / "home"
    database = AppPaths.under(home).database
    env = {**os.environ, "PINATA_CHAT_HOME": str(home), "PINATA_BASE_URL": server.url,
           "PINATA_LLM_KEY": DEV_LLM_KEY, "TERM": "xterm-256color"}
    env.pop("PINATA_JWT", None)
    proc, master = spawn_in_pty([sys.executable, "-m", "pinata_tui"], env)
    try:
        assert b"Message (Enter" in read_until(master, b"Message (Enter", 30)
        os.write(master, b"Tell me a long story\r")
        deadline = time.monotonic() + 30
        while not ((row := reply_row(database)) and len(row[0]) > 20) and time.monotonic() < deadline:
            read_until(master, b"\0", 0.1)  # keep the terminal drained
        proc.send_signal(number)
        tail = read_until(master, LEAVE_ALTERNATE_SCREEN, 20)
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert LEAVE_ALTERNATE_SCREEN in tail and MOUSE_TRACKING_OFF in tail
    content, status = reply_row(database)
    assert status == "stopped" and len(content) > 20


def test_ask_stops_on_sigterm_and_saves_what_arrived(server, tmp_path):
    import subprocess

    server.state.tokens_per_second = 40
    server.state.reply_tokens = 2000
    home = tmp_path / "home"
    database = AppPaths.under(home).database
    env = {**os.environ, "PINATA_CHAT_HOME": str(home), "PINATA_BASE_URL": server.url,
           "PINATA_LLM_KEY": DEV_LLM_KEY}
    env.pop("PINATA_JWT", None)
    proc = subprocess.Popen([sys.executable, "-m", "pinata_tui", "ask", "Tell me a long story"], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while not ((row := reply_row(database)) and len(row[0]) > 20) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert b"stopped; what arrived was kept" in err
    content, status = reply_row(database)
    assert status == "stopped" and out.decode().startswith(content[:20])
