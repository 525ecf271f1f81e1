"""The real app in a real terminal (tmux, 80x24) under the conditions users have (#18): an ASCII
locale (``LC_ALL=C`` with ``PYTHONUTF8=0``), a Latin-1 one (built with ``localedef`` when the
machine lacks it), ``NO_COLOR=1`` and ``TERM=dumb``. The screen is read back with
``tmux capture-pane``. Needs tmux; skipped without it (CI can ``apt-get install tmux``).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.waiting import wait_for

TMUX = shutil.which("tmux")
pytestmark = [pytest.mark.skipif(TMUX is None, reason="tmux is not installed"),
              pytest.mark.skipif(sys.platform == "win32", reason="POSIX terminals")]

WIDTH, HEIGHT = 80, 24
ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2})")


class Pane:
    """One tmux server of its own (its own socket), one window running ``command``."""

    def __init__(self, tmp: Path, env: dict[str, str], args: list[str]) -> None:
        self.socket = f"pinata-test-{os.getpid()}-{time.monotonic_ns()}"
        base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp),
                "PINATA_CHAT_HOME": str(tmp / "app"), "TERM": "screen-256color"}
        environment = " ".join(f"{k}={shlex.quote(v)}" for k, v in {**base, **env}.items())
        program = " ".join(shlex.quote(a) for a in [sys.executable, "-m", "pinata_tui", *args])
        shell = f"env -i {environment} {program}; echo EXIT=$?; sleep 60"
        self.tmux("new-session", "-d", "-x", str(WIDTH), "-y", str(HEIGHT), "-s", "t", shell)

    def tmux(self, *args: str) -> str:
        assert TMUX is not None
        done = subprocess.run([TMUX, "-L", self.socket, "-f", "/dev/null", *args], capture_output=True,
                              text=True, errors="replace", timeout=20, check=False)
        return done.stdout

    def screen(self, *, escapes: bool = False) -> str:
        return self.tmux("capture-pane", "-p", *(["-e"] if escapes else []), "-t", "t")

    def keys(self, *keys: str, literal: bool = False, hex_bytes: bool = False) -> None:
        flags = ["-l"] if literal else (["-H"] if hex_bytes else [])
        self.tmux("send-keys", "-t", "t", *flags, *keys)

    def wait_for(self, condition: Callable[[str], bool], what: str, timeout: float = 30, *,
                 escapes: bool = False) -> str:
        """The screen (with its SGR codes when ``escapes``) once ``condition`` holds for it.

        Each look runs tmux: every 0.1 s is enough.
        """

        def shown() -> str | None:
            screen = self.screen(escapes=escapes)
            return screen if condition(screen) else None

        try:
            return wait_for(shown, timeout, what, interval=0.1)
        except AssertionError as exc:
            raise AssertionError(f"{exc}; the screen:\n{self.screen()}") from None

    def close(self) -> None:
        self.tmux("kill-server")


@pytest.fixture
def pane(tmp_path: Path) -> Iterator[Callable[..., Pane]]:
    panes: list[Pane] = []

    def start(env: dict[str, str], *args: str) -> Pane:
        panes.append(Pane(tmp_path, env, list(args)))
        return panes[-1]

    yield start
    for each in panes:
        each.close()


def readable(screen: str) -> None:
    """No ``\\u`` escapes, no line past the window's edge."""
    assert not ESCAPE.search(screen), screen
    lines = screen.split("\n")
    assert all(len(line) <= WIDTH for line in lines), screen


def price_rows(screen: str) -> list[str]:
    """The model picker's rows on the screen (each shows an input price); its list fills in after it opens."""
    return [line for line in screen.split("\n") if re.search(r"\$\d+\.\d+ in", line)]


def started(screen: str) -> bool:
    return "100.00 credits" in screen and "idle" in screen


def replied(app: Pane) -> str:
    """Wait for the reply to finish, then page up to its start ("You asked: ...")."""
    app.wait_for(lambda s: "idle" in s and re.search(r"[|│] \$0\.\d", s) is not None, "the reply's cost")
    for _ in range(6):
        app.keys("PPage")
    return app.wait_for(lambda s: "You asked:" in s, "the start of the reply")


def walk_through_the_app(app: Pane) -> str:
    """Start, send a message with CJK and box lines, open the picker, quit. Returns the chat screen."""
    screen = app.wait_for(started, "the app")
    readable(screen)
    assert "+----" in screen and "| Message" in screen  # the prompt's rounded box, in ASCII
    status = next(line for line in screen.split("\n") if "100.00 credits" in line)
    assert re.search(r"\* idle \| anthropic/claude-sonnet-4-6 \| ctx .* \| \$0 \| 100\.00 credits", status), status
    app.keys("日本 box ─│ bullet ●", literal=True)
    app.keys("Enter")
    screen = replied(app)
    readable(screen)
    asked = next(line for line in screen.split("\n") if "You asked:" in line)
    assert "You asked: ???? box -| bullet *" in asked, asked
    chat = screen
    app.keys("C-l")
    screen = app.wait_for(lambda s: "Choose a model" in s and len(price_rows(s)) >= 5, "the picker's rows")
    readable(screen)
    rows = price_rows(screen)
    assert any("claude-sonnet-4-6" in row for row in rows), screen
    assert "* anthropic" in screen  # the current model's bullet
    app.keys("Escape")
    app.wait_for(lambda s: "Choose a model" not in s, "the picker to close")
    app.keys("C-q")
    app.wait_for(lambda s: "EXIT=0" in s, "the app to quit")
    return chat


