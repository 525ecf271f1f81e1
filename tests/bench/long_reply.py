"""Long reply: a 4,000-token Markdown-dense reply streamed at unlimited speed.

Measures, from Enter until the last line is on screen: wall time, CPU seconds, peak memory.
Baseline in the same run: a 20-line reference app feeding the same stream to Textual's stock
``Markdown`` widget through ``MarkdownStream``.

    python tests/bench/long_reply.py [--runs 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.common import (
    Check,
    Series,
    child_report,
    collect,
    cpu_seconds,
    now,
    peak_rss_mb,
    report,
    run_child,
)
from tests.bench.workload import markdown_document

TOKENS = 4000
SIZE = (120, 40)


async def measure_app(url: str) -> dict[str, float]:
    from textual import events

    from pinata_tui.devserver import DEV_LLM_KEY
    from pinata_tui.paths import AppPaths
    from pinata_tui.settings import Settings
    from pinata_tui.tui.app import PinataChatApp
    from pinata_tui.tui.chat.assistant_message import AssistantMessage

    with tempfile.TemporaryDirectory() as home:
        app = PinataChatApp(Settings(base_url=url, llm_key=DEV_LLM_KEY), AppPaths.under(Path(home)))
        async with app.run_test(size=SIZE) as pilot:
            while not (app.chat and app.catalog and app.tokens_ready and app.store):
                await pilot.pause(0.02)
            screen = app.chat
            screen.prompt.insert("Write the long document")
            await pilot.pause(0.2)
            cpu0, t0 = cpu_seconds(), now()
            # As the terminal driver delivers it (pilot.press would wait for the whole stream to go idle).
            app.post_message(events.Key("enter", "\r"))
            while not (len(screen.conversation.messages) == 2 and not screen.streaming):
                await asyncio.sleep(0.005)
            await pilot.pause()  # the final frame
            elapsed, cpu = now() - t0, cpu_seconds() - cpu0
            shown = screen.view.query_one(AssistantMessage).source
            assert shown == screen.conversation.messages[1].content and len(shown) > 10_000
            assert screen.view.is_vertical_scroll_end, "the last line must be on screen"
    return {"seconds": elapsed, "cpu": cpu, "peak_mb": peak_rss_mb()}


async def measure_reference(url: str) -> dict[str, float]:
    """The reference app: stock Markdown + MarkdownStream, nothing else."""
    import httpx
    from textual.app import App
    from textual.containers import VerticalScroll
    from textual.widgets import Markdown

    from pinata_tui.devserver import DEV_LLM_KEY

    class Reference(App[None]):
        def compose(self):
            with VerticalScroll():
                yield Markdown()

        async def stream(self) -> None:
            scroll, markdown = self.query_one(VerticalScroll), self.query_one(Markdown)
            scroll.anchor()
            stream = Markdown.get_stream(markdown)
            body = {"model": "anthropic/claude-sonnet-4-6", "stream": True,
                    "messages": [{"role": "user", "content": "Write the long document"}]}
            async with httpx.AsyncClient(timeout=60) as client:
                async with client.stream("POST", f"{url}/v0/llm/chat/completions", json=body,
                                         headers={"Authorization": f"Bearer {DEV_LLM_KEY}"}) as response:
                    async for line in response.aiter_lines():  # a bare SSE reader: data lines only
                        if not line.startswith("data:"):
                            continue
                        data = line[5:].strip()
                        if data == "[DONE]":
                            break
                        delta = json.loads(data)["choices"]
                        if delta and delta[0]["delta"].get("content"):
                            await stream.write(delta[0]["delta"]["content"])
            await stream.stop()

    app = Reference()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        cpu0, t0 = cpu_seconds(), now()
        await app.stream()
        await pilot.pause()
        elapsed, cpu = now() - t0, cpu_seconds() - cpu0
    return {"seconds": elapsed, "cpu": cpu, "peak_mb": peak_rss_mb()}


def main() -> bool:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", nargs=2, metavar=("WHICH", "URL"))
    args = parser.parse_args()
    if args.child:
        which, url = args.child
        child_report(asyncio.run(measure_app(url) if which == "app" else measure_reference(url)))
        return True

    from pinata_tui.devserver import PinataDevServer

    with PinataDevServer() as server:
        server.state.reply_override = markdown_document(TOKENS)
        server.state.balance_micro = 10**12
        here = Path(__file__)

        def one() -> dict[str, float]:
            app = run_child(here, "app", server.url)
            ref = run_child(here, "reference", server.url)
            return {"app_s": app["seconds"], "app_cpu": app["cpu"], "app_mb": app["peak_mb"],
                    "ref_s": ref["seconds"], "ref_cpu": ref["cpu"], "ratio": app["seconds"] / ref["seconds"]}

        data = collect(args.runs, one)
    s = {k: Series(k, v, "") for k, v in data.items()}
    rows = [
        ("pinata-chat: Enter → last line on screen", Series("", data["app_s"], "s")),
        ("pinata-chat: CPU", Series("", data["app_cpu"], "CPU-s")),
        ("pinata-chat: peak memory", Series("", data["app_mb"], "MB")),
        ("baseline (Markdown + MarkdownStream)", Series("", data["ref_s"], "s")),
        ("baseline CPU", Series("", data["ref_cpu"], "CPU-s")),
        ("ratio app / baseline (time)", Series("", data["ratio"], "×")),
    ]
    checks = [
        Check("≤ 0.3× the baseline's time", s["ratio"].median <= 0.3, f"{s['ratio'].median:.2f}×"),
        Check("≤ 1.0 s", s["app_s"].median <= 1.0, f"{s['app_s'].median:.2f} s"),
        Check("≤ 1.0 CPU-second", s["app_cpu"].median <= 1.0, f"{s['app_cpu'].median:.2f} CPU-s"),
        Check("≤ 150 MB", s["app_mb"].median <= 150, f"{s['app_mb'].median:.0f} MB"),
    ]
    return report(f"Long reply ({TOKENS:,} Markdown-dense tokens, unlimited speed)", rows, checks)


if __name__ == "__main__":
    raise SystemExit(0 if main() else 1)
