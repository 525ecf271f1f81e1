"""Where pinata-chat keeps things (XDG locations via platformdirs).

``PINATA_CHAT_HOME`` puts everything under one folder instead: for tests, demos and
portable installs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "pinata-chat"
ENV_HOME = "PINATA_CHAT_HOME"


@dataclass(frozen=True)
class AppPaths:
    config_dir: Path
    data_dir: Path
    cache_dir: Path
    state_dir: Path
    settings_file: Path | None = None
    """Where settings are written, when not ``config_dir/config.toml`` (the demo's throwaway one)."""

    @classmethod
    def default(cls) -> AppPaths:
        home = os.environ.get(ENV_HOME)
        if home:
            return cls.under(Path(home))
        import platformdirs

        return cls(
            config_dir=Path(platformdirs.user_config_dir(APP_NAME)),
            data_dir=Path(platformdirs.user_data_dir(APP_NAME)),
            cache_dir=Path(platformdirs.user_cache_dir(APP_NAME)),
            state_dir=Path(platformdirs.user_state_dir(APP_NAME)),
        )

    @classmethod
    def under(cls, root: Path) -> AppPaths:
        return cls(root / "config", root / "data", root / "cache", root / "state")

    @property
    def config_file(self) -> Path:
        return self.settings_file or self.config_dir / "config.toml"

    @property
    def catalog_cache(self) -> Path:
        return self.cache_dir / "catalog.json"

    @property
    def database(self) -> Path:
        return self.data_dir / "conversations.sqlite3"

    @property
    def state_file(self) -> Path:
        return self.state_dir / "state.json"

    @property
    def user_themes_dir(self) -> Path:
        return self.config_dir / "themes"

    @property
    def user_presets_dir(self) -> Path:
        return self.config_dir / "presets"
