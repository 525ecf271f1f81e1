"""The ``pinata-chat`` entry point: parses flags, then runs the TUI or a subcommand.

Textual is imported only when the TUI actually starts, so subcommands stay fast.
Errors are one readable line on stderr and a distinct exit code, never a traceback.
"""

from __future__ import annotations

import gc

# The cyclic collector waits while the imports below load (about 40 collections of young objects:
# 5 ms of a cold start) and resumes once they have; ``run_tui`` pauses it again for the app. What
# they built (modules, classes: ~100,000 objects that live as long as the process) is frozen first:
# resumed with them young, the collector walked them all in its next collection (6-9 ms, #17).
_COLLECTING = gc.isenabled()
gc.disable()

try:
    import asyncio
    import json
    import os
    import sys
    from collections.abc import Callable
    from typing import TYPE_CHECKING, Any

    from pinata_tui.cli_export import cmd_export, cmd_import
    from pinata_tui.cli_list import cmd_list
    from pinata_tui.cli_parser import parse_arguments
    from pinata_tui.cli_presets import cmd_presets, find_preset, preset_conversation
    from pinata_tui.cli_support import ENV_DEBUG, CliError, describe_os_error, load, read_cli_attachments
    from pinata_tui.config import ConfigError, describe, set_value, unset_value
    from pinata_tui.exit_codes import (
        EXIT_CTRL_C,
        EXIT_FAILURE,
        EXIT_OK,
        EXIT_USAGE,
    )
    from pinata_tui.numbers import parse_decimal
    from pinata_tui.paths import AppPaths
    from pinata_tui.sanitize import (
        has_lone_surrogates,
        make_displayable,
        one_line,
        valid_unicode,
    )
    from pinata_tui.settings import ZERO_BUDGET_NOTE
    from pinata_tui.state import remembered
    from pinata_tui.terminal import current, decide, detect, use_output_fallback
finally:  # also when an import fails: whoever caught the error keeps a working collector
    if _COLLECTING:
        gc.freeze()
        gc.enable()

if TYPE_CHECKING:
    import argparse

    from pinata_tui.conversation import Conversation

PATH_ARGUMENTS = frozenset({"file", "output"})
"""Arguments that name files: kept byte for byte (a file name need not be UTF-8)."""


