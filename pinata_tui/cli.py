"""The ``pinata-chat`` entry point: parses flags, then runs the TUI or a subcommand.

Textual is imported only when the TUI actually starts, so subcommands stay fast.
"""

from __future__ import annotations

import argparse
import sys

from pinata_tui import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pinata-chat",
        description="Chat with Pinata Inference models in your terminal.",
    )
    parser.add_argument("--version", action="version", version=f"pinata-chat {__version__}")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    parser.parse_args(argv)
    print("pinata-chat: the chat TUI is not built yet; see `pinata-chat --help`.", file=sys.stderr)
    return 1
