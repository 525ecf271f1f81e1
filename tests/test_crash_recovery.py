"""Kill a real pinata-chat mid-reply with SIGKILL: the partial reply must be on disk, marked interrupted."""

from __future__ import annotations

import fcntl
import os
import pty
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import threading
import time

from pinata_tui.conversation import MessageStatus
from pinata_tui.devserver import DEV_LLM_KEY, generate_reply
from pinata_tui.paths import AppPaths
from pinata_tui.store import ConversationStore
from pinata_tui.tui.chat.assistant_message import AssistantMessage

from tests.tui_helpers import chat, make_app, ready, shown_header, until


def spawn_in_pty(args: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True,
                            start_new_session=True)
    os.close(slave)
    return proc, master


def drain(master: int, stop: threading.Event) -> None:
    """Keep reading the terminal so the app never blocks on a full pty buffer."""
    while not stop.is_set():
        try:
            if not os.read(master, 65536):
                return
        except OSError:
            return


def drain_all(master: int, proc: subprocess.Popen[bytes], timeout: float = 30) -> str:
    """Everything the process writes to its terminal until it exits."""
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=10)
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


def reply_row(database: str) -> tuple[str, str] | None:
    try:
        conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1)
        row = conn.execute("SELECT content, status FROM messages WHERE role = 'assistant' ORDER BY id DESC").fetchone()
        conn.close()
        return row
    except sqlite3.Error:
        return None


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def test_sigkill_mid_reply_keeps_the_partial_text(server, tmp_path):
    server.state.tokens_per_second = 40
    server.state.reply_tokens = 2000
    home = tmp_path / "home"
    database = str(AppPaths.under(home).database)
    env = {**os.environ, "PINATA_CHAT_HOME": str(home), "PINATA_BASE_URL": server.url,
           "PINATA_LLM_KEY": DEV_LLM_KEY, "TERM": "xterm-256color"}
    env.pop("PINATA_JWT", None)
    proc, master = spawn_in_pty([sys.executable, "-m", "pinata_tui", "-m", "openai/gpt-5-mini"], env)
    stop = threading.Event()
    reader = threading.Thread(target=drain, args=(master, stop), daemon=True)
    reader.start()
    try:
        time.sleep(2.0)  # let the app draw its first frame
        os.write(master, b"Tell me everything\r")
        first = wait_for(lambda: (r := reply_row(database)) and len(r[0]) > 40 and r, 30, "a checkpoint")
        assert first[1] == MessageStatus.STREAMING.value
        time.sleep(1.6)  # more text arrives; at least one more checkpoint must land
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        stop.set()
        if proc.poll() is None:
            proc.kill()
        os.close(master)
        reader.join(timeout=5)

    full = "".join(generate_reply("openai/gpt-5-mini", [{"role": "user", "content": "Tell me everything"}], 2000))
    with ConversationStore(AppPaths.under(home).database) as store:
        conversation = store.load(store.last_conversation_id())
    user, reply = conversation.messages
    assert user.content == "Tell me everything"
    assert reply.status == MessageStatus.INTERRUPTED
    assert full.startswith(reply.content) and len(reply.content) > len(first[0])
    assert len(reply.content) < len(full)

    # On restart the reply is there, marked interrupted, and can be continued.
    app = make_app(server, home, model="openai/gpt-5-mini", continue_last=True)
    async with app.run_test() as pilot:
        await ready(pilot)
        await until(pilot, lambda: chat(app).view.query(AssistantMessage))
        block = chat(app).view.query_one(AssistantMessage)
        assert "interrupted" in shown_header(block)
        assert block.message.content == reply.content
