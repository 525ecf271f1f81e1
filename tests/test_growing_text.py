"""A message's text grows by pieces without copying the whole text per piece (``pinata_tui/growing_text.py``),
and reads as the plain concatenation of everything set and added, whenever it is read."""

from __future__ import annotations

import copy
import pickle
import random

import pytest

from pinata_tui.conversation import ChatMessage
from pinata_tui.growing_text import GATHER


def test_the_text_read_at_any_moment_is_all_that_was_added():
    rng = random.Random(3)
    message = ChatMessage("assistant", "start ")
    expected, expected_reasoning = "start ", ""
    for _ in range(500):
        piece = "".join(rng.choice("ab \n*`é🎉") for _ in range(rng.randint(0, 6)))
        if rng.random() < 0.3:
            message.add_reasoning(piece)
            expected_reasoning += piece
        else:
            message.add_content(piece)
            expected += piece
        if rng.random() < 0.2:  # read now and then, as the live views and a mid-stream copy do
            assert message.content == expected and message.reasoning == expected_reasoning
    assert message.content == expected and message.reasoning == expected_reasoning
    message.content += " (edited)"  # setting still works as for a str field
    assert message.content == expected + " (edited)"
    message.content = "replaced"
    message.add_content("!")
    assert message.content == "replaced!"


def test_pieces_wait_unjoined_until_the_text_is_read():
    message = ChatMessage("assistant", "start")
    for _ in range(1000):
        message.add_content("x")
    pieces = message.__dict__["_content_text"]
    assert pieces[0] == "start"  # the text so far was never copied for a piece
    assert len(pieces) <= 1 + 1000 // GATHER + GATHER and all(len(piece) <= GATHER for piece in pieces)
    assert message.content == "start" + "x" * 1000
    assert message.__dict__["_content_text"] == ["start" + "x" * 1000]  # joined once, kept for the next read


def test_it_is_still_a_dataclass_field_as_before():
    with pytest.raises(TypeError):
        ChatMessage("user")  # type: ignore[call-arg]  # content is required
    message = ChatMessage("user", "hi", created_at=1.0)
    assert message.reasoning == ""
    assert message == ChatMessage("user", "hi", created_at=1.0)
    assert message != ChatMessage("user", "hi!", created_at=1.0)
    message.add_content("!")
    assert message == ChatMessage("user", "hi!", created_at=1.0)
    assert "content='hi!'" in repr(message)


@pytest.mark.parametrize("duplicate", [copy.copy, copy.deepcopy, lambda m: pickle.loads(pickle.dumps(m))])
def test_a_copy_does_not_grow_with_the_original(duplicate):
    message = ChatMessage("assistant", "a", reasoning="r")
    message.add_content("b")
    twin = duplicate(message)
    message.add_content("c")
    message.add_reasoning("s")
    twin.add_content("z")
    assert (message.content, message.reasoning) == ("abc", "rs")
    assert (twin.content, twin.reasoning) == ("abz", "r")


def test_a_reader_in_another_thread_loses_no_piece():
    """The store saves a streaming reply from a worker thread while the event loop adds pieces."""
    import threading
    import time

    message = ChatMessage("assistant", "")
    done = threading.Event()
    reads: list[str] = []

    def reader() -> None:
        while not done.is_set():
            reads.append(message.content)
            time.sleep(0)  # (let the adding thread have the GIL between reads)

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    for number in range(4_000):
        message.add_content(f"{number},")
    done.set()
    for thread in threads:
        thread.join()
    expected = "".join(f"{number}," for number in range(4_000))
    assert message.content == expected
    assert reads and all(expected.startswith(text) for text in reads)  # each read: all that had arrived, in order


def test_the_live_views_read_the_length_and_the_end_without_the_whole():
    rng = random.Random(5)
    message = ChatMessage("assistant", "", reasoning="start")
    expected = "start"
    for number in range(3000):
        piece = "x" * rng.randint(0, 3) + ("\n" if number % 7 == 0 else "") + str(number)
        message.add_reasoning(piece)
        expected += piece
        if number % 50 == 0:
            for chars in (0, 1, 5, 100, 2000, 10**6):
                assert message.reasoning_tail(chars) == (expected[-chars:] if chars else "")
            assert message.reasoning_length == len(expected)
    assert message.__dict__["_reasoning_text"][0] == "start"  # the tails never joined it whole
    assert message.reasoning == expected and message.reasoning_tail(10) == expected[-10:]
    message.reasoning = "new"
    assert message.reasoning_length == 3 and message.reasoning_tail(2) == "ew"


def test_whatever_is_set_reads_back_as_set():
    """(As a plain field did: the store's tests set hostile values, None or a list, to see it refuse them.)"""
    message = ChatMessage("assistant", "x")
    message.content = None  # type: ignore[assignment]
    assert message.content is None
    message.content = ["a", "b"]  # type: ignore[assignment]
    assert message.content == ["a", "b"]
