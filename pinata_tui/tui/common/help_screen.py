"""Every key binding, read from the live bindings so remapped keys show as they are."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

EXTRA_KEYS = [
    ("Enter", "Send the prompt"),
    ("Shift+Enter / Alt+Enter / Ctrl+J", "New line in the prompt (Ctrl+J works in every terminal)"),
    ("Up / Down (empty prompt)", "Recall earlier prompts"),
    ("Tab / Shift+Tab", "Move between the prompt and the messages"),
    ("y or c (on a message)", "Copy that message"),
    ("k (on a message)", "Copy its code block (asks which, if several)"),
    ("Ctrl+P", "Command palette: every action, searchable"),
]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "close", "Close", id="help.close")]

    def __init__(self, bindings: list[tuple[str, str]]) -> None:
        super().__init__()
        self.bindings = bindings

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, padding=(0, 2))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        for key, description in [*self.bindings, *EXTRA_KEYS]:
            table.add_row(Text(key), Text(description))
        with VerticalScroll(id="help"):
            yield Static(Text("pinata-chat — keys", style="bold"))
            yield Static(table)
            yield Static(Text("Remap any key in config.toml under [keymap], by binding id.", style="dim"))

    def action_close(self) -> None:
        self.dismiss(None)
