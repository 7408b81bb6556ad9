"""The database under stress: read-only files, corrupt and newer files, two writers, SIGKILL.

Everything runs against real files in ``tmp_path`` and, where it matters, in real
processes: the CLI as a subprocess, writers started together on a barrier file, a
tagger killed with SIGKILL at seeded random points.
"""
from __future__ import annotations

import asyncio
import hashlib
import io
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from adversarial import undecodable_schema_name

from store.annotate import set_note, set_tag
from store.db import SCHEMA_VERSION, StoreError, connect, is_readonly
from store.export import write_csv
from store.queries import article_view, list_articles
from store.sync import sync


def pressmark(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith("PRESSMARK_")}
    return subprocess.run([sys.executable, "-c", "from tui.cli import main; main()", *args], cwd=cwd,
                          env={**full, **(env or {})}, capture_output=True, text=True, timeout=120)


def state(folder: Path) -> dict[str, str]:
    """Every file in ``folder`` with the sha256 of its bytes: a database and any -wal/-shm beside it."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def db_state(path: Path) -> tuple[str, int]:
    """The database's sha256 and the size of its -wal. A read-only connection may leave an
    empty -wal and a -shm beside the file (SQLite only removes them when a writer closes);
    what matters is that the database holds the same bytes and no write is pending."""
    wal = path.with_name(path.name + "-wal")
    return hashlib.sha256(path.read_bytes()).hexdigest(), wal.stat().st_size if wal.exists() else 0


@pytest.fixture
def small_db(tmp_path: Path) -> Path:
    """tmp_path/data/p.db with tmp_path/articles/a.txt synced and sentence 1 tagged and noted."""
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "a.txt").write_text("First sentence here. Second sentence there. Third one.\n")
    (tmp_path / "data").mkdir()
    db = connect(tmp_path / "data" / "p.db")
    sync(db, tmp_path / "articles")
    set_tag(db, 1, 1, "finding", "me")
    set_note(db, 1, 1, "a note", "me")
    db.conn.close()
    return tmp_path / "data" / "p.db"


# --------------------------------------------------------------------------- read-only
@pytest.mark.parametrize("args", [["tag", "a", "2", "finding"], ["tag", "a", "1", "response", "--note", "x"],
                                  ["untag", "a", "1", "finding"], ["untag", "a", "1"], ["sync", "../articles"]])
def test_read_only_flag_refuses_writes_with_one_line(small_db, args):
    before = db_state(small_db)
    proc = pressmark("--db", "p.db", "--annotator", "me", "--read-only", *args, cwd=small_db.parent)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert len(proc.stderr.splitlines()) == 1 and "read-only" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr
    assert db_state(small_db) == before


def test_read_only_flag_still_reads_and_exports(small_db):
    folder = small_db.parent
    before = db_state(small_db)
    for args in (["list"], ["list", "--format", "json"], ["show", "a"], ["export", "-o", "-"]):
        proc = pressmark("--db", "p.db", "--annotator", "me", "--read-only", *args, cwd=folder)
        assert proc.returncode == 0, proc.stderr
        assert "First sentence here." in proc.stdout or "a.txt" in proc.stdout
    assert "a note" in proc.stdout and "finding" in proc.stdout
    assert db_state(small_db) == before
    out = folder.parent / "out.csv"
    proc = pressmark("--db", "p.db", "--read-only", "export", "-o", str(out), cwd=folder)
    assert proc.returncode == 0 and out.read_text().count("\n") == 2
    assert db_state(small_db) == before


def _check_unwritable(path: Path) -> None:
    """As a user who cannot write ``path``: read-only, reads work, writes raise StoreError."""
    db = connect(path)
    assert is_readonly(db) is True
    assert [a.file for a in list_articles(db)] == ["a.txt"]
    assert article_view(db, 1, "me").tags == {1: {"finding"}}
    out = io.StringIO()
    assert write_csv(db, out) == 1
    for write in (lambda: set_tag(db, 1, 2, "finding", "me"), lambda: set_note(db, 1, 2, "n", "me"),
                  lambda: sync(db, path.parent)):
        with pytest.raises(StoreError, match="read-only"):
            write()
    db.conn.close()


def test_database_file_the_user_cannot_write_opens_read_only(small_db):
    if os.geteuid() != 0:  # an ordinary user: permissions alone do it
        small_db.chmod(0o444)
        small_db.parent.chmod(0o555)
        try:
            before = db_state(small_db)
            _check_unwritable(small_db)
            assert db_state(small_db) == before
        finally:
            small_db.parent.chmod(0o755)
        return
    # Root can write anything: drop to nobody in a forked child. tmp_path's parents are 0700,
    # so the database goes to a fresh world-readable folder.
    folder = Path(tempfile.mkdtemp(prefix="pressmark-ro-"))
    try:
        folder.chmod(0o755)
        path = folder / "p.db"
        shutil.copy(small_db, path)
        path.chmod(0o444)
        before = db_state(path)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: never returns into pytest
            code = 1
            try:
                os.close(read)
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
                assert not os.access(path, os.W_OK)
                _check_unwritable(path)
                code = 0
            except BaseException as exc:  # report to the parent, whatever it is
                os.write(write, repr(exc).encode()[:4000])
            finally:
                os._exit(code)
        os.close(write)
        with os.fdopen(read, "rb") as pipe:
            message = pipe.read().decode()
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, message
        assert db_state(path) == before
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_tui_on_a_read_only_database(small_db):
    from adversarial import screen_text

    from tui.app import PressmarkApp
    from tui.screens.reader import ReaderScreen
    from tui.widgets.banner import READONLY_MESSAGE

    before = db_state(small_db)
    db = connect(small_db, readonly=True)

    async def run() -> None:
        app = PressmarkApp(db, annotator="me", db_path=small_db, pause_after=None)
        async with app.run_test(size=(160, 40)) as pilot:
            await pilot.pause()
            assert app.readonly is True
            assert READONLY_MESSAGE in screen_text(app)  # the library
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, ReaderScreen)
            assert READONLY_MESSAGE in screen_text(app)  # the reader
            for key in ("j", "f", "R", "x", "n", "u", "ctrl+r"):
                await pilot.press(key)
                await pilot.pause()
                assert isinstance(app.screen, ReaderScreen), key  # no note editor opened
                status = str(app.screen.query_one("#status").render())
                if key != "j":
                    assert "Read-only database" in status, (key, status)
            assert "Read-only database" in screen_text(app)
            await pilot.press("q")  # leaving the reader saves no position either
            await pilot.pause()

    asyncio.run(run())
    rows = db.conn.execute("SELECT sentence, tag, note FROM annotations ORDER BY id").fetchall()
    assert rows == [(1, "finding", None), (1, None, "a note")]
    db.conn.close()
    assert db_state(small_db) == before


# --------------------------------------------------------------------------- corrupt and newer files
def _random_file(path: Path) -> None:
    data = random.Random(5).randbytes(8192)
    assert not data.startswith(b"SQLite format 3")
    path.write_bytes(data)


def _truncated_file(path: Path, real: Path) -> None:
    path.write_bytes(real.read_bytes()[:4096])


def _newer_file(path: Path, real: Path) -> None:
    shutil.copy(real, path)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("kind", ["random", "truncated", "newer", "schema-name", "schema-table"])
def test_corrupt_or_newer_database_one_line_nonzero_untouched(small_db, tmp_path, kind):
    """Refused at open, with or without --read-only: one line naming the file, and nothing left beside it
    (--read-only used to leave a -wal and a -shm; a schema name that is not UTF-8 was a traceback)."""
    folder = tmp_path / "bad"
    folder.mkdir()
    path = folder / f"{kind}.db"
    if kind == "random":
        _random_file(path)
    elif kind == "truncated":
        _truncated_file(path, small_db)
    elif kind == "newer":
        _newer_file(path, small_db)
    else:
        shutil.copy(small_db, path)
        undecodable_schema_name(path, consistent=kind == "schema-table")
    assert sorted(p.name for p in folder.iterdir()) == [path.name]
    before = state(folder)
    for args in (["list"], ["show", "x"], ["tag", "x", "1", "finding"], ["export", "-o", "-"],
                 ["sync", str(tmp_path / "articles")], ["--read-only", "list"], ["--read-only", "show", "x"],
                 ["--read-only", "export", "-o", "-"]):
        proc = pressmark("--db", str(path), *args, cwd=tmp_path)
        assert proc.returncode != 0, (args, proc.stdout)
        lines = proc.stderr.splitlines()
        assert len(lines) == 1, (args, proc.stderr)
        assert str(path) in lines[0] and "Traceback" not in proc.stderr, (args, lines[0])
        if kind == "newer":
            assert "newer" in lines[0]
        assert proc.stdout == "", args
        assert state(folder) == before, args  # same bytes, and no -wal/-shm left beside it
    with pytest.raises(StoreError, match=str(path)):
        connect(path)
    assert state(folder) == before
