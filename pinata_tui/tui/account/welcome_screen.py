"""First run: no inference key yet. Paste one, or enable inference with a JWT, or try the demo."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Static

from pinata_tui.sanitize import make_displayable
from pinata_tui.tui.common.screen_styles import StyledModal


@dataclass(frozen=True)
class WelcomeChoice:
    kind: str
    """"key" (a pasted inference key), "jwt" (enable with this JWT), or "demo"."""
    secret: str = ""
    remember_jwt: bool = False


class WelcomeScreen(StyledModal[None]):
    """Collects the user's choice and posts it; the app does the work and reports back here."""
    STYLES = ("welcome_screen.tcss",)

    BINDINGS = [
        Binding("escape", "skip", "Skip for now", id="welcome.skip"),
        Binding("ctrl+q", "app.quit", "Quit", id="welcome.quit", priority=True),
    ]

    class Chosen(Message):
        def __init__(self, screen: WelcomeScreen, choice: WelcomeChoice) -> None:
            super().__init__()
            self.screen = screen
            self.choice = choice

    def compose(self) -> ComposeResult:
        with Vertical(id="welcome"):
            yield Static(Text("Welcome to pinata-chat", style="bold"), id="welcome-title")
            yield Static(Text(
                "There is no inference key yet. Pick one way in; keys you type are hidden, and are saved "
                "in config.toml, readable only by you."))
            yield Static(Text("1. Paste your inference key", style="bold"), classes="welcome-step")
            with Horizontal(classes="welcome-row"):
                yield Input(placeholder="inference key", password=True, id="welcome-key", compact=True)
                yield Button("Use key", id="welcome-use-key", variant="primary", compact=True)
            yield Static(Text("2. Or paste a Pinata JWT and enable inference now (mints a new key)",
                              style="bold"), classes="welcome-step")
            with Horizontal(classes="welcome-row"):
                yield Input(placeholder="Pinata JWT (from the API Keys page of your account)", password=True,
                            id="welcome-jwt", compact=True)
                yield Button("Enable", id="welcome-enable", variant="primary", compact=True)
            yield Checkbox("Remember the JWT too (without it, credits vanish after a restart)",
                           id="welcome-remember", compact=True)
            yield Static(Text("3. Or just look around", style="bold"), classes="welcome-step")
            yield Button("Start the demo (a local stand-in server, no account)", id="welcome-demo", compact=True)
            yield Static("", id="welcome-status")
            yield Static(Text("Esc skips this for now (browse history, read the help); Ctrl+Q quits.",
                              style="dim"))

    def action_skip(self) -> None:
        self.dismiss()

    def on_mount(self) -> None:
        self.query_one("#welcome-key", Input).focus()

    def report(self, text: str, *, error: bool = False) -> None:
        """The app says how it went (an error keeps the screen open so the user can try again)."""
        shown = Text(make_displayable(text), style="bold red" if error else "green")
        self.query_one("#welcome-status", Static).update(shown)
        self.set_busy(False)

    def set_busy(self, busy: bool) -> None:
        for button in self.query(Button):
            button.disabled = busy

    def _choose(self, choice: WelcomeChoice) -> None:
        self.set_busy(True)
        self.query_one("#welcome-status", Static).update(Text("Working…", style="italic"))
        self.post_message(self.Chosen(self, choice))

    @on(Input.Submitted, "#welcome-key")
    @on(Button.Pressed, "#welcome-use-key")
    def _use_key(self) -> None:
        key = self.query_one("#welcome-key", Input).value.strip()
        if not key:
            self.report("Paste the key first.", error=True)
            return
        self._choose(WelcomeChoice("key", key))

    @on(Input.Submitted, "#welcome-jwt")
    @on(Button.Pressed, "#welcome-enable")
    def _enable(self) -> None:
        jwt = self.query_one("#welcome-jwt", Input).value.strip()
        if not jwt:
            self.report("Paste the JWT first.", error=True)
            return
        self._choose(WelcomeChoice("jwt", jwt, self.query_one("#welcome-remember", Checkbox).value))

    @on(Button.Pressed, "#welcome-demo")
    def _demo(self) -> None:
        self._choose(WelcomeChoice("demo"))
