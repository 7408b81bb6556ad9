"""A real program in a pseudo-terminal, as a person's terminal window would run it.

``Terminal`` keeps every byte the program writes; ``close()`` closes the terminal's side the way a
closed window or a killed tmux session does. Every wait is bounded (``TIMEOUT``) against hanging;
none is a speed assertion.
"""
from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time
from pathlib import Path

TIMEOUT = 60.0
PRESSMARK = [sys.executable, "-c", "from tui.cli import main; main()"]


class Terminal:
    """``pressmark ARGS`` (or ``argv``, a whole command) in a pty; ``output`` holds what it wrote."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str] | None = None, size=(100, 30),
                 argv: list[str] | None = None):
        command = argv or [*PRESSMARK, *args]
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # child: the leader of the terminal's session, as a shell in a window is
            try:
                # Without COLUMNS/LINES (pytest-xdist sets 80x24 in its workers): the pty's own size counts.
                inherited = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
                full_env = {**inherited, "TERM": "xterm-256color", **(env or {})}
                os.chdir(cwd)
                os.execvpe(command[0], command, full_env)
            finally:
                os._exit(127)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        self.output = b""
        self.status: int | None = None

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if ready:
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                data = b""
            if not data:
                return False
            self.output += data
        return True

    def mark(self) -> int:
        return len(self.output)

    def wait_for(self, text: str, since: int = 0) -> None:
        deadline = time.monotonic() + TIMEOUT
        while text.encode() not in self.output[since:]:
            if time.monotonic() > deadline:
                raise AssertionError(f"never saw {text!r} on screen")
            if not self._read(0.2):
                raise AssertionError(f"program ended before showing {text!r}; it wrote last: "
                                     f"{bytes(self.output[-2000:])!r}")

    def alive(self) -> bool:
        if self.status is not None:
            return False
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        if pid:
            self.status = status
        return pid == 0

    def press(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def wait_exit(self) -> int:
        deadline = time.monotonic() + TIMEOUT
        while self.alive():
            if time.monotonic() > deadline:
                raise AssertionError("program did not exit")
            self._read(0.1)
        while self._read(0):  # drain what is left
            pass
        os.close(self.fd)
        return os.waitstatus_to_exitcode(self.status)

    def close(self) -> None:
        """Close the terminal (the master side), as closing its window does."""
        os.close(self.fd)
        self.fd = -1

    def kill(self) -> None:
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        if self.fd >= 0:
            try:
                os.close(self.fd)
            except OSError:
                pass
            self.fd = -1
