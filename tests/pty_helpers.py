"""A real ``pinata-chat`` on a pseudo-terminal: its output read as it comes, waited on by content.

The output is read all the time by a thread (so the program never blocks on a full terminal
buffer), and a test waits for what it expects to see ("[y/N]", the prompt's placeholder) instead
of sleeping and hoping the program got there.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import threading

from tests.waiting import wait_for

PROMPT_PLACEHOLDER = "Message (Enter to send"
"""On screen once the chat app is up and taking keys."""


class PtyProcess:
    """``args`` started with stdin, stdout and stderr on a pseudo-terminal of ``size`` (rows, columns).

    With ``size=None`` the terminal keeps the size a new pty has (0 x 0: programs fall back to 80 x 24).
    """

    def __init__(self, args: list[str], env: dict[str, str], *, size: tuple[int, int] | None = (40, 120)) -> None:
        master, slave = pty.openpty()
        if size is not None:
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", *size, 0, 0))
        self.proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True,
                                     start_new_session=True)
        os.close(slave)
        self.master = master
        self._chunks: list[bytes] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: the program closed the terminal (it exited)
                return
            if not data:
                return
            with self._lock:
                self._chunks.append(data)

    @property
    def raw(self) -> bytes:
        """Every byte written to the terminal so far."""
        with self._lock:
            return b"".join(self._chunks)

    @property
    def output(self) -> str:
        """Everything written to the terminal so far, as text."""
        return self.raw.decode("utf-8", "replace")

    def wait_for_output(self, text: str, timeout: float = 30) -> str:
        """Wait until ``text`` has been written to the terminal; the output so far."""
        return wait_for(lambda: text in (out := self.output) and out, timeout, what=f"{text!r} on the terminal")

    def write(self, data: bytes) -> None:
        """Type ``data`` (b"\\r" is Enter)."""
        os.write(self.master, data)

    def send_signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def finish(self, timeout: float = 30) -> str:
        """Wait for the program to exit; everything it wrote."""
        self._reader.join(timeout)
        self.proc.wait(timeout=10)
        self.close()
        return self.output

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode

    def close(self) -> None:
        """Stop reading and kill the program if it is still running (safe to call twice)."""
        self._stop.set()
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._reader.join(timeout=5)
        if self.master >= 0:
            os.close(self.master)
            self.master = -1

    def __enter__(self) -> PtyProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def pinata_in_pty(args: list[str], env: dict[str, str], *,
                  size: tuple[int, int] | None = (40, 120)) -> PtyProcess:
    """``pinata-chat ARGS`` (``python -m pinata_tui``) on a pseudo-terminal."""
    return PtyProcess([sys.executable, "-m", "pinata_tui", *args], env, size=size)


def run_in_pty(args: list[str], env: dict[str, str], timeout: float = 30, *,
               size: tuple[int, int] | None = None) -> tuple[int, str]:
    """``pinata-chat ARGS`` on a pseudo-terminal, run to its end: its exit code and whole output."""
    with pinata_in_pty(args, env, size=size) as process:
        output = process.finish(timeout)
    assert process.returncode is not None
    return process.returncode, output

