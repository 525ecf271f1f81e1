"""Conversation trees in the TUI (#19): edit a prompt into a new branch, move between alternatives,
regenerate with other models, compare side by side — with keys and the mouse, against the loopback
server, and reopened from the store."""

from __future__ import annotations

from textual import events
from textual.widgets import OptionList

from pinata_tui.conversation import ChatMessage
from pinata_tui.devserver import Fault
from pinata_tui.paths import AppPaths
from pinata_tui.store import ConversationStore
from pinata_tui.tui.chat.assistant_message import AssistantMessage
from pinata_tui.tui.chat.compare_screen import CompareScreen
from pinata_tui.tui.chat.message_block import MessageBlock
from pinata_tui.tui.chat.user_message import UserMessage
from pinata_tui.tui.models.model_picker import ModelPicker
from tests.tui_helpers import chat, make_app, press_now, ready, send_and_wait, shown_header, turn_settled
from tests.waiting import until


def newest_alternative_settled(screen, count: int) -> bool:
    """The last reply has ``count`` alternatives, the newest is on the branch, and it has settled."""
    siblings = screen.conversation.siblings(screen.conversation.messages[1])
    return (len(siblings) == count and screen.conversation.messages[1] is siblings[-1]
            and turn_settled(screen, 1))


def texts(app) -> list[str]:
    return [m.content for m in chat(app).conversation.messages]


def block(app, message: ChatMessage) -> MessageBlock:
    found = chat(app).view.block_for(message)
    assert found is not None, f"no block for {message.content!r}"
    return found


async def ten_messages(pilot) -> None:
    for n in range(1, 6):
        await send_and_wait(pilot, f"question {n}")


async def focus(pilot, message: ChatMessage) -> MessageBlock:
    screen = chat(pilot.app)
    await screen.view.reveal(message)
    await pilot.pause()
    found = block(pilot.app, message)
    found.focus()
    await pilot.pause()
    return found


async def edit_third_message(pilot, new_text: str) -> None:
    app = pilot.app
    screen = chat(app)
    third = screen.conversation.messages[2]
    await focus(pilot, third)
    await pilot.press("e")
    await until(pilot, lambda: screen.editing is third, what="the edit")
    assert screen.editing is third and screen.prompt.text == third.content
    assert "new branch" in str(screen.prompt.border_title)
    screen.prompt.load_text(new_text)
    before = len(screen.conversation.messages)
    await press_now(pilot, "enter")
    await until(pilot, lambda: not screen.streaming and len(screen.conversation.messages) == 4
                and turn_settled(screen, 3), what="the edited branch's reply")
    assert before == 10


