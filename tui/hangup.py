"""Noticing that the terminal has gone: its window closed, the ssh connection dropped, tmux killed.

A program learns of that from SIGHUP only when it leads the terminal's session. Under `make run` the
session leader is make, which keeps the signal to itself and waits for its child; pressmark's
terminal then reads as end-of-file for ever, and Textual's input thread reads it in a loop at full
CPU. The kernel also marks such a terminal hung up (POLLHUP), whoever leads the session: one thread
waiting in poll() for that mark costs nothing until it comes.
"""

from __future__ import annotations

import os
import select

GONE = select.POLLHUP | select.POLLERR | select.POLLNVAL


class HangupWatch:
    """``wait()`` blocks (in a thread) until the terminal on ``fd`` hangs up, or ``stop()`` is called."""

    def __init__(self, fd: int):
        self.fd = fd
        self._wake_read, self._wake_write = os.pipe()

    def wait(self) -> bool:
        """True if the terminal hung up, False if stopped first."""
        poller = select.poll()
        poller.register(self.fd, 0)  # no events asked for: poll() reports a hang-up or an error regardless
        poller.register(self._wake_read, select.POLLIN)
        try:
            while True:
                for fd, mask in poller.poll():
                    if fd == self._wake_read:
                        return False
                    if mask & GONE:
                        return True
        finally:
            os.close(self._wake_read)

    def stop(self) -> None:
        """End a ``wait()`` that is running or about to run (the app is exiting)."""
        if self._wake_write >= 0:
            os.write(self._wake_write, b"x")
            os.close(self._wake_write)
            self._wake_write = -1
