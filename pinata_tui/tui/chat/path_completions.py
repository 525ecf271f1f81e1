"""``@path`` completion: the matches for the path being typed after an ``@`` in the prompt."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from pinata_tui.attachment_content import safe_name


class PathCompletions(OptionList):
    """Shown above the prompt while an ``@path`` is typed; the prompt keeps the focus and steers it."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, compact=True)
        self.can_focus = False
        self.display = False

    def show_matches(self, matches: list[str]) -> None:
        self.clear_options()
        self.add_options([Option(Text(safe_name(m)), id=m) for m in matches])
        self.display = bool(matches)
        if matches:
            self.highlighted = 0

    def hide(self) -> None:
        self.display = False
        self.clear_options()

    @property
    def chosen(self) -> str | None:
        if not self.display or self.highlighted is None:
            return None
        return self.get_option_at_index(self.highlighted).id

    def step(self, delta: int) -> None:
        if self.option_count:
            self.highlighted = ((self.highlighted or 0) + delta) % self.option_count
