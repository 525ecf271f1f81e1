"""A streaming reply's text grows in linear time, and the message is never far behind what arrived."""

from __future__ import annotations

from pinata_tui.chat.reply_pieces import MAX_LAG, ReplyPieces
from pinata_tui.conversation import ChatMessage, MessageStatus


def streaming() -> ChatMessage:
    return ChatMessage("assistant", "", status=MessageStatus.STREAMING)


def test_many_pieces_are_joined_a_few_times_not_once_each():
    reply, now = streaming(), [0.0]
    pieces = ReplyPieces(reply, clock=lambda: now[0])
    joins, held = 0, ""
    for n in range(64_000):
        pieces.text("x" if n % 2 else "y ")
        if reply.content is not held:
            joins, held = joins + 1, reply.content
    pieces.flush()
    assert reply.content == "y x" * 32_000
    assert joins < 120  # an eighth more each time: about log(64,000) / log(1.125) joins, not 64,000


def test_the_first_piece_shows_at_once_and_none_is_held_back_longer_than_max_lag():
    reply, now = streaming(), [0.0]
    pieces = ReplyPieces(reply, clock=lambda: now[0])
    pieces.reasoning("Let me think")
    assert reply.reasoning == "Let me think" and reply.content == ""  # "nothing yet" is never stale
    pieces.text("Hello there")
    assert reply.content == "Hello there"
    pieces.text(",")
    assert reply.content == "Hello there"  # one character, under an eighth of eleven: it waits
    now[0] = MAX_LAG
    pieces.text(" world")
    assert reply.content == "Hello there, world"


def test_flush_makes_both_fields_whole_and_keeps_what_was_there():
    reply = ChatMessage("assistant", "A reply cut off and conti", reasoning="earlier thought. ")
    pieces = ReplyPieces(reply, clock=lambda: 0.0)
    for piece in ("n", "u", "e", "d"):
        pieces.text(piece)
    pieces.reasoning("more")
    pieces.flush()
    assert (reply.content, reply.reasoning) == ("A reply cut off and continued", "earlier thought. more")
    pieces.flush()  # nothing waiting: nothing changes
    assert reply.content == "A reply cut off and continued"
