"""The Textual app: screens, app-wide bindings (with ids, for the keymap), background loading.

Slow things (the HTTP client's TLS setup, the tokenizer, the catalog from disk and network)
load in workers after the first frame, never on the start-up path.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Iterable
from typing import TypeVar

from typing import TYPE_CHECKING

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen

from pinata_tui.api.errors import PinataError
from pinata_tui.api.types import ModelInfo
from pinata_tui.catalog import load_cached_catalog, save_catalog
from pinata_tui.conversation import Conversation
from pinata_tui.paths import AppPaths
from pinata_tui.sanitize import make_displayable
from pinata_tui.settings import Settings
from pinata_tui.state import remember
from pinata_tui.theme_files import DEFAULT_THEME
from pinata_tui.tokens import TokenCounter
from pinata_tui.tui.textual_fixes import apply_textual_fixes
from pinata_tui.tui.chat.chat_screen import ChatScreen
from pinata_tui.tui.themes import register_themes


if TYPE_CHECKING:
    from pinata_tui.store import ConversationStore
    from pinata_tui.tui.history.history_screen import HistoryChoice
    from pinata_tui.tui.account.welcome_screen import WelcomeScreen
    from pinata_tui.api.client import PinataClient
    from pinata_tui.devserver import PinataDevServer

T = TypeVar("T")


def _make_client(settings: Settings) -> PinataClient:
    from pinata_tui.api.client import PinataClient  # httpx loads here, in a worker thread

    return PinataClient(settings)


class PinataChatApp(App[None]):
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
    catalog_source: reactive[str] = reactive("none", init=False)
    tokens_ready: reactive[bool] = reactive(False, init=False)
    balance: reactive[float | None] = reactive(None, init=False, always_update=True)
    """Available credits, when a JWT is configured (refreshed after each reply)."""

    def __init__(self, settings: Settings, paths: AppPaths, *, demo: bool = False,
                 conversation: Conversation | None = None, open_conversation: int | None = None,
                 continue_last: bool = False, demo_server: PinataDevServer | None = None) -> None:
        super().__init__()
        self.settings = settings
        self.paths = paths
        self.demo = demo
        self.demo_server = demo_server
        """The in-process stand-in server in demo mode; the demo's palette commands steer it."""
        self._owned_demo_server: PinataDevServer | None = None
        self.token_counter = TokenCounter()
        self.store: ConversationStore | None = None
        self.store_error: str | None = None
        self._store_ready = asyncio.Event()
        self._store_problem_shown = False
        self._open_on_start = open_conversation
        self._continue_last = continue_last
        self._client: PinataClient | None = None
        self._client_lock = asyncio.Lock()
        self._retired_clients: list[PinataClient] = []
        self.keymap: dict[str, str] = {}
        self._initial = conversation or Conversation(model=settings.model, system_prompt=settings.system_prompt)
        if demo:
            self.sub_title = "DEMO"
        apply_textual_fixes()
        # Before the first stylesheet parse: choosing a theme later would parse it all again.
        self._theme_problems = self._apply_themes()

    # ---------------------------------------------------------- lifecycle

    def on_mount(self) -> None:
        for problem in self._theme_problems:
            self.notify(make_displayable(problem), severity="warning", timeout=12, markup=False)
        self.push_screen(ChatScreen(self._initial))
        if not self.settings.llm_key and not self.demo:
            from pinata_tui.tui.account.welcome_screen import WelcomeScreen  # first run only

            self.push_screen(WelcomeScreen())
        # The first frame comes first: background loading (which holds the GIL at times) starts after it.
        self.call_after_refresh(self._load_in_background)

    def _load_in_background(self) -> None:
        if not gc.isenabled():  # paused by the command line for start-up: see cli.run_tui
            gc.freeze()
            gc.enable()
        self.open_store()
        self.load_catalog()
        self.refresh_balance()
        self.set_timer(0.3, self.load_tokenizer)  # the heaviest (a 1.7 MB BPE file): a moment later still

    async def on_unmount(self) -> None:
        for client in [*self._retired_clients, *([self._client] if self._client else [])]:
            await client.aclose()
        if self.store is not None:
            self.store.close()
        if self._owned_demo_server is not None:
            await asyncio.to_thread(self._owned_demo_server.stop)

    async def get_client(self) -> PinataClient:
        """The one shared client, built off the event loop (TLS context creation is slow)."""
        async with self._client_lock:
            if self._client is None:
                self._client = await asyncio.to_thread(_make_client, self.settings)
            return self._client

    @property
    def chat(self) -> ChatScreen | None:
        for screen in reversed(self.screen_stack):
            if isinstance(screen, ChatScreen):
                return screen
        return None

    def _apply_themes(self) -> list[str]:
        """Register themes/*.toml (shipped and the user's), switch to the configured one; return problems."""
        names, problems = register_themes(self, self.paths.user_themes_dir)
        wanted = self.settings.theme or DEFAULT_THEME
        if wanted not in self.available_themes:
            problems.append(f"Unknown theme {wanted!r}; using {DEFAULT_THEME}. Themes: {', '.join(sorted(names))}.")
            wanted = DEFAULT_THEME if DEFAULT_THEME in self.available_themes else "textual-dark"
        self._set_first_theme(wanted)
        self._themes_ready = True
        return problems

    def _set_first_theme(self, name: str) -> None:
        """Choose the theme before any CSS is parsed, without the re-parse a theme change costs.

        Setting ``App.theme`` schedules a parse of all the CSS again (~20 ms of start-up) so that
        widgets already styled pick up the new colours. None are styled yet: setting the value,
        the classes and the CSS variables the change would set is enough.
        """
        if self.theme == name:
            return
        refresh_ansi_colours = getattr(self, "_refresh_truecolor_filter", None)
        if refresh_ansi_colours is None:  # a Textual that works differently: take the slow, sure way
            self.theme = name
            return
        self.set_reactive(App.theme, name)
        dark = self.current_theme.dark
        self.set_class(False, *[c for c in self.classes if c.startswith("-theme-")], update=False)
        self.set_class(True, f"-theme-{name}", update=False)
        self.set_class(dark, "-dark-mode", update=False)
        self.set_class(not dark, "-light-mode", update=False)
        refresh_ansi_colours(self.ansi_theme)
        self.stylesheet.set_variables(self.get_css_variables())  # the colours the first parse will use

    def watch_theme(self, theme: str) -> None:
        """A theme picked live (command palette) is remembered for next time."""
        if getattr(self, "_themes_ready", False):
            self.run_worker(asyncio.to_thread(remember, self.paths.state_file, "theme", theme),
                            group="state", exit_on_error=False)

    # -------------------------------------------------------------- store

    @work(thread=True, group="store")
    def open_store(self) -> None:
        """Open the database off the event loop; then reopen the conversation asked for, if any."""
        from pinata_tui.store import ConversationStore, StoreError  # sqlite: off the start-up path

        store: ConversationStore | None = None
        error: str | None = None
        wanted = self._open_on_start
        conversation: Conversation | None = None
        try:
            store = ConversationStore(self.paths.database)
            if wanted is None and self._continue_last:
                wanted = store.last_conversation_id()
            if wanted is not None:
                conversation = store.load(wanted)
        except StoreError as exc:
            error = str(exc)
        except KeyError:
            error = None
            self.call_from_thread(self.notify, f"There is no conversation {wanted}; starting a new one.",
                                  severity="warning", timeout=8, markup=False)
        self.call_from_thread(self._store_opened, store, error, conversation)

    async def _store_opened(self, store: ConversationStore | None, error: str | None,
                            conversation: Conversation | None) -> None:
        self.store, self.store_error = store, error
        self._store_ready.set()
        chat = self.chat
        if chat is None:
            return
        await chat.ready.wait()
        if error:
            await chat.view.add_notice(f"History is off: {error} This session's messages are not saved.",
                                       kind="error")
        elif conversation is not None:
            await chat.open_conversation(conversation)

    async def persist(self, write: Callable[[ConversationStore], T]) -> T | None:
        """Run a store call in a thread once the store is open. Problems are shown, never raised."""
        from pinata_tui.store import StoreError

        await self._store_ready.wait()
        if self.store is None:
            return None
        try:
            return await asyncio.to_thread(write, self.store)
        except StoreError as exc:
            if not self._store_problem_shown:
                self._store_problem_shown = True
                self.notify(make_displayable(f"Could not save to history: {exc}"), severity="error", timeout=15,
                            markup=False)
            return None

    # ------------------------------------------------------------ keys

    async def use_settings(self, settings: Settings) -> None:
        """Switch credentials or server; the next request builds a fresh client.

        The old client may still serve a request in flight, so it is retired, not closed, until exit.
        """
        if self._client is not None:
            self._retired_clients.append(self._client)
        self.settings, self._client = settings, None

    async def on_welcome_screen_chosen(self, event: WelcomeScreen.Chosen) -> None:
        screen, choice = event.screen, event.choice  # a WelcomeChoice
        if choice.kind == "demo":
            await self.start_demo()
            screen.dismiss()
            return
        if choice.kind == "key":
            await self.use_settings(self.settings.replace(llm_key=choice.secret))
            problem = await self._save_config("llm_key", choice.secret)
            screen.dismiss()
            await self._say("Inference key saved." if problem is None else
                            f"The key works for this session but was not saved: {problem}", problem is not None)
            self.refresh_balance()
            return
        # Enable with a JWT: the new key is shown once, so it is saved before anything else.
        await self.use_settings(self.settings.replace(jwt=choice.secret))
        try:
            key = await (await self.get_client()).enable()
        except PinataError as exc:
            screen.report(str(exc), error=True)
            return
        problem = await self._save_config("llm_key", key)
        await self.use_settings(self.settings.replace(llm_key=key))
        if choice.remember_jwt:
            await self._save_config("jwt", choice.secret)
        screen.dismiss()
        if problem is None:
            await self._say("Inference enabled: a new key was minted and saved in config.toml.")
        else:
            await self._say(f"Inference enabled, but the key could not be saved ({problem}). Pinata shows it "
                            f"only once — copy it now: {key}", True)
        self.refresh_balance()

    async def _save_config(self, key: str, value: str) -> str | None:
        from pinata_tui.config import ConfigError, set_value

        try:
            await asyncio.to_thread(set_value, self.paths.config_file, key, value)
        except (OSError, ConfigError) as exc:
            return str(exc)
        return None

    async def _say(self, text: str, error: bool = False) -> None:
        chat = self.chat
        if chat is not None:
            await chat.view.add_notice(text, kind="error" if error else "info")

    async def start_demo(self) -> None:
        """Run the rest of the session against an in-process stand-in server."""
        from pinata_tui.devserver import DEV_JWT, DEV_LLM_KEY, PinataDevServer, ServerState

        if self.demo_server is None:
            self.demo_server = await asyncio.to_thread(
                lambda: PinataDevServer(state=ServerState(tokens_per_second=60, reply_tokens=180)).start())
            self._owned_demo_server = self.demo_server
        self.demo = True
        self.sub_title = "DEMO"
        await self.use_settings(self.settings.replace(base_url=self.demo_server.url, llm_key=DEV_LLM_KEY,
                                                      jwt=DEV_JWT))
        chat = self.chat
        if chat is not None:
            chat.show_demo_banner()
        self.load_catalog()
        self.refresh_balance()

    def _demo_commands(self, server: PinataDevServer) -> Iterable[SystemCommand]:
        """Let a demo user see the failure paths: they steer the stand-in server's next replies."""
        from pinata_tui.devserver import Fault

        def run_out() -> None:
            server.state.balance_micro = 1_234
            server.state.add_fault(Fault(status=402))
            self.notify("The next request will find the account out of credits.")

        def top_up() -> None:
            server.state.balance_micro = 10_000_000
            self.refresh_balance()
            self.notify("Demo account topped up to 10 credits.")

        def queue(fault: Fault, what: str) -> Callable[[], None]:
            def apply() -> None:
                server.state.add_fault(fault)
                self.notify(what)
            return apply

        yield SystemCommand("Demo: run out of credits", "The next request gets a 402 (see the credits banner)",
                            run_out)
        yield SystemCommand("Demo: top up credits", "Give the demo account 10 credits again", top_up)
        yield SystemCommand("Demo: rate limit the next reply", "A 429 with Retry-After: 3 (watch the countdown)",
                            queue(Fault(status=429, retry_after="3"), "The next request will be rate limited once."))
        yield SystemCommand("Demo: cut the next reply", "The connection drops mid-reply (then try Ctrl+G)",
                            queue(Fault(cut_after=40), "The next reply will be cut off part-way."))
        yield SystemCommand("Demo: server error page", "A proxy's 502 HTML page, three times",
                            queue(Fault(status=502, html=True, times=3), "The next request will hit a 502."))
        yield SystemCommand("Demo: a thinking model", "The next reply thinks first (press t on it to read)",
                            queue(Fault(reasoning="reasoning_content", reasoning_tokens=60),
                                  "The next reply will stream its reasoning before the answer."))
        yield SystemCommand("Demo: cut at the token limit", "The next reply stops at max_tokens (then Ctrl+G)",
                            queue(Fault(content_tokens=30, finish_reason="length"),
                                  "The next reply will be cut at the token limit."))
        yield SystemCommand("Demo: all budget spent thinking", "Reasoning only, no visible text, cut at the limit",
                            queue(Fault(reasoning="reasoning", reasoning_tokens=40, content_tokens=0,
                                        finish_reason="length"),
                                  "The next reply will think until it hits the token limit."))
        yield SystemCommand("Demo: error mid-reply", "The provider fails inside the stream (OpenRouter style)",
                            queue(Fault(stream_error="Provider returned error: upstream overloaded",
                                        stream_error_after=25),
                                  "The next reply will fail part-way, with the server's message."))

    async def key_status(self) -> None:
        try:
            status = await (await self.get_client()).status()
        except PinataError as exc:
            await self._say(str(exc), True)
            return
        since = f", key created {status.created_at:%Y-%m-%d %H:%M UTC}" if status.created_at else ""
        from pinata_tui.secrets import mask_key

        await self._say(f"Inference is {'enabled' if status.enabled else 'not enabled'}{since}. "
                        f"This app uses the key {mask_key(self.settings.llm_key)}.")

    def key_enable(self) -> None:
        async def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            try:
                key = await (await self.get_client()).enable()
            except PinataError as exc:
                await self._say(str(exc), True)
                return
            problem = await self._save_config("llm_key", key)
            await self.use_settings(self.settings.replace(llm_key=key))
            if problem is None:
                await self._say("A new inference key was minted and saved; the old one is revoked.")
            else:
                await self._say(f"A new key was minted but not saved ({problem}). Pinata shows it only once — "
                                f"copy it now: {key}", True)

        from pinata_tui.tui.common.confirm_dialog import ConfirmDialog

        self.push_screen(ConfirmDialog("Mint a new inference key? Enabling again revokes the current key: "
                                       "anything still using it (other machines, scripts) gets 401 errors.",
                                       yes="Mint new key", danger=True), confirmed)

    def key_disable(self) -> None:
        async def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            try:
                await (await self.get_client()).disable()
            except PinataError as exc:
                await self._say(str(exc), True)
                return
            await self._say("Inference disabled: the key is revoked. Chat requests will fail (401) until you "
                            "enable again. Your credits are untouched.")

        from pinata_tui.tui.common.confirm_dialog import ConfirmDialog

        self.push_screen(ConfirmDialog("Disable inference? This revokes your inference key at once: replies in "
                                       "flight may be cut off and later requests get 401. Credits are untouched.",
                                       yes="Revoke key", danger=True), confirmed)

    # ------------------------------------------------------------ workers

    @work(thread=True, group="tokenizer")
    def load_tokenizer(self) -> None:
        try:
            self.token_counter.load()
        except Exception as exc:  # noqa: BLE001 - counting is optional, chatting is not
            self.call_from_thread(self.notify, make_displayable(f"Token counting is unavailable: {exc}"),
                                  severity="warning", markup=False)
            return
        self.call_from_thread(setattr, self, "tokens_ready", True)
        self.call_from_thread(self._start_up_done)

    def _start_up_done(self) -> None:
        """The last of start-up's loading is in: keep what it built out of the cyclic GC's way.

        A full collection walks every tracked object. Modules, classes, Textual's and Rich's
        tables and the tokenizer live as long as the app: frozen (``gc.freeze``), they are no
        longer walked, and full collections pause the UI for less (they still run as usual).
        """
        gc.freeze()

    @work(group="catalog")
    async def load_catalog(self) -> None:
        cached, _ = await asyncio.to_thread(load_cached_catalog, self.paths.catalog_cache)
        if cached:
            self.catalog_source = "cache"
            self.catalog = cached
        try:
            client = await self.get_client()
            live = await client.models()
        except PinataError as exc:
            if not cached:
                self.catalog_source = "unavailable"
                self.notify(make_displayable(f"Could not load the model catalog: {exc}"), severity="warning",
                            timeout=8, markup=False)
            return
        self.catalog_source = "live"
        self.catalog = live
        try:
            await asyncio.to_thread(save_catalog, self.paths.catalog_cache, live)
        except OSError:
            pass  # the cache is a convenience; the live list is already in use

    @work(group="balance", exclusive=True)
    async def refresh_balance(self) -> None:
        """The credit balance, when a JWT is configured; screens watch ``balance``."""
        if not self.settings.jwt:
            return
        try:
            client = await self.get_client()
            balance = await client.balance()
        except PinataError:
            return
        self.balance = balance.available

    def model_info(self, model_id: str) -> ModelInfo | None:
        return next((m for m in self.catalog if m.model_id == model_id), None)

    def remember_model(self, model_id: str) -> None:
        self.run_worker(asyncio.to_thread(remember, self.paths.state_file, "last_model", model_id),
                        group="state", exit_on_error=False)

    # ------------------------------------------------------------ actions

    def action_pick_model(self) -> None:
        chat = self.chat
        if chat is None:
            return
        if not self.catalog:
            self.notify("The model catalog has not loaded yet (see the status bar).", severity="warning")
            return
        note = "(cached list: the live one could not be fetched)" if self.catalog_source == "cache" else ""

        async def chosen(model_id: str | None) -> None:
            if model_id:
                await chat.switch_model(model_id)
            chat.prompt.focus()

        from pinata_tui.tui.models.model_picker import ModelPicker

        self.push_screen(ModelPicker(self.catalog, chat.conversation.model, note=note), chosen)

    async def action_history(self) -> None:
        from pinata_tui.tui.history.history_screen import HistoryScreen

        chat = self.chat
        if chat is None or isinstance(self.screen, HistoryScreen):
            return
        await self._store_ready.wait()
        if self.store is None:
            self.notify(make_displayable(f"History is off: {self.store_error}"), severity="error", timeout=10,
                        markup=False)
            return

        async def chosen(choice: HistoryChoice | None) -> None:
            if choice is not None:
                if choice.conversation_id is None:
                    await chat.action_new_conversation()
                else:
                    await self.open_saved(choice.conversation_id)
            chat.prompt.focus()

        self.push_screen(HistoryScreen(self.store, chat.conversation.id), chosen)

    async def open_saved(self, conversation_id: int) -> None:
        chat = self.chat
        if chat is None:
            return
        try:
            conversation = await self.persist(lambda store: store.load(conversation_id))
        except KeyError:
            conversation = None
        if conversation is None:
            self.notify(f"Conversation {conversation_id} could not be opened.", severity="error", markup=False)
            return
        await chat.open_conversation(conversation)

    def action_help(self) -> None:
        from pinata_tui.tui.common.help_screen import HelpScreen

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(self.key_help()))

    def key_help(self) -> list[tuple[str, str]]:
        """(keys, what they do) for every app and chat binding, with the user's keymap applied."""
        rows: list[tuple[str, str]] = []
        for binding in [*ChatScreen.BINDINGS, *self.BINDINGS]:
            keys = self.keymap.get(binding.id or "", binding.key)
            shown = " / ".join(self.get_key_display(binding.__class__(k.strip(), binding.action))
                               for k in keys.split(","))
            if binding.description and all(d != binding.description for _, d in rows):
                rows.append((shown, binding.description))
        return rows

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
        except Exception:  # noqa: BLE001 - no local clipboard (headless, SSH): OSC 52 did the job
            pass

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        chat = self.chat
        yield SystemCommand("Choose model", "Pick a model from Pinata's live catalog", self.action_pick_model)
        yield SystemCommand("Help: keys", "Show every key binding", self.action_help)
        yield SystemCommand("Conversations", "Browse, search, open, rename and delete saved conversations",
                            self.action_history)
        yield SystemCommand("Key: status", "Is inference enabled for this account? (needs the JWT)",
                            self.key_status)
        yield SystemCommand("Key: enable", "Mint a new inference key and save it (revokes the old one)",
                            self.key_enable)
        yield SystemCommand("Key: disable", "Revoke the inference key (asks first)", self.key_disable)
        if self.demo and self.demo_server is not None:
            yield from self._demo_commands(self.demo_server)
        if chat is not None:
            yield SystemCommand("New conversation", "Start a fresh conversation", chat.action_new_conversation)
            yield SystemCommand("Retry / regenerate", "Resend the failed prompt or regenerate the last reply",
                                chat.action_retry)
            yield SystemCommand("Continue reply", "Ask the model to carry on a stopped or interrupted reply",
                                chat.action_continue_reply)
            yield SystemCommand("Stop reply", "Stop the reply that is streaming", chat.action_stop)
            yield SystemCommand("Copy last reply", "Copy the last reply to the clipboard",
                                chat.action_copy_last_reply)
            yield SystemCommand("Open editor", "Write the prompt in $EDITOR", chat.action_open_editor)
            yield SystemCommand("Jump to end", "Scroll to the newest message and follow", chat.action_jump_to_end)
            yield SystemCommand("Export conversation as Markdown", "Write this conversation to a .md file",
                                chat.action_export)
            yield SystemCommand("Export conversation as JSON", "Write this conversation to a .json file "
                                "(OpenAI messages plus metadata)", lambda: chat.action_export("json"))
