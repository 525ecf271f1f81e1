"""Browse, search, open, rename and delete saved conversations."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from pinata_tui.sanitize import make_displayable
from pinata_tui.store import ConversationStore
from pinata_tui.tui.common.confirm_dialog import ConfirmDialog
from pinata_tui.tui.common.screen_styles import StyledModal
from pinata_tui.tui.common.text_dialog import TextDialog
from pinata_tui.tui.history.rows import OneLine, group_hits, hit_row, summary_row

ROWS_AT_ONCE = 100
"""Rows put in the list at a time: a search over 10,000 conversations finds hundreds; the rest
follow when the highlight reaches the "more" row at the end. (Rows are ``OneLine``s: adding one
costs next to nothing, and only those drawn are ever formatted.)"""
MORE = "more"


@dataclass(frozen=True)
class HistoryChoice:
    """What the user chose: open a conversation, or start a new one (id None); from a search, the hit."""

    conversation_id: int | None
    message_id: int | None = None


def _merge(into: dict[int, str], more: dict[int, str]) -> None:
    """(On the event loop, which draws the rows that read ``into``. A function of its own:
    ``call_from_thread`` inspects its callback's signature, which ``dict.update`` has none of.)"""
    into.update(more)

class HistoryScreen(StyledModal[HistoryChoice | None]):
    STYLES = ("history_screen.tcss",)
    VERTICAL_BREAKPOINTS = [(0, "-short"), (20, "-tall")]  # history_screen.tcss: a short window keeps room for rows
    BINDINGS = [
        Binding("escape", "close", "Close", id="history.close"),
        Binding("ctrl+n", "new", "New chat", id="history.new"),
        Binding("f2", "rename", "Rename", id="history.rename"),
        Binding("delete,ctrl+d", "delete", "Delete", id="history.delete"),
        Binding("down", "focus_list", "List", show=False, id="history.down"),
    ]

    def __init__(self, store: ConversationStore, current_id: int | None,
                 before_deleting_open: Callable[[], Awaitable[None]] | None = None) -> None:
        super().__init__()
        self.store = store
        self.current_id = current_id
        self.before_deleting_open = before_deleting_open
        """Called before the open conversation is deleted (the app stops its reply: nothing saved after)."""
        self.deleted: set[int] = set()
        self._titles: dict[int, str] = {}
        self._rest: list[Option] = []
        """Rows not in the list yet (see ``ROWS_AT_ONCE``)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="history"):
            yield Static(Text("Conversations", style="bold"), id="history-title")
            yield Input(placeholder="Search every message (full text)…", id="history-search")
            yield OptionList(id="history-list")
            yield Static(Text("Enter opens · F2 renames · Del deletes · Ctrl+N starts a new one · Esc closes",
                              style="dim"), id="history-keys")

    def on_mount(self) -> None:
        search = self.query_one("#history-search", Input)
        search.focus()
        # Watched rather than waiting for ``Input.Changed``: that message comes after the frame that
        # draws the typed key (a layout of the whole screen: the Input's width changed), and the query
        # can run while that frame is drawn.
        self.watch(search, "value", self._search, init=False)
        self.refresh_list("")

    @property
    def options(self) -> OptionList:
        return self.query_one("#history-list", OptionList)

    @work(thread=True, exclusive=True, group="history-query")
    def refresh_list(self, query: str) -> None:
        worker = get_current_worker()
        snippets: dict[int, str] = {}
        later: list[int] = []
        if query.strip():
            grouped = group_hits(self.store.search(query, limit=500, snippets=False))
            titles = {h.conversation_id: h.title for h, _ in grouped}
            # Snippets (most of a query's cost) for the rows shown first; the others' once those are shown.
            snippets = self.store.snippets(query, [h.message_id for h, _ in grouped[:ROWS_AT_ONCE]])
            later = [h.message_id for h, _ in grouped[ROWS_AT_ONCE:]]
            options = [Option(OneLine(partial(hit_row, h, n, snippets=snippets)), id=f"{h.conversation_id}:{h.message_id}")
                       for h, n in grouped]
            empty = "No message matches."
        else:
            items = self.store.list_conversations()
            titles = {c.id: c.title for c in items}
            options = [Option(OneLine(partial(summary_row, c, c.id == self.current_id)), id=str(c.id)) for c in items]
            empty = "No saved conversations yet."
        if worker.is_cancelled:
            return  # a newer query replaced this one: its rows must not overwrite the newer ones
        self.app.call_from_thread(self._show, options, empty, titles)
        if later and not worker.is_cancelled:
            self.app.call_from_thread(_merge, snippets, self.store.snippets(query, later))

    def _show(self, options: list[Option], empty: str, titles: dict[int, str]) -> None:
        if not self.is_attached:
            return  # the screen closed while the query ran
        self._titles = titles
        self._rest = options
        # Replaced in one step (not cleared, then filled): an empty list in between hides the scrollbar
        # and the full one shows it again, and each costs a layout of the whole screen.
        self.options.set_options(self._next_rows() or [Option(Text(empty, style="dim"), disabled=True)])
        if options:
            self.options.highlighted = 0

    def _next_rows(self) -> list[Option]:
        """The next ``ROWS_AT_ONCE`` rows, then a "more" row while some are left."""
        rows, self._rest = self._rest[:ROWS_AT_ONCE], self._rest[ROWS_AT_ONCE:]
        if self._rest:
            more = Text(f"  … {len(self._rest)} more (↓ or Enter shows them)", style="dim italic")
            rows = [*rows, Option(more, id=MORE)]
        return rows

    def _show_more(self) -> None:
        """Replace the "more" row with the next rows; the highlight goes to the first of them."""
        index = self.options.get_option_index(MORE)
        self.options.remove_option(MORE)
        self.options.add_options(self._next_rows())
        self.options.highlighted = index

    @on(OptionList.OptionHighlighted, "#history-list")
    def _reached_more(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id == MORE:
            self._show_more()

    def _highlighted(self) -> HistoryChoice | None:
        """The highlighted row as a choice: its conversation and, for a search hit, the message."""
        index = self.options.highlighted
        if index is None:
            return None
        option = self.options.get_option_at_index(index)
        if not option.id or option.id == MORE:
            return None
        conversation, _, message = option.id.partition(":")
        return HistoryChoice(int(conversation), int(message) if message else None)

    def _highlighted_id(self) -> int | None:
        choice = self._highlighted()
        return choice.conversation_id if choice is not None else None

    def _search(self, value: str) -> None:
        self.refresh_list(value)

    @on(Input.Submitted, "#history-search")
    @on(OptionList.OptionSelected, "#history-list")
    def _open(self) -> None:
        index = self.options.highlighted
        if index is not None and self.options.get_option_at_index(index).id == MORE:
            self._show_more()
            return
        chosen = self._highlighted()
        if chosen is not None:
            self.dismiss(chosen)

    @work(thread=True, group="history-change")
    def _change(self, change: Callable[[], None]) -> None:
        """Write off the event loop, then list again."""
        change()
        self.app.call_from_thread(self._list_again)

    def _list_again(self) -> None:
        self.refresh_list(self.query_one("#history-search", Input).value)

    def action_focus_list(self) -> None:
        self.options.focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_new(self) -> None:
        self.dismiss(HistoryChoice(None))

    def action_rename(self) -> None:
        chosen = self._highlighted_id()
        if chosen is None:
            return
        def renamed(title: str | None) -> None:
            if title is not None and title.strip():
                self._change(lambda: self.store.rename(chosen, title))

        self.app.push_screen(TextDialog("New title:", make_displayable(self._titles.get(chosen, ""))), renamed)

    def action_delete(self) -> None:
        chosen = self._highlighted_id()
        if chosen is None:
            return
        title = make_displayable(self._titles.get(chosen, "this conversation"))

        async def confirmed(yes: bool | None) -> None:
            if yes:
                if chosen == self.current_id:
                    self.current_id = None
                    if self.before_deleting_open is not None:
                        await self.before_deleting_open()
                self.deleted.add(chosen)
                self._change(lambda: self.store.delete(chosen))

        self.app.push_screen(ConfirmDialog(f"Delete “{title}” and all its messages? This cannot be undone.",
                                           yes="Delete", danger=True), confirmed)
