"""Cold start: from launching the process until the prompt accepts input.

Baseline in the same run: a Textual hello-world, from launch to its first frame. Both run
headless in a fresh interpreter, so imports count. Also reports memory at ready.

    python bench/cold_start.py [--runs 7]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Check, Series, child_report, collect, peak_rss_mb, report, run_child


async def measure_app(launched: float, url: str) -> dict[str, float]:
    from pinata_tui.devserver import DEV_LLM_KEY
    from pinata_tui.paths import AppPaths
    from pinata_tui.settings import Settings
    from pinata_tui.tui.app import PinataChatApp
    from pinata_tui.tui.widgets.prompt_input import PromptInput

    with tempfile.TemporaryDirectory() as home:
        app = PinataChatApp(Settings(base_url=url, llm_key=DEV_LLM_KEY), AppPaths.under(Path(home)))
        async with app.run_test(size=(120, 40)) as pilot:
            while not isinstance(app.focused, PromptInput):
                await asyncio.sleep(0.001)
            await pilot.pause()  # its first frame
            ready = time.time() - launched
            memory = peak_rss_mb()
    return {"seconds": ready, "peak_mb": memory}


async def measure_hello(launched: float) -> dict[str, float]:
    from textual.app import App
    from textual.widgets import Static

    class Hello(App[None]):
        def compose(self):
            yield Static("Hello, world")

    app = Hello()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        ready = time.time() - launched
    return {"seconds": ready, "peak_mb": peak_rss_mb()}


def main() -> bool:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--child", nargs=3, metavar=("WHICH", "LAUNCHED", "URL"))
    args = parser.parse_args()
    if args.child:
        which, launched, url = args.child
        coro = measure_app(float(launched), url) if which == "app" else measure_hello(float(launched))
        child_report(asyncio.run(coro))
        return True

    from pinata_tui.devserver import PinataDevServer

    here = Path(__file__)
    with PinataDevServer() as server:
        def one() -> dict[str, float]:
            app = run_child(here, "app", repr(time.time()), server.url)
            hello = run_child(here, "hello", repr(time.time()), server.url)
            return {"app": app["seconds"], "hello": hello["seconds"], "ratio": app["seconds"] / hello["seconds"],
                    "app_mb": app["peak_mb"], "hello_mb": hello["peak_mb"]}

        data = collect(args.runs, one)
    s = {k: Series(k, v, "") for k, v in data.items()}
    rows = [
        ("pinata-chat: launch → prompt ready", Series("", data["app"], "s")),
        ("baseline (Textual hello-world first frame)", Series("", data["hello"], "s")),
        ("ratio app / baseline", Series("", data["ratio"], "×")),
        ("pinata-chat: memory at ready", Series("", data["app_mb"], "MB")),
        ("baseline memory", Series("", data["hello_mb"], "MB")),
    ]
    checks = [
        Check("≤ 1.5× the hello-world", s["ratio"].median <= 1.5, f"{s['ratio'].median:.2f}×"),
        Check("memory at ready ≤ 80 MB", s["app_mb"].median <= 80, f"{s['app_mb'].median:.0f} MB"),
    ]
    return report("Cold start", rows, checks)


if __name__ == "__main__":
    raise SystemExit(0 if main() else 1)
