"""The speed check CI runs (#17): the real app in tmux, a paced reply's CPU against a bare httpx
client's, and key echo while a reply streams. Fails when a median misses its goal by more than
20 % (the goals are in ``real_terminal.GOALS``). About a minute a run.

    python tests/bench/ci_check.py [--runs 3]

Figures taken on a loaded machine are not valid: the load average is printed beside each run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.real_terminal import GOALS, echo, paced
from tests.bench.terminal import Terminal, load_average

CHECKED = ("paced_cpu_ratio", "echo_median_ms", "echo_p95_ms")
MARGIN = 1.2


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from pinata_tui.devserver import PinataDevServer

    started = time.perf_counter()
    runs: list[dict[str, float]] = []
    with PinataDevServer() as server, Terminal() as term:
        server.state.balance_micro = 10**12
        for run in range(args.runs):
            figures = {**paced(term, server), **echo(term, server)}
            runs.append(figures)
            print(f"run {run + 1}: " + ", ".join(f"{k} {figures[k]:.2f}" for k in (*CHECKED, "paced_cpu", "bare_cpu"))
                  + f" (load average {load_average():.2f})", flush=True)
    failed = []
    for key in CHECKED:
        values = [r[key] for r in runs]
        median = statistics.median(values)
        goal = GOALS[key][0]
        ok = median <= goal * MARGIN
        failed += [] if ok else [key]
        print(f"{key}: median {median:.2f} (range {min(values):.2f}-{max(values):.2f}), goal {goal:g}, "
              f"fails above {goal * MARGIN:.3g}: {'ok' if ok else 'FAILED'}")
    print(f"{len(runs)} runs in {time.perf_counter() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