def test_an_ascii_locale_gets_ascii_of_the_same_width(pane):
    app = pane({"LC_ALL": "C", "PYTHONUTF8": "0"}, "--demo")
    walk_through_the_app(app)


@pytest.fixture
def latin1_locale(tmp_path: Path) -> dict[str, str]:
    """``en_US.ISO-8859-1``: the system's, or one built with localedef into a folder of the test's."""
    env = {"LANG": "en_US.ISO-8859-1"}
    probe = [sys.executable, "-c", "import sys; print(sys.stderr.encoding)"]

    def encoding(extra: dict[str, str]) -> str:
        done = subprocess.run(probe, env={"PATH": os.environ.get("PATH", ""), **env, **extra},
                              capture_output=True, text=True, check=False)
        return done.stdout.strip()

    if encoding({}) == "iso8859-1":
        return env
    localedef = shutil.which("localedef")
    if localedef is None:
        pytest.skip("no Latin-1 locale and no localedef to build one")
    folder = tmp_path / "locales"
    folder.mkdir()
    built = subprocess.run([localedef, "-i", "en_US", "-f", "ISO-8859-1", str(folder / "en_US.ISO-8859-1")],
                           capture_output=True, text=True, check=False)
    env["LOCPATH"] = str(folder)
    if encoding({"LOCPATH": str(folder)}) != "iso8859-1":
        pytest.skip(f"localedef could not build en_US.ISO-8859-1: {built.stderr.strip()[:200]}")
    return env


def test_a_latin1_locale_gets_no_escapes_and_latin1_keys_do_not_crash_it(pane, latin1_locale):
    app = pane(latin1_locale, "--demo")
    screen = app.wait_for(started, "the app")
    readable(screen)
    app.keys("61", "e9", "62", hex_bytes=True)  # "aéb" as a Latin-1 terminal sends it: é is one byte
    app.keys(" sent", literal=True)
    app.keys("Enter")
    screen = replied(app)  # the app lived
    readable(screen)
    # tmux shows a pane's bytes as UTF-8, so it cannot show the Latin-1 é the app wrote: a and b remain
    assert re.search(r"You asked: a.?b sent", screen), screen
    app.keys("C-l")
    screen = app.wait_for(lambda s: "Choose a model" in s and price_rows(s), "the picker's rows")
    readable(screen)
    assert "claude-sonnet-4-6" in screen
    app.keys("Escape")
    app.keys("C-q")
    app.wait_for(lambda s: "EXIT=0" in s, "the app to quit")


def focused_header(painted: str) -> str | None:
    """The line (with its SGR codes) of the focused reply's header: the full-block gutter, the model,
    the tokens. Not just any line with "tokens" in it: the demo's reply has a table about them."""
    for line in painted.split("\n"):
        plain = re.sub(r"\x1b\[[0-9;]*m", "", line)
        if "█" in plain and "anthropic/claude-sonnet-4-6" in plain and " tokens" in plain:
            return line
    return None


def test_no_color_keeps_focus_and_errors_visible_without_colour(pane):
    app = pane({"LC_ALL": "C.UTF-8", "NO_COLOR": "1"}, "--demo")
    app.wait_for(started, "the app")
    app.keys("hello", literal=True)
    app.keys("Enter")
    replied(app)
    app.keys("Tab")  # the newest message takes the focus (and is scrolled to: its header comes into view)
    painted = app.wait_for(lambda s: focused_header(s) is not None,
                           "the focused reply's header, with its full-block gutter", escapes=True)
    readable(app.screen())
    header = focused_header(painted)
    assert header is not None and re.search(r"\x1b\[[0-9;]*\b7m", header), repr(header)  # reverse video
    for r, g, b in re.findall(r"[34]8;2;(\d+);(\d+);(\d+)", painted):
        assert r == g == b, painted  # grey only
    app.keys("C-q")
    app.wait_for(lambda s: "EXIT=0" in s, "the app to quit")


def test_term_dumb_is_told_to_use_ask_and_subcommands_still_work(pane):
    app = pane({"LC_ALL": "C.UTF-8", "TERM": "dumb"})
    screen = app.wait_for(lambda s: "EXIT=" in s, "the refusal")
    assert "TERM=dumb" in screen and "pinata-chat ask" in screen and "--force-tui" in screen
    assert "EXIT=2" in screen
    other = pane({"LC_ALL": "C.UTF-8", "TERM": "dumb"}, "config", "path")
    screen = other.wait_for(lambda s: "EXIT=" in s, "config path")
    assert "EXIT=0" in screen and "config.toml" in screen.replace("\n", "")  # (a long path wraps)


def test_ask_under_an_ascii_locale_prints_non_ascii_replies_without_crashing(server, tmp_path):
    """A reply with accents, CJK and emoji: on an ASCII terminal, stand-ins; into a pipe, '?'."""
    import subprocess
    import sys

    from pinata_tui.devserver import DEV_LLM_KEY

    server.state.reply_override = "Café 日本 🍍 done"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PINATA_", "LC_", "LANG"))}
    env.update({"PINATA_CHAT_HOME": str(tmp_path), "PINATA_BASE_URL": server.url, "PINATA_LLM_KEY": DEV_LLM_KEY,
                "LC_ALL": "C", "PYTHONUTF8": "0"})
    env.pop("PYTHONIOENCODING", None)
    piped = subprocess.run([sys.executable, "-m", "pinata_tui", "ask", "hi"], env=env, capture_output=True,
                           timeout=60, stdin=subprocess.DEVNULL)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.decode("ascii").startswith("Caf? ") and piped.stdout.decode().rstrip().endswith("done")