async def test_edit_the_third_message_switch_back_and_forward_and_reopen(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(pilot)
        await ten_messages(pilot)
        old_branch = texts(app)
        await edit_third_message(pilot, "question 2, asked better")
        screen = chat(app)
        assert texts(app)[:3] == ["question 1", old_branch[1], "question 2, asked better"]
        # The request carried the new branch only: nothing from the old one after the edit point.
        sent = server.state.chat_requests()[-1]["body"]["messages"]
        assert [m["content"] for m in sent] == ["question 1", old_branch[1], "question 2, asked better"]
        edited = screen.conversation.messages[2]
        assert "◀ 2/2 ▶" in shown_header(block(app, edited))
        assert len(screen.view.query(MessageBlock)) == 4  # the old branch's blocks are gone from the pane

        block(app, edited).focus()
        await pilot.press("left")
        await until(pilot, lambda: texts(app) == old_branch, what="the old branch")
        await until(pilot, lambda: len(screen.view.query(MessageBlock)) == 10, what="the old branch shown")
        assert "◀ 1/2 ▶" in shown_header(block(app, screen.conversation.messages[2]))
        assert isinstance(app.focused, UserMessage) and app.focused.message is screen.conversation.messages[2]
        await pilot.press("right")
        await until(pilot, lambda: texts(app)[2] == "question 2, asked better", what="the new branch again")
        assert len(texts(app)) == 4
        await pilot.press("left")
        await until(pilot, lambda: texts(app) == old_branch, what="the old branch again")
        conversation_id = screen.conversation.id

    with ConversationStore(AppPaths.under(tmp_path).database) as store:
        reopened = store.load(conversation_id)
    assert [m.content for m in reopened.messages] == old_branch  # it reopens on the branch last shown
    assert len(reopened.tree()) == 12


async def test_esc_cancels_an_edit_and_gives_back_the_draft(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "first question")
        screen = chat(app)
        screen.prompt.load_text("a draft I was writing")
        await focus(pilot, screen.conversation.messages[0])
        await pilot.press("e")
        await until(pilot, lambda: screen.editing is not None, what="the edit")
        assert screen.prompt.text == "first question" and screen.prompt.has_class("-editing")
        await pilot.press("escape")
        await until(pilot, lambda: screen.editing is None, what="the edit cancelled")
        assert screen.editing is None and screen.prompt.text == "a draft I was writing"
        assert not screen.prompt.has_class("-editing") and len(server.state.chat_requests()) == 1
        await focus(pilot, screen.conversation.messages[0])
        await pilot.press("e")
        await until(pilot, lambda: screen.editing is not None, what="the edit again")
        screen.prompt.load_text("first question, edited")
        await press_now(pilot, "enter")
        await until(pilot, lambda: turn_settled(screen, 1) and screen.conversation.messages[0].content.endswith("edited"),
                    what="the edited branch")
        assert screen.prompt.text == "a draft I was writing"  # the draft comes back once the edit is sent


async def pick_model(pilot, model_id: str) -> None:
    picker = pilot.app.screen
    assert isinstance(picker, ModelPicker)
    assert "Regenerate" in str(picker.query_one("#picker-title").render())
    await pilot.press(*model_id.split("/", 1)[1])
    options = picker.query_one(OptionList)
    await until(pilot, lambda: options.option_count >= 1 and options.get_option_at_index(0).id == model_id,
                what=f"{model_id} first")
    await pilot.press("enter")


async def test_regenerate_the_last_reply_with_two_other_models_then_compare(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "explain recursion")
        screen = chat(app)
        first = screen.conversation.messages[1]
        for model in ("openai/gpt-5-mini", "google/gemini-2.5-flash"):
            await focus(pilot, screen.conversation.messages[-1])
            await pilot.press("m")
            await until(pilot, lambda: isinstance(app.screen, ModelPicker), what="the picker")
            await pick_model(pilot, model)
            await until(pilot, lambda m=model: screen.conversation.messages[-1].model == m
                        and turn_settled(screen, 1), what=f"the reply from {model}")
            assert server.state.chat_requests()[-1]["body"]["model"] == model
        alternatives = screen.conversation.siblings(screen.conversation.messages[1])
        assert [m.model for m in alternatives] == [first.model, "openai/gpt-5-mini", "google/gemini-2.5-flash"]
        assert screen.conversation.model == first.model  # the conversation's own model is unchanged
        assert "◀ 3/3 ▶" in shown_header(block(app, alternatives[2]))
        # Each request had the same history: the prompt, not the other alternatives.
        assert all([m["content"] for m in r["body"]["messages"]] == ["explain recursion"]
                   for r in server.state.chat_requests())

        await focus(pilot, alternatives[2])
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, CompareScreen), what="the comparison")
        compare = app.screen
        assert isinstance(compare, CompareScreen)
        await pilot.pause()
        left = str(compare.query_one("#compare-left-figures").render())
        right = str(compare.query_one("#compare-right-figures").render())
        assert "openai/gpt-5-mini" in left and "google/gemini-2.5-flash" in right
        assert "tokens" in left and "tok/s" in right and "$" in right
        assert compare.query_one("#compare-left-body").query(AssistantMessage)
        await pilot.press("left")  # the left side, then the alternative before it: the first reply
        await pilot.press("[")
        await until(pilot, lambda: first.model in str(compare.query_one("#compare-left-figures").render()),
                    what="the first reply on the left")
        await press_now(pilot, "enter")
        await until(pilot, lambda: screen.conversation.messages[-1] is first, what="the first reply chosen")
        assert app.screen is screen


async def test_quick_arrows_in_one_burst_each_move_one_alternative(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "explain recursion")
        screen = chat(app)
        for count in (2, 3):
            await focus(pilot, screen.conversation.messages[-1])
            await pilot.press("ctrl+r")
            await until(pilot, lambda c=count: newest_alternative_settled(screen, c), what=f"alternative {count}")
        alternatives = screen.conversation.siblings(screen.conversation.messages[1])
        await focus(pilot, alternatives[2])
        for _ in range(2):  # two presses read from the terminal at once: both reach the 3/3 block
            key = events.Key("left", None)
            key.set_sender(app)
            app.post_message(key)
        await until(pilot, lambda: screen.conversation.messages[1] is alternatives[0], what="the first alternative")
        def header_shows_first() -> bool:
            found = screen.view.block_for(alternatives[0])
            return found is not None and "◀ 1/3 ▶" in shown_header(found)

        await until(pilot, header_shows_first, what="its header")
        await pilot.press("right")
        await until(pilot, lambda: screen.conversation.messages[1] is alternatives[1], what="the second alternative")


