"""Issue 15 point 4: a full disk, for real. Every write says ``NOT SAVED: disk full`` in one line, the
reader stays up, a failed command exits non-zero, and nothing saved before is lost.

The full disk is a small tmpfs mounted in a mount namespace of the command's own (``unshare -rm``: no
privilege needed, nothing left mounted), filled by a file of zeros that leaves room for SQLite's
32 KB shared-memory file (without it no connection opens at all; see the last test but one). The test reaches
the reader's disk through ``/proc/PID/root``, so it can free it while the reader runs.
"""
from __future__ import annotations

import shlex
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from store import formats
from store.db import connect
from store.sync import sync
from tests.terminal import PRESSMARK, TIMEOUT, Terminal

SHM = 32 * 1024
DISK = "2m"


def on_a_full_disk(tmp_path: Path, command: list[str], *, fill_first: bool = True, leave: int = SHM,
                   then: str = "") -> list[str]:
    """argv that mounts a tmpfs on ``tmp_path/disk``, copies ``tmp_path/base.db`` into it as p.db, fills
    it up to ``leave`` bytes (unless not ``fill_first``) and runs ``command`` there; then the shell code
    ``then``, if given."""
    disk = tmp_path / "disk"
    disk.mkdir(exist_ok=True)
    filler = (f"{shlex.quote(sys.executable)} -c \"import os; st = os.statvfs('.'); "
              f"open('fill', 'wb').write(bytes(max(st.f_bavail * st.f_frsize - {leave}, 0)))\"")
    script = (f"set -e; mount -t tmpfs -o size={DISK} tmpfs {shlex.quote(str(disk))}; "
              f"cp {shlex.quote(str(tmp_path / 'base.db'))} {shlex.quote(str(disk / 'p.db'))}; "
              f"cd {shlex.quote(str(disk))}; {filler if fill_first else ':'}; "
              + (f"set +e; {shlex.join(command)}; echo status=$?; {then}" if then else f"exec {shlex.join(command)}"))
    return ["unshare", "-rm", "sh", "-c", script]


@pytest.fixture
def base(tmp_path, corpus):
    """base.db: the real articles synced and one tag; plus an export and another coder's database to bring in."""
    db = connect(tmp_path / "base.db")
    sync(db, corpus)
    from store.annotate import set_tag

    aid = db.conn.execute("SELECT id FROM articles ORDER BY file").fetchone()[0]
    set_tag(db, aid, 3, "finding", "first")
    other = connect(tmp_path / "other.db")
    sync(other, corpus)
    set_tag(other, aid, 4, "response", "bob")
    formats.export(other, "csv", tmp_path / "bob.csv")
    other.close()
    db.close()
    return tmp_path


def annotations(path: Path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return conn.execute("SELECT article_id, sentence, tag, annotator FROM annotations ORDER BY id").fetchall()
    finally:
        conn.close()


WRITES = [
    ["tag", "000", "5", "finding"],
    ["tag", "000", "3", "finding", "--note", "a note"],
    ["untag", "000", "3"],
    ["tags", "add", "quote", "--key", "z"],
    ["cues", "--reset"],
    ["import", "{base}/bob.csv"],
    ["merge", "{base}/other.db"],
    ["sync", "{base}/articles"],
    ["export", "-o", "out.csv"],
    ["export", "--format", "jsonl", "-o", "out.jsonl"],
    ["export", "--format", "w3c", "-o", "out.jsonld"],
]


@pytest.mark.parametrize("args", WRITES, ids=[" ".join(a).replace("{base}/", "") for a in WRITES])
def test_every_command_that_writes_says_disk_full_in_one_line_and_fails(base, args):
    args = [a.format(base=base) for a in args]
    if args[0] == "sync":  # a new article, so that the sync has something to write
        (base / "articles" / "new.txt").write_text("A new article. It has two sentences.\n", encoding="utf-8")
    before = annotations(base / "base.db")
    # The command writes its result into the tmpfs and prints the database's annotations afterwards,
    # from inside the namespace (the tmpfs is gone when it ends).
    check = (f"{shlex.quote(sys.executable)} -c \"import sqlite3; c = sqlite3.connect('p.db'); "
             "print(c.execute('PRAGMA integrity_check').fetchone()[0]); "
             "print(c.execute('SELECT count(*) FROM annotations').fetchone()[0])\"")
    argv = on_a_full_disk(base, [*PRESSMARK, "--db", "p.db", "--annotator", "first", *args], then=f"rm fill; {check}")
    result = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT)
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "NOT SAVED: disk full" in lines[0], result.stderr
    assert "status=1" in result.stdout
    assert result.stdout.split()[-2:] == ["ok", str(len(before))]  # intact, nothing lost, nothing half-added


