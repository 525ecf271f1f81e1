"""Speed as a user meets it (#17): the real ``pinata-chat`` in a real terminal (tmux, 120x40).

The app runs as installed (the ``pinata-chat`` command; ``PYTHONPATH`` decides which code) in a
tmux pane against the loopback dev server, which runs in this process. Keys are typed into the
pane; what the app draws is read back from tmux (its output as it arrives, and the screen);
the app's CPU (utime + stime) and memory (VmRSS, VmHWM) come from /proc. Baselines in the same
run: a bare httpx client streaming the same reply, and a Textual hello-world's cold start in
the same terminal. Each figure is measured ``--runs`` times (medians and the range printed);
the load average beside each run says how busy the machine was.

    python tests/bench/real_terminal.py                 # every scenario
    python tests/bench/real_terminal.py paced echo      # only these
    python tests/bench/real_terminal.py --runs 5 --json results.json

Scenarios: paced (CPU of a paced reply vs bare httpx), echo (key echo while streaming), echo_scale
(key echo over the first and the last 300 tokens of a 3,000-token paragraph: the ratio, 10× / 1×),
long_reply, cold_start, history (10,000 messages), search (F2 over 10,000 conversations),
soak (200 replies in one process). Paced, long_reply, history and search also run at a tenth of
their size, and report the full-size figure over the tenth's (``*_10x_over_1x``): no figure may get
worse as a reply or a conversation grows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.terminal import Terminal, cpu_seconds, load_average, memory_mb

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve()
READY = "Enter to send"
PACED_TOKENS, PACED_RATE = 1500, 100.0
LONG_TOKENS = 4000
SOAK_WINDOW = 10  # replies per soak checkpoint (5 of each kind; CPU is read from /proc in 10 ms ticks)
SOAK_ECHO_KEYS = 24  # keys timed at each soak checkpoint (12 gave ratios of 1.0-1.4 from noise alone)
HISTORY_MESSAGES, SEARCH_CONVERSATIONS = 10_000, 10_000
# Keys typed to time their echo: each one never typed before in the run and absent from every
# reply and from the app's own text, so its first appearance in the output is its echo.
UNIQUE = [chr(c) for c in (*range(0x3B1, 0x3CA), *range(0x391, 0x3AA), *range(0x430, 0x450), *range(0x410, 0x430),
                            *range(0x531, 0x557), *range(0x561, 0x587))  # Greek, Cyrillic, Armenian
          if unicodedata.category(chr(c)) in ("Lu", "Ll") and chr(c) not in "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧАВЕКМНОРСТХасеорух"]
HELLO = """
from textual.app import App
from textual.widgets import Static

class Hello(App):
    def compose(self):
        yield Static("Hello, world")

