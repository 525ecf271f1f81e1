"""The chat screen's settings and presets: F3's dialog, "New chat with preset…", the settings line.

Kept apart from ``ChatScreen`` so the screen stays about sending. Saving goes through the store's
``save_settings`` (in a thread); a conversation not saved yet keeps its settings in memory until
its first message creates its row with them.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from pinata_tui.sanitize import make_displayable
from pinata_tui.tui.chat.settings_line import SettingsLine

if TYPE_CHECKING:
    from pinata_tui.conversation import Conversation
    from pinata_tui.tui.chat.chat_screen import ChatScreen
    from pinata_tui.tui.chat.settings_dialog import SettingsChange


class SettingsActions:
    def __init__(self, screen: ChatScreen) -> None:
        self.screen = screen
        self._budget_warned_for: str | None = None

    async def over_budget(self, text: str) -> bool:
        """Past ``budget.daily`` / ``budget.monthly`` the first Enter warns; Enter again sends anyway."""
        screen = self.screen
        settings = screen.services.settings
        if (settings.budget.daily is None and settings.budget.monthly is None) or self._budget_warned_for == text:
            return False
        from pinata_tui.budget import over_budget

        warning = await screen.services.persist(lambda store: over_budget(settings, store))
        if warning is None:
            return False
        self._budget_warned_for = text
        await screen.view.add_notice(f"{warning} Press Enter again to send anyway (Ctrl+P → 'Spend' shows where "
                                     "it went).", kind="warning")
        return True

    def show(self, conversation: Conversation | None = None) -> None:
        """Bring the settings line in step with the screen's conversation (or ``conversation``, previewed)."""
        screen = self.screen
        screen.query_one(SettingsLine).show_for(conversation or screen.conversation,
                                                default_system=screen.services.settings.system_prompt)

    def open_dialog(self) -> None:
        from pinata_tui.tui.chat.settings_dialog import SettingsDialog

        screen = self.screen
        conversation = screen.conversation

        async def chosen(change: SettingsChange | None) -> None:
            if change is not None and screen.conversation is conversation:
                await self.apply(change)
            screen.prompt.focus()

        screen.app.push_screen(SettingsDialog(conversation, screen.services.settings), chosen)

    async def apply(self, change: SettingsChange) -> None:
        """The next request uses ``change``; saved now when the conversation has a row."""
        screen = self.screen
        conversation = screen.conversation
        conversation.system_prompt, conversation.settings = change.system_prompt, change.settings
        self.show()
        screen._recount_all()  # the system prompt counts towards the context
        if conversation.id is not None:
            await screen.services.persist(lambda store: store.save_settings(conversation))
        screen.notify("Settings saved: they apply from the next request.", markup=False)

    async def new_with_preset(self) -> None:
        from pinata_tui.preset_files import load_presets, start_conversation  # presets: on first use
        from pinata_tui.tui.chat.preset_picker import PresetPicker

        screen = self.screen
        catalog = await asyncio.to_thread(load_presets, screen.services.paths.user_presets_dir)
        for problem in catalog.problems:
            screen.notify(make_displayable(problem.text), title="Preset skipped", severity="warning", timeout=10,
                          markup=False)
        if not catalog.presets:
            screen.notify("No presets found.", severity="warning", markup=False)
            return

        async def chosen(name: str | None) -> None:
            preset = catalog.presets.get(name or "")
            if preset is None:
                screen.prompt.focus()
                return
            settings = screen.services.settings
            await screen.open_conversation(start_conversation(preset, model=screen.conversation.model,
                                                              system_prompt=settings.system_prompt))
            screen.catalog_changed()  # a preset's model that is not in the catalog is said at once
            screen.prompt.focus()

        screen.app.push_screen(PresetPicker(list(catalog.presets.values())), chosen)
