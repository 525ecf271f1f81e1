"""Paced reply: 1,500 tokens of one long paragraph at 100 tokens/s (a fast real model).

Measures the app's CPU seconds over the whole reply, and while it streams, the latency from a
key press in the prompt box to the prompt holding the character (median and 95th percentile;
the frame that shows it follows within one refresh). Baseline in the same run: a bare httpx
client consuming the same stream.

    python tests/bench/paced_reply.py [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
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
    report,
    run_child,
)
from tests.bench.workload import one_long_paragraph

TOKENS = 1500
RATE = 100.0
BODY = {"model": "anthropic/claude-sonnet-4-6", "stream": True, "stream_options": {"include_usage": True},
        "messages": [{"role": "user", "content": "Tell me a long story"}]}


async def measure_app(url: str) -> dict[str, float]:
    from textual import events

    from pinata_tui.devserver import DEV_LLM_KEY
    from pinata_tui.paths import AppPaths
    from pinata_tui.settings import Settings
    from pinata_tui.tui.app import PinataChatApp
    from pinata_tui.tui.chat.assistant_message import AssistantMessage

    with tempfile.TemporaryDirectory() as home:
        app = PinataChatApp(Settings(base_url=url, llm_key=DEV_LLM_KEY), AppPaths.under(Path(home)))
        async with app.run_test(size=(120, 40)) as pilot:
            while not (app.chat and app.catalog and app.tokens_ready and app.store):
                await pilot.pause(0.02)
            screen = app.chat
            screen.prompt.insert("Tell me a long story")
            await pilot.pause(0.2)
            cpu0, t0 = cpu_seconds(), now()
            await pilot.press("enter")
            latencies: list[float] = []
            typed = ""
            heights: set[int] = set()
            while not (len(screen.conversation.messages) == 2 and not screen.streaming):
                await asyncio.sleep(0.15)
                heights.update(md.size.height for md in screen.view.query(AssistantMessage))
                if not screen.streaming or len(latencies) >= 80:
                    continue
                char = "abcdefghij"[len(latencies) % 10]
                typed += char
                start = now()
                app.post_message(events.Key(char, char))  # as the terminal driver delivers a key
                while not screen.prompt.text.endswith(typed):
                    await asyncio.sleep(0.0005)
                latencies.append(now() - start)
            elapsed, cpu = now() - t0, cpu_seconds() - cpu0
            assert screen.conversation.messages[1].content.count(" ") > TOKENS * 0.9
            assert len([h for h in heights if h > 0]) >= 5, f"the reply must grow while it streams: {sorted(heights)}"
    latencies.sort()
    return {"cpu": cpu, "seconds": elapsed, "echo_median_ms": statistics.median(latencies) * 1000,
            "echo_p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000, "keys": len(latencies)}


async def measure_httpx(url: str) -> dict[str, float]:
    import httpx

    from pinata_tui.devserver import DEV_LLM_KEY

    cpu0, t0 = cpu_seconds(), now()
    received = 0
    async with httpx.AsyncClient(timeout=60) as client:
        async with client.stream("POST", f"{url}/v0/llm/chat/completions", json=BODY,
                                 headers={"Authorization": f"Bearer {DEV_LLM_KEY}"}) as response:
            async for line in response.aiter_lines():  # a bare SSE reader: data lines only
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                choices = json.loads(data)["choices"]
                if choices and choices[0]["delta"].get("content"):
                    received += 1
    assert received >= TOKENS
    return {"cpu": cpu_seconds() - cpu0, "seconds": now() - t0}


def main() -> bool:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("WHICH", "URL"))
    args = parser.parse_args()
    if args.child:
        which, url = args.child
        child_report(asyncio.run(measure_app(url) if which == "app" else measure_httpx(url)))
        return True

    from pinata_tui.devserver import PinataDevServer

    with PinataDevServer() as server:
        server.state.reply_override = one_long_paragraph(TOKENS)
        server.state.tokens_per_second = RATE
        server.state.balance_micro = 10**12
        here = Path(__file__)

        def one() -> dict[str, float]:
            app = run_child(here, "app", server.url)
            bare = run_child(here, "httpx", server.url)
            return {"app_cpu": app["cpu"], "bare_cpu": bare["cpu"], "ratio": app["cpu"] / bare["cpu"],
                    "median": app["echo_median_ms"], "p95": app["echo_p95_ms"], "seconds": app["seconds"]}

        data = collect(args.runs, one)
    s = {k: Series(k, v, "") for k, v in data.items()}
    rows = [
        ("pinata-chat: CPU over the reply", Series("", data["app_cpu"], "CPU-s")),
        ("reply duration", Series("", data["seconds"], "s")),
        ("baseline (bare httpx client): CPU", Series("", data["bare_cpu"], "CPU-s")),
        ("ratio app / baseline (CPU)", Series("", data["ratio"], "×")),
        ("key → prompt, median", Series("", data["median"], "ms")),
        ("key → prompt, 95th percentile", Series("", data["p95"], "ms")),
    ]
    checks = [
        Check("CPU ≤ 3.5× the bare httpx client", s["ratio"].median <= 3.5, f"{s['ratio'].median:.2f}×"),
        Check("key echo median ≤ 30 ms", s["median"].median <= 30, f"{s['median'].median:.1f} ms"),
        Check("key echo p95 ≤ 60 ms", s["p95"].median <= 60, f"{s['p95'].median:.1f} ms"),
    ]
    return report(f"Paced reply ({TOKENS:,} tokens, one paragraph, {RATE:g} tokens/s)", rows, checks)


if __name__ == "__main__":
    raise SystemExit(0 if main() else 1)
