"""Kill a real pinata-chat mid-reply with SIGKILL: the partial reply must be on disk, marked interrupted."""

from __future__ import annotations

import os
import signal
import sqlite3

from pinata_tui.conversation import MessageStatus
from pinata_tui.devserver import DEV_LLM_KEY, generate_reply
from pinata_tui.paths import AppPaths
from pinata_tui.store import ConversationStore
from pinata_tui.tui.chat.assistant_message import AssistantMessage
from tests.pty_helpers import PROMPT_PLACEHOLDER, pinata_in_pty
from tests.tui_helpers import chat, make_app, ready, shown_header
from tests.waiting import until, wait_for


def reply_row(database: str) -> tuple[str, str] | None:
    try:
        conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1)
        row = conn.execute("SELECT content, status FROM messages WHERE role = 'assistant' ORDER BY id DESC").fetchone()
        conn.close()
        return row
    except sqlite3.Error:
        return None


async def test_sigkill_mid_reply_keeps_the_partial_text(server, tmp_path):
    server.state.tokens_per_second = 40
    server.state.reply_tokens = 2000
    home = tmp_path / "home"
    database = str(AppPaths.under(home).database)
    env = {**os.environ, "PINATA_CHAT_HOME": str(home), "PINATA_BASE_URL": server.url,
           "PINATA_LLM_KEY": DEV_LLM_KEY, "TERM": "xterm-256color"}
    env.pop("PINATA_JWT", None)
    with pinata_in_pty(["-m", "openai/gpt-5-mini"], env) as app_process:
        app_process.wait_for_output(PROMPT_PLACEHOLDER)  # the app is up and taking keys
        app_process.write(b"Tell me everything\r")
        first = wait_for(lambda: (r := reply_row(database)) and len(r[0]) > 40 and r, 30, "a checkpoint")
        assert first[1] == MessageStatus.STREAMING.value
        # More text arrives and at least one more checkpoint lands; killed while still streaming.
        wait_for(lambda: (r := reply_row(database)) and len(r[0]) > len(first[0]), 30, "a second checkpoint")
        app_process.send_signal(signal.SIGKILL)
        app_process.proc.wait(timeout=10)

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
