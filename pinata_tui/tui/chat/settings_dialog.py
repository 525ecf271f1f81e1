"""F3: this conversation's system prompt, temperature, top_p and max tokens.

An empty number means "the default" (config.toml's, else the model's). Every field is checked
before anything is saved; a bad one says why under itself and nothing is saved. Ctrl+S (or Enter
in a number field, or Save) saves; Esc cancels. What is saved applies from the next request.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static, TextArea

from pinata_tui.conversation import Conversation
from pinata_tui.conversation_settings import (
    MAX_TOKENS_CAP,
    TEMPERATURE_RANGE,
    TOP_P_RANGE,
    ConversationSettings,
    SettingError,
    parse_field,
)
from pinata_tui.sanitize import make_displayable, one_line
from pinata_tui.settings import Settings
from pinata_tui.tui.common.screen_styles import StyledModal

FIELDS = (
    ("temperature", f"Temperature ({TEMPERATURE_RANGE[0]:g}–{TEMPERATURE_RANGE[1]:g})"),
    ("top_p", f"top_p ({TOP_P_RANGE[0]:g}–{TOP_P_RANGE[1]:g})"),
    ("max_tokens", f"Max tokens (1–{MAX_TOKENS_CAP // 1_000_000}M)"),
)


@dataclass(frozen=True)
class SettingsChange:
    system_prompt: str | None
    settings: ConversationSettings


class SettingsDialog(StyledModal[SettingsChange | None]):
    STYLES = ("../common/dialogs.tcss", "settings.tcss")
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
        Binding("ctrl+s", "save", "Save", id="settings.save", priority=True),
    ]

    def __init__(self, conversation: Conversation, defaults: Settings) -> None:
        super().__init__()
        self.current = conversation.settings
        self.system_prompt = conversation.system_prompt
        self.shown_system = make_displayable(conversation.system_prompt or "")
        """What the text area shows: a prompt from a file (an import, a preset) may hold control characters,
        which a TextArea would write to the terminal as they are."""
        self.defaults = defaults

    def compose(self) -> ComposeResult:
        preset = f" · preset {one_line(self.current.preset, 64)}" if self.current.preset else ""
        with Vertical(classes="dialog", id="settings-dialog"):
            yield Static(Text(f"Settings for this conversation{preset}", style="bold"))
            yield Static(Text("System prompt (sent first with every request; empty for none)", style="dim"))
            yield TextArea(self.shown_system, id="settings-system", soft_wrap=True, show_line_numbers=False,
                           compact=True)
            for name, label in FIELDS:
                value = getattr(self.current, name)
                with Horizontal(classes="settings-row"):
                    yield Static(Text(label), classes="settings-label")
                    yield Input("" if value is None else f"{value:g}" if isinstance(value, float) else str(value),
                                placeholder=self._default_text(name), id=f"settings-{name}", compact=True)
                error = Static("", id=f"settings-{name}-error", classes="settings-error")
                error.display = False
                yield error
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="settings-cancel", compact=True)
                yield Button("Save", id="settings-ok", variant="primary", compact=True)
            yield Static(Text("Empty number = the default · Ctrl+S saves · Esc cancels",
                              style="dim"))

    def _default_text(self, name: str) -> str:
        value = getattr(self.defaults, name)
        if value is None:
            return "default: the model's"
        return f"default: {value:g} (config.toml)" if isinstance(value, float) else f"default: {value} (config.toml)"

    def on_mount(self) -> None:
        self.query_one("#settings-system", TextArea).focus()

    def _check(self) -> ConversationSettings | None:
        """The new settings, or None after showing what is wrong under each bad field."""
        values: dict[str, float | int | None] = {}
        first_bad: Input | None = None
        for name, _ in FIELDS:
            field = self.query_one(f"#settings-{name}", Input)
            error = self.query_one(f"#settings-{name}-error", Static)
            try:
                values[name] = parse_field(name, field.value)
            except SettingError as exc:
                message = str(exc)
                error.update(Text(f"✗ {message[message.find('must'):]}"))
                error.display = True
                field.add_class("-invalid")
                first_bad = first_bad or field
                continue
            error.display = False
            field.remove_class("-invalid")
        if first_bad is not None:
            first_bad.focus()
            return None
        return self.current.replace(**values)

    @on(Input.Submitted)
    @on(Button.Pressed, "#settings-ok")
    def action_save(self) -> None:
        settings = self._check()
        if settings is None:
            return
        text = self.query_one("#settings-system", TextArea).text
        system = self.system_prompt if text == self.shown_system else text.strip() or None  # unedited: as it was
        self.dismiss(SettingsChange(system, settings))

    @on(Button.Pressed, "#settings-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
