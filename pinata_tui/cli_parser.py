"""The ``pinata-chat`` command line: its options and its subcommands' (argparse).

Starting the app with no arguments at all, the most common start, needs only the top level's
options: ``parse_arguments`` builds the subcommands' parsers (about 5 ms of a cold start) only
when there is something on the command line for them to read, and with nothing to read it returns
the top level's defaults (``APP_DEFAULTS``) without loading argparse at all (#17).
"""

from __future__ import annotations

import sys
from types import SimpleNamespace
from typing import TYPE_CHECKING, cast

from pinata_tui import __version__
from pinata_tui.config import OPTIONS
from pinata_tui.exit_codes import EXIT_CODES
from pinata_tui.keymap import BINDING_IDS
from pinata_tui.numbers import decimal, whole_number

if TYPE_CHECKING:
    import argparse

APP_DEFAULTS = {"command": None, "model": None, "base_url": None, "demo": False, "continue_last": False,
                "conversation": None, "preset": None, "force_tui": False}
"""What ``top_level_parser()`` reads from an empty command line (a test keeps the two the same)."""

EPILOG = (
    "Keys in the app: Enter sends, Ctrl+J adds a line, Esc stops a reply, Ctrl+L picks a model,\n"
    "F2 lists conversations, F1 shows every key.\n\n"
    "Saved conversations: `pinata-chat list` (or `list --search TEXT`) shows their ids, for\n"
    "`pinata-chat export ID` and `pinata-chat --conversation ID`.\n\n"
    "Exit codes:\n" + "\n".join(f"  {code:>3}  {meaning}" for code, meaning in EXIT_CODES.items())
)


