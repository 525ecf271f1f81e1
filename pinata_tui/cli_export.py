"""``pinata-chat export`` and ``import``: a saved conversation out as Markdown or JSON, and back in."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pinata_tui.cli_support import CliError, describe_os_error, load
from pinata_tui.exit_codes import EXIT_OK, EXIT_USAGE
from pinata_tui.paths import AppPaths
from pinata_tui.sanitize import make_displayable, one_line

if TYPE_CHECKING:
    import argparse


def cmd_export(args: argparse.Namespace, paths: AppPaths) -> int:
    from pinata_tui.export import export_filename, export_text
    from pinata_tui.store import ConversationStore, StoreError

    settings = load(paths).settings
    fmt = args.format or ("json" if args.output and args.output.endswith(".json") else "md")
    if not paths.database.exists():
        raise CliError("there are no saved conversations yet.")
    try:
        with ConversationStore.for_reading(paths.database) as store:  # read-only storage still exports
            conversation_id = store.last_conversation_id(with_reply=True) if args.last else args.id
            if conversation_id is None:
                if store.last_conversation_id() is None:
                    raise CliError("there are no saved conversations yet.")
                raise CliError("no saved conversation has a reply yet (every request failed); "
                               "`pinata-chat list` shows them, `pinata-chat export ID` exports one anyway.")
            try:
                conversation = store.load(conversation_id)
            except KeyError:
                raise CliError(f"there is no conversation {conversation_id}.") from None
    except StoreError as exc:
        raise CliError(str(exc)) from None
    secrets = (settings.llm_key, settings.jwt)
    text = export_text(conversation, fmt, secrets=secrets, include_reasoning=not args.no_reasoning,
                       all_branches=args.all_branches, default_system=settings.system_prompt)
    if args.output and args.output != "-":
        target = Path(args.output)
        if target.is_dir():
            raise CliError(f"{args.output} is a folder; name a file in it, e.g. "
                           f"-o {target / export_filename(conversation, fmt)}", EXIT_USAGE)
        write_new_text(target, text)
        print(f"Wrote conversation {conversation.id} to {target.resolve()}", file=sys.stderr)
    else:
        # To a terminal, text from models and imported files is shown, never obeyed; into a pipe, verbatim.
        sys.stdout.write(make_displayable(text) if sys.stdout.isatty() else text)
    return EXIT_OK


def write_new_text(target: Path, text: str) -> None:
    """Write ``text`` to ``target`` (a file, or a device such as /dev/stdout); failures are one line.

    A file this call created is removed again if the write fails half-way (a full disk).
    """
    existed = target.exists()
    try:
        with open(target, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        if not existed:
            try:
                target.unlink()
            except OSError:
                pass
        raise CliError(f"cannot write {target}: {describe_os_error(exc, with_path=False)}") from None


def cmd_import(args: argparse.Namespace, paths: AppPaths) -> int:
    from pinata_tui.export import InvalidImport, from_json
    from pinata_tui.store import ConversationStore, StoreError

    settings = load(paths).settings
    try:
        text = Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {args.file}: {exc}") from None
    try:
        conversation = from_json(text, default_model=settings.model)
    except InvalidImport as exc:
        raise CliError(f"{args.file} is not a conversation: {exc}", EXIT_USAGE) from None
    try:
        with ConversationStore(paths.database) as store:
            store.save_conversation(conversation)  # one transaction: all of it, or nothing
    except StoreError as exc:
        raise CliError(str(exc)) from None
    branches = len(conversation.tree()) - len(conversation.messages)
    also = f" (and {branches} more in other branches)" if branches else ""
    print(f"Imported {len(conversation.messages)} messages{also} as conversation {conversation.id}: "
          f"{one_line(conversation.title or '(untitled)')}")
    return EXIT_OK