async def test_compare_scrolls_together_and_a_click_chooses(server, tmp_path):
    long_reply = "\n\n".join(f"Paragraph {n} of a long answer." for n in range(60))
    server.state.reply_override = long_reply
    app = make_app(server, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "a long one")
        screen = chat(app)
        await pilot.press("ctrl+r")
        await until(pilot, lambda: len(screen.conversation.siblings(screen.conversation.messages[1])) == 2
                    and not screen.streaming, what="an alternative")
        await focus(pilot, screen.conversation.messages[1])
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, CompareScreen), what="the comparison")
        compare = app.screen
        await pilot.pause()
        left, right = compare.query_one("#compare-left-body"), compare.query_one("#compare-right-body")
        await until(pilot, lambda: left.max_scroll_y > 5, what="the replies laid out")
        await pilot.press("pagedown")
        await until(pilot, lambda: right.scroll_y > 0 and left.scroll_y == right.scroll_y, what="both scrolled")
        original = screen.conversation.siblings(screen.conversation.messages[1])[0]
        await pilot.click("#compare-left-use")
        await until(pilot, lambda: app.screen is screen, what="the comparison closed")
        assert screen.conversation.messages[1] is original


async def test_ctrl_r_on_an_earlier_reply_adds_an_alternative_there_and_keeps_what_followed(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(pilot)
        await ten_messages(pilot)
        screen = chat(app)
        old_branch = texts(app)
        second_reply = screen.conversation.messages[3]
        await focus(pilot, second_reply)
        await pilot.press("ctrl+r")
        await until(pilot, lambda: len(texts(app)) == 4 and screen.conversation.messages[3] is not second_reply
                    and turn_settled(screen, 3), what="the alternative")
        assert screen.conversation.messages[3] is not second_reply
        assert [m["content"] for m in server.state.chat_requests()[-1]["body"]["messages"]] == old_branch[:3]
        new = screen.conversation.messages[3]
        block(app, new).focus()
        await pilot.press("left")
        await until(pilot, lambda: texts(app) == old_branch, what="the original reply and what followed it")


async def test_a_failed_alternative_gives_back_the_branch_it_was_to_replace(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(pilot)
        await ten_messages(pilot)
        screen = chat(app)
        old_branch = texts(app)
        await focus(pilot, screen.conversation.messages[3])
        server.state.add_fault(Fault(route="chat", status=400, times=5))
        await pilot.press("ctrl+r")
        await until(pilot, lambda: not screen.streaming and texts(app) == old_branch, what="the old branch back")
        await until(pilot, lambda: len(screen.view.query(MessageBlock)) == 10, what="all of it shown")
        assert len(screen.conversation.siblings(screen.conversation.messages[3])) == 1


async def test_the_arrows_in_a_header_are_clickable(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "hello")
        screen = chat(app)
        first = screen.conversation.messages[1]
        await pilot.press("ctrl+r")
        await until(pilot, lambda: screen.conversation.messages[-1] is not first and turn_settled(screen, 1),
                    what="an alternative")
        reply = block(app, screen.conversation.messages[1])
        await pilot.pause()
        header = shown_header(reply)
        arrow = header.index("◀")
        # Content starts after the left border and padding (2 cells).
        await pilot.click(reply, offset=(arrow + 2, 0))
        await until(pilot, lambda: screen.conversation.messages[1] is first, what="the first alternative")
        reply = block(app, first)
        await pilot.pause()
        arrow = shown_header(reply).index("▶")
        await pilot.click(reply, offset=(arrow + 2, 0))
        await until(pilot, lambda: screen.conversation.messages[1] is not first, what="the second again")


async def test_a_search_hit_in_another_branch_opens_that_branch(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "the zanzibar question")
        await send_and_wait(pilot, "a follow-up")
        screen = chat(app)
        await edit_first(pilot, "the other question")
        assert texts(app)[0] == "the other question"
        hidden = screen.conversation.siblings(screen.conversation.messages[0])[0]
        conversation_id = screen.conversation.id
        await app.open_saved(conversation_id, at_message=hidden.id)
        await until(pilot, lambda: chat(app).conversation.messages[0].content == "the zanzibar question",
                    what="the branch of the hit")
        assert len(chat(app).conversation.messages) == 4
        await until(pilot, lambda: isinstance(app.focused, UserMessage)
                    and app.focused.message.content == "the zanzibar question", what="the hit focused")
    with ConversationStore(AppPaths.under(tmp_path).database) as store:  # and it is the current branch now
        assert store.load(conversation_id).messages[0].content == "the zanzibar question"


async def edit_first(pilot, text: str) -> None:
    screen = chat(pilot.app)
    await focus(pilot, screen.conversation.messages[0])
    await pilot.press("e")
    await until(pilot, lambda: screen.editing is not None, what="the edit")
    screen.prompt.load_text(text)
    await press_now(pilot, "enter")
    await until(pilot, lambda: len(screen.conversation.messages) == 2 and turn_settled(screen, 1),
                what="the edited branch")


async def test_the_palette_offers_edit_regenerate_with_and_compare(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "one question")
        screen = chat(app)
        await pilot.press("ctrl+p")
        await pilot.press(*"Regenerate with")
        await until(pilot, lambda: "Regenerate with" in str(app.screen.query("CommandList").first()
                                                              .get_option_at_index(0).prompt), what="the entry")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ModelPicker), what="the picker")
        await pick_model(pilot, "openai/gpt-5.1")
        await until(pilot, lambda: screen.conversation.messages[-1].model == "openai/gpt-5.1"
                    and turn_settled(screen, 1), what="the alternative")
        screen.action_compare_last()
        await until(pilot, lambda: isinstance(app.screen, CompareScreen), what="the comparison")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, what="back")
        screen.action_edit_last_prompt()
        await until(pilot, lambda: screen.editing is screen.conversation.messages[0], what="the edit")
        assert screen.prompt.text == "one question"


