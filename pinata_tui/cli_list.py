"""``pinata-chat list``: saved conversations as a table or JSON, or those full-text search finds.

Titles, model ids and snippets come from the database (and so from models and imported files):
the table shows them through ``sanitize.one_line`` whether it goes to a terminal or a pipe, so no
control character ever reaches the output; JSON escapes them itself.
"""

from __future__ import annotations

import json
import shutil
import sys
import unicodedata
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pinata_tui.cli_support import CliError
from pinata_tui.exit_codes import EXIT_OK, EXIT_USAGE
from pinata_tui.numbers import whole_number
from pinata_tui.paths import AppPaths
from pinata_tui.sanitize import one_line

if TYPE_CHECKING:
    import argparse

    from pinata_tui.store import ConversationMatch, ConversationSummary

DEFAULT_LIMIT = 50
NO_REPLY = "(no reply)"
Row = tuple["ConversationSummary", "ConversationMatch | None"]
"""A conversation, and what full-text search found in it (None when listing without ``--search``)."""
MODELS_WIDTH = 40
"""The models column's widest on a terminal, in cells: a conversation that used many models is cut with "…"."""


def add_list_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "list", help="list saved conversations (newest first), or find them by full-text search",
        description="Saved conversations, most recently updated first: id, when last updated (local time), "
        "messages, cost, the models that replied, and the title. Conversations where no reply ever "
        f"arrived (every request failed) are marked {NO_REPLY} in the table and \"replied\": false in "
        "JSON. Use an id with `pinata-chat export ID` or `pinata-chat --conversation ID`.")
    parser.add_argument("--search", metavar="TEXT",
                        help="only conversations with a message containing these words (full text), "
                        "with how many messages match and the newest match")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--limit", type=whole_number, default=DEFAULT_LIMIT, metavar="N",
                        help=f"at most N conversations (default {DEFAULT_LIMIT}; 0 for all)")


def cmd_list(args: argparse.Namespace, paths: AppPaths) -> int:
    # sqlite3 is imported only to list
    from pinata_tui.store import ConversationStore, StoreError

    if args.limit < 0:
        raise CliError("--limit must be 0 (all) or more.", EXIT_USAGE)
    wanted = args.limit or -1  # SQLite's LIMIT -1: no limit
    fetch = wanted + 1 if wanted > 0 else -1  # one more, to know whether some were left out
    rows: list[Row] = []
    if paths.database.exists():  # listing never creates the database
        try:
            with ConversationStore.for_reading(paths.database) as store:
                if args.search is not None:
                    rows = [(m.summary, m) for m in store.search_conversations(args.search, limit=fetch)]
                else:
                    rows = [(summary, None) for summary in store.list_conversations(limit=fetch)]
        except StoreError as exc:
            raise CliError(str(exc)) from None
    more = wanted > 0 and len(rows) > wanted
    rows = rows[:wanted] if more else rows
    if args.json:
        print(json.dumps([as_json(*row) for row in rows], indent=2))
    elif rows:
        print_table(rows, width=shutil.get_terminal_size().columns if sys.stdout.isatty() else None)
    elif args.search is not None:
        print(f"No saved message matches {one_line(args.search, 80)!r}.", file=sys.stderr)
    else:
        print("No saved conversations yet.", file=sys.stderr)
    if more:
        print(f"pinata-chat: showing the {wanted} most recent; --limit 0 lists them all.", file=sys.stderr)
    return EXIT_OK


def local_time(timestamp: float, *, iso: bool = False) -> str:
    moment = datetime.fromtimestamp(timestamp).astimezone()
    return moment.isoformat(timespec="seconds") if iso else moment.strftime("%Y-%m-%d %H:%M")


def as_json(summary: ConversationSummary, match: ConversationMatch | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": summary.id, "title": summary.title, "models": list(summary.models), "model": summary.model,
        "created": local_time(summary.created_at, iso=True), "updated": local_time(summary.updated_at, iso=True),
        "messages": summary.message_count, "replies": summary.reply_count, "replied": summary.replied,
        "cost_usd": summary.cost,
    }
    if match is not None:
        data["matches"] = match.hits
        data["match"] = {"message_id": match.message_id, "snippet": match.snippet}
    return data


def cells(text: str) -> int:
    """Terminal cells ``text`` takes: wide (CJK, emoji) characters two, combining marks none."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in text)


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells, ending in "…" when cut."""
    if cells(text) <= width:
        return text
    kept, used = "", 0
    for ch in text:
        if used + cells(ch) > width - 1:
            break
        kept += ch
        used += cells(ch)
    return kept + "…"


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - cells(text))


def print_table(rows: list[Row], width: int | None) -> None:
    """One row per conversation (and under it, for a search, the newest match); titles cut to ``width``."""
    # the API's types are imported only to print a table
    from pinata_tui.pricing import format_usd

    summaries = [summary for summary, _ in rows]
    used = [s.models or (s.model,) for s in summaries]
    models = [one_line(", ".join(ids), 300) for ids in used]
    costs = [format_usd(s.cost) for s in summaries]
    id_w = max(2, *(len(str(s.id)) for s in summaries))
    msgs_w = max(4, *(len(str(s.message_count)) for s in summaries))
    cost_w = max(4, *(len(c) for c in costs))
    fixed = id_w + 16 + msgs_w + cost_w + 10  # the columns before MODELS, and the gaps
    if width:  # on a terminal: the models get at most half of what is left, the title the rest
        most = max(10, min(MODELS_WIDTH, (width - fixed) // 2))
        models = [m if cells(m) <= most else fit(one_line(", ".join(i.rpartition("/")[2] for i in ids), 300), most)
                  for m, ids in zip(models, used)]  # too wide: without the providers, then cut
    models_w = max(6, *(cells(m) for m in models))
    print(f"{'ID':>{id_w}}  {'UPDATED':<16}  {'MSGS':>{msgs_w}}  {'COST':>{cost_w}}  {pad('MODELS', models_w)}  TITLE")
    for (summary, match), model, cost in zip(rows, models, costs):
        mark = "" if summary.replied else f" {NO_REPLY}"
        room = max(12, width - fixed - models_w) - len(mark) if width else 300
        title = fit(one_line(summary.title, 300), room) + mark
        print(f"{summary.id:>{id_w}}  {local_time(summary.updated_at):<16}  {summary.message_count:>{msgs_w}}  "
              f"{cost:>{cost_w}}  {pad(model, models_w)}  {title}")
        if match is not None:
            said = f"{' ' * (id_w + 2)}{match.hits} {'match' if match.hits == 1 else 'matches'}: "
            snippet = one_line(match.snippet, 300)
            print(said + (fit(snippet, max(20, width - len(said))) if width else snippet))
