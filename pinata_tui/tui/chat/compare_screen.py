"""Two alternative replies side by side: model, tokens, cost, speed and the rendered text of each,
scrolling together. Enter (or the column's button) makes the chosen one the current branch."""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.widgets import Button, Static

from pinata_tui.conversation import ChatMessage
from pinata_tui.pricing import format_usd_with_source
from pinata_tui.sanitize import make_displayable
from pinata_tui.tui.chat.assistant_message import AssistantMessage
from pinata_tui.tui.common.screen_styles import StyledModal


def reply_figures(message: ChatMessage) -> Text:
    """Model, tokens, cost and speed of one reply, on one line each that fits a half-screen column."""
    usage = message.usage
    parts = [f"{usage.completion_tokens:,} tokens" if usage else "tokens unknown"]
    if message.cost is not None:
        parts.append(format_usd_with_source(message.cost, estimate=message.cost_is_estimate,
                                            billed=message.cost_is_billed))
    if usage and usage.completion_tokens and message.elapsed:
        parts.append(f"{usage.completion_tokens / message.elapsed:,.0f} tok/s")
    return Text.assemble((make_displayable(message.model or "assistant"), "bold"), "\n", " · ".join(parts))


class ComparedReply(AssistantMessage):
    """A reply's text alone: the column's figures above it say what its header would (cut short)."""

    HAS_HEADER = False


class CompareColumn(Vertical):
    """One reply of the comparison: its figures, its text, and a button to choose it."""

    def __init__(self, side: str) -> None:
        super().__init__(id=f"compare-{side}", classes="compare-column")
        self.side = side
        self.message: ChatMessage | None = None

    def compose(self) -> ComposeResult:
        yield Static(id=f"compare-{self.side}-title", classes="compare-title")
        yield Static(id=f"compare-{self.side}-figures", classes="compare-figures")
        body = VerticalScroll(id=f"compare-{self.side}-body", classes="compare-body")
        body.can_focus = False  # the screen's keys act on both sides (and on the side chosen)
        yield body
        use = Button("Use this reply", id=f"compare-{self.side}-use", classes="compare-use", compact=True)
        use.can_focus = False  # Enter uses the chosen side; the buttons are for the mouse
        yield use

    async def show(self, message: ChatMessage, position: int, count: int) -> None:
        self.message = message
        more = "  ([ ] for another)" if count > 2 else ""
        self.query_one(".compare-title", Static).update(Text(f"Alternative {position} of {count}{more}"))
        self.query_one(".compare-figures", Static).update(reply_figures(message))
        body = self.query_one(VerticalScroll)
        await body.remove_children()
        reply = ComparedReply(message)
        reply.can_focus = False
        await body.mount(reply)


class CompareScreen(StyledModal[ChatMessage | None]):
    """Returns the reply chosen to make current, or None when closed."""
    STYLES = ("compare_screen.tcss",)

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close", id="compare.close"),
        Binding("left,right,tab", "other_side", "Other side", id="compare.side"),
        Binding("[", "cycle(-1)", "Previous alternative", id="compare.previous"),
        Binding("]", "cycle(1)", "Next alternative", id="compare.next"),
        Binding("enter", "choose", "Use this reply", id="compare.choose"),
        Binding("down,j", "scroll(1)", "Scroll down", show=False, id="compare.down"),
        Binding("up,k", "scroll(-1)", "Scroll up", show=False, id="compare.up"),
        Binding("pagedown,space", "scroll(10)", "Page down", show=False, id="compare.page_down"),
        Binding("pageup", "scroll(-10)", "Page up", show=False, id="compare.page_up"),
    ]

    def __init__(self, alternatives: list[ChatMessage], focus: ChatMessage) -> None:
        super().__init__()
        self.alternatives = alternatives
        right = next(i for i, m in enumerate(alternatives) if m is focus)
        left = right - 1 if right > 0 else 1
        self.shown = {"left": left, "right": right}
        self.side = "right"
        self._syncing = False

    def compose(self) -> ComposeResult:
        with Vertical(id="compare"):
            yield Static(Text("Compare replies", style="bold"), id="compare-heading")
            with Horizontal(id="compare-columns"):
                yield CompareColumn("left")
                yield CompareColumn("right")
            yield Static("←/→ side · [ ] other alternative · ↑/↓ scroll · Enter use · Esc close",
                         id="compare-hint")

    async def on_mount(self) -> None:
        for side in ("left", "right"):
            await self._show(side)
        self.watch(self.query_one("#compare-left-body"), "scroll_y", self._left_scrolled, init=False)
        self.watch(self.query_one("#compare-right-body"), "scroll_y", self._right_scrolled, init=False)
        self._mark_side()

    def _left_scrolled(self, y: float) -> None:
        self._sync("left", y)

    def _right_scrolled(self, y: float) -> None:
        self._sync("right", y)

    async def _show(self, side: str) -> None:
        index = self.shown[side]
        await self.query_one(f"#compare-{side}", CompareColumn).show(self.alternatives[index], index + 1,
                                                                     len(self.alternatives))

    def _mark_side(self) -> None:
        for side in ("left", "right"):
            self.query_one(f"#compare-{side}").set_class(side == self.side, "-chosen")

    def _sync(self, side: str, y: float) -> None:
        """The other column follows, at the same line (as far as it goes)."""
        if self._syncing:
            return
        other = self.query_one(f"#compare-{'right' if side == 'left' else 'left'}-body", VerticalScroll)
        self._syncing = True
        try:
            other.scroll_to(y=min(y, other.max_scroll_y), animate=False, immediate=True)
        finally:
            self._syncing = False

    def action_other_side(self) -> None:
        self.side = "left" if self.side == "right" else "right"
        self._mark_side()

    async def action_cycle(self, step: int) -> None:
        """The next alternative on this side, skipping the one the other side shows."""
        other = self.shown["left" if self.side == "right" else "right"]
        index = (self.shown[self.side] + step) % len(self.alternatives)
        if index == other:
            index = (index + step) % len(self.alternatives)
        if index != self.shown[self.side]:
            self.shown[self.side] = index
            await self._show(self.side)

    def action_scroll(self, lines: int) -> None:
        body = self.query_one(f"#compare-{self.side}-body", VerticalScroll)
        body.scroll_to(y=body.scroll_y + lines, animate=False, immediate=True)

    def action_choose(self) -> None:
        self.dismiss(self.alternatives[self.shown[self.side]])

    @on(Button.Pressed, ".compare-use")
    def _use(self, event: Button.Pressed) -> None:
        column = event.button.parent
        if isinstance(column, CompareColumn) and column.message is not None:
            self.dismiss(column.message)

    def on_click(self, event: events.Click) -> None:
        """A click in a column makes it the side that [ ] and Enter act on."""
        widget: DOMNode | None = event.widget
        while widget is not None and not isinstance(widget, CompareColumn):
            widget = widget.parent
        if isinstance(widget, CompareColumn):
            self.side = widget.side
            self._mark_side()
