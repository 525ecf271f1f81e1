"""Pick one of several code blocks in a message, to copy it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from pinata_tui.sanitize import make_displayable
from pinata_tui.tui.common.screen_styles import StyledModal


class CodeBlockPicker(StyledModal[str | None]):
    STYLES = ("code_block_picker.tcss",)
    BINDINGS = [Binding("escape", "close", "Close", id="codepicker.close")]

    def __init__(self, blocks: list[tuple[str, str]]) -> None:
        super().__init__()
        self.blocks = blocks

    def compose(self) -> ComposeResult:
        with Vertical(id="code-picker"):
            yield Static(Text("Copy which code block?", style="bold"))
            options = []
            for i, (language, code) in enumerate(self.blocks):
                first = make_displayable(code.strip().splitlines()[0] if code.strip() else "")[:60]
                lines = code.count("\n") or 1
                label = Text.assemble((f"{i + 1}. ", "bold"), (f"{language or 'text'} ", "cyan"),
                                      (f"({lines} lines) ", "dim"), first)
                options.append(Option(label, id=str(i)))
            yield OptionList(*options)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.blocks[int(event.option.id or 0)][1])

    def action_close(self) -> None:
        self.dismiss(None)
