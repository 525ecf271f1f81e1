"""Shared plumbing for the benchmarks: child processes, CPU and memory, statistics, reports.

Every measurement runs in a fresh child process, so its CPU seconds and peak memory are the
app's alone; the loopback Pinata server runs in the parent. Each benchmark also measures a
baseline in the same run, so the figure that matters is a ratio, not a noisy absolute time.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def run_child(script: Path, *args: str, timeout: float = 300) -> dict[str, Any]:
    """Run ``script --child ARGS`` in a fresh interpreter; it prints one JSON object last."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, str(script), "--child", *args], capture_output=True, text=True,
                            timeout=timeout, env=env, cwd=REPO)
    if result.returncode != 0:
        raise RuntimeError(f"{script.name} child failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def child_report(data: dict[str, Any]) -> None:
    print(json.dumps(data), flush=True)


@dataclass
class Series:
    name: str
    values: list[float]
    unit: str

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def spread(self) -> float:
        return max(self.values) - min(self.values) if len(self.values) > 1 else 0.0

    def fmt(self, digits: int = 3) -> str:
        return f"{self.median:.{digits}f} {self.unit} (±{self.spread / 2:.{digits}f}, n={len(self.values)})"


@dataclass
class Check:
    label: str
    ok: bool
    detail: str


def collect(runs: int, measure: Callable[[], dict[str, float]]) -> dict[str, list[float]]:
    """Call ``measure`` ``runs`` times; gather each key's values."""
    gathered: dict[str, list[float]] = {}
    for _ in range(runs):
        for key, value in measure().items():
            gathered.setdefault(key, []).append(value)
    return gathered


def report(title: str, rows: list[tuple[str, Series]], checks: list[Check]) -> bool:
    print(f"\n## {title}")
    width = max(len(label) for label, _ in rows)
    for label, series in rows:
        print(f"  {label:<{width}}  {series.fmt()}")
    for check in checks:
        print(f"  [{'ok' if check.ok else 'MISSED'}] {check.label}: {check.detail}")
    return all(c.ok for c in checks)


def now() -> float:
    return time.perf_counter()


class StallProbe:
    """The longest the event loop was blocked: a task asks to wake every 5 ms and records how late it
    wakes. ``start()`` inside the loop, ``take()`` for the worst so far (and reset), ``stop()`` at the end."""

    TICK = 0.005

    def __init__(self) -> None:
        self.worst = 0.0
        self._running = False
        self._task: Any = None

    async def _run(self) -> None:
        import asyncio

        while self._running:
            before = now()
            await asyncio.sleep(self.TICK)
            self.worst = max(self.worst, now() - before - self.TICK)

    def start(self) -> None:
        import asyncio

        self._running = True
        self._task = asyncio.create_task(self._run())

    def take(self) -> float:
        worst, self.worst = self.worst, 0.0
        return worst

    async def stop(self) -> float:
        self._running = False
        await self._task
        return self.take()