HOSTILE = "clear\x1b[2J then \x1b]52;c;cGF3bmVk\x07 and \u202eevil"


def drawn(widget) -> str:
    """Every character the widget's visible lines would send to the terminal."""
    return "".join(segment.text for y in range(widget.size.height) for segment in widget.render_line(y))


async def test_a_hostile_prompt_loaded_for_an_edit_is_drawn_inert_and_sent_as_it_was(server, tmp_path):
    from pinata_tui.conversation import Conversation
    from pinata_tui.paths import AppPaths

    conversation = Conversation(model="anthropic/claude-sonnet-4-6")
    conversation.add(ChatMessage("user", HOSTILE))
    conversation.add(ChatMessage("assistant", "ok", model="anthropic/claude-sonnet-4-6"))
    with ConversationStore(AppPaths.under(tmp_path).database) as store:
        conversation_id = store.save_conversation(conversation)
    app = make_app(server, tmp_path, open_conversation=conversation_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        screen = chat(app)
        await focus(pilot, screen.conversation.messages[0])
        await pilot.press("e")
        await until(pilot, lambda: screen.editing is not None, what="the edit")
        await pilot.pause()
        shown = drawn(screen.prompt)
        assert screen.prompt.text == HOSTILE  # the text itself is untouched…
        assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown  # …but drawn inert
        assert "␛[2J" in shown
        await press_now(pilot, "enter")
        await until(pilot, lambda: turn_settled(screen, 1) and len(server.state.chat_requests()) == 1,
                    what="the edit sent")
        assert server.state.chat_requests()[0]["body"]["messages"][-1]["content"] == HOSTILE


async def test_a_control_character_in_an_input_is_drawn_inert(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+l")
        await until(pilot, lambda: isinstance(app.screen, ModelPicker), what="the picker")
        field = app.screen.query_one("#picker-filter")
        field.insert_text_at_cursor("a\x1b[2Jb")
        await pilot.pause()
        shown = drawn(field)
        assert field.value == "a\x1b[2Jb" and "\x1b" not in shown and "␛[2J" in shown


async def test_editing_the_first_message_shows_one_first_message_and_switching_stacks_nothing(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "root test")
        screen = chat(app)
        await edit_first(pilot, "root test v2")
        assert [b.message.content for b in screen.view.query(UserMessage)] == ["root test v2"]
        for key in ("left", "right", "left"):
            block(app, screen.conversation.messages[0]).focus()
            await pilot.press(key)
            await pilot.pause()
            assert len(screen.view.query(UserMessage)) == 1
            assert len(screen.view.query(MessageBlock)) == 2
        assert texts(app)[0] == "root test"


async def test_switching_branches_while_an_edit_is_typed_keeps_the_edit(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "q")
        screen = chat(app)
        await press_now(pilot, "ctrl+r")
        await until(pilot, lambda: len(screen.conversation.siblings(screen.conversation.messages[1])) == 2
                    and not screen.streaming, what="an alternative")
        await focus(pilot, screen.conversation.messages[0])
        await pilot.press("e")
        await until(pilot, lambda: screen.editing is not None, what="the edit")
        screen.prompt.insert(" plus a careful edit")
        reply = block(app, screen.conversation.messages[1])
        reply.focus()
        before = screen.conversation.messages[1]
        await pilot.press("left")
        await pilot.pause()
        assert screen.conversation.messages[1] is before  # refused…
        assert screen.editing is not None and screen.prompt.text == "q plus a careful edit"  # …and nothing lost
        assert any("editing a message" in str(n.message) for n in app._notifications)


async def test_ctrl_r_on_a_focused_prompt_regenerates_its_reply(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "first")
        await send_and_wait(pilot, "second")
        screen = chat(app)
        first_reply = screen.conversation.messages[1]
        await focus(pilot, screen.conversation.messages[0])
        await press_now(pilot, "ctrl+r")
        await until(pilot, lambda: len(screen.conversation.messages) == 2
                    and screen.conversation.messages[1] is not first_reply and turn_settled(screen, 1),
                    what="an alternative to the first reply")
        assert screen.conversation.siblings(screen.conversation.messages[1])[0] is first_reply


async def test_typing_at_a_focused_message_goes_to_the_prompt_and_esc_goes_back(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "hello")
        screen = chat(app)
        await focus(pilot, screen.conversation.messages[1])
        await pilot.press("f", "o")  # not keys of a reply: the start of a new question
        await until(pilot, lambda: screen.prompt.text == "fo", what="the letters in the prompt")
        assert app.focused is screen.prompt
        await focus(pilot, screen.conversation.messages[1])
        await pilot.press("escape")
        await until(pilot, lambda: app.focused is screen.prompt, what="the prompt focused")


async def test_a_question_typed_in_one_burst_at_a_focused_message_all_goes_to_the_prompt(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "hello")
        screen = chat(app)
        for message in screen.conversation.messages:  # the reply (y, c, k, t, m, v) and the prompt (e too)
            screen.prompt.load_text("")
            await focus(pilot, message)
            for character in "a quick test, then edit":  # read from the terminal at once: all reach the
                key = events.Key(character if character.isalnum() else  # message before the focus moves
                                 {" ": "space", ",": "comma"}[character], character)
                key.set_sender(app)
                app.post_message(key)
            await until(pilot, lambda: screen.prompt.text == "a quick test, then edit", what="the whole question")
            assert app.focused is screen.prompt and screen.editing is None and app.clipboard == ""
        await focus(pilot, screen.conversation.messages[1])
        await pilot.press("y")  # typed as the first key at a message, a key there is still its key
        await until(pilot, lambda: app.clipboard == screen.conversation.messages[1].content, what="the copy")


async def test_compare_then_enter_on_the_alternative_shown_already_keeps_it_shown(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "case three")
        screen = chat(app)
        await focus(pilot, screen.conversation.messages[-1])
        await pilot.press("ctrl+r")
        await until(pilot, lambda: newest_alternative_settled(screen, 2), what="the second alternative")
        current = screen.conversation.messages[1]
        await focus(pilot, current)
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, CompareScreen), what="the comparison")
        await pilot.pause()
        await press_now(pilot, "enter")  # the side selected on opening: the alternative shown already
        await until(pilot, lambda: app.screen is screen, what="back to the chat")
        assert screen.conversation.messages[1] is current
        await until(pilot, lambda: screen.view.block_for(current) is not None, what="its block")
        assert app.focused is screen.view.block_for(current)


async def test_compare_never_shows_one_alternative_on_both_sides(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await send_and_wait(pilot, "q")
        screen = chat(app)
        for count in (2, 3):
            await press_now(pilot, "ctrl+r")
            await until(pilot, lambda c=count: newest_alternative_settled(screen, c), what=f"{count} alternatives")
        await focus(pilot, screen.conversation.messages[1])
        await pilot.press("v")
        await until(pilot, lambda: isinstance(app.screen, CompareScreen), what="the comparison")
        compare = app.screen
        for key in ("left", "[", "[", "[", "]", "right", "]", "]"):
            await pilot.press(key)
            assert compare.shown["left"] != compare.shown["right"], key


async def test_f1_lists_the_keys_of_messages_and_replies(server, tmp_path):
    app = make_app(server, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot)
        described = [d for _, d, _ in app.binding_rows()]
        for wanted in ("Edit (new branch) (on your message)", "Regenerate with… (on a reply)",
                       "Compare alternatives (on a reply)", "Previous alternative (on a focused message)",
                       "Copy message (on a focused message)"):
            assert wanted in described
