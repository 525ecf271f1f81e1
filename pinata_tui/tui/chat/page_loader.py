"""Bars that stand for messages not mounted (above or below the window); click, Enter or scroll loads them."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widgets import Static


class PageLoader(Static, can_focus=True):
    """Stands for messages not mounted. Click it, press Enter on it, or scroll towards it."""

    class Pressed(Message):
        def __init__(self, loader: PageLoader) -> None:
            super().__init__()
            self.loader = loader

    def set_count(self, count: int | None) -> None:
        raise NotImplementedError

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(self.Pressed(self))

    def on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            self.post_message(self.Pressed(self))


class LoadEarlier(PageLoader):
    def set_count(self, count: int | None) -> None:
        """``count`` None: not known yet (a long conversation's newest messages shown while it loads)."""
        many = "Earlier messages" if count is None else f"{count:,} earlier message{'s' if count != 1 else ''}"
        self.update(Text(f"↑ {many} — click, press Enter or scroll up to load more", style="dim italic"))


class LoadLater(PageLoader):
    def set_count(self, count: int | None) -> None:
        self.update(Text(f"↓ {count:,} later message{'s' if count != 1 else ''} — click, press Enter "
                         "or scroll down to load more; Ctrl+End jumps to the latest", style="dim italic"))
