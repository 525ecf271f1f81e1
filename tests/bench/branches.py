"""Conversation trees (#19): a 1,000-message conversation with 50 branch points opens as fast as a
linear one, and switching a branch near the top repaints within a frame budget.

Two stored conversations of 1,000 messages on their current branch (Markdown-heavy, as in
``long_history``): one linear, one where every tenth prompt was edited into a second branch (50
branch points, 100 more messages in the tree). For each: start → latest messages on screen. On
the branched one: go to the top, then switch the third message to its other alternative, timed
from the key to the new branch's first reply drawn, with the worst event-loop block meanwhile.

    python tests/bench/branches.py [--runs 3]
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
BRANCH_EVERY = 10
"""Every tenth prompt has an edited alternative (with its own reply): 50 branch points."""


def build(home: Path, *, branched: bool) -> int:
    from pinata_tui.api.events import Usage
    from pinata_tui.conversation import ChatMessage, Conversation
    from pinata_tui.paths import AppPaths
    from pinata_tui.store import ConversationStore

    model = "anthropic/claude-sonnet-4-6"
    conversation = Conversation(model=model, title="branched" if branched else "linear")
    for i in range(MESSAGES // 2):
        prompt = conversation.add(ChatMessage("user", markdown_document(50, seed=i)))
        conversation.add(ChatMessage("assistant", markdown_document(750, seed=i), model=model,
                                     usage=Usage(1000, 750, 1750)))
        if branched and i % BRANCH_EVERY == 1:
            # An older version of this prompt and its reply, as an edit would have left them.
            old = ChatMessage("user", markdown_document(40, seed=i + 7))
            old.parent = prompt.parent
            conversation.add_to_tree(old)
            old_reply = ChatMessage("assistant", markdown_document(600, seed=i + 7), model=model,
                                    usage=Usage(1000, 600, 1600))
            old_reply.parent = old
            conversation.add_to_tree(old_reply)
    with ConversationStore(AppPaths.under(home).database) as store:
        return store.save_conversation(conversation)


async def measure(url: str, home: str, conversation_id: int, switch: bool) -> dict[str, float]:
    t_start = now()
    from textual import events

    from pinata_tui.devserver import DEV_LLM_KEY
    from pinata_tui.paths import AppPaths
    from pinata_tui.settings import Settings
    from pinata_tui.tui.app import PinataChatApp
    from pinata_tui.tui.chat.assistant_message import AssistantMessage

    probe = StallProbe()
    app = PinataChatApp(Settings(base_url=url, llm_key=DEV_LLM_KEY), AppPaths.under(Path(home)),
                        open_conversation=conversation_id)
    figures: dict[str, float] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        while True:
            screen = app.chat
            replies = screen.view.query(AssistantMessage) if screen else []
            if screen and screen.conversation.id == conversation_id and replies and \
                    replies.last().message is screen.conversation.messages[-1] and replies.last().rendered:
                break
            await asyncio.sleep(0.002)
        figures["open_s"] = now() - t_start
        if switch:
            await screen.view.show_first()
            await pilot.pause()
            third = screen.conversation.messages[2]
            other = next(m for m in screen.conversation.siblings(third) if m is not third)
            screen.view.block_for(third).focus()  # type: ignore[union-attr]
            await pilot.pause()
            probe.start()
            await asyncio.sleep(0.05)
            probe.take()
            started = now()
            # The key as a terminal delivers it (no wait for the app to go idle, as Pilot.press does).
            app.post_message(events.Key("left" if screen.conversation.siblings(third)[0] is other else "right", None))
            while True:
                block = screen.view.block_for(screen.conversation.messages[3])
                if screen.conversation.messages[2] is other and isinstance(block, AssistantMessage) \
                        and block.rendered:
                    break
                await asyncio.sleep(0.001)
            figures["switch_ms"] = (now() - started) * 1000
            await asyncio.sleep(0.05)
            figures["worst_switch_ms"] = await probe.stop() * 1000
        figures["peak_mb"] = peak_rss_mb()
    return figures


def main() -> bool:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=4, metavar=("URL", "HOME", "ID", "SWITCH"))
    args = parser.parse_args()
    if args.child:
        url, home, conversation_id, switch = args.child
        child_report(asyncio.run(measure(url, home, int(conversation_id), switch == "1")))
        return True

    from pinata_tui.devserver import PinataDevServer

    with PinataDevServer() as server, tempfile.TemporaryDirectory() as home:
        linear_id = build(Path(home), branched=False)
        branched_id = build(Path(home), branched=True)
        script = Path(__file__)
        linear = collect(args.runs, lambda: run_child(script, server.url, home, str(linear_id), "0", timeout=600))
        branched = collect(args.runs, lambda: run_child(script, server.url, home, str(branched_id), "1",
                                                        timeout=600))
    s_linear, s_branched = Series("", linear["open_s"], "s"), Series("", branched["open_s"], "s")
    switch, worst = Series("", branched["switch_ms"], "ms"), Series("", branched["worst_switch_ms"], "ms")
    ratio = s_branched.median / s_linear.median
    rows = [
        ("linear: start → latest messages on screen", s_linear),
        ("50 branch points: start → latest messages on screen", s_branched),
        ("switch the 3rd message's branch: key → new branch drawn", switch),
        ("  worst frame meanwhile", worst),
        ("peak memory (branched)", Series("", branched["peak_mb"], "MB")),
    ]
    checks = [
        Check("a branched conversation opens as fast as a linear one (≤ 1.1×)", ratio <= 1.1, f"{ratio:.2f}×"),
        Check("a branch switch near the top repaints within 100 ms", switch.median <= 100,
              f"{switch.median:.0f} ms"),
    ]
    return report(f"Branches ({MESSAGES:,} messages, {MESSAGES // 2 // BRANCH_EVERY} branch points)", rows, checks)


if __name__ == "__main__":
    raise SystemExit(0 if main() else 1)
