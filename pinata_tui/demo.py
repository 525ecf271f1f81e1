"""Demo mode, started in one place: a stand-in Pinata server on loopback and a throwaway data folder.

Used by ``pinata-chat --demo`` and by the welcome screen's "Start the demo", so a demo never writes
into the real history. Knows nothing of Textual.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pinata_tui.devserver import DEV_JWT, DEV_LLM_KEY, PinataDevServer, ServerState
from pinata_tui.paths import AppPaths
from pinata_tui.settings import Settings

DEMO_TOKENS_PER_SECOND = 60
DEMO_REPLY_TOKENS = 180


@dataclass
class DemoSession:
    server: PinataDevServer
    scratch: tempfile.TemporaryDirectory[str] = field(repr=False)

    def settings_for(self, settings: Settings) -> Settings:
        """The user's settings (model, theme, limits) pointed at the stand-in server."""
        return settings.replace(base_url=self.server.url, llm_key=DEV_LLM_KEY, jwt=DEV_JWT)

    def paths_for(self, paths: AppPaths) -> AppPaths:
        """The user's config folder (themes, keymap, presets), but history, cache, state and any setting
        saved (a key minted or pasted, a JWT forgotten in the palette) in the throwaway folder."""
        scratch = AppPaths.under(Path(self.scratch.name))
        return AppPaths(paths.config_dir, scratch.data_dir, scratch.cache_dir, scratch.state_dir,
                        settings_file=scratch.config_file)

    stopped: bool = False

    def stop(self) -> None:
        """Stop the server and delete the throwaway folder (again is a no-op)."""
        if self.stopped:
            return
        self.stopped = True
        self.server.stop()
        self.scratch.cleanup()


def start_demo() -> DemoSession:
    """Start the stand-in server (paced like a real model) and make the throwaway folder. Blocking: run in a thread."""
    state = ServerState(tokens_per_second=DEMO_TOKENS_PER_SECOND, reply_tokens=DEMO_REPLY_TOKENS, demo=True)
    server = PinataDevServer(state=state).start()
    return DemoSession(server, tempfile.TemporaryDirectory(prefix="pinata-chat-demo-"))
