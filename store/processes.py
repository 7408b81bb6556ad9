"""Worker processes for the slow bulk work (sync, export), also from inside the full-screen app.

Two things bite there. ``fork`` is unsafe once a process runs threads (the TUI always does), so
``spawn`` is used then. And starting any spawn-context pool first starts multiprocessing's
resource tracker, handing it ``sys.stderr.fileno()``: under Textual, ``sys.stderr`` is a capture
object whose file descriptor is not a real one, and the start fails with "bad value(s) in
fds_to_keep". The tracker is therefore started with ``sys.stderr`` pointing at the null device.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading


def start_method() -> str:
    """How a pool started now would start its processes: "fork" (cheapest, and safe without other
    threads) or "spawn"."""
    return "fork" if threading.active_count() == 1 and hasattr(os, "fork") else "spawn"


def pool_context():
    """The multiprocessing context for a pool started now, with the resource tracker running."""
    import multiprocessing

    method = start_method()
    if method == "spawn":
        _start_resource_tracker()
    return multiprocessing.get_context(method)


def _start_resource_tracker() -> None:
    from multiprocessing import resource_tracker

    try:
        fd = sys.stderr.fileno()
        usable = fd >= 0 and os.fstat(fd) is not None
    except (AttributeError, ValueError, OSError):
        usable = False
    if usable:
        resource_tracker.ensure_running()
        return
    with open(os.devnull, "w") as null, contextlib.redirect_stderr(null):
        resource_tracker.ensure_running()
