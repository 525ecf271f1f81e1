"""Long history: open a stored conversation of 1,000 messages (~400,000 tokens, Markdown-heavy).

Measures the time from starting the app until its latest messages are on screen, then scrolls
to the very top holding Page Up, as a reader would (loading every earlier page on the way), and
reports the worst frame: the longest the event loop was blocked (a probe task asks to wake every
5 ms and records how late it wakes), and the peak memory.

    python tests/bench/long_history.py [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.common import (
    Check,
    Series,
    StallProbe,
    child_report,
    collect,
    now,
    peak_rss_mb,
    report,
    run_child,
)
from tests.bench.workload import markdown_document

MESSAGES = 1000
KEY_REPEAT_SECONDS = 1 / 30


def build_history(home: Path) -> int:
    from pinata_tui.api.events import Usage
    from pinata_tui.conversation import ChatMessage, Conversation
    from pinata_tui.paths import AppPaths
    from pinata_tui.store import ConversationStore

    with ConversationStore(AppPaths.under(home).database) as store:
        conversation = Conversation(model="anthropic/claude-sonnet-4-6")
        for i in range(MESSAGES // 2):
            store.save_message(conversation, conversation.add(ChatMessage("user", markdown_document(50, seed=i))))
            store.save_message(conversation, conversation.add(ChatMessage(
                "assistant", markdown_document(750, seed=i), model="anthropic/claude-sonnet-4-6",
                usage=Usage(1000, 750, 1750))))
        return conversation.id  # type: ignore[return-value]


async def measure(url: str, home: str, conversation_id: int) -> dict[str, float]:
    t_start = now()
    from textual import events

    from pinata_tui.devserver import DEV_LLM_KEY
    from pinata_tui.paths import AppPaths
    from pinata_tui.settings import Settings
    from pinata_tui.tui.app import PinataChatApp
    from pinata_tui.tui.chat.assistant_message import AssistantMessage
    from pinata_tui.tui.chat.page_loader import LoadEarlier

    probe = StallProbe()
    app = PinataChatApp(Settings(base_url=url, llm_key=DEV_LLM_KEY), AppPaths.under(Path(home)),
                        open_conversation=conversation_id)
    async with app.run_test(size=(120, 40)) as pilot:
        probe.start()
        while True:
            screen = app.chat
            replies = screen.view.query(AssistantMessage) if screen else []
            if screen and screen.conversation.id == conversation_id and replies and \
                    replies.last().message is screen.conversation.messages[-1] and \
                    replies.last().rendered and \
                    screen.view.is_vertical_scroll_end:
                break
            await asyncio.sleep(0.002)
        opened = now() - t_start
        await pilot.pause()
        worst_while_opening = probe.take()
        view = screen.view
        view.focus()
        presses = 0
        while view.query(LoadEarlier) or view.scroll_y > 0:
            # Page Up held down: a terminal repeats the key about 30 times a second, and the key
            # takes the same path through the app as one from a real terminal.
            app.post_message(events.Key("pageup", None))
            presses += 1
            await asyncio.sleep(KEY_REPEAT_SECONDS)
        scrolled = now() - t_start - opened
        worst = await probe.stop()
        first = view.query(AssistantMessage).first()
        assert first.message is screen.conversation.messages[1], "scrolled all the way to the first reply"
        while not first.rendered:
            await pilot.pause(0.02)
    return {"open_s": opened, "worst_open_ms": worst_while_opening * 1000, "worst_scroll_ms": worst * 1000,
            "scroll_s": scrolled, "peak_mb": peak_rss_mb(), "presses": presses}


def main() -> bool:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=3, metavar=("URL", "HOME", "ID"))
    args = parser.parse_args()
    if args.child:
        url, home, conversation_id = args.child
        child_report(asyncio.run(measure(url, home, int(conversation_id))))
        return True

    from pinata_tui.devserver import PinataDevServer

    with PinataDevServer() as server, tempfile.TemporaryDirectory() as home:
        conversation_id = build_history(Path(home))
        data = collect(args.runs, lambda: run_child(Path(__file__), server.url, home, str(conversation_id),
                                                    timeout=1200))
    s = {k: Series(k, v, "") for k, v in data.items()}
    rows = [
        ("start → latest messages on screen", Series("", data["open_s"], "s")),
        ("worst frame while opening", Series("", data["worst_open_ms"], "ms")),
        ("scrolling to the very top took", Series("", data["scroll_s"], "s")),
        ("  Page Up presses on the way", Series("", data["presses"], "")),
        ("worst frame while scrolling to the top", Series("", data["worst_scroll_ms"], "ms")),
        ("peak memory", Series("", data["peak_mb"], "MB")),
    ]
    checks = [
        Check("latest messages on screen ≤ 1 s", s["open_s"].median <= 1.0, f"{s['open_s'].median:.2f} s"),
        Check("no frame over 100 ms while scrolling", s["worst_scroll_ms"].median <= 100,
              f"{s['worst_scroll_ms'].median:.0f} ms"),
        Check("memory ≤ 300 MB", s["peak_mb"].median <= 300, f"{s['peak_mb'].median:.0f} MB"),
    ]
    return report(f"Long history ({MESSAGES:,} messages, Markdown-heavy)", rows, checks)


if __name__ == "__main__":
    raise SystemExit(0 if main() else 1)
