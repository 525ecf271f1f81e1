"""Presets: named TOML files that start a conversation with a system prompt, a model and settings.

Shipped presets live in the package (``pinata_tui/presets``); users add their own in
``<config dir>/presets``, and a user preset with a shipped one's name replaces it. A preset's name
is its file's name without ``.toml``. Every field is optional::

    description = "Reviews code: terse, concrete, cites lines"
    model = "anthropic/claude-sonnet-4-6"
    system_prompt = "You are a careful code reviewer..."
    temperature = 0.2      # 0-2
    top_p = 0.9            # 0-1
    max_tokens = 2000      # 1-1,000,000

A broken file (bad TOML, a wrong type, an unknown key; a folder or a link to nothing named *.toml)
is named with its line and skipped, never fatal. Knows nothing of Textual.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pinata_tui.conversation import Conversation
from pinata_tui.conversation_settings import CHECKS, ConversationSettings, SettingError
from pinata_tui.sanitize import one_line, valid_unicode

Source = Literal["shipped", "user"]
TEXT_FIELDS = ("description", "model", "system_prompt")
KNOWN_FIELDS = (*TEXT_FIELDS, *CHECKS)
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MAX_FILE_BYTES = 256 * 1024
"""A preset is a few lines; a bigger file is a mistake (or a trap), not read."""


class PresetError(ValueError):
    """One preset file cannot be used; the message names the problem (and its line, where known)."""


class UnknownPreset(LookupError):
    """No preset has the name asked for; the message lists those that exist."""


@dataclass(frozen=True)
class Preset:
    name: str
    source: Source
    path: Path
    description: str | None = None
    model: str | None = None
    system_prompt: str | None = None
    settings: ConversationSettings = field(default_factory=ConversationSettings)
    """Its temperature, top_p and max tokens, with ``preset`` set to its name."""


@dataclass(frozen=True)
class PresetProblem:
    name: str
    """The preset's name: its file's name without ``.toml``."""
    text: str
    """One line: the file, where in it, what is wrong, "skipped"."""


@dataclass
class PresetCatalog:
    presets: dict[str, Preset] = field(default_factory=dict)
    """By name, sorted; a user preset replaces a shipped one of the same name."""
    problems: list[PresetProblem] = field(default_factory=list)
    """One per file that was skipped."""

    def find(self, name: str) -> Preset:
        preset = self.presets.get(name)
        if preset is None:
            shown = one_line(name, 64)
            known = ", ".join(self.presets) or "none"
            raise UnknownPreset(f"no preset named {shown!r}. Available: {known}. "
                                "`pinata-chat presets` lists them with where they come from.")
        return preset


def shipped_presets_dir() -> Path:
    return Path(__file__).resolve().parent / "presets"


def _line_of(key: str, text: str) -> str:
    """Where ``key = ...`` is in the file (", line N"), for a value that is wrong rather than malformed."""
    match = re.search(rf"^[ \t]*(?:\[{{1,2}}[ \t]*)?[\"']?{re.escape(key)}[\"']?[ \t]*[=\].]", text, re.MULTILINE)
    return f", line {text.count(chr(10), 0, match.start()) + 1}" if match else ""


def _not_a_file(path: Path) -> str:
    if path.is_dir():
        return "is a folder, not a file"
    if path.is_symlink():
        return "is a link that leads nowhere (a missing file, or a loop)"
    return "is not a regular file" if path.exists() else "is gone"


def parse_preset(path: Path, source: Source = "user") -> Preset:
    """One preset file. Raises PresetError naming the problem (with its line where known)."""
    name = path.stem
    if not NAME.match(name):
        raise PresetError(": its name must be letters, digits, '.', '-' or '_' (up to 64), starting with a "
                          "letter or digit")
    if not path.is_file():  # (follows links; a fifo would block a read)
        raise PresetError(": " + _not_a_file(path))
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise PresetError(f": larger than {MAX_FILE_BYTES // 1024} KiB")
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise PresetError(f": cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise PresetError(f": not UTF-8 text (byte {exc.start})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message, _, where = str(exc).rpartition(" (at ")
        where = where.rstrip(")") if message else ""
        where = where if where.startswith("line") or not where else f"at {where}"
        raise PresetError(f"{', ' + where if where else ''}: not valid TOML: {message or exc}") from None
    except RecursionError:
        raise PresetError(": nested too deeply to read") from None
    values: dict[str, Any] = {}
    for key, value in data.items():
        where = _line_of(key, text)
        if key not in KNOWN_FIELDS:
            raise PresetError(f"{where}: unknown key {one_line(key, 40)!r} (known: {', '.join(KNOWN_FIELDS)})")
        if key in TEXT_FIELDS:
            if not isinstance(value, str):
                raise PresetError(f"{where}: {key} must be a string")
            value = valid_unicode(value).strip()
            if key == "model" and (not value or any(ch.isspace() for ch in value) or len(value) > 200):
                raise PresetError(f"{where}: model must be a model id such as anthropic/claude-sonnet-4-6")
            values[key] = value or None
        else:
            try:
                values[key] = CHECKS[key](value)
            except SettingError as exc:
                raise PresetError(f"{where}: {exc}") from None
    settings = ConversationSettings(temperature=values.get("temperature"), top_p=values.get("top_p"),
                                    max_tokens=values.get("max_tokens"), preset=name)
    return Preset(name, source, path, description=values.get("description"), model=values.get("model"),
                  system_prompt=values.get("system_prompt"), settings=settings)


def load_presets(user_dir: Path | None) -> PresetCatalog:
    """Every usable preset (shipped, then the user's over them), and a line per broken file."""
    catalog = PresetCatalog()
    found: dict[str, Preset] = {}
    folders: list[tuple[Path, Source]] = [(shipped_presets_dir(), "shipped")]
    if user_dir is not None:
        folders.append((user_dir, "user"))
    for folder, source in folders:
        try:
            paths = sorted(folder.glob("*.toml"))
        except OSError:
            continue
        for path in paths:
            try:
                preset = parse_preset(path, source)
            except PresetError as exc:
                catalog.problems.append(PresetProblem(path.stem, f"Preset file {path}{exc}; skipped."))
                continue
            found[preset.name] = preset
    catalog.presets = dict(sorted(found.items()))
    return catalog


def start_conversation(preset: Preset, *, model: str, system_prompt: str | None) -> Conversation:
    """A new conversation with ``preset``: its model (else ``model``), its system prompt (else
    ``system_prompt``, config.toml's) and its settings."""
    return Conversation(model=preset.model or model, system_prompt=preset.system_prompt or system_prompt,
                        settings=preset.settings)