def clean_arguments(args: argparse.Namespace) -> bool:
    """Text arguments that were not valid UTF-8 get U+FFFD for their bad bytes. True if any did."""
    changed = False
    for name, value in vars(args).items():
        if isinstance(value, str) and name not in PATH_ARGUMENTS and has_lone_surrogates(value):
            setattr(args, name, valid_unicode(value))
            changed = True
    return changed


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    if clean_arguments(args):
        print("pinata-chat: note: an argument was not UTF-8 text; bytes that could not be read were "
              "replaced with \ufffd.", file=sys.stderr)
    try:
        paths = AppPaths.default()
        if args.command is None:
            return run_tui(args, paths)
        handler = HANDLERS[args.command]
        return handler(args, paths)
    except CliError as exc:
        print(f"pinata-chat: {make_displayable(str(exc))}", file=sys.stderr)
        return exc.code
    except ConfigError as exc:
        print(f"pinata-chat: bad configuration: {make_displayable(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("pinata-chat: stopped.", file=sys.stderr)
        return EXIT_CTRL_C
    except BrokenPipeError:
        return EXIT_OK  # the reader went away (| head): not an error
    except OSError as exc:
        print(f"pinata-chat: {make_displayable(describe_os_error(exc))}", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as exc:  # a bug: still one line; the traceback only when asked for
        if os.environ.get(ENV_DEBUG):
            raise
        print(f"pinata-chat: unexpected error ({type(exc).__name__}: {one_line(str(exc), 200)}). "
              f"This is a bug; {ENV_DEBUG}=1 shows where it happened.", file=sys.stderr)
        return EXIT_FAILURE


# ---------------------------------------------------------------- the app


def run_tui(args: argparse.Namespace, paths: AppPaths) -> int:
    if os.environ.get("NO_COLOR") == "":  # "set and not empty" (no-color.org); Textual takes any value
        del os.environ["NO_COLOR"]
    terminal = detect()
    decide(terminal)
    if terminal.dumb and not args.force_tui:
        raise CliError("this terminal (TERM=dumb) cannot show the full-screen app. For one reply on stdout: "
                       "pinata-chat ask \"your question\"; to open the app anyway: pinata-chat --force-tui.",
                       EXIT_USAGE)
    # Start-up allocates a few hundred thousand objects that live as long as the app (modules,
    # classes, styles); the cyclic collector would walk them ~100 times before the first frame
    # (~25 ms). Paused until the first frame, when the app freezes them and resumes it (the
    # pattern the gc module's documentation gives for gc.freeze); with a conversation to open,
    # until that conversation's first screen is drawn (PinataChatApp.open_store).
    gc.disable()
    try:
        return _run_tui(args, paths)
    finally:
        gc.enable()


def _run_tui(args: argparse.Namespace, paths: AppPaths) -> int:
    loaded = load(paths, base_url=args.base_url)
    settings = loaded.settings
    for key, setting in (("last_model", "model"), ("theme", "theme")):
        value = remembered(paths.state_file, key, paths.config_file, config_sets_it=setting in loaded.sources)
        if isinstance(value, str):
            settings = settings.replace(**{setting: value})
    if args.model:
        settings = settings.replace(model=args.model)
    # -p: looked up before the app starts (an unknown name is one line and an exit code)
    conversation = preset_conversation(paths, args.preset, settings, model=args.model) if args.preset else None
    demo = None
    if args.demo:
        from pinata_tui.demo import start_demo

        demo = start_demo()
        settings, paths = demo.settings_for(settings), demo.paths_for(paths)
    from pinata_tui.tui.app import PinataChatApp  # Textual loads only now

    app = PinataChatApp(settings, paths, demo=demo, conversation=conversation, open_conversation=args.conversation,
                        continue_last=args.continue_last)
    app.apply_keymap(loaded.keymap)
    try:
        with use_output_fallback(current()):  # what the terminal cannot show: same-width ASCII, not \u escapes
            app.run()
    finally:
        if app.demo_session is not None:  # the app stops it as it closes; this covers a crash on the way
            app.demo_session.stop()
    return app.return_code or 0


# -------------------------------------------------------------------- ask


def cmd_ask(args: argparse.Namespace, paths: AppPaths) -> int:
    # the API client: not on the TUI's start-up path
    from pinata_tui.ask import AskRequest, build_prompt, run_ask
    from pinata_tui.cli_presets import with_flags

    flags: dict[str, Any] = {"base_url": args.base_url, "max_tokens": args.max_tokens,
                             "temperature": args.temperature, "top_p": args.top_p}
    settings = load(paths, **flags).settings
    preset = find_preset(paths, args.ask_preset) if args.ask_preset else None
    attachments = read_cli_attachments(args.attach)
    prompt = build_prompt(args.prompt, sys.stdin, sys.stderr)
    if not prompt and not attachments:
        raise CliError("give a prompt, or pipe text in: pinata-chat ask \"explain this\" < file.txt", EXIT_USAGE)
    earlier = _conversation_to_continue(args, paths)
    if earlier is not None and args.system:
        raise CliError("-s cannot change the system prompt of a saved conversation; continue it without -s, "
                       "or start a new one.", EXIT_USAGE)
    if earlier is not None:  # flags given explicitly win over its settings, for this request
        earlier.settings = with_flags(earlier.settings, flags)
    preset_model, preset_system = (preset.model, preset.system_prompt) if preset is not None else (None, None)
    model = (args.ask_model or (earlier.model if earlier is not None else None) or args.model or preset_model
             or settings.model)
    request = AskRequest(prompt=prompt, model=model,
                         system_prompt=args.system or preset_system or settings.system_prompt, as_json=args.json,
                         settings=with_flags(preset.settings if preset is not None else None, flags),
                         save=not args.no_save, show_reasoning=args.show_reasoning,
                         include_reasoning=not args.no_reasoning, over_budget_ok=args.over_budget,
                         conversation=earlier, attachments=attachments)
    from pinata_tui.terminal import decide, detect, use_output_fallback

    terminal = decide(detect())
    if terminal is not None and not terminal.utf8:
        # A terminal that cannot show a character gets a same-width stand-in (not a crash); a pipe
        # gets the locale's encoding with "?" for what it cannot carry.
        for stream in (sys.stdout, sys.stderr):
            if not stream.isatty() and hasattr(stream, "reconfigure"):
                stream.reconfigure(errors="replace")
        with use_output_fallback(terminal, tuple(s for s in (sys.stdout, sys.stderr) if s.isatty())):
            return asyncio.run(run_ask(request, settings, paths.database, out=sys.stdout, err=sys.stderr))
    return asyncio.run(run_ask(request, settings, paths.database, out=sys.stdout, err=sys.stderr))


def _conversation_to_continue(args: argparse.Namespace, paths: AppPaths) -> Conversation | None:
    """``ask --continue`` / ``--conversation ID``: the saved conversation, on its current branch."""
    if not args.ask_continue and args.ask_conversation is None:
        return None
    from pinata_tui.store import ConversationStore, StoreError

    if not paths.database.exists():
        raise CliError("there are no saved conversations to continue yet.", EXIT_USAGE)
    try:
        with ConversationStore(paths.database) as store:
            wanted = store.last_conversation_id() if args.ask_continue else args.ask_conversation
            if wanted is None:
                raise CliError("there are no saved conversations to continue yet.", EXIT_USAGE)
            try:
                return store.load(wanted)
            except KeyError:
                raise CliError(f"there is no conversation {wanted}; `pinata-chat list` shows them.",
                               EXIT_USAGE) from None
    except StoreError as exc:
        raise CliError(str(exc)) from None


# ---------------------------------------------------------------- catalog


def cmd_models(args: argparse.Namespace, paths: AppPaths) -> int:
    from pinata_tui.api import ModelInfo, PinataClient, PinataError
    from pinata_tui.catalog import load_cached_catalog, save_catalog
    from pinata_tui.chat.endings import exit_code_for
    from pinata_tui.pricing import format_price

    settings = load(paths, base_url=args.base_url).settings

    async def fetch() -> list[ModelInfo]:
        async with PinataClient(settings) as client:
            return await client.models()

    try:
        models = asyncio.run(fetch())
        try:
            save_catalog(paths.catalog_cache, models)
        except OSError:
            pass
    except PinataError as exc:
        models, _ = load_cached_catalog(paths.catalog_cache)
        if not models:
            raise CliError(str(exc), exit_code_for(exc)) from None
        print(f"pinata-chat: {one_line(str(exc))} Showing the catalog cached earlier.", file=sys.stderr)
    if args.provider:
        models = [m for m in models if m.provider.lower() == args.provider.lower()]
    if args.filter:
        models = [m for m in models if args.filter.lower() in m.model_id.lower()]
    if args.json:
        print(json.dumps([m.to_json() for m in models], indent=2))
        return EXIT_OK
    if not models:
        print("No model matches.", file=sys.stderr)
        return EXIT_OK
    # Ids come from the server: shown, never obeyed (escapes, BIDI overrides, line breaks).
    shown = [one_line(m.model_id, 100) for m in models]
    width = max(len(model_id) for model_id in shown)
    print(f"{'MODEL':<{width}}  {'INPUT':>9}  {'OUTPUT':>9}  {'CACHE READ':>10}   (USD per 1M tokens)")
    for m, model_id in zip(models, shown):
        print(f"{model_id:<{width}}  {format_price(m.input_per_1m):>9}  {format_price(m.output_per_1m):>9}  "
              f"{format_price(m.cache_read_per_1m):>10}")
    return EXIT_OK


# ------------------------------------------------------------------ config


def cmd_config(args: argparse.Namespace, paths: AppPaths) -> int:
    path = paths.config_file
    if args.config_command == "path":
        print(path)
    elif args.config_command == "show":
        loaded = load(paths)
        print(f"# {path}{'' if path.exists() else ' (not created yet)'}")
        width = max(len(key) for key, _, _ in describe(loaded))
        for key, shown, source in describe(loaded):
            print(f"{key:<{width}}  {shown:<40}  ({source})")
    elif args.config_command == "set":
        value: Any = args.value
        try:
            had_comments = set_value(path, args.key, value)
        except OSError as exc:
            raise CliError(f"could not save {args.key}: {describe_os_error(exc)}") from None
        shown = "(hidden)" if args.key in ("llm_key", "jwt") else repr(args.value)
        print(f"Set {args.key} = {shown} in {path}")
        if args.key.startswith("budget.") and parse_decimal(args.value) == 0:
            print(f"Note: {ZERO_BUDGET_NOTE}; `pinata-chat config unset {args.key}` turns it off.", file=sys.stderr)
        if had_comments:
            print("Note: comments in config.toml are not kept when pinata-chat rewrites it.", file=sys.stderr)
    elif args.config_command == "unset":
        try:
            removed = unset_value(path, args.key)
        except OSError as exc:
            raise CliError(f"could not remove {args.key}: {describe_os_error(exc)}") from None
        print(f"Removed {args.key} from {path}" if removed else f"{args.key} was not set in {path}")
    return EXIT_OK


def _cmd_usage(args: argparse.Namespace, paths: AppPaths) -> int:
    from pinata_tui.cli_usage import cmd_usage  # the store: only when asked

    return cmd_usage(args, paths)


def _account_commands() -> dict[str, Callable[[argparse.Namespace, AppPaths], int]]:
    from pinata_tui import cli_account

    return {"status": cli_account.cmd_status, "enable": cli_account.cmd_enable,
            "disable": cli_account.cmd_disable, "credits": cli_account.cmd_credits}


def _lazy(name: str) -> Callable[[argparse.Namespace, AppPaths], int]:
    return lambda args, paths: _account_commands()[name](args, paths)


HANDLERS: dict[str, Callable[[argparse.Namespace, AppPaths], int]] = {
    "ask": cmd_ask,
    "models": cmd_models,
    "export": cmd_export,
    "import": cmd_import,
    "list": cmd_list,
    "usage": lambda args, paths: _cmd_usage(args, paths),
    "presets": cmd_presets,
    "config": cmd_config,
    "status": _lazy("status"),
    "enable": _lazy("enable"),
    "disable": _lazy("disable"),
    "credits": _lazy("credits"),
}

