"""The chat screen's bars that start hidden, mounted where they belong when first needed (#17: cold start).

The demo banner (outside demo mode), the out-of-credits banner, the "more below" bar and the attachment
chips are hidden in most sessions' first frame, yet composed with the screen each was built, mounted and
styled before it. Now each is mounted in its place in the screen's order (demo banner, credits banner,
settings line … "more below", ``@path`` matches, chips, prompt) the first time it is shown or used.
A plain mixin of ``ChatScreen``, like ``StyledOnceScreen``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from textual.widget import Widget
from textual.widgets import Static

from pinata_tui.tui.chat.attachment_tray import AttachmentTray
from pinata_tui.tui.chat.credits_banner import CreditsBanner

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual.screen import Screen

    from pinata_tui.attachments import Attachment

    _Base = Screen[None]
else:
    _Base = object

W = TypeVar("W", bound=Widget)

DEMO_TEXT = ("DEMO MODE — replies come from a local stand-in server; no account, no real model. "
             "Ctrl+P → 'Demo' to try failures (out of credits, rate limit, cut stream).")
MORE_BELOW_TEXT = "↓ more below — Ctrl+End (or End from an empty prompt) follows"


def make_demo_banner() -> Static:
    return Static(DEMO_TEXT, id="demo-banner")


class FirstNeedScreen(_Base):
    """Finds each of these bars, or mounts it hidden, in its place, the first time it is wanted."""

    def _mounted(self, kind: type[W], selector: str, build: Callable[[], W], *before: str) -> W:
        """The child matching ``selector``, or ``build()`` mounted hidden before the first of ``before`` found."""
        for child in self.query_children(selector).results(kind):
            return child
        widget = build()
        widget.display = False
        place = next(found for name in before for found in self.query_children(name))
        self.mount(widget, before=place)
        return widget

    def demo_banner(self) -> Static:
        return self._mounted(Static, "#demo-banner", make_demo_banner, "#credits-banner", "#settings-line")

    @property
    def banner(self) -> CreditsBanner:
        return self._mounted(CreditsBanner, "#credits-banner", lambda: CreditsBanner(id="credits-banner"),
                             "#settings-line")

    def hide_banner(self) -> None:
        """Hide the out-of-credits banner if it was ever shown (without mounting it)."""
        for banner in self.query_children(CreditsBanner):
            banner.hide()

    def show_more_below(self, shown: bool) -> None:
        """The "more below" bar: mounted the first time it is shown."""
        if shown or self.query_children("#more-below"):
            self._mounted(Static, "#more-below", lambda: Static(MORE_BELOW_TEXT, id="more-below"),
                          "#path-completions", "#attachments", "#prompt").display = shown

    @property
    def tray(self) -> AttachmentTray:
        return self._mounted(AttachmentTray, "#attachments", lambda: AttachmentTray(id="attachments"), "#prompt")

    @property
    def attached(self) -> list[Attachment]:
        """The files attached (the chips'), without mounting the chips when there are none."""
        for tray in self.query_children(AttachmentTray):
            return tray.attachments
        return []