Hello().run()
"""

GOALS = {  # figure: (goal, "max" or "min")
    "paced_cpu_ratio": (3.0, "max"),
    "echo_median_ms": (16.0, "max"),
    "echo_p95_ms": (33.0, "max"),
    "echo_p95_10x_over_1x": (1.2, "max"),
    "long_reply_s": (0.3, "max"),
    "long_reply_cpu": (0.3, "max"),
    "long_reply_peak_mb": (100.0, "max"),
    "cold_start_ratio": (1.3, "max"),
    "history_open_s": (0.8, "max"),
    "history_text_pct": (95.0, "min"),
    "history_worst_gap_ms": (50.0, "max"),
    "history_peak_mb": (300.0, "max"),
    "search_key_ms": (100.0, "max"),
    "soak_cpu_200_over_10": (1.2, "max"),
    "soak_echo_200_over_10": (1.2, "max"),
    "soak_enter_200_over_10": (1.2, "max"),
    "soak_kb_per_reply": (20.0, "max"),
    "soak_settled_cpu": (0.05, "max"),
    "paced_cpu_per_token_10x_over_1x": (1.2, "max"),
    "long_reply_s_per_token_10x_over_1x": (1.2, "max"),
    "long_reply_cpu_per_token_10x_over_1x": (1.2, "max"),
    "history_open_10x_over_1x": (1.2, "max"),
    "history_worst_gap_10x_over_1x": (1.2, "max"),
    "search_key_10x_over_1x": (1.2, "max"),
}


def app_command() -> list[str]:
    installed = shutil.which("pinata-chat")
    return [installed] if installed else [sys.executable, "-m", "pinata_tui"]


def app_env(home: str, url: str) -> dict[str, str]:
    from pinata_tui.devserver import DEV_LLM_KEY

    return {"HOME": home, "PINATA_CHAT_HOME": home, "PINATA_BASE_URL": url, "PINATA_LLM_KEY": DEV_LLM_KEY,
            "PYTHONPATH": str(REPO)}


def status_line(screen: str) -> str:
    lines = screen.rstrip("\n").split("\n")
    return next((line for line in reversed(lines) if "│" in line and ("idle" in line or "streaming" in line)), "")


def idle(screen: str) -> bool:
    return "● idle" in status_line(screen)


def settle(pid: int, quiet: float = 0.03, timeout: float = 15) -> None:
    """Until the app's background start-up work (tokenizer, catalog) is done: two quiet half-seconds."""
    deadline = time.perf_counter() + timeout
    calm = 0
    while calm < 2 and time.perf_counter() < deadline:
        before = cpu_seconds(pid)
        time.sleep(0.5)
        calm = calm + 1 if cpu_seconds(pid) - before < quiet else 0


def launch(term: Terminal, url: str, home: str, *args: str) -> tuple[float, int]:
    """Start the app; wait for its prompt and for its start-up work. Returns (start time, pid)."""
    started = term.start([*app_command(), *args], app_env(home, url))
    term.wait_screen(lambda s: READY in s, timeout=30, what="the prompt", interval=0.01)
    pid = term.pid
    settle(pid)
    return started, pid


def type_prompt(term: Terminal, text: str) -> None:
    term.keys(text, literal=True)
    term.wait_screen(lambda s: text in s, timeout=10, what=f"the prompt {text!r}")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))]


# ------------------------------------------------------------------------------- the bare client

async def bare_client(url: str) -> dict[str, float]:
    """The floor: a bare httpx client reading the same stream, parsing each event's JSON."""
    import httpx

    from pinata_tui.devserver import DEV_LLM_KEY

    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = usage.ru_utime + usage.ru_stime
    body = {"model": "anthropic/claude-sonnet-4-6", "stream": True,
            "messages": [{"role": "user", "content": "Tell me a long story"}]}
    received = 0
    async with httpx.AsyncClient(timeout=60) as client:
        async with client.stream("POST", f"{url}/v0/llm/chat/completions", json=body,
                                 headers={"Authorization": f"Bearer {DEV_LLM_KEY}"}) as response:
            async for line in response.aiter_lines():
                if not line.startswith("data:") or line == "data: [DONE]":
                    continue
                choices = json.loads(line[5:])["choices"]
                if choices and choices[0]["delta"].get("content"):
                    received += 1
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu": usage.ru_utime + usage.ru_stime - cpu0, "chunks": received}


