"""``pinata-chat presets`` and ``-p NAME``: list the presets, and find the one asked for.

A broken preset file is named on stderr (with its line) and skipped; an unknown name is one line
listing the available ones, with ``EXIT_UNKNOWN_PRESET``. Text from preset files is shown through
``sanitize.one_line`` in the table; JSON escapes it itself.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

from pinata_tui.cli_support import CliError
from pinata_tui.conversation import Conversation
from pinata_tui.conversation_settings import CHECKS, ConversationSettings, SettingError
from pinata_tui.exit_codes import EXIT_OK, EXIT_UNKNOWN_PRESET, EXIT_USAGE
from pinata_tui.paths import AppPaths
from pinata_tui.sanitize import make_displayable, one_line
from pinata_tui.settings import Settings

if TYPE_CHECKING:
    import argparse

    # preset_files loads only when a preset is asked for (not on the app's start-up path)
    from pinata_tui.preset_files import Preset, PresetCatalog


def add_presets_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "presets", help="list the presets (-p NAME starts a conversation with one)",
        description="Presets are TOML files with a system prompt, a model, temperature, top_p and max_tokens. "
        "Shipped ones come with pinata-chat; yours go in the presets/ folder beside config.toml "
        "(`pinata-chat config path` shows where) and replace a shipped one of the same name. "
        "Use one with `pinata-chat -p NAME` or `pinata-chat ask -p NAME`.")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def _warn(text: str) -> None:
    print(f"pinata-chat: warning: {make_displayable(text)}", file=sys.stderr)


def presets_for(paths: AppPaths) -> PresetCatalog:
    """Every preset; each broken file is reported on stderr and skipped."""
    from pinata_tui.preset_files import load_presets

    catalog = load_presets(paths.user_presets_dir)
    for problem in catalog.problems:
        _warn(problem.text)
    return catalog


def find_preset(paths: AppPaths, name: str) -> Preset:
    """The preset called ``name``, or a ``CliError`` listing the available ones.

    Only a broken file of that name is named (every run of ``ask -p NAME`` in a script would
    repeat the others); the others are one line pointing to ``pinata-chat presets``.
    """
    from pinata_tui.preset_files import UnknownPreset, load_presets

    catalog = load_presets(paths.user_presets_dir)
    others = 0
    for problem in catalog.problems:
        if problem.name == name:
            _warn(problem.text)
        else:
            others += 1
    if others:
        _warn(f"{others} other preset {'file is' if others == 1 else 'files are'} broken; "
              "`pinata-chat presets` names them.")
    try:
        return catalog.find(name)
    except UnknownPreset as exc:
        raise CliError(str(exc), EXIT_UNKNOWN_PRESET) from None


def preset_conversation(paths: AppPaths, name: str, settings: Settings, *, model: str | None) -> Conversation:
    """``pinata-chat -p NAME``: a new conversation with the preset; ``-m`` (``model``) wins over its model."""
    from pinata_tui.preset_files import start_conversation

    conversation = start_conversation(find_preset(paths, name), model=settings.model,
                                      system_prompt=settings.system_prompt)
    if model:
        conversation.model = model
    return conversation


def with_flags(settings: ConversationSettings | None, flags: dict[str, Any]) -> ConversationSettings:
    """``settings`` (a preset's, a saved conversation's) with ``--temperature``, ``--top-p`` and
    ``--max-tokens`` over them where given: explicit flags win."""
    chosen = settings or ConversationSettings()
    for name, check in CHECKS.items():
        if flags.get(name) is not None:
            try:
                chosen = chosen.replace(**{name: check(flags[name])})
            except SettingError as exc:
                raise CliError(f"--{name.replace('_', '-')}: {exc}.", EXIT_USAGE) from None
    return chosen


def as_json(preset: Preset) -> dict[str, Any]:
    settings = preset.settings
    return {"name": preset.name, "source": preset.source, "path": str(preset.path), "model": preset.model,
            "description": preset.description, "system_prompt": preset.system_prompt,
            "temperature": settings.temperature, "top_p": settings.top_p, "max_tokens": settings.max_tokens}


def cmd_presets(args: argparse.Namespace, paths: AppPaths) -> int:
    presets = list(presets_for(paths).presets.values())
    if args.json:
        print(json.dumps([as_json(p) for p in presets], indent=2, ensure_ascii=False))
        return EXIT_OK
    if not presets:
        print(f"No presets. Add TOML files to {paths.user_presets_dir} (see the README).", file=sys.stderr)
        return EXIT_OK
    rows = [(one_line(p.name, 64), p.source, one_line(p.model or "(default)", 60), one_line(p.description or "", 200))
            for p in presets]
    widths = [max(len(header), *(len(row[i]) for row in rows)) for i, header in enumerate(("NAME", "SOURCE", "MODEL"))]
    print(f"{'NAME':<{widths[0]}}  {'SOURCE':<{widths[1]}}  {'MODEL':<{widths[2]}}  DESCRIPTION")
    for name, source, model, description in rows:
        print(f"{name:<{widths[0]}}  {source:<{widths[1]}}  {model:<{widths[2]}}  {description}")
    print(f"(yours go in {paths.user_presets_dir}; use one with pinata-chat -p NAME)", file=sys.stderr)
    return EXIT_OK
