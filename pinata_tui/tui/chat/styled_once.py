"""The chat screen is styled once before its first frame, not twice (#17: cold start).

Textual sends a screen ``ScreenResume`` whenever it becomes the active one, and the screen then
restyles every node it holds: needed when it comes back from under another screen (the theme may
have changed meanwhile, and the suspended class goes). The first one comes right after the screen
was composed and each of its ~35 nodes styled as it mounted, with the same stylesheet (the theme is
chosen in ``PinataChatApp.__init__``, before any screen): styling them all again changed nothing and
cost 4-6 ms of CPU before the first frame (at load ~3.5). ``tests/test_styled_once.py`` checks that a
full restyle then changes nothing, and that later resumes still restyle.
"""

from __future__ import annotations

from textual import events


class StyledOnceScreen:
    """A mixin of ``ChatScreen`` (not a ``Screen`` subclass: each widget class Textual sets up costs
    ~0.5 ms of start-up)."""

    _resumed_before = False

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        """Runs before ``Screen``'s own handler (Textual calls each class's, in method resolution order)."""
        if not self._resumed_before:
            self._resumed_before = True
            event.refresh_styles = False
