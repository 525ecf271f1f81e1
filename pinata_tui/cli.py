"""The ``pinata-chat`` entry point: parses flags, then runs the TUI or a subcommand.

Textual is imported only when the TUI actually starts, so subcommands stay fast.
"""

from __future__ import annotations

import argparse
import sys

from pinata_tui import __version__
from pinata_tui.paths import AppPaths
from pinata_tui.settings import Settings
from pinata_tui.state import load_state


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pinata-chat",
        description="Chat with Pinata Inference models in your terminal.",
        epilog="Keys: Enter sends, Ctrl+J adds a line, Esc stops, Ctrl+L picks a model, F1 lists every key.",
    )
    parser.add_argument("--version", action="version", version=f"pinata-chat {__version__}")
    parser.add_argument("-m", "--model", help="model for this session, e.g. anthropic/claude-sonnet-4-6")
    parser.add_argument("--base-url", help="API base URL (default: $PINATA_BASE_URL or Pinata's)")
    parser.add_argument("--demo", action="store_true",
                        help="run against a built-in local server: no account or key needed")
    opening = parser.add_mutually_exclusive_group()
    opening.add_argument("-c", "--continue", dest="continue_last", action="store_true",
                         help="reopen the most recent conversation")
    opening.add_argument("--conversation", type=int, metavar="ID", help="open the saved conversation ID")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return run_tui(args)


def run_tui(args: argparse.Namespace) -> int:
    paths = AppPaths.default()
    remembered = load_state(paths.state_file).get("last_model")
    settings = Settings.from_env(base_url=args.base_url)
    model = args.model or (remembered if isinstance(remembered, str) else None)
    if model:
        settings = settings.replace(model=model)
    server = None
    if args.demo:
        from pinata_tui.devserver import DEV_JWT, DEV_LLM_KEY, PinataDevServer, ServerState

        server = PinataDevServer(state=ServerState(tokens_per_second=60, reply_tokens=180)).start()
        settings = settings.replace(base_url=server.url, llm_key=DEV_LLM_KEY, jwt=DEV_JWT)
    from pinata_tui.tui.app import PinataChatApp  # Textual loads only now

    try:
        PinataChatApp(settings, paths, demo=args.demo, open_conversation=args.conversation,
                      continue_last=args.continue_last).run()
    finally:
        if server is not None:
            server.stop()
    return 0
