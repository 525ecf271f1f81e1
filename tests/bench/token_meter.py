"""Token meter: the work one keystroke costs the context-token count, with a 100,000-token history.

Measures the prompt's change handler (draft count + totals) over many keystrokes in the real
app; the history's own counts are cached per message, never recounted per keystroke.

    python tests/bench/token_meter.py [--runs 5]
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
    child_report,
    collect,
    now,
    report,
    run_child,
)
from tests.bench.workload import markdown_document

HISTORY_TOKENS = 100_000
KEYS = 200


async def measure(url: str) -> dict[str, float]:
    from textual.widgets import TextArea

    from pinata_tui.conversation import ChatMessage, Conversation
    from pinata_tui.devserver import DEV_LLM_KEY
    from pinata_tui.paths import AppPaths
    from pinata_tui.settings import Settings
    from pinata_tui.tui.app import PinataChatApp

    conversation = Conversation(model="openai/gpt-4.1")
    for i in range(100):
        conversation.add(ChatMessage("user", f"Question {i}: tell me more"))
        conversation.add(ChatMessage("assistant", markdown_document(1000, seed=i), model="openai/gpt-4.1"))
    with tempfile.TemporaryDirectory() as home:
        app = PinataChatApp(Settings(base_url=url, llm_key=DEV_LLM_KEY, model="openai/gpt-4.1"),
                            AppPaths.under(Path(home)), conversation=conversation)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = None
            while not (app.chat and app.tokens_ready and app.chat.status.context_tokens):
                await pilot.pause(0.02)
            screen = app.chat
            history = screen.status.context_tokens
            total = 0.0
            for i in range(KEYS):
                screen.prompt.insert("word " if i % 5 == 4 else "w")
                event = TextArea.Changed(screen.prompt)
                start = now()
                screen.on_text_area_changed(event)  # exactly what a keystroke runs for the meter
                total += now() - start
            draft = screen.status.context_tokens - history
            assert draft > 0, "the meter must count the draft"
    return {"ms_per_key": total / KEYS * 1000, "history_tokens": history}


def main() -> bool:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", nargs=1, metavar="URL")
    args = parser.parse_args()
    if args.child:
        child_report(asyncio.run(measure(args.child[0])))
        return True

    from pinata_tui.devserver import PinataDevServer

    with PinataDevServer() as server:
        data = collect(args.runs, lambda: run_child(Path(__file__), server.url))
    per_key = Series("", data["ms_per_key"], "ms")
    rows = [("history in context", Series("", data["history_tokens"], "tokens")),
            ("token meter update per keystroke", per_key)]
    return report("Token meter", rows, [Check("≤ 2 ms per keystroke", per_key.median <= 2, f"{per_key.median:.3f} ms")])


if __name__ == "__main__":
    raise SystemExit(0 if main() else 1)
