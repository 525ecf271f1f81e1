"""Attachments without a screen: reading files safely, image sniffing, fences, request content,
the token estimate, the store, and export / import."""

from __future__ import annotations

import base64
import json
import os
import threading

import pytest

from pinata_tui.attachment_content import (
    fence_for,
    from_json,
    image_dimensions,
    image_tokens,
    message_content,
    text_with_files,
)
from pinata_tui.attachments import (
    TEXT_LIMIT,
    Attachment,
    AttachmentError,
    complete_path,
    read_attachment,
    sniff_image,
)
from pinata_tui.conversation import ChatMessage, Conversation, MessageStatus
from pinata_tui.export import InvalidImport, to_json, to_markdown
from pinata_tui.export import from_json as import_json
from pinata_tui.store import ConversationStore
from tests.attachment_helpers import GIF, JPEG, WEBP, png, png_header


def test_a_text_file_is_read_with_its_path_relative_to_the_working_folder(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("print('hi')\n", encoding="utf-8")
    attachment = read_attachment("src/app.py", cwd=tmp_path)
    assert (attachment.name, attachment.kind, attachment.mime, attachment.size) == (
        "src/app.py", "text", "text/plain", 12)
    assert attachment.text == "print('hi')\n" and attachment.data is None
    absolute = read_attachment(tmp_path / "src" / "app.py", cwd=tmp_path)
    assert absolute.name == "src/app.py"


@pytest.mark.parametrize(("content", "mime"), [(png(), "image/png"), (JPEG, "image/jpeg"), (GIF, "image/gif"),
                                               (WEBP, "image/webp")])
def test_images_are_recognised_by_their_bytes_not_their_extension(tmp_path, content, mime):
    (tmp_path / "picture.txt").write_bytes(content)
    attachment = read_attachment("picture.txt", cwd=tmp_path)
    assert (attachment.kind, attachment.mime, attachment.data) == ("image", mime, content)
    assert sniff_image(b"not an image") is None


def test_a_png_named_like_text_and_text_named_like_a_png(tmp_path):
    (tmp_path / "fake.png").write_text("just text", encoding="utf-8")
    assert read_attachment("fake.png", cwd=tmp_path).kind == "text"


def test_limits_are_checked_on_the_real_size_before_reading(tmp_path):
    big = tmp_path / "big.log"
    big.write_bytes(b"a" * (TEXT_LIMIT + 1))
    with pytest.raises(AttachmentError, match=r"big.log is too big to attach as text \(256 KB"):
        read_attachment("big.log", cwd=tmp_path)
    huge = tmp_path / "huge.bin"
    with huge.open("wb") as handle:
        handle.truncate(6 * 1024 * 1024)  # sparse: the size is refused from fstat, nothing is read
    with pytest.raises(AttachmentError, match="huge.bin is too big to attach"):
        read_attachment(huge, cwd=tmp_path)
    image = tmp_path / "large.png"
    image.write_bytes(png() + b"\0" * (TEXT_LIMIT + 10))  # over the text limit, under the image one
    assert read_attachment(image, cwd=tmp_path).kind == "image"
    with pytest.raises(AttachmentError, match="images up to"):
        read_attachment(image, cwd=tmp_path, image_limit=1000)


def test_binary_and_non_utf8_files_are_refused_with_a_reason(tmp_path):
    (tmp_path / "prog").write_bytes(b"\x7fELF\x02\x01\x01\0\0\0")
    with pytest.raises(AttachmentError, match="prog looks binary and is not a PNG, JPEG, GIF or WebP image"):
        read_attachment("prog", cwd=tmp_path)
    (tmp_path / "latin1.txt").write_bytes("café".encode("latin-1"))
    with pytest.raises(AttachmentError, match=r"latin1.txt is not UTF-8 text \(bad byte at offset 3\)"):
        read_attachment("latin1.txt", cwd=tmp_path)


def test_folders_fifos_devices_missing_files_and_links(tmp_path):
    (tmp_path / "folder").mkdir()
    with pytest.raises(AttachmentError, match="folder is a folder: only files can be attached"):
        read_attachment("folder", cwd=tmp_path)
    os.mkfifo(tmp_path / "pipe")
    result: list[BaseException] = []
    reader = threading.Thread(target=lambda: _capture(result, read_attachment, "pipe", cwd=tmp_path))
    reader.start()
    reader.join(timeout=10)
    assert not reader.is_alive(), "reading a fifo blocked"
    assert "pipe is a named pipe" in str(result[0])
    with pytest.raises(AttachmentError, match="is a device"):
        read_attachment("/dev/null")
    with pytest.raises(AttachmentError, match="missing.txt: no such file"):
        read_attachment("missing.txt", cwd=tmp_path)
    (tmp_path / "real.txt").write_text("target\n", encoding="utf-8")
    (tmp_path / "link.txt").symlink_to(tmp_path / "real.txt")
    assert read_attachment("link.txt", cwd=tmp_path).text == "target\n"
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    with pytest.raises(AttachmentError, match="dangling: no such file"):
        read_attachment("dangling", cwd=tmp_path)
    (tmp_path / "to-dev").symlink_to("/dev/zero")
    with pytest.raises(AttachmentError, match="to-dev is a device"):
        read_attachment("to-dev", cwd=tmp_path)
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    with pytest.raises(AttachmentError, match="loop: cannot be read"):
        read_attachment("loop", cwd=tmp_path)


def _capture(into: list[BaseException], function, *args, **kwargs) -> None:
    try:
        function(*args, **kwargs)
    except BaseException as exc:
        into.append(exc)


def test_the_fence_is_longer_than_any_backtick_run_in_the_file():
    assert fence_for("plain") == "```"
    assert fence_for("has ``` inside and ````` too") == "``````"
    tricky = Attachment("notes.md", "text", "text/plain", 20, text="```\nclose early?\n```")
    assert text_with_files("Review this", [tricky]) == (
        "Review this\n\nnotes.md:\n````\n```\nclose early?\n```\n````")


def test_request_content_is_a_string_unless_an_image_goes_with_it():
    text = Attachment("a.txt", "text", "text/plain", 3, text="abc")
    image = Attachment("p.png", "image", "image/png", len(png()), data=png())
    assert message_content("Hi", [text]) == "Hi\n\na.txt:\n```\nabc\n```"
    parts = message_content("Hi", [text, image])
    assert parts == [{"type": "text", "text": "Hi\n\na.txt:\n```\nabc\n```"},
                     {"type": "image_url",
                      "image_url": {"url": "data:image/png;base64," + base64.b64encode(png()).decode()}}]
    conversation = Conversation(model="m")
    conversation.add(ChatMessage("user", "plain"))
    conversation.add(ChatMessage("assistant", "ok"))
    conversation.add(ChatMessage("user", "look", attachments=[image]))
    history = conversation.request_history()
    assert history[0] == {"role": "user", "content": "plain"} and history[1]["content"] == "ok"
    assert isinstance(history[2]["content"], list)


def test_a_hostile_file_name_is_shown_literally_in_the_request_label():
    name = "evil\x1b]52;c;aGk=\x07\n[bold]x[/].txt"
    attachment = Attachment(name, "text", "text/plain", 1, text="x")
    label = text_with_files("", [attachment]).split("\n", 1)[0]
    assert "\x1b" not in label and "\x07" not in label and "[bold]x[/]" in label


def test_image_sizes_and_the_token_estimate():
    assert image_dimensions(png(2, 3)) == (2, 3)
    assert image_dimensions(GIF) == (4, 5)
    assert image_dimensions(JPEG) == (64, 32)
    assert image_dimensions(WEBP) == (10, 8)
    small = Attachment("s.png", "image", "image/png", 1, data=png(100, 100))
    assert image_tokens(small) == 85 + 170  # one 512-pixel tile
    big = Attachment("b.png", "image", "image/png", 1, data=png_header(2048, 4096))
    assert image_tokens(big) == 85 + 170 * 6  # 1024×2048 → 768×1536: 2 × 3 tiles
    unknown = Attachment("u.webp", "image", "image/webp", 1, data=b"RIFF....WEBPVP8 ")
    assert image_tokens(unknown) == 765


def test_path_completion_lists_matches_and_marks_folders(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text("", encoding="utf-8")
    (tmp_path / "setup.cfg").write_text("", encoding="utf-8")
    (tmp_path / ".secret").write_text("", encoding="utf-8")
    assert complete_path("s", tmp_path) == ["setup.cfg", "src/"]
    assert complete_path("src/M", tmp_path) == ["src/main.py"]
    assert complete_path(".s", tmp_path) == [".secret"]
    assert complete_path("nowhere/x", tmp_path) == []


# ------------------------------------------------------------------ the store


def _conversation_with_files() -> tuple[Conversation, ChatMessage]:
    conversation = Conversation(model="anthropic/claude-sonnet-4-6")
    user = conversation.add(ChatMessage("user", "What is in these?", attachments=[
        Attachment("notes.md", "text", "text/plain", 6, text="# hi\n"),
        Attachment("shot.png", "image", "image/png", len(png()), data=png())]))
    conversation.add(ChatMessage("assistant", "A note and a picture."))
    return conversation, user


def test_attachments_are_saved_with_their_message_and_loaded_back(tmp_path):
    conversation, user = _conversation_with_files()
    with ConversationStore(tmp_path / "db.sqlite") as store:
        for message in conversation.messages:
            store.save_message(conversation, message)
        loaded = store.load(conversation.id)
        assert all(a.id is not None for a in user.attachments)
        first = loaded.messages[0]
        assert [(a.name, a.kind, a.mime, a.size, a.text, a.data) for a in first.attachments] == [
            ("notes.md", "text", "text/plain", 6, "# hi\n", None),
            ("shot.png", "image", "image/png", len(png()), None, png())]
        assert loaded.messages[1].attachments == []
        assert loaded.request_history() == conversation.request_history()
        store.delete(conversation.id)
        assert store._read("SELECT count(*) AS n FROM attachments")[0]["n"] == 0  # cascaded


def test_an_import_saves_attachments_in_the_same_transaction(tmp_path):
    conversation, _ = _conversation_with_files()
    with ConversationStore(tmp_path / "db.sqlite") as store:
        store.save_conversation(conversation)
        assert [a.name for a in store.load(conversation.id).messages[0].attachments] == ["notes.md", "shot.png"]


# ------------------------------------------------------------------ export and import


def test_markdown_shows_text_files_fenced_and_images_by_name_and_size_only():
    conversation, _ = _conversation_with_files()
    markdown = to_markdown(conversation)
    assert "*Attached file:* notes.md:\n```\n# hi\n```" in markdown
    assert "*Attached image: shot.png · PNG 2×3," in markdown
    assert base64.b64encode(png()).decode() not in markdown


def test_json_keeps_attachments_and_an_import_reads_them_back():
    conversation, _ = _conversation_with_files()
    document = json.loads(to_json(conversation))
    assert document["messages"][0] == {"role": "user", "content": "What is in these?"}
    stored = document["message_metadata"][0]["attachments"]
    assert stored[0] == {"name": "notes.md", "kind": "text", "mime": "text/plain", "size": 6, "text": "# hi\n"}
    assert stored[1]["data_base64"] == base64.b64encode(png()).decode() and stored[1]["size"] == len(png())
    imported = import_json(json.dumps(document), default_model="x")
    assert imported.request_history() == conversation.request_history()


@pytest.mark.parametrize(("attachment", "problem"), [
    ({"kind": "text", "text": "x"}, "needs a name"),
    ({"name": "a", "kind": "text"}, "has no text"),
    ({"name": "a", "kind": "image", "data_base64": "!!!"}, "not valid base64"),
    ({"name": "a", "kind": "image", "data_base64": base64.b64encode(b"plain text").decode()},
     "not a PNG, JPEG, GIF or WebP image"),
    ({"name": "a", "kind": "video"}, "unknown kind"),
    ({"name": "a", "kind": "text", "text": "x" * (TEXT_LIMIT + 1)}, "is over 256 KB"),
])
def test_an_import_refuses_attachments_that_are_not_valid(attachment, problem):
    document = {"messages": [{"role": "user", "content": "hi"}],
                "message_metadata": [{"attachments": [attachment]}]}
    with pytest.raises(InvalidImport, match=problem):
        import_json(json.dumps(document), default_model="x")
    with pytest.raises(AttachmentError):
        from_json(attachment, "message 1")


def test_an_edited_prompt_keeps_its_files_and_an_alternative_keeps_them_through_export():
    from pinata_tui.chat.turn import plan_edit

    conversation, user = _conversation_with_files()
    plan = plan_edit(conversation, user, "What is in these two?")
    assert plan.user is not None and [a.name for a in plan.user.attachments] == ["notes.md", "shot.png"]
    assert plan.user.attachments[0] is not user.attachments[0]
    plan.reply.content, plan.reply.status = "Still a note and a picture.", MessageStatus.COMPLETE
    imported = import_json(to_json(conversation), default_model="x")
    old_prompt = next(m for m in imported.tree() if m.content == "What is in these?")
    assert [a.name for a in old_prompt.attachments] == ["notes.md", "shot.png"]
    assert [a.name for a in imported.messages[0].attachments] == ["notes.md", "shot.png"]


def test_a_working_folder_that_is_gone_gives_a_message_not_a_crash(tmp_path, monkeypatch):
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    with pytest.raises(AttachmentError, match="notes.md: the working folder is gone"):
        read_attachment("notes.md")
    assert complete_path("no") == []
    (tmp_path / "x.txt").write_text("still here\n", encoding="utf-8")
    kept = read_attachment(tmp_path / "x.txt")
    assert (kept.name, kept.text) == (str(tmp_path / "x.txt"), "still here\n")


@pytest.mark.parametrize("path", ["plain.md", "My Notes/plan a.md", "odd@name\\x", "tab\there", ""])
def test_an_at_path_is_written_escaped_and_read_back_whole(path):
    from pinata_tui.tui.chat.prompt_input import escape_path, unescape_path

    written = escape_path(path)
    assert " " not in written.replace("\\ ", "") and unescape_path(written) == path
