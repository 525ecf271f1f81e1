"""Cold start: from launching ``pinata-chat`` until its prompt is on screen, ready for input.

The real command runs in a pseudo-terminal (as a user would start it: the CLI, the config, the
app), and the time is taken when the prompt's placeholder reaches the terminal: the prompt
has focus from the first frame. Baseline in the same run, the same way: a Textual hello-world,
until "Hello, world" reaches the terminal. Also reports memory (peak RSS) at that moment.

    python tests/bench/cold_start.py [--runs 7]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.common import Check, Series, collect, report

PROMPT_MARKER = b"Enter to send"
HELLO = """
from textual.app import App
from textual.widgets import Static

class Hello(App):
    def compose(self):
        yield Static("Hello, world")

Hello().run()
"""


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def launch(command: list[str], marker: bytes, env: dict[str, str]) -> dict[str, float]:
    """Seconds from launch until ``marker`` is written to the terminal, and peak memory then."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    started = time.perf_counter()
    process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    seen = b""
    try:
        while marker not in seen:
            ready, _, _ = select.select([master], [], [], 30)
            if not ready:
                raise RuntimeError(f"{command[0]} showed nothing like {marker!r} in 30 s: {seen[-300:]!r}")
            seen += os.read(master, 65536)
        seconds = time.perf_counter() - started
        memory = peak_rss_mb(process.pid)
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
        os.close(master)
    return {"seconds": seconds, "peak_mb": memory}


def main() -> bool:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    from pinata_tui.devserver import DEV_LLM_KEY, PinataDevServer
    from pinata_tui.settings import ENV_BASE_URL, ENV_LLM_KEY

    app_command = [sys.executable, "-c", "import sys; from pinata_tui.cli import main; sys.exit(main())"]
    with PinataDevServer() as server, tempfile.TemporaryDirectory() as home:
        # As installed, Python caches the package's bytecode (pip compiles it on install; a source
        # checkout writes __pycache__ on the first run, the warm-up below). A machine that sets
        # PYTHONDONTWRITEBYTECODE would otherwise compile all of pinata_tui on every launch,
        # while Textual's bytecode, installed by pip, is there.
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        env = {**env, "PINATA_CHAT_HOME": home, ENV_LLM_KEY: DEV_LLM_KEY, ENV_BASE_URL: server.url,
               "TERM": "xterm-256color", "PYTHONPATH": str(Path(__file__).resolve().parents[2])}

        def one() -> dict[str, float]:
            app = launch(app_command, PROMPT_MARKER, env)
            hello = launch([sys.executable, "-c", HELLO], b"Hello, world", env)
            return {"app": app["seconds"], "hello": hello["seconds"], "ratio": app["seconds"] / hello["seconds"],
                    "app_mb": app["peak_mb"], "hello_mb": hello["peak_mb"]}

        one()  # warm-up: the disk cache, and the bytecode cache (see above)
        data = collect(args.runs, one)
    s = {k: Series(k, v, "") for k, v in data.items()}
    rows = [
        ("pinata-chat: launch → prompt on screen", Series("", data["app"], "s")),
        ("baseline (Textual hello-world on screen)", Series("", data["hello"], "s")),
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
