"""``pinata-chat usage``: what was spent, from history, per day, model or conversation.

Costs are those saved with each reply; the table says which part the server billed and which
was estimated locally, and how far along each budget (``pinata_tui.budget``) is.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pinata_tui.cli_support import CliError, load
from pinata_tui.exit_codes import EXIT_OK, EXIT_USAGE
from pinata_tui.paths import AppPaths
from pinata_tui.pricing import format_usd
from pinata_tui.sanitize import one_line

if TYPE_CHECKING:
    from pinata_tui.store import SpendRow

_RELATIVE = re.compile(r"^([0-9]+)([dwmh])$")
_UNIT_SECONDS = {"h": 3600, "d": 86400, "w": 7 * 86400, "m": 30 * 86400}
USD_DECIMALS = 10
"""JSON costs are rounded to this many places: finer than any price per token, without float noise."""


def parse_since(text: str, now: float | None = None) -> float:
    """``7d``, ``2w``, ``3m`` (30-day months), ``12h``, or a date ``2026-12-01``: a timestamp."""
    now = time.time() if now is None else now
    match = _RELATIVE.match(text.strip().lower())
    if match:
        digits, unit = match.group(1), match.group(2)
        start = now - int(digits) * _UNIT_SECONDS[unit] if len(digits) <= 12 else -1.0
        if start < 0:
            raise CliError(f"--since {one_line(text, 40)!r} reaches back before 1970, before any history; "
                           "give a shorter span, or a date like 2026-12-01.", EXIT_USAGE)
        return start
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").timestamp()
    except ValueError:
        raise CliError(f"--since {text!r}: give a span like 7d, 2w, 3m, 12h, or a date like 2026-12-01.",
                       EXIT_USAGE) from None


def add_usage_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "usage", help="what was spent, from history: tokens and cost per day, model or conversation",
        description="Tokens (prompt, completion, of which reasoning, cached) and cost of every saved reply, "
        "grouped. Costs are those saved with each reply: billed by the server where it said so, else "
        "computed from the catalog's prices, or estimated locally (marked).")
    parser.add_argument("--since", metavar="WHEN", default="30d",
                        help="7d, 2w, 3m, 12h or a date such as 2026-12-01 (default: 30d)")
    parser.add_argument("--by", choices=("day", "model", "conversation"), default="day")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def _row_json(row: SpendRow) -> dict[str, Any]:
    return {"key": row.key, "label": row.label, "replies": row.replies, "prompt_tokens": row.prompt_tokens,
            "completion_tokens": row.completion_tokens, "reasoning_tokens": row.reasoning_tokens,
            "cached_tokens": row.cached_tokens, "cost_usd": _usd(row.cost),
            "billed_usd": None if row.billed is None else _usd(row.billed), "computed_usd": _usd(row.computed),
            "estimated_usd": _usd(row.estimated)}


def _usd(amount: float) -> float:
    return round(amount, USD_DECIMALS)


def _billed(rows: list[SpendRow]) -> str:
    """What the server said it billed; "—" when it said nothing (not "$0", which reads as free)."""
    billed = [r.billed for r in rows if r.billed is not None]
    return format_usd(sum(billed)) if billed else "—"


def _label(row: SpendRow, by: str) -> str:
    """The first column: the day, the model, or a conversation's id and title (copies share titles)."""
    return f"{row.key}  {one_line(row.label, 40)}" if by == "conversation" else one_line(row.label, 40)


def cmd_usage(args: argparse.Namespace, paths: AppPaths) -> int:
    from pinata_tui.budget import budget_notes
    from pinata_tui.store import ConversationStore, StoreError

    since = parse_since(args.since)
    settings = load(paths).settings
    rows: list[SpendRow] = []
    imported = (0, 0.0)
    if paths.database.exists():  # a report never creates the database
        try:
            with ConversationStore.for_reading(paths.database) as store:
                rows = store.spend(since=since, by=args.by)
                imported = store.imported_since(since)
        except StoreError as exc:
            raise CliError(str(exc)) from None
    if args.json:
        json.dump({"since": datetime.fromtimestamp(since).astimezone().isoformat(timespec="seconds"),
                   "by": args.by, "rows": [_row_json(r) for r in rows],
                   "total_usd": _usd(sum(r.cost for r in rows)),
                   "imported": {"replies": imported[0], "cost_usd": _usd(imported[1])}}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    print(f"Spend since {datetime.fromtimestamp(since):%Y-%m-%d %H:%M}, by {args.by}:")
    imported_note = (f"  ({imported[0]:,} imported {'reply' if imported[0] == 1 else 'replies'} "
                     f"({format_usd(imported[1])}) are not counted: they were paid for where they were made.)"
                     if imported[0] else "")
    if not rows:
        print("  nothing: no replies in that time.")
        if imported_note:
            print(imported_note)
        return EXIT_OK
    header = ("conversation" if args.by == "conversation" else "", "replies", "prompt", "completion", "reasoning", "cached", "cost", "billed")
    table = [header] + [(_label(r, args.by), f"{r.replies:,}", f"{r.prompt_tokens:,}", f"{r.completion_tokens:,}",
                         f"{r.reasoning_tokens:,}", f"{r.cached_tokens:,}",
                         format_usd(r.cost, estimate=r.estimated > 0), _billed([r])) for r in rows]
    table.append(("total", f"{sum(r.replies for r in rows):,}", f"{sum(r.prompt_tokens for r in rows):,}",
                  f"{sum(r.completion_tokens for r in rows):,}", f"{sum(r.reasoning_tokens for r in rows):,}",
                  f"{sum(r.cached_tokens for r in rows):,}",
                  format_usd(sum(r.cost for r in rows), estimate=any(r.estimated for r in rows)),
                  _billed(rows)))
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for line in table:
        print("  " + "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(line, widths))))
    print("  (cost: what the server said it charged where it did (the billed column; — where it said nothing),\n"
          "   else computed from the catalog's prices; ~ marks a part estimated locally, where no usage came back)")
    if imported_note:
        print(imported_note)
    if paths.database.exists():
        try:
            with ConversationStore.for_reading(paths.database) as store:
                for note in budget_notes(settings, store):
                    print(f"  {note}")
        except StoreError:
            pass
    return EXIT_OK
