"""Attachments on the wire: the request body the loopback server records, its checks of content
arrays, a model that refuses images and the resend with another, and ``ask -a``."""

from __future__ import annotations

import asyncio
import base64

import pytest

from pinata_tui.api.errors import RequestRejected
from pinata_tui.attachments import Attachment
from pinata_tui.chat.image_refusal import image_refusal
from pinata_tui.chat.turn import ChatTurn, plan_resend, plan_send
from pinata_tui.conversation import Conversation, MessageStatus
from pinata_tui.exit_codes import EXIT_ATTACHMENT, EXIT_USAGE
from pinata_tui.paths import AppPaths
from pinata_tui.store import ConversationStore
from tests.attachment_helpers import png
from tests.cli_helpers import run_cli, use_home

VISION = "anthropic/claude-sonnet-4-6"
TEXT_ONLY = "deepseek/deepseek-v3.2"
DATA_URL = "data:image/png;base64," + base64.b64encode(png()).decode()


async def no_prices(model_id: str) -> None:
    return None


async def persist_into(store: ConversationStore, write):
    return await asyncio.to_thread(write, store)


def image() -> Attachment:
    return Attachment("shot.png", "image", "image/png", len(png()), data=png())


async def test_the_request_carries_text_files_fenced_and_images_as_parts(server, client):
    conversation = Conversation(model=VISION)
    notes = Attachment("notes.md", "text", "text/plain", 4, text="abc\n")
    plan = plan_send(conversation, "Describe", [notes, image()])
    outcome = await ChatTurn(plan, client, persist=_no_store, prices=no_prices).run()
    assert outcome.status == MessageStatus.COMPLETE
    body = server.state.chat_requests()[-1]["body"]
    assert body["messages"] == [{"role": "user", "content": [
        {"type": "text", "text": "Describe\n\nnotes.md:\n```\nabc\n```"},
        {"type": "image_url", "image_url": {"url": DATA_URL}}]}]
    # the next request sends the same parts again, and the reply as a plain string
    plan = plan_send(conversation, "And now?")
    await ChatTurn(plan, client, persist=_no_store, prices=no_prices).run()
    messages = server.state.chat_requests()[-1]["body"]["messages"]
    assert isinstance(messages[0]["content"], list) and isinstance(messages[1]["content"], str)
    assert messages[2] == {"role": "user", "content": "And now?"}


async def _no_store(write):
    return None


@pytest.mark.parametrize(("content", "problem"), [
    ([], "non-empty array"),
    ([{"type": "audio"}], "unknown content part type 'audio'"),
    ([{"type": "text"}], "needs a string 'text'"),
    ([{"type": "image_url", "image_url": {"url": "data:image/png;base64,@@@"}}], "not valid base64"),
    ([{"type": "image_url", "image_url": {"url": "data:text/html;base64,AAAA"}}], "base64 data URL of a PNG"),
    ([{"type": "image_url", "image_url": "x"}], "needs an object with a string 'url'"),
])
async def test_the_loopback_server_checks_content_arrays_as_a_real_one_does(server, client, content, problem):
    with pytest.raises(RequestRejected, match=problem) as caught:
        await client.chat(VISION, [{"role": "user", "content": content}])
    assert caught.value.status == 400


async def test_the_loopback_server_accepts_images_from_users_only(server, client):
    parts = [{"type": "text", "text": "hi"}, {"type": "image_url", "image_url": {"url": DATA_URL}}]
    result = await client.chat(VISION, [{"role": "user", "content": parts}])
    assert result.text
    with pytest.raises(RequestRejected, match="only user messages may contain images"):
        await client.chat(VISION, [{"role": "assistant", "content": parts}])


