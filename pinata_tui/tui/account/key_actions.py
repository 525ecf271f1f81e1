"""Key management and credits in the TUI: the welcome screen's choice, and the palette's key status /
set / enable / disable, JWT set / forget, balance and auto top-up. The work itself is
``pinata_tui.account`` (shared with the CLI) and the API client; this module asks (dialogs) and
reports (notices in the conversation).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from pinata_tui.account import enable_and_save, forget_setting, save_setting
from pinata_tui.api.errors import PinataError
from pinata_tui.numbers import parse_decimal, parse_whole
from pinata_tui.pricing import format_credits
from pinata_tui.secrets import check_credential, mask_key

if TYPE_CHECKING:
    from pinata_tui.store import ConversationStore
    from pinata_tui.tui.account.welcome_screen import WelcomeChoice, WelcomeScreen
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

    @property
    def _config_name(self) -> str:
        """How notices name the file settings go to (in the demo, a throwaway one)."""
        return "the demo's throwaway config.toml, not yours," if self.services.demo else "config.toml"

    def _once_only(self, key: str, problem: str) -> str:
        return (f"the key could not be saved ({problem}). Pinata shows it only once — copy it now: {key}")

    async def welcome_choice(self, screen: WelcomeScreen, choice: WelcomeChoice) -> None:
        if choice.kind == "demo":
            await self.app.start_demo()
            screen.dismiss()
            return
        try:  # a pasted key with a stray line break or a space is refused here, never echoed
            secret = check_credential("The inference key" if choice.kind == "key" else "The JWT", choice.secret)
        except ValueError as exc:
            screen.report(str(exc), error=True)
            return
        choice = replace(choice, secret=secret)
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
            await self.say(f"Inference enabled: a new key was minted and saved in {self._config_name}.")
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
                await self.say(f"A new inference key was minted and saved in {self._config_name}; "
                               "the old one is revoked.")
            else:
                await self.say(f"A new key was minted but {self._once_only(enabled.key, enabled.problem)}", True)

        from pinata_tui.tui.common.confirm_dialog import ConfirmDialog

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

        from pinata_tui.tui.common.confirm_dialog import ConfirmDialog

        self.app.push_screen(ConfirmDialog("Disable inference? This revokes your inference key at once: replies "
                                           "in flight may be cut off and later requests get 401. Credits are "
                                           "untouched.", yes="Revoke key", danger=True), confirmed)

    # ------------------------------------------------------------ pasted credentials

    def _ask_secret(self, question: str, name: str, setting: str, then: str) -> None:
        async def entered(value: str | None) -> None:
            if not value:
                return
            try:
                secret = check_credential(name, value)
            except ValueError as exc:
                await self.say(str(exc), True)
                return
            self.services.use_settings(self.services.settings.replace(**{setting: secret}))
            saved = save_setting(self.services.paths.config_file, setting, secret)
            if saved.saved:
                await self.say(f"{then} Saved in {self._config_name} (readable only by you) as {mask_key(secret)}.")
            else:
                await self.say(f"{then} It works for this session but was not saved: {saved.problem}", True)
            self.app.refresh_balance()

        from pinata_tui.tui.common.text_dialog import TextDialog

        self.app.push_screen(TextDialog(question, password=True), entered)

    def set_key(self) -> None:
        self._ask_secret("Paste your inference key (hidden as you type):", "The inference key", "llm_key",
                         "Inference key set.")

    def set_jwt(self) -> None:
        self._ask_secret("Paste your Pinata JWT, from the API Keys page of your account (hidden as you type). "
                         "It shows credits in the status bar and manages keys:", "The JWT", "jwt", "JWT set.")

    async def forget_jwt(self) -> None:
        self.services.use_settings(self.services.settings.replace(jwt=None))
        forgotten = forget_setting(self.services.paths.config_file, "jwt")
        self.app.balance = None
        if forgotten.saved:
            await self.say(f"JWT forgotten (also removed from {self._config_name}). Credits leave the status "
                           "bar; key management needs it again.")
        else:
            await self.say(f"JWT forgotten for this session, but {self._config_name} could not be changed: "
                           f"{forgotten.problem}", True)

    # ------------------------------------------------------------ credits

    async def show_balance(self) -> None:
        try:
            balance = await (await self.services.client()).balance()
        except PinataError as exc:
            await self.say(str(exc), True)
            return
        self.app.balance = balance.available
        await self.say(f"Credits: {format_credits(balance.available)} available of {format_credits(balance.total)}"
                       f" ({format_credits(balance.loaned)} held for requests in flight).")

    async def show_topup(self) -> None:
        try:
            config = await (await self.services.client()).topup_config()
        except PinataError as exc:
            await self.say(str(exc), True)
            return
        if config.enabled:
            await self.say(f"Auto top-up is on: {config.amount} credits are bought whenever fewer than "
                           f"{config.threshold:g} are available.")
        else:
            await self.say("Auto top-up is off. Ctrl+P → 'Credits: set auto top-up…' turns it on.")

    def set_topup(self) -> None:
        async def entered(value: str | None) -> None:
            if not value:
                return
            parts = value.replace(",", " ").split()
            try:
                threshold, amount = parse_decimal(parts[0]), parse_whole(parts[1])
            except (IndexError, ValueError):
                await self.say("Give two numbers: the threshold and the amount, e.g. 10 50.", True)
                return
            try:
                config = await (await self.services.client()).set_topup_config(threshold, amount)
            except PinataError as exc:
                await self.say(str(exc), True)
                return
            await self.say(f"Auto top-up is on: {config.amount} credits whenever fewer than "
                           f"{config.threshold:g} are available.")

        from pinata_tui.tui.common.text_dialog import TextDialog

        self.app.push_screen(TextDialog("Auto top-up: buy AMOUNT credits whenever fewer than THRESHOLD are "
                                        "available. Type: THRESHOLD AMOUNT (threshold at least 5), e.g. 10 50"),
                             entered)

    def topup_off(self) -> None:
        async def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            try:
                await (await self.services.client()).set_topup_config(None, None)
            except PinataError as exc:
                await self.say(str(exc), True)
                return
            await self.say("Auto top-up is off.")

        from pinata_tui.tui.common.confirm_dialog import ConfirmDialog

        self.app.push_screen(ConfirmDialog("Turn off auto top-up? Requests fail with 402 once credits run out.",
                                           yes="Turn off"), confirmed)

    async def show_spend(self) -> None:
        """Today, this week and this month, from history (and each budget, when set)."""
        from pinata_tui.budget import budget_notes
        from pinata_tui.pricing import format_usd
        from pinata_tui.store.spend import start_of_day, start_of_month

        def report(store: ConversationStore) -> str:
            import time

            spans = (("today", start_of_day()), ("7 days", time.time() - 7 * 86400), ("this month", start_of_month()))
            parts = [f"{what} {format_usd(store.spent_since(since))}" for what, since in spans]
            notes = budget_notes(self.services.settings, store)
            return "Spend: " + ", ".join(parts) + "." + (f" ({'; '.join(notes)})" if notes else "") + \
                " `pinata-chat usage --by model` breaks it down."

        text = await self.services.persist(report)
        await self.say(text if text is not None else "Spend is unknown: history is off.", text is None)
