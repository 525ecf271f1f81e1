"""Regenerate screenshots/*.svg by driving the real app against the loopback Pinata server.

    python screenshots/generate.py            # writes next to this file
    python screenshots/generate.py --out DIR  # elsewhere (the test suite does this)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot

from pinata_tui.api import Usage
from pinata_tui.conversation import ChatMessage, Conversation
from pinata_tui.devserver import DEV_JWT, DEV_LLM_KEY, Fault, PinataDevServer
from pinata_tui.paths import AppPaths
from pinata_tui.settings import Settings
from pinata_tui.store import ConversationStore
from pinata_tui.tui.app import PinataChatApp

SIZE = (110, 34)
REPLY = """## Retrying with backoff in Python

Wrap the call and **double the wait** after each failure, with a little jitter:

```python
import random, time

def with_retries(call, attempts=4, base=0.5):
    for attempt in range(attempts):
        try:
            return call()
        except TimeoutError:
            time.sleep(base * 2 ** attempt * random.uniform(0.5, 1))
    raise RuntimeError("gave up")
```

| attempt | wait (s) |
|---|---|
| 1 | ~0.5 |
| 2 | ~1.0 |
| 3 | ~2.0 |

- honour `Retry-After` when the server sends it
- never retry a request that already streamed text
"""

OTHER_REPLY = """Use the `tenacity` library rather than a loop of your own:

```python
from tenacity import retry, stop_after_attempt, wait_random_exponential

@retry(wait=wait_random_exponential(multiplier=0.5, max=8), stop=stop_after_attempt(4))
def fetch():
    return call()
```

It waits 0.5 s, 1 s, 2 s… with jitter, and re-raises the last error once it gives up.
"""

Scene = Callable[[Pilot], Awaitable[None]]


async def until(pilot: Pilot, condition: Callable[[], object], timeout: float = 15) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise TimeoutError("the app did not reach the expected state")
        await pilot.pause(0.05)


async def settle(pilot: Pilot) -> None:
    app = pilot.app
    await until(pilot, lambda: app.chat is not None and bool(app.catalog) and app.tokens_ready)  # type: ignore[attr-defined]
    app.chat.prompt.cursor_blink = False  # type: ignore[attr-defined]
    await pilot.pause(0.2)


async def send(pilot: Pilot, text: str) -> None:
    chat = pilot.app.chat  # type: ignore[attr-defined]
    before = len(chat.conversation.messages)
    chat.prompt.insert(text)
    await pilot.press("enter")
    await until(pilot, lambda: len(chat.conversation.messages) > before and not chat.streaming)
    await pilot.pause(0.3)  # what the status bar shows (tokens, speed, cost) is the app's own, as measured


def seed_history(home: Path) -> None:
    titles = ["Retrying with backoff in Python", "Explain WAL mode in SQLite", "Haiku about pinatas",
              "Compare gpt-5.1 and claude-sonnet-4-6 pricing", "Regex for ISO dates"]
    models = ["anthropic/claude-sonnet-4-6", "openai/gpt-5.1", "anthropic/claude-haiku-4-5",
              "openai/gpt-5-mini", "google/gemini-2.5-flash"]
    with ConversationStore(AppPaths.under(home).database) as store:
        for title, model in zip(reversed(titles), reversed(models)):
            conversation = Conversation(model=model, title=title)
            store.save_message(conversation, conversation.add(ChatMessage("user", title)))
            store.save_message(conversation, conversation.add(ChatMessage(
                "assistant", "…", model=model, usage=Usage(900, 400, 1300), cost=0.0073)))


async def shoot(server: PinataDevServer, home: Path, out: Path, name: str, scene: Scene,
                theme: str | None = None) -> Path:
    settings = Settings(base_url=server.url, llm_key=DEV_LLM_KEY, jwt=DEV_JWT, theme=theme)
    app = PinataChatApp(settings, AppPaths.under(home))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await scene(pilot)
        await pilot.pause(0.3)
        path = out / f"{name}.svg"
        path.write_text(app.export_screenshot(title="pinata-chat"), encoding="utf-8")
    return path


async def main(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with PinataDevServer() as server, tempfile.TemporaryDirectory() as scratch:
        server.state.reply_override = REPLY
        server.state.tokens_per_second = 150  # a real pace, so the speed shown is a real measurement
        home = Path(scratch)
        seed_history(home)

        async def chat(pilot: Pilot) -> None:
            await send(pilot, "How do I retry a flaky call with backoff in Python?")

        async def picker(pilot: Pilot) -> None:
            await pilot.press("ctrl+l")
            await pilot.pause(0.2)
            pilot.app.screen.query_one("#picker-filter").cursor_blink = False
            await pilot.press(*"claude")

        async def banner(pilot: Pilot) -> None:
            server.state.balance_micro = 1_234
            server.state.add_fault(Fault(status=402))
            await send(pilot, "Summarise this contract for me")
            await pilot.app.workers.wait_for_complete()

        async def history(pilot: Pilot) -> None:
            await pilot.press("f2")
            await pilot.pause(0.5)
            pilot.app.screen.query_one("#history-search").cursor_blink = False

        async def compare(pilot: Pilot) -> None:
            await send(pilot, "How do I retry a flaky call with backoff in Python?")
            chat_screen = pilot.app.chat  # type: ignore[attr-defined]
            server.state.reply_override = OTHER_REPLY  # the stand-in server plays another model's answer
            await pilot.press("tab", "m")  # the reply, then "regenerate with…"
            await pilot.pause(0.2)
            pilot.app.screen.query_one("#picker-filter").cursor_blink = False
            await pilot.press(*"gpt-5-mini", "enter")
            await until(pilot, lambda: chat_screen.conversation.messages[-1].model == "openai/gpt-5-mini"
                        and not chat_screen.streaming)
            await pilot.pause(0.3)
            await pilot.press("tab", "v")  # compare the two replies side by side
            await pilot.pause(0.5)
            server.state.reply_override = REPLY

        written.append(await shoot(server, home, out, "chat", chat))
        written.append(await shoot(server, home, out, "compare", compare))
        written.append(await shoot(server, home, out, "model-picker", picker))
        written.append(await shoot(server, home, out, "history", history))
        written.append(await shoot(server, home, out, "light-theme", chat, theme="pinata-light"))
        written.append(await shoot(server, home, out, "credits-banner", banner))
    return written


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    for path in asyncio.run(main(parser.parse_args().out)):
        print(path, file=sys.stderr)