async def test_a_refused_image_keeps_the_message_and_a_resend_with_another_model_works(server, client, tmp_path):
    store = ConversationStore(tmp_path / "db.sqlite")

    async def persist(write):
        return await persist_into(store, write)

    conversation = Conversation(model=TEXT_ONLY)
    plan = plan_send(conversation, "What is this?", [image()])
    outcome = await ChatTurn(plan, client, persist=persist, prices=no_prices).run()
    assert outcome.reply is None and isinstance(outcome.error, RequestRejected)
    notice = image_refusal(outcome.error, plan.history, TEXT_ONLY)
    assert notice is not None and notice.startswith(f"This model ({TEXT_ONLY}) did not accept the image")
    assert "does not support image input" in notice and "Ctrl+L" in notice
    user = plan.user
    assert user is not None and user.status == MessageStatus.ERROR and len(user.attachments) == 1
    assert [a.name for a in store.load(conversation.id).messages[0].attachments] == ["shot.png"]

    conversation.model = VISION
    again = plan_resend(conversation, user)
    outcome = await ChatTurn(again, client, persist=persist, prices=no_prices).run()
    assert outcome.status == MessageStatus.COMPLETE
    body = server.state.chat_requests()[-1]["body"]
    assert body["model"] == VISION and body["messages"][0]["content"][1]["image_url"]["url"] == DATA_URL
    saved = store.load(conversation.id)
    assert [m.role for m in saved.messages] == ["user", "assistant"]
    assert saved.messages[0].status == MessageStatus.COMPLETE and len(saved.messages[0].attachments) == 1
    store.close()


