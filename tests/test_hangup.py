"""Closing the terminal ends pressmark, started directly or by `make run`, and leaves nothing running.

The real program runs in a pseudo-terminal; closing the master side is what closing a terminal
window (or `tmux kill-session`) does. Under `make run`, make leads the terminal's session, so only
make gets the SIGHUP: pressmark must notice the hang-up on its terminal by itself.
"""
from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import sys
import time
from pathlib import Path

import pytest
from terminal import TIMEOUT, Terminal

ROOT = Path(__file__).resolve().parent.parent


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name, or None if there is no such live process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2:].split()
    return None if fields[0] in ("Z", "X") else fields


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid``."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))):
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def wait_gone(pids: set[int]) -> set[int]:
    """The processes of ``pids`` still alive after waiting (bounded) for them to end."""
    deadline = time.monotonic() + TIMEOUT
    while (alive := {pid for pid in pids if _stat(pid)}) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive


@pytest.fixture
def folder(tmp_path) -> Path:
    shutil.copytree(ROOT / "articles", tmp_path / "articles")
    return tmp_path


def make_run(db: str) -> list[str]:
    """The README's `make run`, on this test's venv (already installed) and a database of its own."""
    return ["make", "--no-print-directory", "-f", str(ROOT / "Makefile"), "run",
            f"BIN={Path(sys.executable).parent}", "STAMP=", f"DB={db}"]


@pytest.mark.parametrize("how", ["pressmark open", "make run"])
def test_closing_the_terminal_ends_everything(folder, how):
    if how == "make run" and not shutil.which("make"):
        pytest.fail("make is needed (the README's set-up command)")
    argv = make_run("t.db") if how == "make run" else None
    term = Terminal(["--db", "t.db", "open", "articles"], folder, argv=argv,
                    env={"PRESSMARK_ANNOTATOR": "hangup"})
    try:
        term.wait_for("articles synced")
        term.press("\r")
        term.wait_for("sentences")
        term.press("f")
        term.wait_for("Saved")
        processes = {term.pid} | descendants(term.pid)
        assert len(processes) >= (2 if how == "make run" else 1)
        term.close()
        left = wait_gone(processes)
        assert not left, f"still running after the terminal closed: {left}"
        term.alive()  # reap it
    finally:
        term.kill()
    with sqlite3.connect(folder / "t.db") as db:  # consistent, and the saved tag is in it
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT sentence, tag FROM annotations WHERE annotator = 'hangup'").fetchall() == \
            [(1, "finding")]


def test_sighup_exits_cleanly(folder):
    """A hang-up signal (the terminal's session leader gets one) quits the way q does: status 0."""
    term = Terminal(["--db", "t.db", "open", "articles"], folder)
    try:
        term.wait_for("articles synced")
        os.kill(term.pid, signal.SIGHUP)
        assert term.wait_exit() == 0
    finally:
        term.kill()