def top_level_parser() -> argparse.ArgumentParser:
    """The options of the app itself (``pinata-chat`` with no command)."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="pinata-chat",
        description="Chat with Pinata Inference models in your terminal. With no command, opens the app.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"pinata-chat {__version__}")
    parser.add_argument("-m", "--model", help="model for this session, e.g. anthropic/claude-sonnet-4-6")
    parser.add_argument("--base-url", help="API base URL (default: $PINATA_BASE_URL, config, or Pinata's)")
    parser.add_argument("--demo", action="store_true",
                        help="run against a built-in local server: no account or key needed")
    opening = parser.add_mutually_exclusive_group()
    opening.add_argument("-c", "--continue", dest="continue_last", action="store_true",
                         help="reopen the most recent conversation")
    opening.add_argument("--conversation", type=whole_number, metavar="ID", help="open the saved conversation ID")
    opening.add_argument("-p", "--preset", metavar="NAME",
                         help="start a new conversation with a preset (see `pinata-chat presets`)")
    parser.add_argument("--force-tui", action="store_true", help="open the app even where TERM=dumb says it cannot")
    return parser


def build_parser() -> argparse.ArgumentParser:
    """Every command's parser: the top level's and each subcommand's."""
    import argparse

    from pinata_tui.cli_list import add_list_parser
    from pinata_tui.cli_presets import add_presets_parser
    from pinata_tui.cli_usage import add_usage_parser

    parser = top_level_parser()
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    ask = commands.add_parser("ask", help="stream one reply to stdout (reads stdin when piped)",
                              description="Send one prompt and stream the reply to stdout as plain text. "
                              "Piped stdin is appended to the prompt: git diff | pinata-chat ask 'review this'",
                              epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    ask.add_argument("prompt", nargs="?", help="the prompt (optional when stdin is piped)")
    ask.add_argument("-m", "--model", dest="ask_model", help="model id")
    ask.add_argument("-a", "--attach", action="append", default=[], metavar="FILE",
                     help="attach a text file (fenced, named by path) or an image (PNG, JPEG, GIF, WebP); repeatable")
    ask.add_argument("-s", "--system", help="system prompt")
    ask.add_argument("--json", action="store_true", help="print the whole response, usage and cost as JSON")
    ask.add_argument("--no-save", action="store_true", help="do not save the exchange to history")
    ask.add_argument("--max-tokens", type=whole_number, help="cap the reply's length")
    ask.add_argument("--temperature", type=decimal, help="sampling temperature, 0-2")
    ask.add_argument("--top-p", type=decimal, help="nucleus sampling, 0-1")
    ask.add_argument("--show-reasoning", action="store_true",
                     help="print the model's reasoning (thinking) to stderr as it streams")
    ask.add_argument("--no-reasoning", action="store_true", help="leave the reasoning out of --json output")
    ask.add_argument("--over-budget", action="store_true",
                     help="send even when today's or this month's spend has reached its budget")
    follow_on = ask.add_mutually_exclusive_group()
    follow_on.add_argument("-c", "--continue", dest="ask_continue", action="store_true",
                           help="continue the most recent conversation (its current branch; its model unless -m)")
    follow_on.add_argument("--conversation", dest="ask_conversation", type=whole_number, metavar="ID",
                           help="continue the saved conversation ID (see `pinata-chat list`)")
    follow_on.add_argument("-p", "--preset", dest="ask_preset", metavar="NAME",
                           help="a new conversation with a preset's model, system prompt and settings; "
                           "other flags given win over it (see `pinata-chat presets`)")

    models = commands.add_parser("models", help="list Pinata's model catalog with prices")
    models.add_argument("filter", nargs="?", help="only ids containing this text")
    models.add_argument("--provider", help="only this provider (e.g. anthropic)")
    models.add_argument("--json", action="store_true", help="machine-readable output")

    commands.add_parser("status", help="is inference enabled for your account? (needs PINATA_JWT)")
    enable = commands.add_parser("enable", help="mint an inference key and save it to the config (needs PINATA_JWT)")
    enable.add_argument("--yes", action="store_true", help="do not ask before replacing an existing key")
    disable = commands.add_parser("disable", help="revoke the inference key (needs PINATA_JWT)")
    disable.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    credits = commands.add_parser(
        "credits", help="show the credit balance (needs PINATA_JWT)",
        description="With no subcommand, `pinata-chat credits` shows the credit balance: total, held "
        "(reserved for requests in flight) and available. `credits topup` shows or sets auto top-up. "
        "Both need the account JWT (PINATA_JWT or `config set jwt`).")
    credit_commands = credits.add_subparsers(dest="credits_command", metavar="[SUBCOMMAND]")
    topup = credit_commands.add_parser("topup", help="show or set auto top-up")
    topup.add_argument("--threshold", type=decimal, help="buy when available credits drop below this (at least 5)")
    topup.add_argument("--amount", type=whole_number, help="credits to buy each time (a positive whole number)")
    topup.add_argument("--off", action="store_true", help="turn auto top-up off")

    config = commands.add_parser("config", help="show or change config.toml")
    config_commands = config.add_subparsers(dest="config_command", metavar="SUBCOMMAND", required=True)
    config_commands.add_parser("path", help="print where config.toml lives")
    config_commands.add_parser("show", help="print every setting, its value (keys masked) and its source")
    config_set = config_commands.add_parser(
        "set", help="set a setting", description="Settings: " + ", ".join(OPTIONS) + ", keymap.<binding id> "
        "(binding ids: " + ", ".join(BINDING_IDS) + ").")
    config_set.add_argument("key")
    config_set.add_argument("value")
    config_unset = config_commands.add_parser("unset", help="remove a setting from config.toml")
    config_unset.add_argument("key")

    add_list_parser(commands)
    add_usage_parser(commands)
    add_presets_parser(commands)

    export = commands.add_parser("export", help="write a saved conversation as Markdown or JSON")
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", type=whole_number, help="conversation id (see `pinata-chat list`)")
    which.add_argument("--last", action="store_true",
                       help="the most recently updated conversation that has a reply")
    export.add_argument("-o", "--output", help="file to write (default: stdout)")
    export.add_argument("--no-reasoning", action="store_true",
                        help="leave the models' reasoning out (by default it is kept, folded in Markdown)")
    export.add_argument("--format", choices=("md", "json"), default=None,
                        help="md (default, or from the -o suffix) or json")
    export.add_argument("--all-branches", action="store_true",
                        help="Markdown: add every other branch (edits, alternatives) after the current one; "
                             "JSON always holds the whole tree")

    importer = commands.add_parser(
        "import", help="import a conversation from a JSON export",
        description="Add a conversation from a JSON file (`pinata-chat export --format json`, or a bare "
        "OpenAI messages array) to the saved ones, as a new conversation; it is saved whole or not at all. "
        "`pinata-chat list` then shows its id.")
    importer.add_argument("file", help="the JSON file to read")
    return parser


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """``argv`` (default: this process's arguments) read as ``build_parser()`` reads it."""
    arguments = sys.argv[1:] if argv is None else argv
    if not arguments:  # the app with its defaults: no parser to build, argparse not even loaded
        return cast("argparse.Namespace", SimpleNamespace(**APP_DEFAULTS))
    return build_parser().parse_args(arguments)
