"""Key management flows, written once: the CLI, the welcome screen and the palette all call these.

Knows nothing of Textual. The one rule that matters: Pinata shows a minted inference key exactly
once, so it is saved to ``config.toml`` before anything else is done with it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pinata_tui.config import ConfigError, set_value

if TYPE_CHECKING:
    from pinata_tui.api.client import PinataClient


@dataclass(frozen=True)
class SavedSetting:
    saved: bool
    problem: str | None = None
    """Why it could not be saved (one line), when it could not."""
    dropped_comments: bool = False
    """``config.toml`` had comments, which rewriting it does not keep."""


def forget_setting(config_file: Path, key: str) -> SavedSetting:
    """Remove one setting from ``config.toml``; problems are returned, not raised."""
    from pinata_tui.config import unset_value

    try:
        unset_value(config_file, key)
    except (OSError, ConfigError) as exc:
        return SavedSetting(False, str(exc))
    return SavedSetting(True)


def save_setting(config_file: Path, key: str, value: str) -> SavedSetting:
    """Write one setting to ``config.toml`` (atomically, mode 600); problems are returned, not raised."""
    try:
        dropped = set_value(config_file, key, value)
    except (OSError, ConfigError) as exc:
        return SavedSetting(False, str(exc))
    return SavedSetting(True, dropped_comments=dropped)


@dataclass(frozen=True)
class EnabledKey:
    """A freshly minted inference key and whether it reached ``config.toml``."""

    key: str
    saved: SavedSetting

    @property
    def problem(self) -> str | None:
        return self.saved.problem


async def enable_and_save(client: PinataClient, config_file: Path) -> EnabledKey:
    """Mint a new inference key (revoking the old one) and save it at once. Raises ``PinataError``."""
    key = await client.enable()
    saved = await asyncio.to_thread(save_setting, config_file, "llm_key", key)
    return EnabledKey(key, saved)