def run_bare(url: str, tokens: int = PACED_TOKENS) -> float:
    done = subprocess.run([sys.executable, str(HERE), "--bare", url], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["chunks"] >= tokens * 0.9, result
    return float(result["cpu"])


# ------------------------------------------------------------------------------- scenarios

def paced(term: Terminal, server: Any, tokens: int = PACED_TOKENS) -> dict[str, float]:
    """``tokens`` tokens at 100 tok/s: the app's CPU over the reply, against a bare httpx client's."""
    from tests.bench.workload import one_long_paragraph

    reply = one_long_paragraph(tokens)
    server.state.reply_override, server.state.tokens_per_second = reply, PACED_RATE
    ending = reply.rsplit(" ", 1)[1].encode()
    load = load_average()
    with tempfile.TemporaryDirectory() as home:
        _, pid = launch(term, server.url, home)
        type_prompt(term, "Tell me a long story")
        mark, cpu0 = term.mark(), cpu_seconds(pid)
        entered = term.keys("Enter")
        shown = term.wait_output(ending, mark, timeout=60)
        term.wait_screen(idle, timeout=10, what="idle")
        term.quiet(0.2)
        cpu = cpu_seconds(pid) - cpu0
        # Settled: the reply is done and nothing changes on screen (but the prompt's cursor).
        time.sleep(1.0)
        mark, cpu1 = term.mark(), cpu_seconds(pid)
        time.sleep(3.0)
        settled = cpu_seconds(pid) - cpu1
        settled_bytes = sum(len(d) for _, d in term.output_since(mark))
        rss = memory_mb(pid)
    bare = run_bare(server.url, tokens)
    return {"paced_cpu": cpu, "bare_cpu": bare, "paced_cpu_ratio": cpu / bare, "paced_enter_to_last_s": shown - entered,
            "paced_settled_cpu_3s": settled, "paced_settled_bytes_3s": settled_bytes, "paced_rss_mb": rss["VmRSS"],
            "load": load}


def echo(term: Terminal, server: Any, keys: int = 60) -> dict[str, float]:
    """Keys typed into the prompt while a paced reply streams: key → the character written to the terminal."""
    from tests.bench.workload import one_long_paragraph

    server.state.reply_override, server.state.tokens_per_second = one_long_paragraph(PACED_TOKENS), PACED_RATE
    load = load_average()
    rng = random.Random(1)
    latencies = []
    with tempfile.TemporaryDirectory() as home:
        launch(term, server.url, home)
        type_prompt(term, "Tell me a long story")
        mark = term.mark()
        term.keys("Enter")
        term.wait_output(b"quick brown", mark, timeout=20)
        term.keys("C-u")  # an empty prompt again (the one sent is still on screen)
        for char in UNIQUE[:keys]:
            time.sleep(rng.uniform(0.08, 0.2))
            mark = term.mark()
            sent = term.keys(char, literal=True)
            latencies.append(term.wait_output(char.encode(), mark) - sent)
        still_streaming = "streaming" in status_line(term.text())
    assert still_streaming, "the reply ended before every key was typed: the echo was not timed while streaming"
    return {"echo_median_ms": statistics.median(latencies) * 1000, "echo_p95_ms": percentile(latencies, 95) * 1000,
            "echo_max_ms": max(latencies) * 1000, "load": load}


def echo_scale(term: Terminal, server: Any, window: float = 3.0) -> dict[str, float]:
    """Key echo while one paragraph streams (3,000 tokens at 100 tok/s), at 1× and 10× its size:
    keys typed over its first 300 tokens and over its last 300 (the same process, the same reply)."""
    from tests.bench.workload import one_long_paragraph

    tokens = 10 * round(window * PACED_RATE)
    server.state.reply_override, server.state.tokens_per_second = one_long_paragraph(tokens), PACED_RATE
    load = load_average()
    rng = random.Random(2)
    chars = iter(UNIQUE)
    windows: list[list[float]] = [[], []]
    with tempfile.TemporaryDirectory() as home:
        launch(term, server.url, home)
        type_prompt(term, "Tell me a long story")
        mark = term.mark()
        term.keys("Enter")
        first = term.wait_output(b"quick brown", mark, timeout=20)
        term.keys("C-u")
        for latencies, (start, end) in zip(windows, [(0.0, window), (9 * window, 10 * window - 0.3)], strict=True):
            time.sleep(max(0.0, first + start - time.perf_counter()))
            while time.perf_counter() < first + end:
                time.sleep(rng.uniform(0.08, 0.2))
                mark = term.mark()
                char = next(chars)
                sent = term.keys(char, literal=True)
                latencies.append(term.wait_output(char.encode(), mark) - sent)
        still_streaming = "streaming" in status_line(term.text())
    assert still_streaming, "the reply ended before every key was typed: the echo was not timed while streaming"
    p95_1x, p95_10x = (percentile(latencies, 95) * 1000 for latencies in windows)
    return {"echo_p95_1x_ms": p95_1x, "echo_p95_10x_ms": p95_10x, "echo_p95_10x_over_1x": p95_10x / p95_1x,
            "echo_median_10x_over_1x": statistics.median(windows[1]) / statistics.median(windows[0]),
            "echo_keys_per_window": min(len(w) for w in windows), "load": load}


def long_reply(term: Terminal, server: Any, tokens: int = LONG_TOKENS) -> dict[str, float]:
    """``tokens`` Markdown-dense tokens at full speed: Enter → the last line on screen; CPU; peak memory."""
    from tests.bench.workload import markdown_document

    last_line = f"End{tokens:05d}."  # a plain last line: the cut may leave the document's last line in markup
    document = f"{markdown_document(tokens)}\n\n{last_line}"
    server.state.reply_override, server.state.tokens_per_second = document, None
    load = load_average()
    with tempfile.TemporaryDirectory() as home:
        _, pid = launch(term, server.url, home)
        type_prompt(term, "Write the long document")
        cpu0 = cpu_seconds(pid)
        entered = term.keys("Enter")
        shown = term.wait_screen(lambda s: last_line in s and idle(s), timeout=60, what="the last line",
                                 interval=0.003)
        cpu = cpu_seconds(pid) - cpu0
        peak = memory_mb(pid)["VmHWM"]
    return {"long_reply_s": shown - entered, "long_reply_cpu": cpu, "long_reply_peak_mb": peak, "load": load}


def cold_start(term: Terminal, server: Any) -> dict[str, float]:
    """Launch → usable prompt on screen, against a Textual hello-world in the same terminal."""
    load = load_average()
    with tempfile.TemporaryDirectory() as home:
        env = app_env(home, server.url)
        mark = term.mark()
        started = term.start(app_command(), env)
        ready = term.wait_output(READY.encode(), mark, timeout=30)
        app_mb = memory_mb(term.pid)["VmHWM"]
        mark = term.mark()
        script = Path(home, "hello.py")
        script.write_text(HELLO)
        hello_started = term.start([sys.executable, str(script)], env)
        hello = term.wait_output(b"Hello, world", mark, timeout=30)
        hello_mb = memory_mb(term.pid)["VmHWM"]
        term.start(["sleep", "1000"])
    return {"cold_start_s": ready - started, "hello_s": hello - hello_started,
            "cold_start_ratio": (ready - started) / (hello - hello_started), "cold_start_mb": app_mb,
            "hello_mb": hello_mb, "load": load}


def shows_text(screen: list[str], rows: int) -> bool:
    """Message text on the conversation's part of the screen (not only empty message bars)."""
    worded = 0
    for line in screen[:rows]:
        body = line.replace("▌", " ").strip()
        if sum(c.isalpha() for c in body) >= 8:
            worded += 1
    return worded >= 3


def history(term: Terminal, server: Any, source: Path, conversation_id: int, hold: float = 5.0,
            messages: int = HISTORY_MESSAGES) -> dict[str, float]:
    """Open a ``messages``-message conversation; hold Page Up (30 repeats a second) for ``hold`` seconds."""
    from tests.bench.gen_data import marker

    load = load_average()
    newest = marker(messages - 1)
    with tempfile.TemporaryDirectory() as home:
        shutil.copytree(source, home, dirs_exist_ok=True)
        started = term.start([*app_command(), "--conversation", str(conversation_id)], app_env(home, server.url))
        opened = term.wait_screen(lambda s: newest in s, timeout=60, what="the newest message", interval=0.005)
        pid = term.pid
        settle(pid)
        rows = term.height - 6
        polls = texted = 0
        mark = term.mark()
        begin = time.perf_counter()
        next_key = begin
        while (now := time.perf_counter()) < begin + hold:
            if now >= next_key:
                term.keys("PPage")
                next_key += 1 / 30
            screen = term.screen()
            polls += 1
            texted += shows_text(screen, rows)
            time.sleep(0.004)
        end = time.perf_counter()
        stamps = [begin] + [s for s, _ in term.output_since(mark) if s <= end] + [end]
        worst_gap = max(b - a for a, b in zip(stamps, stamps[1:], strict=False))
        released = time.perf_counter()
        back = term.wait_screen(lambda s: shows_text(s.split("\n"), rows), timeout=30, what="text after release")
        peak = memory_mb(pid)["VmHWM"]
        term.start(["sleep", "1000"])
    return {"history_open_s": opened - started, "history_text_pct": 100 * texted / polls,
            "history_worst_gap_ms": worst_gap * 1000, "history_text_back_ms": (back - released) * 1000,
            "history_peak_mb": peak, "history_polls": polls, "load": load}


def search(term: Terminal, server: Any, source: Path, conversations: int = SEARCH_CONVERSATIONS) -> dict[str, float]:
    """F2, then the query typed a key at a time: key → the matches for the new query on screen."""
    from tests.bench.gen_data import SEARCH_QUERY

    load = load_average()
    latencies = []
    with tempfile.TemporaryDirectory() as home:
        shutil.copytree(source, home, dirs_exist_ok=True)
        launch(term, server.url, home)
        term.keys("F2")
        term.wait_screen(lambda s: f"Conversation {conversations - 1}" in s, timeout=20, what="the F2 list")
        typed = ""
        for char in SEARCH_QUERY:
            typed += char
            sent = term.keys(char, literal=True)
            if char == " ":
                time.sleep(0.3)
                continue
            term_now = typed.split()[-1]
            shown = term.wait_screen(lambda s, t=term_now: f"«{t}»" in s, timeout=10,
                                     what=f"matches for {typed!r}", interval=0.002)
            latencies.append(shown - sent)
            time.sleep(0.15)
        term.start(["sleep", "1000"])
    return {"search_key_ms": statistics.median(latencies) * 1000, "search_key_max_ms": max(latencies) * 1000,
            "load": load}


def soak(term: Terminal, server: Any, replies: int = 200, checkpoints: tuple[int, ...] = (10, 50, 100, 200)
         ) -> dict[str, float]:
    """``replies`` replies in one conversation in one process (300-token Markdown and 150-token paced, in turn)."""
    from tests.bench.workload import markdown_document, one_long_paragraph

    load = load_average()
    figures: dict[str, float] = {}
    per_reply: dict[int, tuple[float, float]] = {}  # reply → (CPU, Enter → last token)
    unique = iter(UNIQUE)
    rng = random.Random(2)
    with tempfile.TemporaryDirectory() as home:
        _, pid = launch(term, server.url, home)
        rss_start = memory_mb(pid)["VmRSS"]
        for n in range(1, replies + 1):
            end = f"Fin{n:04d}."  # one word: never wrapped apart
            if n % 2:
                server.state.reply_override = f"{markdown_document(300, seed=n)}\n\n{end}"
                server.state.tokens_per_second = None
            else:
                server.state.reply_override = f"{one_long_paragraph(150)} {end}"
                server.state.tokens_per_second = PACED_RATE
            type_prompt(term, f"question {n}")
            mark, cpu0 = term.mark(), cpu_seconds(pid)
            entered = term.keys("Enter")
            shown = term.wait_output(end.encode(), mark, timeout=60)
            term.wait_screen(lambda s: idle(s) and "question" not in s.split("\n")[-5], timeout=20, what="idle")
            term.quiet(0.15)
            per_reply[n] = (cpu_seconds(pid) - cpu0, shown - entered)
            if n in checkpoints:
                # The last SOAK_WINDOW replies, half of each kind: each kind's median (a slow first reply, a
                # stray stall, drop out), then their mean (a median of the two kinds mixed flips between them).
                window = range(max(1, n - SOAK_WINDOW + 1), n + 1)
                for what, pick in (("cpu", 0), ("enter", 1)):
                    figures[f"soak_{what}_{n}"] = statistics.mean(
                        statistics.median(per_reply[k][pick] for k in window if k % 2 == kind) for kind in (0, 1))
                figures[f"soak_rss_{n}"] = memory_mb(pid)["VmRSS"]
                time.sleep(1.0)
                cpu1 = cpu_seconds(pid)
                time.sleep(2.0)
                figures[f"soak_settled_cpu_{n}"] = cpu_seconds(pid) - cpu1
                latencies = []
                for _ in range(SOAK_ECHO_KEYS):
                    char = next(unique)
                    time.sleep(rng.uniform(0.08, 0.2))
                    mark = term.mark()
                    sent = term.keys(char, literal=True)
                    latencies.append(term.wait_output(char.encode(), mark) - sent)
                figures[f"soak_echo_{n}"] = statistics.median(latencies) * 1000
                term.keys("C-u")
                term.wait_screen(lambda s: READY in s, timeout=10, what="the prompt emptied")
                print(f"  soak reply {n}: " + ", ".join(f"{k}={v:.3f}" for k, v in figures.items()
                                                       if k.endswith(f"_{n}")), flush=True)
        figures["soak_rss_start"] = rss_start
        term.keys("C-n")
        time.sleep(3.0)
        figures["soak_rss_after_close"] = memory_mb(pid)["VmRSS"]
        term.start(["sleep", "1000"])
    first, last = checkpoints[0], checkpoints[-1]
    for what in ("cpu", "echo", "enter"):
        figures[f"soak_{what}_{last}_over_{first}"] = figures[f"soak_{what}_{last}"] / figures[f"soak_{what}_{first}"]
    figures["soak_kb_per_reply"] = (figures[f"soak_rss_{last}"] - figures[f"soak_rss_{first}"]) * 1024 / (last - first)
    figures["soak_settled_cpu"] = max(figures[f"soak_settled_cpu_{n}"] for n in checkpoints)
    figures["load"] = load
    return figures


# ------------------------------------------------------------------------------- growth

# "No figure gets worse as a reply or a conversation grows": each scenario below also runs at a
# tenth of its size, and the figure at full size over the figure at a tenth is reported (for
# times that grow with the work, the time per unit of work). Goal: at most 1.2 (as the soak's).


def at_two_sizes(full: Callable[[], dict[str, float]], tenth: Callable[[], dict[str, float]],
                 ratios: dict[str, tuple[str, float]]) -> dict[str, float]:
    """Run ``tenth`` then ``full``; add ``<name>_10x_over_1x`` = full[key] / tenth[key] / divisor."""
    small = tenth()
    figures = full()
    for name, (key, divisor) in ratios.items():
        figures[f"{key}_1x"] = small[key]
        figures[f"{name}_10x_over_1x"] = figures[key] / small[key] / divisor
    return figures


# ------------------------------------------------------------------------------- reporting

def summarise(name: str, runs: list[dict[str, float]]) -> list[str]:
    lines = [f"\n## {name} ({len(runs)} run{'s' * (len(runs) != 1)}, load average "
             f"{', '.join(format(r['load'], '.2f') for r in runs)})"]
    for key in runs[0]:
        if key == "load":
            continue
        values = [r[key] for r in runs]
        med = statistics.median(values)
        spread = f" (range {min(values):.3f}–{max(values):.3f})" if len(values) > 1 else ""
        verdict = ""
        if key in GOALS:
            goal, sense = GOALS[key]
            ok = med <= goal if sense == "max" else med >= goal
            verdict = f"   goal {'≤' if sense == 'max' else '≥'} {goal:g}: {'ok' if ok else 'MISSED'}"
        lines.append(f"  {key:<40} {med:10.3f}{spread}{verdict}")
    return lines


def missed(runs: list[dict[str, float]]) -> list[str]:
    out = []
    for key, (goal, sense) in GOALS.items():
        if key in runs[0]:
            med = statistics.median(r[key] for r in runs)
            if (med > goal) if sense == "max" else (med < goal):
                out.append(key)
    return out


SCENARIOS = ("paced", "echo", "echo_scale", "long_reply", "cold_start", "history", "search", "soak")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("only", nargs="*", help=f"run only these scenarios ({', '.join(SCENARIOS)})")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--soak-runs", type=int, default=1, help="the soak takes minutes: once by default")
    parser.add_argument("--replies", type=int, default=200, help="the soak's replies (fewer for a quick look)")
    parser.add_argument("--json", type=Path, help="write every run's figures here")
    parser.add_argument("--bare", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare:
        print(json.dumps(asyncio.run(bare_client(args.bare))))
        return 0

    from pinata_tui.devserver import PinataDevServer
    from tests.bench.common import machine
    from tests.bench.gen_data import build_history, build_search

    chosen = args.only or list(SCENARIOS)
    if unknown := set(chosen) - set(SCENARIOS):
        parser.error(f"unknown scenario {', '.join(sorted(unknown))}; choose from {', '.join(SCENARIOS)}")
    print(f"# pinata-chat in a real terminal (tmux 120x40) — {time.strftime('%Y-%m-%d %H:%M')}\n"
          f"Machine: {machine()}; load average at start {load_average():.2f}", flush=True)
    results: dict[str, list[dict[str, float]]] = {}
    with PinataDevServer() as server, Terminal() as term, tempfile.TemporaryDirectory() as data:
        server.state.balance_micro = 10**12
        history_home, search_home = Path(data, "history"), Path(data, "search")
        small_history_home, small_search_home = Path(data, "history-1x"), Path(data, "search-1x")
        jobs: dict[str, Callable[[], dict[str, float]]] = {
            "paced": lambda: at_two_sizes(lambda: paced(term, server),
                                          lambda: paced(term, server, PACED_TOKENS // 10),
                                          {"paced_cpu_per_token": ("paced_cpu", 10)}),
            "echo": lambda: echo(term, server),
            "echo_scale": lambda: echo_scale(term, server),
            "long_reply": lambda: at_two_sizes(lambda: long_reply(term, server),
                                               lambda: long_reply(term, server, LONG_TOKENS // 10),
                                               {"long_reply_s_per_token": ("long_reply_s", 10),
                                                "long_reply_cpu_per_token": ("long_reply_cpu", 10)}),
            "cold_start": lambda: cold_start(term, server),
            "soak": lambda: soak(term, server, args.replies, tuple(n for n in (10, 50, 100, 200) if n < args.replies)
                                 + (args.replies,)),
        }
        if "history" in chosen:
            conversation_id = build_history(history_home, HISTORY_MESSAGES)
            small_id = build_history(small_history_home, HISTORY_MESSAGES // 10)
            jobs["history"] = lambda: at_two_sizes(
                lambda: history(term, server, history_home, conversation_id),
                lambda: history(term, server, small_history_home, small_id, messages=HISTORY_MESSAGES // 10),
                {"history_open": ("history_open_s", 1), "history_worst_gap": ("history_worst_gap_ms", 1)})
        if "search" in chosen:
            build_search(search_home, SEARCH_CONVERSATIONS)
            build_search(small_search_home, SEARCH_CONVERSATIONS // 10)
            jobs["search"] = lambda: at_two_sizes(
                lambda: search(term, server, search_home),
                lambda: search(term, server, small_search_home, SEARCH_CONVERSATIONS // 10),
                {"search_key": ("search_key_ms", 1)})
        if "cold_start" in chosen:
            cold_start(term, server)  # warm-up: the disk cache and the bytecode cache
        for name in chosen:
            runs = args.soak_runs if name == "soak" else args.runs
            results[name] = []
            for _ in range(runs):
                results[name].append(jobs[name]())
            print("\n".join(summarise(name, results[name])), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    failed = [key for runs in results.values() for key in missed(runs)]
    print(f"\nGoals missed: {', '.join(failed)}" if failed else "\nEvery goal met.")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
