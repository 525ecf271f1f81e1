"""The chat screen is styled once before its first frame: the restyle Textual does on a screen's first
resume is skipped (``tui/chat/styled_once.py``), later resumes restyle as usual."""

from __future__ import annotations

from textual import events
from textual.screen import Screen

from pinata_tui.tui.chat.chat_screen import ChatScreen
from tests.tui_helpers import chat, make_app, ready
from tests.waiting import until


def styles(screen: Screen) -> dict[int, str]:
    return {id(node): node.styles.css for node in screen.walk_children(with_self=True)}


async def test_a_full_restyle_of_the_first_screen_changes_nothing(server, tmp_path, monkeypatch):
    restyled: list[Screen] = []
    update = ChatScreen.update_node_styles

    def counted(self, animate=True):
        restyled.append(self)
        return update(self, animate)

    monkeypatch.setattr(ChatScreen, "update_node_styles", counted)
    for size in ((120, 40), (80, 24), (60, 15)):  # both vertical breakpoints
        restyled.clear()
        app = make_app(server, tmp_path)
        async with app.run_test(size=size) as pilot:
            await ready(pilot)
            screen = chat(app)
            assert restyled == []  # styled as its widgets mounted, not again at its first resume
            before = styles(screen)
            update(screen, animate=False)
            assert styles(screen) == before


async def test_a_later_resume_restyles_the_chat_screen(server, tmp_path, monkeypatch):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = chat(app)
        restyled: list[Screen] = []
        update = ChatScreen.update_node_styles
        monkeypatch.setattr(ChatScreen, "update_node_styles",
                            lambda self, animate=True: (restyled.append(self), update(self, animate))[1])
        screen.post_message(events.ScreenResume())  # as Textual sends it when a screen comes back
        await until(pilot, lambda: restyled == [screen], what="the chat screen restyled")
