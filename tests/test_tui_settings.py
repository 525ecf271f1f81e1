"""The settings dialog (F3), the settings line, "New chat with preset…" and ``-p``, in the real app."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, OptionList, Static, TextArea

from pinata_tui.conversation import Conversation
from pinata_tui.conversation_settings import ConversationSettings
from pinata_tui.paths import AppPaths
from pinata_tui.preset_files import load_presets, start_conversation
from pinata_tui.store import ConversationStore
from pinata_tui.tui.chat.preset_picker import PresetPicker
from pinata_tui.tui.chat.settings_dialog import SettingsDialog
from pinata_tui.tui.chat.settings_line import SettingsLine
from tests.tui_helpers import chat, make_app, ready, send_and_wait, until


async def open_dialog(pilot) -> SettingsDialog:
    await pilot.press("f3")
    await until(pilot, lambda: isinstance(pilot.app.screen, SettingsDialog), what="the settings dialog")
    dialog = pilot.app.screen
    assert isinstance(dialog, SettingsDialog)
    return dialog


def fill(dialog: SettingsDialog, **values: str) -> None:
    for name, value in values.items():
        if name == "system":
            dialog.query_one("#settings-system", TextArea).load_text(value)
        else:
            dialog.query_one(f"#settings-{name}", Input).value = value


def line_text(app) -> str:
    line = chat(app).query_one(SettingsLine)
    return str(line.render()) if line.display else ""


async def test_f3_edits_the_settings_and_the_next_request_uses_them(server, tmp_path):
    app = make_app(server, tmp_path, temperature=0.7)
    async with app.run_test() as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "first")
        first = server.state.chat_requests()[-1]["body"]
        assert first["temperature"] == 0.7 and "top_p" not in first and "max_tokens" not in first
        assert line_text(app) == ""

        dialog = await open_dialog(pilot)
        assert dialog.query_one("#settings-temperature", Input).placeholder == "default: 0.7 (config.toml)"
        fill(dialog, system="Answer in French.", temperature="0.2", top_p="0.9", max_tokens="800")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, SettingsDialog), what="the dialog to close")
        assert "T 0.2 · top_p 0.9 · max 800 · system ✓" in line_text(app)

        await send_and_wait(pilot, "second")
        body = server.state.chat_requests()[-1]["body"]
        assert (body["temperature"], body["top_p"], body["max_tokens"]) == (0.2, 0.9, 800)
        assert body["messages"][0] == {"role": "system", "content": "Answer in French."}
        conversation_id = chat(app).conversation.id
    with ConversationStore(AppPaths.under(tmp_path).database) as store:
        saved = store.load(conversation_id)
    assert saved.settings == ConversationSettings(temperature=0.2, top_p=0.9, max_tokens=800)
    assert saved.system_prompt == "Answer in French."


async def test_escape_cancels_and_saves_nothing(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test() as pilot:
        await ready(pilot)
        dialog = await open_dialog(pilot)
        fill(dialog, temperature="1.5", system="ignored")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, SettingsDialog), what="the dialog to close")
        conversation = chat(app).conversation
        assert conversation.settings == ConversationSettings() and conversation.system_prompt is None
        await send_and_wait(pilot, "hello")
        body = server.state.chat_requests()[-1]["body"]
        assert "temperature" not in body and body["messages"][0]["role"] == "user"


async def test_invalid_values_show_errors_and_save_nothing(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test() as pilot:
        await ready(pilot)
        dialog = await open_dialog(pilot)
        fill(dialog, temperature="3", top_p="abc", max_tokens="0", system="not saved either")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is dialog  # still open
        errors = {name: dialog.query_one(f"#settings-{name}-error", Static) for name in ("temperature", "top_p",
                                                                                          "max_tokens")}
        assert all(error.display for error in errors.values())
        assert "from 0 to 2" in str(errors["temperature"].render())
        assert "from 0 to 1" in str(errors["top_p"].render())
        assert "whole number" in str(errors["max_tokens"].render())
        assert app.focused is dialog.query_one("#settings-temperature", Input)
        assert chat(app).conversation.settings == ConversationSettings()

        fill(dialog, temperature="", top_p="", max_tokens="1200")  # fixed: the errors go, and it saves
        dialog.query_one("#settings-max_tokens", Input).focus()
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, SettingsDialog), what="the dialog to close")
        assert chat(app).conversation.settings == ConversationSettings(max_tokens=1200)
        assert chat(app).conversation.system_prompt == "not saved either"


async def test_ctrl_n_starts_with_the_defaults(server, tmp_path):
    app = make_app(server, tmp_path, system_prompt="Be brief.")
    async with app.run_test() as pilot:
        await ready(pilot)
        dialog = await open_dialog(pilot)
        fill(dialog, system="Something else", temperature="0.1")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: chat(app).conversation.settings.temperature == 0.1, what="the settings")
        await pilot.press("ctrl+n")
        await until(pilot, lambda: chat(app).conversation.settings == ConversationSettings(), what="a new chat")
        assert chat(app).conversation.system_prompt == "Be brief."
        assert line_text(app) == ""  # the configured system prompt is a default: nothing to show


async def test_turning_off_config_tomls_system_prompt_shows_as_system_off(server, tmp_path):
    app = make_app(server, tmp_path, system_prompt="CFG SYS")
    async with app.run_test() as pilot:
        await ready(pilot)
        dialog = await open_dialog(pilot)
        fill(dialog, system="")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: chat(app).conversation.system_prompt is None, what="the settings")
        assert line_text(app).startswith("system off")
        await send_and_wait(pilot, "hi")
        assert server.state.chat_requests()[-1]["body"]["messages"][0]["role"] == "user"


async def test_a_long_preset_name_is_shortened_in_the_settings_line_and_the_values_stay(server, tmp_path):
    name = "a" * 60 + "-end"
    conversation = Conversation(model="anthropic/claude-sonnet-4-6",
                                settings=ConversationSettings(temperature=0.2, max_tokens=4000, preset=name))
    app = make_app(server, tmp_path, conversation=conversation)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await until(pilot, lambda: line_text(app).endswith("T 0.2 · max 4,000"), what="the values in the line")
        assert "aaa…" in line_text(app) and len(line_text(app)) <= 80
        await pilot.resize_terminal(140, 24)
        await until(pilot, lambda: line_text(app) == f"preset {name} · T 0.2 · max 4,000   (F3 to change)",
                    what="the whole line")


def write_preset(home: Path, name: str, text: str) -> None:
    folder = AppPaths.under(home).user_presets_dir
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.toml").write_text(text, encoding="utf-8")


async def test_palette_new_chat_with_preset(server, tmp_path):
    write_preset(tmp_path, "pirate", 'description = "Arr"\nmodel = "openai/gpt-5-mini"\n'
                 'system_prompt = "Talk like a pirate."\ntemperature = 1.1\ntop_p = 0.5\n')
    write_preset(tmp_path, "broken", "temperature = 'hot'\n")
    app = make_app(server, tmp_path)
    async with app.run_test() as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "before")
        await pilot.press("ctrl+p", *"chat with preset")
        await until(pilot, lambda: "preset" in str(app.screen.query("CommandList").first().get_option_at_index(0).prompt)
                    if app.screen.query("CommandList") and app.screen.query("CommandList").first().option_count
                    else False, what="the palette to find the entry")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, PresetPicker), what="the preset picker")
        options = app.screen.query_one(OptionList)
        names = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert "pirate" in names and "code-review" in names and "broken" not in names
        options.highlighted = names.index("pirate")
        await pilot.press("enter")
        await until(pilot, lambda: chat(app).conversation.settings.preset == "pirate", what="the preset chat")
        conversation = chat(app).conversation
        assert conversation.model == "openai/gpt-5-mini" and not conversation.messages
        assert "preset pirate · T 1.1 · top_p 0.5 · system ✓" in line_text(app)
        await send_and_wait(pilot, "ahoy")
        body = server.state.chat_requests()[-1]["body"]
        assert body["model"] == "openai/gpt-5-mini" and body["temperature"] == 1.1 and body["top_p"] == 0.5
        assert body["messages"][0] == {"role": "system", "content": "Talk like a pirate."}
        saved_id = chat(app).conversation.id
    with ConversationStore(AppPaths.under(tmp_path).database) as store:
        assert store.load(saved_id).settings.preset == "pirate"


async def test_a_conversation_started_with_a_preset_shows_it_and_sends_it(server, tmp_path):
    """What ``pinata-chat -p code-review`` hands the app (cli.py builds it with the same function)."""
    preset = load_presets(None).find("code-review")
    conversation: Conversation = start_conversation(preset, model="openai/gpt-4.1", system_prompt=None)
    app = make_app(server, tmp_path, conversation=conversation)
    async with app.run_test() as pilot:
        await ready(pilot)
        assert line_text(app).startswith("preset code-review · T 0.2 · max 4,000 · system ✓")
        await send_and_wait(pilot, "review this")
        body = server.state.chat_requests()[-1]["body"]
        assert body["model"] == "anthropic/claude-sonnet-4-6" and body["max_tokens"] == 4000
        assert body["messages"][0]["role"] == "system" and "code reviewer" in body["messages"][0]["content"]


async def test_a_system_prompt_with_control_characters_is_shown_inert_and_kept_unless_edited(server, tmp_path):
    hostile = "Be brief.\x1b]52;c;aGk=\x07\x1b[2J\u202e"
    app = make_app(server, tmp_path, conversation=Conversation(model="anthropic/claude-sonnet-4-6",
                                                               system_prompt=hostile))
    async with app.run_test() as pilot:
        await ready(pilot)
        dialog = await open_dialog(pilot)
        area = dialog.query_one("#settings-system", TextArea)
        drawn = "".join(segment.text for segment in area.render_line(0))
        assert "\x1b" not in drawn and "\x07" not in drawn and "\u202e" not in drawn and "␛" in drawn
        fill(dialog, temperature="0.5")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, SettingsDialog), what="the dialog to close")
        assert chat(app).conversation.system_prompt == hostile  # not edited: not rewritten either
        assert chat(app).conversation.settings.temperature == 0.5


async def test_the_preset_picker_fits_at_80x24_and_wrapped_descriptions_keep_their_indent(server, tmp_path):
    for n in range(8):
        write_preset(tmp_path, f"mine{n}", f'description = "Preset {n}, whose description is long enough to wrap '
                     'onto a second line in an eighty-column dialog"\n')
    app = make_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        app.push_screen(PresetPicker(list(load_presets(AppPaths.under(tmp_path).user_presets_dir).presets.values())))
        await until(pilot, lambda: isinstance(app.screen, PresetPicker), what="the preset picker")
        await pilot.pause()
        dialog = app.screen.query_one("#preset-picker")
        hint = app.screen.query(Static).last()
        assert dialog.region.y >= 0 and dialog.region.bottom <= 24
        assert "Esc cancels" in str(hint.render()) and dialog.region.contains_region(hint.region)
        options = app.screen.query_one(OptionList)
        options.highlighted = options.option_count - 1  # scrolled to the user's presets
        await pilot.pause()
        lines = ["".join(s.text for s in options.render_line(y)) for y in range(options.size.height)]
        names = [options.get_option_at_index(i).id for i in range(options.option_count)]
        # Each line is a name, or a description (first line or wrapped) two columns in.
        assert sum("eighty-column dialog" in line for line in lines) >= 2
        assert all(line.startswith(tuple(names)) or line.startswith("  ") or not line.strip()
                   for line in lines), lines
