"""Key management in the TUI: the welcome screen's choice, and the palette's key status / enable /
disable. The work itself is ``pinata_tui.account`` (shared with the CLI) and ``pinata_tui.demo``;
this module asks (confirm dialogs) and reports (notices in the conversation).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pinata_tui.account import enable_and_save, save_setting
from pinata_tui.api.errors import PinataError
from pinata_tui.secrets import mask_key
from pinata_tui.tui.account.welcome_screen import WelcomeChoice, WelcomeScreen
from pinata_tui.tui.common.confirm_dialog import ConfirmDialog

if TYPE_CHECKING:
    from pinata_tui.tui.app import PinataChatApp


class KeyActions:
    """Belongs to the app (which passes itself in): it needs the screens, the services and the notices."""

    def __init__(self, app: PinataChatApp) -> None:
        self.app = app
        self.services = app.services

    async def say(self, text: str, error: bool = False) -> None:
        chat = self.app.chat
        if chat is not None:
            await chat.view.add_notice(text, kind="error" if error else "info")

    def _once_only(self, key: str, problem: str) -> str:
        return (f"the key could not be saved ({problem}). Pinata shows it only once — copy it now: {key}")

    async def welcome_choice(self, screen: WelcomeScreen, choice: WelcomeChoice) -> None:
        if choice.kind == "demo":
            await self.app.start_demo()
            screen.dismiss()
            return
        config_file = self.services.paths.config_file
        if choice.kind == "key":
            self.services.use_settings(self.services.settings.replace(llm_key=choice.secret))
            saved = save_setting(config_file, "llm_key", choice.secret)
            screen.dismiss()
            await self.say("Inference key saved." if saved.saved else
                           f"The key works for this session but was not saved: {saved.problem}", not saved.saved)
            self.app.refresh_balance()
            return
        # Enable with a JWT: the new key is shown once, so it is saved before anything else.
        self.services.use_settings(self.services.settings.replace(jwt=choice.secret))
        try:
            enabled = await enable_and_save(await self.services.client(), config_file)
        except PinataError as exc:
            screen.report(str(exc), error=True)
            return
        self.services.use_settings(self.services.settings.replace(llm_key=enabled.key))
        if choice.remember_jwt:
            save_setting(config_file, "jwt", choice.secret)
        screen.dismiss()
        if enabled.problem is None:
            await self.say("Inference enabled: a new key was minted and saved in config.toml.")
        else:
            await self.say(f"Inference enabled, but {self._once_only(enabled.key, enabled.problem)}", True)
        self.app.refresh_balance()

    async def status(self) -> None:
        try:
            status = await (await self.services.client()).status()
        except PinataError as exc:
            await self.say(str(exc), True)
            return
        since = f", key created {status.created_at:%Y-%m-%d %H:%M UTC}" if status.created_at else ""
        await self.say(f"Inference is {'enabled' if status.enabled else 'not enabled'}{since}. "
                       f"This app uses the key {mask_key(self.services.settings.llm_key)}.")

    def enable(self) -> None:
        async def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            try:
                enabled = await enable_and_save(await self.services.client(), self.services.paths.config_file)
            except PinataError as exc:
                await self.say(str(exc), True)
                return
            self.services.use_settings(self.services.settings.replace(llm_key=enabled.key))
            if enabled.problem is None:
                await self.say("A new inference key was minted and saved; the old one is revoked.")
            else:
                await self.say(f"A new key was minted but {self._once_only(enabled.key, enabled.problem)}", True)

        self.app.push_screen(ConfirmDialog("Mint a new inference key? Enabling again revokes the current key: "
                                           "anything still using it (other machines, scripts) gets 401 errors.",
                                           yes="Mint new key", danger=True), confirmed)

    def disable(self) -> None:
        async def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            try:
                await (await self.services.client()).disable()
            except PinataError as exc:
                await self.say(str(exc), True)
                return
            await self.say("Inference disabled: the key is revoked. Chat requests will fail (401) until you "
                           "enable again. Your credits are untouched.")

        self.app.push_screen(ConfirmDialog("Disable inference? This revokes your inference key at once: replies "
                                           "in flight may be cut off and later requests get 401. Credits are "
                                           "untouched.", yes="Revoke key", danger=True), confirmed)
