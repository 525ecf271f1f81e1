"""Model ids from the catalog are text from outside (issue #14 item 1): in the picker, the status bar,
the reply header and the switch marker they are shown literally, never obeyed or read as markup."""

from __future__ import annotations

from textual.widgets import OptionList

from pinata_tui.tui.chat.assistant_message import AssistantMessage
from pinata_tui.tui.chat.model_switch_marker import ModelSwitchMarker
from pinata_tui.tui.models.model_picker import ModelPicker
from tests.tui_helpers import chat, make_app, ready, send_and_wait, until

HOSTILE = "evil/[bold]x[/] \x1b]0;pwned\x07\x1b[2J\u202e[@click=app.quit]"


async def test_a_hostile_model_id_is_shown_literally_everywhere(server, tmp_path):
    server.state.catalog.append({"model_id": HOSTILE, "input_usd_per_1m_tokens": 1.0,
                                 "output_usd_per_1m_tokens": 2.0})
    app = make_app(server, tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+l")
        picker = app.screen
        assert isinstance(picker, ModelPicker)
        options = picker.query_one(OptionList)
        await until(pilot, lambda: options.option_count > 10)
        rows = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        [row] = [r for r in rows if "evil" in r or "[bold]x[/]" in r]
        assert "[bold]x[/]" in row and "\x1b" not in row and "\u202e" not in row
        index = rows.index(row)
        options.highlighted = index
        await pilot.press("enter")
        screen = chat(app)
        await until(pilot, lambda: screen.conversation.model == HOSTILE)
        status = str(screen.status.render())
        assert "\x1b" not in status and "\x07" not in status
        await send_and_wait(pilot, "hello")
        header = screen.view.query(AssistantMessage).last().plain_lines()[0]
        assert "[bold]x[/]" in header and "\x1b" not in header and "\u202e" not in header
        assert app.is_running  # the [@click=app.quit] in the id did nothing
        await pilot.press("ctrl+l")
        await until(pilot, lambda: isinstance(app.screen, ModelPicker))
        await pilot.press(*"sonnet", "enter")
        await until(pilot, lambda: bool(screen.view.query(ModelSwitchMarker)))
        marker = str(screen.view.query(ModelSwitchMarker).last().render())
        assert "\x1b" not in marker
