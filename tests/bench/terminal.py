"""A real terminal for the benchmarks: tmux, driven and read through one control-mode client.

The program under test runs in a tmux pane (120x40 by default), a real terminal emulator that
parses every byte the program writes. One ``tmux -C`` client stays attached: keys go to it as
``send-keys`` commands (no process started per key), the pane's output comes back from it as
``%output`` notifications, each stamped with the time it arrived, and the screen is read with
``capture-pane`` through the same client. The program's CPU and memory come from ``/proc``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

TMUX = shutil.which("tmux")
_OCTAL = re.compile(rb"\\([0-7]{3})")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` (not its children), from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def memory_mb(pid: int) -> dict[str, float]:
    """VmRSS (now) and VmHWM (peak) of ``pid`` in MB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key = line.split(":", 1)[0]
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(line.split()[1]) / 1024
    return found


def load_average() -> float:
    return os.getloadavg()[0]


class Terminal:
    """One tmux server of its own (its own socket) with one pane, ``width`` x ``height``."""

    def __init__(self, width: int = 120, height: int = 40, env: dict[str, str] | None = None) -> None:
        if TMUX is None:
            raise RuntimeError("the real-terminal benchmarks need tmux (apt-get install tmux)")
        self.socket = f"pinata-bench-{os.getpid()}-{time.monotonic_ns()}"
        self.width, self.height = width, height
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TERM": "tmux-256color",
                    "LANG": "C.UTF-8", **(env or {})}
        self._run("new-session", "-d", "-x", str(width), "-y", str(height), "-s", "b", "sleep 1000000")
        self._run("set-option", "-g", "window-size", "manual")
        self._run("set-option", "-g", "status", "off")
        self._run("set-option", "-g", "remain-on-exit", "on")
        self._run("resize-window", "-t", "b", "-x", str(width), "-y", str(height))
        self._control = subprocess.Popen([TMUX, "-L", self.socket, "-C", "attach-session", "-t", "b"],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        self._lock = threading.Condition()
        self.output: list[tuple[float, bytes]] = []
        """Every chunk the pane's program wrote, with the time it arrived (perf_counter)."""
        self._replies: list[list[bytes]] = []
        self._block: list[bytes] | None = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        with self._lock:  # the attach-session command's own reply comes first: count from after it
            if not self._lock.wait_for(lambda: self._replies, timeout=10):
                raise RuntimeError("tmux's control client did not start")
        self.command(f"refresh-client -C {width}x{height}")
        if self.command("display-message -p ready") != [b"ready"]:
            raise RuntimeError("tmux's replies and the commands sent are out of step")

    # ---------------------------------------------------------------- plumbing

    def _run(self, *args: str) -> str:
        assert TMUX is not None
        return subprocess.run([TMUX, "-L", self.socket, "-f", "/dev/null", *args], capture_output=True,
                              text=True, timeout=20, check=False).stdout

    def _read(self) -> None:
        assert self._control.stdout is not None
        stream = self._control.stdout
        while True:
            line = stream.readline()
            if not line:
                return
            stamp = time.perf_counter()
            line = line.rstrip(b"\n")
            with self._lock:
                if self._block is not None:
                    if line.startswith((b"%end", b"%error")):
                        self._replies.append(self._block)
                        self._block = None
                        self._lock.notify_all()
                    else:
                        self._block.append(line)
                elif line.startswith(b"%begin"):
                    self._block = []
                elif line.startswith(b"%output "):
                    data = line.split(b" ", 2)[2] if line.count(b" ") >= 2 else b""
                    self.output.append((stamp, _OCTAL.sub(lambda m: bytes([int(m[1], 8)]), data)))
                    self._lock.notify_all()

    def command(self, text: str, timeout: float = 30) -> list[bytes]:
        """Run one tmux command through the control client; its output lines."""
        assert self._control.stdin is not None
        with self._lock:
            waiting_for = len(self._replies) + 1
            self._control.stdin.write(text.encode() + b"\n")
            deadline = time.perf_counter() + timeout
            while len(self._replies) < waiting_for:
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise TimeoutError(f"tmux did not answer {text!r}")
                self._lock.wait(left)
            return self._replies[waiting_for - 1]

    # ---------------------------------------------------------------- the program

    def start(self, argv: list[str], env: dict[str, str] | None = None) -> float:
        """(Re)start the pane with ``argv``; returns the time the command was given."""
        environment = " ".join(f"{k}={shlex.quote(v)}" for k, v in {**self.env, **(env or {})}.items())
        shell = f"exec env -i {environment} {' '.join(shlex.quote(a) for a in argv)}"
        if "\n" in shell:
            raise ValueError("a control-mode command is one line: put scripts in a file")
        self._end_program()
        started = time.perf_counter()
        self.command(f"respawn-pane -k -t b {shlex.quote(shell)}")
        return started

    def _end_program(self) -> None:
        """Kill the pane's program and wait for it to go (respawn-pane alone hung now and then
        behind an app busy drawing)."""
        pid = self.pid
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                return
            if state in ("Z", "X"):
                return
            time.sleep(0.01)

    @property
    def pid(self) -> int:
        return int(self.command("display-message -p -t b '#{pane_pid}'")[0])

    def keys(self, *keys: str, literal: bool = False) -> float:
        """Send keys (tmux key names, or text with ``literal``); returns the time they were sent."""
        words = " ".join(shlex.quote(k) for k in keys)
        sent = time.perf_counter()
        self.command(f"send-keys -t b {'-l ' if literal else ''}{words}")
        return sent

    def screen(self) -> list[str]:
        return [line.decode("utf-8", "replace") for line in self.command("capture-pane -p -t b")]

    def text(self) -> str:
        return "\n".join(self.screen())

    def wait_screen(self, condition: Callable[[str], bool], timeout: float = 30, what: str = "",
                    interval: float = 0.005) -> float:
        """Poll the screen until ``condition`` holds; returns when it was first seen to hold."""
        deadline = time.perf_counter() + timeout
        while True:
            screen = self.text()
            seen = time.perf_counter()
            if condition(screen):
                return seen
            if seen > deadline:
                raise TimeoutError(f"not on screen after {timeout} s: {what}\n{screen}")
            time.sleep(interval)

    def mark(self) -> int:
        """A position in :attr:`output`, for :meth:`wait_output` and :meth:`output_since`."""
        with self._lock:
            return len(self.output)

    def wait_output(self, needle: bytes, since: int, timeout: float = 10) -> float:
        """When ``needle`` first reached the pane after position ``since`` (across chunk edges)."""
        deadline = time.perf_counter() + timeout
        seen = b""
        index = since
        with self._lock:
            while True:
                while index < len(self.output):
                    stamp, data = self.output[index]
                    index += 1
                    seen = seen[-len(needle):] + data
                    if needle in seen:
                        return stamp
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise TimeoutError(f"{needle!r} never reached the terminal")
                self._lock.wait(left)

    def output_since(self, since: int) -> list[tuple[float, bytes]]:
        with self._lock:
            return self.output[since:]

    def quiet(self, seconds: float, timeout: float = 30) -> float:
        """Wait until nothing is written for ``seconds``; returns when the last chunk arrived."""
        deadline = time.perf_counter() + timeout
        while True:
            with self._lock:
                last = self.output[-1][0] if self.output else 0.0
            now = time.perf_counter()
            if now - last >= seconds:
                return last
            if now > deadline:
                raise TimeoutError(f"the terminal never went quiet for {seconds} s")
            time.sleep(min(seconds - (now - last), 0.05) + 0.001)

    def close(self) -> None:
        try:
            self._run("kill-server")
        finally:
            self._control.kill()
            self._control.wait(5)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