def test_output_to_a_full_device_is_one_line_and_fails(base):
    with open("/dev/full", "w") as full:
        for args in (["list"], ["export", "-o", "-"], ["show", "000"]):
            result = subprocess.run([*PRESSMARK, "--db", "base.db", *args], cwd=base, stdout=full,
                                    stderr=subprocess.PIPE, text=True, timeout=TIMEOUT)
            assert result.returncode == 1, args
            assert result.stderr.count("\n") == 1 and "NOT SAVED: disk full" in result.stderr, result.stderr


def test_reading_commands_still_work_on_a_full_disk(base):
    """Suggestions and speakers are worked out without being stored; what only reads does not fail."""
    for args in (["suggest", "000"], ["show", "000"], ["compare", "000", "004"], ["list"]):
        result = subprocess.run(on_a_full_disk(base, [*PRESSMARK, "--db", "p.db", *args]),
                                capture_output=True, text=True, timeout=TIMEOUT)
        assert result.returncode == 0 and "Traceback" not in result.stderr, (args, result.stderr)


def test_the_reader_stays_up_and_says_disk_full(base):
    """On a full disk the reader opens (the disk is filled first, leaving just the room SQLite's shared-memory
    file takes, so that no write of the app's, even one made while the library waited, can have left room
    in the WAL to use again): opening an article, tagging, a note and an export each say so in one line;
    freeing the disk makes the next tag save."""
    term = Terminal([], base, argv=on_a_full_disk(base, [*PRESSMARK, "--db", "p.db", "open"]),
                    env={"PRESSMARK_ANNOTATOR": "first"}, size=(200, 40))
    try:
        term.wait_for("Done")  # the library is up, its -shm made
        filler = Path(f"/proc/{term.pid}/root") / (base / "disk").relative_to("/") / "fill"
        since = term.mark()
        term.press("\r")  # opening stores speakers, suggestions and the reading position: none can
        term.wait_for("Sentence 1 of", since)
        for keys in ("j", "f"):
            since = term.mark()
            term.press(keys)
        term.wait_for("NOT SAVED: disk full", since)
        since = term.mark()
        term.press("n")
        term.wait_for("ctrl+s", since)
        since = term.mark()
        term.press("a note")
        term.press("\x13")  # ctrl+s
        term.wait_for("NOT SAVED: disk full", since)
        since = term.mark()
        term.press("e")
        term.wait_for("Export", since)
        since = term.mark()
        term.press("\r")
        term.wait_for("Export failed", since)
        term.wait_for("disk full", since)
        since = term.mark()
        term.press("\x1b")  # escape
        term.wait_for("Finding", since)  # the reader's footer again (a key sent sooner would make alt+key)
        filler.unlink()
        since = term.mark()
        term.press("f")
        term.wait_for("Saved", since)
        term.press("q")
        since = term.mark()
        term.press("q")
        assert term.wait_exit() == 0
    finally:
        term.kill()


def test_no_room_even_for_the_shared_memory_file_is_said_as_disk_full(base):
    result = subprocess.run(on_a_full_disk(base, [*PRESSMARK, "--db", "p.db", "list"], leave=0),
                            capture_output=True, text=True, timeout=TIMEOUT)
    assert "Traceback" not in result.stderr
    assert result.returncode == 1 and "p.db: cannot be opened: disk full" in result.stderr, result.stderr


def test_the_reader_ending_on_an_error_exits_non_zero(base):
    """Whatever ends the app with an error (here an action made to raise), the command does not say 0."""
    crash = "from tui.app import PressmarkApp; PressmarkApp.action_help = lambda self: 1 / 0; "
    term = Terminal([], base, argv=[sys.executable, "-c", crash + "from tui.cli import main; main()",
                                    "--db", "base.db", "open"])
    try:
        term.wait_for("Done")
        term.press("?")
        assert term.wait_exit() == 1
    finally:
        term.kill()
