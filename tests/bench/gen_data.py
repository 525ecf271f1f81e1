"""Generated history for the large-scale benchmarks, written through the store (schema as on main).

    python tests/bench/gen_data.py history HOME [--messages 10000]
    python tests/bench/gen_data.py search HOME [--conversations 10000]

``history``: one conversation of ``--messages`` messages (user prompts and Markdown-dense replies
of ~300 tokens), a linear chain of parents with the conversation's current leaf on its newest
message; every message ends with ``(message N)``. Prints the conversation id.
``search``: ``--conversations`` conversations of four messages each, built from a vocabulary that
holds every prefix of the words in :data:`SEARCH_QUERY` (each with its own frequency), so every
keystroke of the query finds something different. Saved through ``ConversationStore`` so the
schema, the full-text index and the parent chains are exactly what the app writes.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

SEARCH_QUERY = "tmux pane"
MODEL = "anthropic/claude-sonnet-4-6"


def marker(index: int) -> str:
    return f"(message {index})"


def build_history(home: Path, messages: int) -> int:
    from pinata_tui.api.events import Usage
    from pinata_tui.conversation import ChatMessage, Conversation
    from pinata_tui.paths import AppPaths
    from pinata_tui.store import ConversationStore
    from tests.bench.workload import markdown_document

    replies = [markdown_document(300, seed=i) for i in range(40)]
    prompts = [markdown_document(30, seed=i).split("\n\n")[1] for i in range(40)]
    conversation = Conversation(model=MODEL, title="Ten thousand messages")
    for i in range(messages):
        if i % 2 == 0:
            conversation.add(ChatMessage("user", f"{prompts[i // 2 % 40]} {marker(i)}"))
        else:
            conversation.add(ChatMessage("assistant", f"{replies[i // 2 % 40]}\n\nDone {marker(i)}", model=MODEL,
                                         usage=Usage(1000, 300, 1300), cost=0.0075))
    paths = AppPaths.under(home)
    with ConversationStore(paths.database) as store:
        return store.save_conversation(conversation)


def vocabulary() -> tuple[list[str], list[float]]:
    words = ("the a terminal window split session key scroll buffer copy mode status line shell prompt reply "
             "model token stream render screen frame cursor colour theme config server client").split()
    weights = [1.0] * len(words)
    for word in SEARCH_QUERY.split():
        for n in range(1, len(word) + 1):  # every prefix a word of its own, rarer as it grows
            words.append(word[:n])
            weights.append(0.6 / n)
    return words, weights


def build_search(home: Path, conversations: int, seed: int = 17) -> None:
    from pinata_tui.conversation import ChatMessage, Conversation
    from pinata_tui.paths import AppPaths
    from pinata_tui.store import ConversationStore

    rng = random.Random(seed)
    words, weights = vocabulary()

    def text(n: int) -> str:
        return " ".join(rng.choices(words, weights, k=n))

    paths = AppPaths.under(home)
    with ConversationStore(paths.database) as store:
        for i in range(conversations):
            conversation = Conversation(model=MODEL, title=f"Conversation {i}: {text(4)}")
            for _ in range(2):
                conversation.add(ChatMessage("user", text(20)))
                conversation.add(ChatMessage("assistant", text(120), model=MODEL))
            store.save_conversation(conversation)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("which", choices=("history", "search"))
    parser.add_argument("home", type=Path, help="PINATA_CHAT_HOME to write into")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--conversations", type=int, default=10_000)
    args = parser.parse_args()
    if args.which == "history":
        print(build_history(args.home, args.messages))
    else:
        build_search(args.home, args.conversations)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
