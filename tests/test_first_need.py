"""The chat screen's bars that start hidden are mounted when first needed, in their place (#17: cold start)."""

from __future__ import annotations

from pinata_tui.attachments import Attachment
from pinata_tui.conversation import MessageStatus
from pinata_tui.tui.chat.credits_banner import CreditsBanner
from pinata_tui.tui.chat.path_completions import PathCompletions
from tests.tui_helpers import chat, make_app, ready, send_and_wait
from tests.waiting import until

LATER = ("#demo-banner", "#credits-banner", "#more-below", "#attachments")
ORDER = ["demo-banner", "credits-banner", "settings-line", "empty-hint", "conversation", "more-below",
         "path-completions", "attachments", "prompt", "status-bar"]
"""The order they were composed in (before #17's change), the ``@path`` matches mounted above the chips."""


def ids(screen) -> list[str]:
    return [child.id for child in screen.children if child.id in ORDER]


async def test_the_hidden_bars_are_not_mounted_at_start_nor_by_a_plain_reply(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = chat(app)
        assert [name for name in LATER if screen.query_children(name)] == []
        await send_and_wait(pilot, "hello")
        assert screen.conversation.last_reply.status == MessageStatus.COMPLETE
        assert screen.attached == [] and not screen.query_children(CreditsBanner)
        assert [name for name in LATER if screen.query_children(name)] == []


async def test_each_is_mounted_in_its_composed_place_whatever_the_order_they_are_first_needed_in(server, tmp_path):
    attachment = Attachment(name="notes.txt", kind="text", mime="text/plain", size=2, text="hi")
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = chat(app)
        await screen.tray.add(attachment)
        screen.show_more_below(True)
        screen.banner.show_out_of_credits(5)
        await screen.mount(PathCompletions(id="path-completions"), before=screen.tray)
        screen.show_demo_banner()
        await pilot.pause()
        assert ids(screen) == ORDER
        assert screen.attached == [attachment] and screen.query_one("#attachments").display
        assert screen.query_one("#more-below").display and screen.query_one("#demo-banner").display
        assert screen.banner.display and "Out of credits" in str(screen.banner.query_one("#credits-text").render())
        screen.hide_banner()
        screen.show_more_below(False)
        assert not screen.banner.display and not screen.query_one("#more-below").display
        await until(pilot, lambda: screen.prompt.has_attachments, what="the chips counted")
