"""The Textual app: it composes the screens, routes messages and runs the background loading.

Slow things (the HTTP client's TLS setup, the tokenizer, the catalog from disk and network, the
database) load in workers after the first frame, never on the start-up path. Screens are given
``AppServices`` and talk up with messages; what the app learns (catalog, balance, tokenizer) it
hands down to them.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterable
from functools import cached_property
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen

from pinata_tui.api.errors import PinataError
from pinata_tui.conversation import ChatMessage, Conversation
from pinata_tui.paths import AppPaths
from pinata_tui.sanitize import make_displayable
from pinata_tui.settings import Settings
from pinata_tui.theme_files import DEFAULT_THEME
from pinata_tui.tui.chat.assistant_message import ReplyActionRequested
from pinata_tui.tui.chat.chat_screen import ChatScreen
from pinata_tui.tui.chat.message_block import CopyRequested
from pinata_tui.tui.commands import app_commands
from pinata_tui.tui.conversation_opening import ConversationOpening
from pinata_tui.tui.exit_signals import exit_cleanly_on_signals
from pinata_tui.tui.services import AppServices
from pinata_tui.tui.textual_fixes import apply_textual_fixes
from pinata_tui.tui.themes import register_themes, set_first_theme

if TYPE_CHECKING:
    from pinata_tui.api.types import ModelInfo
    from pinata_tui.demo import DemoSession
    from pinata_tui.store import ConversationStore
    from pinata_tui.tui.account.key_actions import KeyActions
    from pinata_tui.tui.account.welcome_screen import WelcomeScreen


class PinataChatApp(ConversationOpening, App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "pinata-chat"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("ctrl+l", "pick_model", "Models", id="app.models"),
        Binding("f2", "history", "Chats", id="app.history"),
        Binding("f1", "help", "Help", id="app.help"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    ]

    catalog: reactive[list[ModelInfo]] = reactive(list, always_update=True, init=False)
    tokens_ready: reactive[bool] = reactive(False, init=False)
    balance: reactive[float | None] = reactive(None, init=False, always_update=True)
    """Available credits, when a JWT is configured (refreshed after each reply)."""

    def __init__(self, settings: Settings, paths: AppPaths, *, demo: DemoSession | None = None,
                 conversation: Conversation | None = None, open_conversation: int | None = None,
                 continue_last: bool = False) -> None:
        super().__init__()
        self.services = AppServices(settings, paths, demo=demo is not None)
        self.services.on_problem = lambda text: self.notify(make_displayable(text), severity="error",
                                                            timeout=15, markup=False)
        self.demo_session = demo
        """The stand-in server and throwaway folder in demo mode (from --demo or the welcome screen)."""
        self.keymap: dict[str, str] = {}
        self._open_on_start = open_conversation
        self._continue_last = continue_last
        self._opening_on_start = open_conversation is not None or continue_last
        self._initial = conversation
        if demo is not None:
            self.sub_title = "DEMO"
        apply_textual_fixes()
        # Before the first stylesheet parse: choosing a theme later would parse it all again.
        self._theme_problems = self._apply_themes()

    # ---------------------------------------------------------- what tests and scripts read

    @cached_property
    def key_actions(self) -> KeyActions:
        """Keys, JWT and credits from the palette or the welcome screen: loaded on first use, not at start-up."""
        from pinata_tui.tui.account.key_actions import KeyActions

        return KeyActions(self)

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def paths(self) -> AppPaths:
        return self.services.paths

    @property
    def store(self) -> ConversationStore | None:
        return self.services.store

    @property
    def catalog_source(self) -> str:
        return self.services.catalog_source

    @property
    def demo(self) -> bool:
        return self.services.demo

    @property
    def chat(self) -> ChatScreen | None:
        for screen in reversed(self.screen_stack):
            if isinstance(screen, ChatScreen):
                return screen
        return None

    # ---------------------------------------------------------- lifecycle

    def get_default_screen(self) -> ChatScreen:
        """The chat screen is the first screen (not pushed over an empty one: a screen fewer to draw)."""
        conversation, self._initial = self._initial, None  # kept here, it outlived its closing (#17)
        if conversation is None:
            conversation = Conversation(model=self.settings.model, system_prompt=self.settings.system_prompt)
        return ChatScreen(conversation, self.services)

    def on_mount(self) -> None:
        if not self.settings.llm_key and not self.demo:
            from pinata_tui.tui.account.welcome_screen import WelcomeScreen  # first run only

            self.push_screen(WelcomeScreen())
        # The first frame comes first: background loading (which holds the GIL at times) starts after it.
        self.call_after_refresh(self._load_in_background)
        exit_cleanly_on_signals(lambda: self.run_worker(self._quit_on_signal(), group="signal"))

    async def _quit_on_signal(self) -> None:
        chat = self.chat
        if chat is not None:
            await chat.stop_streaming()
        self.exit()

    def _load_in_background(self) -> None:
        opening = self._opening_on_start
        if not opening:
            _resume_collector()  # else once that conversation's first screen is drawn (``open_store``)
        self.tell_theme_problems()
        self.open_store()
        if not opening:  # else after that conversation's first screen too (``open_store``)
            self._load_from_network()
        # The tokenizer (a 1.7 MB BPE file) is the heaviest: it loads a moment after the store is open
        # and the conversation asked for is shown (``open_store``), not while that is being drawn.

    async def on_unmount(self) -> None:
        from pinata_tui.tui.markdown.background_renderer import stop_renderer

        stop_renderer(self)  # the thread that renders saved replies
        await self.services.close()
        if self.demo_session is not None:  # its throwaway history goes with it
            await asyncio.to_thread(self.demo_session.stop)

    def _apply_themes(self) -> list[str]:
        """Register themes/*.toml (shipped and the user's), switch to the configured one; return problems."""
        names, problems = register_themes(self, self.paths.user_themes_dir)
        wanted = self.settings.theme or DEFAULT_THEME
        if wanted not in self.available_themes:
            problems.append(f"Unknown theme {wanted!r}; using {DEFAULT_THEME}. Themes: {', '.join(sorted(names))}.")
            wanted = DEFAULT_THEME if DEFAULT_THEME in self.available_themes else "textual-dark"
        set_first_theme(self, wanted)
        self._themes_ready = True
        return problems

    def watch_theme(self, theme: str) -> None:
        """A theme picked live (command palette) is remembered for next time."""
        if getattr(self, "_themes_ready", False):
            self.run_worker(self.services.remember("theme", theme), group="state", exit_on_error=False)

    # ---------------------------------------------------------- workers

    @work(group="store")
    async def open_store(self) -> None:
        """Open the database; then show the conversation asked for (``--conversation``, ``--continue``);
        once its first screen is drawn, resume the garbage collector (paused since start-up: a full
        collection took 60-120 ms of the 10,000-message open) and load the tokenizer (0.4 s of parsing
        in a thread: it held up that screen too)."""
        try:
            await self._open_store()
            chat = self.chat
            if chat is not None:  # neither a full collection nor the tokenizer's parsing slows that screen
                await chat.view.first_screen_drawn()
        finally:
            _resume_collector()
            if self._opening_on_start:
                self._load_from_network()
            self.set_timer(0.3, self.load_tokenizer)

    def _load_from_network(self) -> None:
        """The catalog and the balance; after the first screen of a conversation opened at start (the HTTP
        client's first request loads its modules on the event loop: its load and rendering waited)."""
        self.load_catalog()
        self.refresh_balance()

    async def _open_store(self) -> None:
        chat = self.chat  # composed (after the first frame): a long conversation's newest messages show first
        newest_first = chat.show_newest if chat is not None and chat.ready.is_set() else None
        shown = chat.conversation if chat is not None else None
        conversation, note = await self.services.open_store(wanted=self._open_on_start,
                                                            continue_last=self._continue_last, preview=newest_first)
        if note:
            self.notify(make_displayable(note), severity="warning", timeout=8, markup=False)
        if chat is None:
            return
        await chat.ready.wait()
        if self.services.store_error:
            await chat.view.add_notice(f"History is off: {self.services.store_error} This session's messages "
                                       "are not saved.", kind="error")
        elif conversation is not None and chat.conversation is shown:  # not if the user moved on meanwhile
            await chat.open_conversation(conversation)

    @work(group="themes")
    async def tell_theme_problems(self) -> None:
        """A broken theme file is named once, not at every start (until its problem changes)."""
        from pinata_tui.state import not_yet_told

        fresh = await asyncio.to_thread(not_yet_told, self.paths.state_file, "theme_problems_told",
                                        self._theme_problems)
        for problem in fresh:
            self.notify(make_displayable(problem), title="Theme skipped", severity="warning", timeout=6,
                        markup=False)

    @work(group="catalog")
    async def load_catalog(self) -> None:
        cached = await self.services.cached_catalog()
        if cached:
            self.catalog = cached
        try:
            self.catalog = await self.services.live_catalog()
        except PinataError as exc:
            if not cached:
                self.services.catalog_source = "unavailable"
                self.notify(make_displayable(f"Could not load the model catalog: {exc}"), severity="warning",
                            timeout=8, markup=False)

    def watch_catalog(self) -> None:
        chat = self.chat
        if chat is not None:
            chat.catalog_changed()

    @work(group="balance", exclusive=True)
    async def refresh_balance(self) -> None:
        """The credit balance, when a JWT is configured; handed to the chat screen."""
        balance = await self.services.balance()
        if balance is not None:
            self.balance = balance

    def watch_balance(self, balance: float | None) -> None:
        chat = self.chat
        if chat is not None:
            chat.balance = balance

    @work(thread=True, group="tokenizer")
    def load_tokenizer(self) -> None:
        """The tokenizer, then what the first reply needs: its Markdown (``render.warm_up``) and the code
        that sends it (the chat turn and its presenter, imported on first use, not before the first frame)."""
        try:
            self.services.token_counter.load()
        except Exception as exc:
            self.call_from_thread(self.notify, make_displayable(f"Token counting is unavailable: {exc}"),
                                  severity="warning", markup=False)
        else:
            self.call_from_thread(setattr, self, "tokens_ready", True)
        warm_up_markdown()
        import pinata_tui.tui.chat.reply_presenter  # noqa: F401
        # The last of start-up's loading is in: keep what it built (modules, styles, the tokenizer,
        # Markdown's parsers) out of the cyclic GC's way, so full collections pause the UI for less.
        gc.freeze()

    def watch_tokens_ready(self, ready: bool) -> None:
        chat = self.chat
        if chat is not None:
            chat.tokens_ready = ready

    async def start_demo(self) -> None:
        """The rest of the session runs against a stand-in server, with history in a throwaway folder."""
        from pinata_tui.demo import start_demo

        if self.demo_session is None:
            self.demo_session = await asyncio.to_thread(start_demo)
        demo = self.demo_session
        self.services.demo = True
        self.sub_title = "DEMO"
        self.services.use_settings(demo.settings_for(self.settings))
        await self.services.reopen_store(demo.paths_for(self.paths))
        chat = self.chat
        if chat is not None:
            chat.show_demo_banner()
        self.load_catalog()
        self.refresh_balance()

    # ---------------------------------------------------------- messages from screens

    @on(ChatScreen.BalanceStale)
    def _balance_stale(self) -> None:
        self.refresh_balance()

    @on(CopyRequested)
    def _copy(self, event: CopyRequested) -> None:
        if event.text:
            self.copy_text(event.text, event.what)
        else:  # a reply that only thought, or was cut before any text
            self.notify(f"Nothing to copy: this {event.what} has no text.", severity="warning", markup=False)

    async def on_welcome_screen_chosen(self, event: WelcomeScreen.Chosen) -> None:
        await self.key_actions.welcome_choice(event.screen, event.choice)

    # ---------------------------------------------------------- actions

    def action_pick_model(self, regenerate: ChatMessage | None = None) -> None:
        """Ctrl+L: the model for the next reply; or, with ``regenerate``, the model for an alternative."""
        chat = self.chat
        if chat is None:
            return
        if not self.catalog:
            self.notify("The model catalog has not loaded yet (see the status bar).", severity="warning")
            return
        async def chosen(model_id: str | None) -> None:
            if model_id and regenerate is not None:
                await chat.regenerate(regenerate, model_id)
            elif model_id:
                await chat.switch_model(model_id)
            chat.prompt.focus()

        from pinata_tui.tui.models.model_picker import ModelPicker

        context = chat.context.total(chat.conversation) if chat.tokens_ready else None
        title = "Regenerate this reply with…" if regenerate is not None else "Choose a model"
        current = (regenerate.model or chat.conversation.model) if regenerate is not None else chat.conversation.model
        self.push_screen(ModelPicker(self.catalog, current, source=self.catalog_source,
                                     context_tokens=context, title=title), chosen)

    @on(ReplyActionRequested)
    def _regenerate_with(self, event: ReplyActionRequested) -> None:
        chat = self.chat
        if event.action == "regenerate_with" and chat is not None:
            if chat.streaming:
                self.notify("A reply is still streaming: press Esc to stop it first, or wait.", severity="warning")
            else:
                self.action_pick_model(event.message)

    def action_help(self) -> None:
        from pinata_tui.tui.common.help_screen import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.binding_rows()))

    def binding_rows(self) -> list[tuple[str, str, str]]:
        """(keys, what they do, binding id) for every binding, with the user's keymap applied."""
        from pinata_tui.tui.key_rows import binding_rows

        return binding_rows(self, self.keymap)

    def key_help(self) -> list[tuple[str, str]]:
        """(keys, what they do) for every app and chat binding, with the user's keymap applied."""
        return [(keys, description) for keys, description, _ in self.binding_rows()]

    def apply_keymap(self, keymap: dict[str, str]) -> None:
        """Remap bindings by id (from config.toml's [keymap]); help shows the remapped keys."""
        self.keymap = dict(keymap)
        self.set_keymap(self.keymap)

    def copy_text(self, text: str, what: str) -> None:
        """OSC 52 (works over SSH) always; pyperclip as well where a local clipboard exists."""
        self.copy_to_clipboard(text)
        self._copy_with_pyperclip(text)
        self.notify(f"Copied the {what} ({len(text):,} characters).", markup=False)

    @work(thread=True, group="clipboard", exit_on_error=False)
    def _copy_with_pyperclip(self, text: str) -> None:
        try:
            import pyperclip

            pyperclip.copy(text)
        except Exception:
            pass

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from app_commands(self)


def _resume_collector() -> None:
    """Resume the cyclic garbage collector if the command line paused it for start-up (``cli.run_tui``),
    freezing what start-up built (modules, styles, an opened conversation) out of its walks."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def warm_up_markdown() -> None:
    """In the tokenizer's thread, after the first frame: load the reply widget's renderer (its modules
    are imported where used, not before the first frame) and warm Markdown up (``render.warm_up``)."""
    from pinata_tui.tui.markdown import background_renderer, reply_document, strips  # noqa: F401
    from pinata_tui.tui.markdown.render import warm_up

    warm_up()
