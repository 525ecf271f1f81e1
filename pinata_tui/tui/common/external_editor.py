"""Write text in the user's ``$VISUAL`` / ``$EDITOR``, with the terminal handed over while it runs."""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess
import tempfile

from textual.app import App, SuspendNotSupported


class EditorFailed(Exception):
    """The editor could not run or exited with an error; the message says which."""


def edit_in_editor(app: App[object], text: str) -> str:
    """The text as saved in the editor (trailing newlines dropped). Raises ``EditorFailed``."""
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    with tempfile.NamedTemporaryFile("w+", suffix=".md", prefix="pinata-prompt-", delete=False,
                                     encoding="utf-8") as handle:
        handle.write(text)
        path = handle.name
    try:
        with contextlib.ExitStack() as terminal:
            try:
                terminal.enter_context(app.suspend())
            except SuspendNotSupported:  # headless (tests): no terminal to hand over
                pass
            result = subprocess.run([*shlex.split(editor), path], check=False)
        if result.returncode != 0:
            raise EditorFailed(f"The editor exited with status {result.returncode}; the prompt is unchanged.")
        with open(path, encoding="utf-8") as handle:
            return handle.read().rstrip("\n")
    except (OSError, ValueError) as exc:
        raise EditorFailed(f"Could not run the editor {editor!r}: {exc}") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