def test_a_rejection_is_an_image_refusal_only_with_an_image_and_a_fitting_status():
    error = RequestRejected(400, "Pinata refused the request (400): bad.", detail="bad temperature")
    assert image_refusal(error, [{"role": "user", "content": "hi"}], VISION) is None
    with_image = [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": DATA_URL}}]}]
    assert image_refusal(RequestRejected(404, "gone", detail="No such model"), with_image, VISION) is None
    hedged = image_refusal(error, with_image, VISION)
    assert hedged is not None and "perhaps because it takes no images (Pinata said: bad temperature)" in hedged
    said = RequestRejected(400, "x", detail="image_url is only supported by certain models.")
    assert image_refusal(said, with_image, VISION) == (
        f"This model ({VISION}) did not accept the image (Pinata said: image_url is only supported by certain "
        "models); pick another model with Ctrl+L and press Enter (or Ctrl+R) to send it again; the attachment "
        "is kept.")
    earlier = [*with_image, {"role": "assistant", "content": "a cat"}, {"role": "user", "content": "and?"}]
    assert image_refusal(said, earlier, VISION, way_on="w").startswith(
        f"This model ({VISION}) did not accept an image in an earlier message (Pinata said: ")
    assert "refused a request with an image in an earlier message, perhaps" in image_refusal(error, earlier, VISION)


async def test_the_demo_reply_mentions_the_images_it_received(server, client):
    server.state.demo = True
    parts = [{"type": "text", "text": "hi"}, {"type": "image_url", "image_url": {"url": DATA_URL}}]
    result = await client.chat(VISION, [{"role": "user", "content": parts}])
    assert f"I received 1 image with your message: image/png ({len(png()):,} bytes)" in result.text


# ------------------------------------------------------------------ ask -a


@pytest.fixture
def cli_home(server, tmp_path, monkeypatch) -> AppPaths:
    monkeypatch.chdir(tmp_path)
    return use_home(monkeypatch, tmp_path / "home", server.url)


def test_ask_attaches_files_and_still_reads_stdin(server, cli_home, monkeypatch, tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "pic.png").write_bytes(png())
    result = run_cli(monkeypatch, "ask", "review", "-a", "a.py", "--attach", "pic.png", "-m", VISION,
                     stdin="piped text\n")
    assert result.code == 0, result.err
    content = server.state.chat_requests()[-1]["body"]["messages"][0]["content"]
    assert content == [{"type": "text", "text": "review\n\npiped text\n\na.py:\n```\nx = 1\n```"},
                       {"type": "image_url", "image_url": {"url": DATA_URL}}]
    with ConversationStore(cli_home.database) as store:
        saved = store.load(store.last_conversation_id())
    assert [a.name for a in saved.messages[0].attachments] == ["a.py", "pic.png"]


def test_ask_with_only_a_file_needs_no_prompt(server, cli_home, monkeypatch, tmp_path):
    (tmp_path / "q.txt").write_text("What is 2 + 2?\n", encoding="utf-8")
    result = run_cli(monkeypatch, "ask", "-a", "q.txt", "--no-save")
    assert result.code == 0, result.err
    assert server.state.chat_requests()[-1]["body"]["messages"][0]["content"] == "q.txt:\n```\nWhat is 2 + 2?\n```"


@pytest.mark.parametrize(("make", "said"), [
    (lambda d: None, "missing.txt: no such file"),
    (lambda d: (d / "missing.txt").write_bytes(b"\0\1\2"), "missing.txt looks binary"),
    (lambda d: (d / "missing.txt").mkdir(), "missing.txt is a folder"),
    (lambda d: (d / "missing.txt").write_bytes(b"a" * 300_000), "missing.txt is too big to attach"),
    (lambda d: (d / "missing.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 5),
     "missing.txt is not a valid PNG image: its header is damaged"),
])
def test_ask_refuses_a_file_it_cannot_attach_with_one_line_and_its_own_exit_code(server, cli_home, monkeypatch,
                                                                                 tmp_path, make, said):
    make(tmp_path)
    result = run_cli(monkeypatch, "ask", "hi", "-a", "missing.txt")
    assert result.code == EXIT_ATTACHMENT and result.out == ""
    assert result.err.startswith(f"pinata-chat: {said}") and result.err.count("\n") == 1
    assert server.state.chat_requests() == []


def test_ask_sends_a_file_given_twice_once(server, cli_home, monkeypatch, tmp_path):
    (tmp_path / "notes.txt").write_text("milk\n", encoding="utf-8")
    (tmp_path / "todo.txt").write_text("eggs\n", encoding="utf-8")
    result = run_cli(monkeypatch, "ask", "hi", "-a", "notes.txt", "-a", "todo.txt", "-a", "./notes.txt",
                     "-a", str(tmp_path / "notes.txt"), "--no-save")
    assert result.code == 0, result.err
    content = server.state.chat_requests()[-1]["body"]["messages"][0]["content"]
    assert content == "hi\n\nnotes.txt:\n```\nmilk\n```\n\ntodo.txt:\n```\neggs\n```"


@pytest.mark.parametrize("empty", ["", "  "])
def test_ask_with_an_empty_file_name_says_so(server, cli_home, monkeypatch, empty):
    result = run_cli(monkeypatch, "ask", "hi", "-a", "notes.txt", "-a", empty)
    assert result.code == EXIT_USAGE and result.out == ""
    assert result.err == "pinata-chat: -a needs a file name, and was given an empty one\n"
    assert server.state.chat_requests() == []


def test_ask_shows_a_hostile_file_name_literally(server, cli_home, monkeypatch, tmp_path):
    result = run_cli(monkeypatch, "ask", "hi", "-a", "evil\x1b[2J.txt")
    assert result.code == EXIT_ATTACHMENT and "\x1b" not in result.err and "evil␛[2J.txt" in result.err


def test_ask_says_when_the_model_refused_the_image(server, cli_home, monkeypatch, tmp_path):
    (tmp_path / "pic.png").write_bytes(png())
    result = run_cli(monkeypatch, "ask", "what is it", "-a", "pic.png", "-m", TEXT_ONLY)
    assert result.code == EXIT_ATTACHMENT
    assert f"This model ({TEXT_ONLY}) did not accept the image" in result.err
    assert "run it again with another model (--model)" in result.err


def test_ask_help_and_exit_codes_name_attachments(monkeypatch):
    result = run_cli(monkeypatch, "ask", "--help")
    assert "-a FILE, --attach FILE" in result.out and "16" in result.out
