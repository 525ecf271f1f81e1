"""Every key binding, read from the live bindings so remapped keys show as they are."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from pinata_tui.tui.common.screen_styles import StyledModal

EXTRA_KEYS = [
    ("Enter", "Send the prompt"),
    ("Ctrl+J / Alt+Enter / Shift+Enter", "New line in the prompt. Ctrl+J works in every terminal; Alt+Enter in "
     "most (tmux too); Shift+Enter only where the terminal reports it (kitty keyboard protocol, or xterm's "
     "modifyOtherKeys, e.g. tmux with extended-keys always)"),
    ("Up / Down (empty prompt)", "Recall earlier prompts"),
    ("@path (in the prompt)", "Attach a file: matches show above the prompt; Tab or Enter takes one, Esc closes them"),
    ("Backspace (empty prompt)", "Remove the last attached file (or Shift+Tab to a chip, then Delete; or click it)"),
    ("Tab / Shift+Tab", "Move between the prompt and the messages"),
    ("Esc (on a message)", "Back to the prompt; typing a letter that is not a key here goes there too"),
    ("Ctrl+P", "Command palette: every action, searchable"),
]


NARROW = 80
"""Below this many columns the binding ids go under their descriptions, not in a column of their own."""


class KeyTable:
    """The keys as a table that fits its width: three columns, or two in a narrow window (the id
    under its description), so the descriptions always keep room to be read."""

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        self.rows = rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        narrow = options.max_width < NARROW
        table = Table(box=None, show_header=True, padding=(0, 1), expand=True)
        table.add_column("key", style="bold", max_width=12 if options.max_width < 50 else 20, overflow="fold")
        table.add_column("does", ratio=1)  # descriptions wrap rather than vanish in a narrow window
        if not narrow:
            table.add_column(Text("id for [keymap]"), style="dim", no_wrap=True)
        for key, description, binding_id in self.rows:
            if not narrow:
                table.add_row(Text(key), Text(description), Text(binding_id))
            elif binding_id:
                table.add_row(Text(key), Text.assemble(description, "\n", (binding_id, "dim"), overflow="fold"))
            else:
                table.add_row(Text(key), Text(description))
        yield table


class HelpScreen(StyledModal[None]):
    STYLES = ("help_screen.tcss",)
    BINDINGS = [Binding("escape,f1,q", "close", "Close", id="help.close")]

    def __init__(self, bindings: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.bindings = bindings
        """(keys, what they do, binding id)."""

    def compose(self) -> ComposeResult:
        rows = [*self.bindings, *((k, d, "") for k, d in EXTRA_KEYS)]
        with VerticalScroll(id="help"):
            yield Static(Text("pinata-chat — keys", style="bold"))
            yield Static(KeyTable(rows))
            yield Static(Text('Remap a key in config.toml by its id, e.g. [keymap] "app.models" = "f4", or '
                              "pinata-chat config set keymap.app.models f4.", style="dim"))

    def action_close(self) -> None:
        self.dismiss(None)
