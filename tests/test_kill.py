"""The real program in a pseudo-terminal: a tag shown as saved survives ``kill -9``."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import sqlite3
import struct
import sys
import termios
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 30.0  # generous: only a bound against hanging, not a speed assertion


class Terminal:
    """``pressmark`` running in a pty, with its screen output collected as text."""

    def __init__(self, args: list[str], cwd: Path, size=(100, 30)):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # child
            env = {**os.environ, "TERM": "xterm-256color", "PRESSMARK_ANNOTATOR": "killtest"}
            os.chdir(cwd)
            os.execve(sys.executable, [sys.executable, "-c", "from tui.cli import main; main()", *args], env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        self.output = b""

    def wait_for(self, text: str) -> None:
        deadline = time.monotonic() + TIMEOUT
        while text.encode() not in self.output:
            if time.monotonic() > deadline:
                raise AssertionError(f"never saw {text!r} on screen")
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if ready:
                try:
                    self.output += os.read(self.fd, 65536)
                except OSError:
                    raise AssertionError(f"program ended before showing {text!r}") from None

    def press(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self.fd)


@pytest.mark.parametrize("keys, expected", [("f", "finding"), ("R", "response")])
def test_tag_survives_sigkill_right_after_saved(tmp_path, keys, expected):
    corpus = tmp_path / "articles"
    corpus.mkdir()
    for src in (ROOT / "articles").iterdir():
        (corpus / src.name).write_bytes(src.read_bytes())
    term = Terminal(["--db", "k.db", "open", "articles"], tmp_path)
    try:
        term.wait_for("articles synced")  # the sync runs after the library is up
        term.press("\r")
        term.wait_for("sentences")
        term.press("j")
        term.press(keys)
        term.wait_for("Saved")
    finally:
        term.kill()
    rows = sqlite3.connect(tmp_path / "k.db").execute(
        "SELECT sentence, tag, annotator FROM annotations").fetchall()
    assert rows == [(2, expected, "killtest")]
