"""Programs in a real pseudo-terminal: time from process start to a text on screen, and peak RSS.

``time_to_text(argv, text)`` forks a pty (``pty.fork``), sets the window size
on the child's terminal (``TIOCSWINSZ``, before ``exec``, so the program sees
it from its first query), execs ``argv`` and reads the terminal output until
``text`` (UTF-8) appears in it.  The clock starts just before the fork and
stops when the chunk holding the end of ``text`` has been read: that is
"process start until the screen with content has been painted", as a user
watching the terminal sees it.  Optionally it keeps reading for ``settle``
seconds and then reads the child's peak RSS (``VmHWM`` in ``/proc/PID/status``)
before killing it (SIGKILL; pressmark commits every change when it happens,
and these runs change nothing).
"""
from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import termios
import time
from dataclasses import dataclass

SIZE = (160, 45)  # columns, rows


@dataclass
class Painted:
    seconds: float | None  # None: the text never appeared (see error)
    peak_rss_kb: int | None = None
    error: str | None = None


def _peak_rss_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def time_to_text(argv: list[str], text: str, *, cwd: str | None = None, env: dict | None = None,
                 size: tuple[int, int] = SIZE, timeout: float = 60.0, settle: float = 0.0) -> Painted:
    marker = text.encode("utf-8")
    env = dict(os.environ if env is None else env)
    env.setdefault("TERM", "xterm-256color")
    cols, rows = size
    t0 = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: its stdin/stdout/stderr are the pty
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            if cwd:
                os.chdir(cwd)
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    out = bytearray()
    seconds = error = rss = None
    try:
        deadline = t0 + timeout
        while True:
            now = time.perf_counter()
            if now > deadline:
                error = f"{text!r} not on screen after {timeout:g} s"
                break
            ready, _, _ = select.select([fd], [], [], min(0.5, deadline - now))
            if not ready:
                continue
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                error = f"exited before showing {text!r}: {bytes(out[-300:])!r}"
                break
            scan_from = max(0, len(out) - len(marker))
            out += chunk
            if out.find(marker, scan_from) != -1:
                seconds = time.perf_counter() - t0
                break
        if seconds is not None:
            end = time.perf_counter() + settle
            while time.perf_counter() < end:  # keep the pty drained while the app settles
                ready, _, _ = select.select([fd], [], [], max(0.0, end - time.perf_counter()))
                if ready:
                    try:
                        if not os.read(fd, 1 << 16):
                            break
                    except OSError:
                        break
            rss = _peak_rss_kb(pid)
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        os.close(fd)
    return Painted(seconds, rss, error)
