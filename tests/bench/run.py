"""Run every benchmark and print its figures with its baseline: ``python tests/bench/run.py``.

    python tests/bench/run.py            # the default number of runs for each
    python tests/bench/run.py --quick    # fewer runs, for a quick look
    python tests/bench/run.py real_terminal   # only the installed app in tmux (#17's figures)

The headless benchmarks come first, then ``real_terminal.py`` (the installed app in tmux, with its
soak): the same figures side by side, so what the terminal itself costs is visible.
Exit status 0 when every target holds, 1 otherwise.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.common import machine

BENCHMARKS = [("long_reply", 5, 2), ("paced_reply", 3, 1), ("cold_start", 7, 3), ("long_history", 3, 1),
              ("token_meter", 5, 2), ("real_terminal", 3, 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("only", nargs="*", help="run only these (e.g. long_reply cold_start)")
    args = parser.parse_args()
    print(f"# pinata-chat benchmarks — {time.strftime('%Y-%m-%d')}\nMachine: {machine()}")
    failed = []
    for name, runs, quick_runs in BENCHMARKS:
        if args.only and name not in args.only:
            continue
        script = Path(__file__).resolve().parent / f"{name}.py"
        result = subprocess.run([sys.executable, str(script), "--runs", str(quick_runs if args.quick else runs)])
        if result.returncode != 0:
            failed.append(name)
    print(f"\nTargets missed in: {', '.join(failed)}" if failed else "\nEvery target holds.")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
