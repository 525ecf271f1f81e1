"""What screens are given: settings, the store, the API client, the catalog, token counting.

The app builds one ``AppServices`` and passes it down; screens call it and never reach into the
app. Nothing here imports Textual: slow work (the client's TLS set-up, SQLite, the state file)
runs in threads, and problems come back as values or through ``on_problem``, never raised at
the UI.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from pinata_tui.api.errors import PinataError
from pinata_tui.catalog import load_cached_catalog, save_catalog
from pinata_tui.conversation import Conversation
from pinata_tui.paths import AppPaths
from pinata_tui.settings import Settings
from pinata_tui.state import remember
from pinata_tui.tokens import TokenCounter

if TYPE_CHECKING:
    from pinata_tui.api.client import PinataClient
    from pinata_tui.api.types import ModelInfo
    from pinata_tui.store import ConversationStore

T = TypeVar("T")

PREVIEW_MESSAGES = 20
"""A long conversation's newest messages read first (two pages: the last one shown, and the model of the
reply above it for the page's first model-switch marker)."""


def _make_client(settings: Settings) -> PinataClient:
    from pinata_tui.api.client import PinataClient  # httpx loads here, in a worker thread

    return PinataClient(settings)


class AppServices:
    def __init__(self, settings: Settings, paths: AppPaths, *, demo: bool = False) -> None:
        self.settings = settings
        self.paths = paths
        self.demo = demo
        self.token_counter = TokenCounter()
        self.catalog: list[ModelInfo] = []
        self.catalog_source = "none"
        """"none", "cache" (the live list could not be fetched), "live" or "unavailable"."""
        self.store: ConversationStore | None = None
        self.store_error: str | None = None
        self._store_ready = asyncio.Event()
        self._client: PinataClient | None = None
        self._client_lock = asyncio.Lock()
        self._retired_clients: list[PinataClient] = []
        self.on_problem: Callable[[str], None] = lambda text: None
        """Told once about a store that stopped saving (the app shows it)."""
        self._problem_told = False

    # ------------------------------------------------------------ the API client

    async def client(self) -> PinataClient:
        """The one shared client, built off the event loop (TLS context creation is slow)."""
        async with self._client_lock:
            if self._client is None:
                self._client = await asyncio.to_thread(_make_client, self.settings)
            return self._client

    def use_settings(self, settings: Settings) -> None:
        """Switch credentials or server; the next request builds a fresh client.

        The old client may still serve a request in flight, so it is retired, not closed, until exit.
        """
        if self._client is not None:
            self._retired_clients.append(self._client)
        self.settings, self._client = settings, None

    # ------------------------------------------------------------ the store

    async def open_store(self, *, wanted: int | None = None, continue_last: bool = False,
                         preview: Callable[[Conversation | None], Awaitable[None]] | None = None,
                         ) -> tuple[Conversation | None, str | None]:
        """Open the database in a thread; return (the conversation asked for, a one-line problem).

        A long conversation's newest messages are handed to ``preview`` first (``load_newest``); the
        whole conversation is read once ``preview`` returns, and takes over their objects (#17). Should
        that fail, ``preview`` is called again with None."""
        def read(target: int, load: Callable[[], Conversation | None]) -> tuple[Conversation | None, str | None]:
            from pinata_tui.store import StoreError

            try:
                return load(), None
            except KeyError:
                return None, f"There is no conversation {target}; starting a new one."
            except StoreError as exc:
                return None, str(exc)

        def recovered(store: ConversationStore) -> str | None:
            """Replies left streaming by a process that died, marked interrupted; a problem closes the store,
            as it does when opening it (``ConversationStore`` marks them itself unless told not to)."""
            from pinata_tui.store import StoreError

            try:
                store.recover_interrupted()
            except StoreError as exc:
                store.close()
                return str(exc)
            return None

        def open_it() -> tuple[ConversationStore | None, int | None, Conversation | None, bool, str | None, str | None]:
            from pinata_tui.store import ConversationStore, StoreError  # sqlite: off the start-up path

            try:  # with a preview, replies left streaming are marked once it is shown (a read of every message)
                store = ConversationStore(self.paths.database, recover=preview is None)
            except StoreError as exc:
                return None, None, None, True, str(exc), None
            target = store.last_conversation_id() if wanted is None and continue_last else wanted
            newest = note = None
            if target is not None and preview is not None:  # a long one's newest messages; None if it is short
                newest, note = read(target, lambda: store.load_newest(target, PREVIEW_MESSAGES))
                if newest is not None:  # (a reply left streaming reads as interrupted until marked)
                    return store, target, newest, False, None, None
            if preview is not None and (problem := recovered(store)) is not None:
                return None, None, None, True, problem, None
            if target is None or note is not None:
                return store, target, None, True, None, note
            whole, note = read(target, lambda: store.load(target))
            return store, target, whole, True, None, note

        store, target, conversation, whole, error, note = await asyncio.to_thread(open_it)
        if store is not None and target is not None and conversation is not None and not whole and preview:
            newest = conversation
            await preview(newest)
            if (error := await asyncio.to_thread(recovered, store)) is not None:
                store = conversation = None  # as when opening the store fails: history is off
            else:
                conversation, note = await asyncio.to_thread(read, target, lambda: store.load(target, reuse=newest))
            if conversation is None:  # it could not be read whole after all: the preview ends
                await preview(None)
        self.store, self.store_error = store, error
        self._store_ready.set()
        return conversation, note

    async def reopen_store(self, paths: AppPaths) -> None:
        """Move to other folders (the demo's throwaway one): close this store, open that one."""
        await self._store_ready.wait()
        old = self.store
        self.paths, self.store, self._problem_told = paths, None, False
        self._store_ready.clear()
        if old is not None:
            await asyncio.to_thread(old.close)
        await self.open_store()

    async def opened_store(self) -> ConversationStore | None:
        """The store once it has been opened (None when history is off: see ``store_error``)."""
        await self._store_ready.wait()
        return self.store

    async def persist(self, write: Callable[[ConversationStore], T]) -> T | None:
        """Run a store call in a thread once the store is open. Problems are reported once, never raised."""
        from pinata_tui.store import StoreError

        await self._store_ready.wait()
        store = self.store
        if store is None:
            return None
        try:
            return await asyncio.to_thread(write, store)
        except StoreError as exc:
            if not self._problem_told:
                self._problem_told = True
                self.on_problem(f"Could not save to history: {exc}")
            return None

    # ------------------------------------------------------------ catalog, balance, state

    async def cached_catalog(self) -> list[ModelInfo]:
        cached, _ = await asyncio.to_thread(load_cached_catalog, self.paths.catalog_cache)
        if cached:
            self.catalog, self.catalog_source = cached, "cache"
        return cached

    async def live_catalog(self) -> list[ModelInfo]:
        """The live catalog (also saved as the cache). Raises ``PinataError``."""
        live = await (await self.client()).models()
        self.catalog, self.catalog_source = live, "live"
        try:
            await asyncio.to_thread(save_catalog, self.paths.catalog_cache, live)
        except OSError:
            pass  # the cache is a convenience; the live list is already in use
        return live

    def model_info(self, model_id: str) -> ModelInfo | None:
        return next((m for m in self.catalog if m.model_id == model_id), None)

    async def model_prices(self, model_id: str) -> ModelInfo | None:
        """``model_info`` in the shape a chat turn asks for."""
        return self.model_info(model_id)

    async def balance(self) -> float | None:
        """Available credits, when a JWT is configured; None when it cannot be known."""
        if not self.settings.jwt:
            return None
        try:
            return (await (await self.client()).balance()).available
        except PinataError:
            return None

    async def remember(self, key: str, value: Any) -> None:
        """What the app remembers by itself (last model, theme) goes to the state file, in a thread."""
        try:
            await asyncio.to_thread(remember, self.paths.state_file, key, value)
        except OSError:
            pass  # remembering is a convenience

    async def close(self) -> None:
        for client in [*self._retired_clients, *([self._client] if self._client else [])]:
            await client.aclose()
        if self.store is not None:
            self.store.close()
