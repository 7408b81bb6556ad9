"""Damaged databases (issue 15, point 6): damage that opening does not read, and every database error
named by its file.

Each damaged file is built here: a real database with pages in its middle overwritten
(tests/adversarial.py), a FIFO in place of its -wal, a file in place of its folder, a lock held.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from adversarial import make_damaged_database

import store.db
from store import formats
from store.annotate import set_tag
from store.db import connect


def state(folder: Path) -> dict[str, str]:
    """Every file in ``folder`` with the sha256 of its bytes: a database and any -wal/-shm beside it."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def unchanged(path: Path) -> tuple[str, int]:
    """The database's sha256 and the size of its -wal: a read-only open may leave an empty -wal and a -shm
    beside a file it could read (docs/robustness.md, section 6), never a change."""
    wal = path.with_name(path.name + "-wal")
    return hashlib.sha256(path.read_bytes()).hexdigest(), wal.stat().st_size if wal.exists() else 0


def fails_quick_check(path: Path) -> bool:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        return conn.execute("PRAGMA quick_check").fetchall() != [("ok",)]
    except sqlite3.DatabaseError:  # damage bad enough that the check stops at it
        return True
    finally:
        conn.close()


def one_line(result, *words: str) -> str:
    """The single stderr line of a failed command, which has every one of ``words``."""
    assert result.code == 1, (result.code, result.out, result.err)
    lines = result.err.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.err, result.err
    assert all(word in lines[0] for word in words), lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def damaged(tmp_path_factory) -> Path:
    """A database with two pages from the middle of its ``events`` table overwritten (read by undo only);
    beside it other/p.db, the same database undamaged plus bob's tag on a.txt, and bob.csv, that tag
    exported: a merge or an import of them writes one row."""
    folder = tmp_path_factory.mktemp("damaged")
    path = make_damaged_database(folder)
    assert fails_quick_check(path)
    other = folder / "other" / "p.db"
    other.parent.mkdir()
    make_damaged_database(other.parent, table=None)  # the same, undamaged
    db = connect(other)
    set_tag(db, 1, 2, "response", "bob")
    formats.export(db, "csv", folder / "bob.csv")
    db.close()
    return path


WRITES = [["tag", "a.txt", "1", "finding"], ["tags", "add", "policy", "--key", "z"], ["import", "{folder}/bob.csv"],
          ["merge", "{folder}/other/p.db"], ["cues", "--reset"], ["show", "b.txt"], ["suggest", "b.txt"]]


@pytest.mark.parametrize("args", WRITES, ids=["tag", "tags add", "import", "merge", "cues --reset", "show", "suggest"])
def test_no_write_into_a_damaged_database(damaged, tmp_path, run_pressmark, args):
    """Every command that writes checks the file first (PRAGMA quick_check, once per process): it refuses
    with one line naming the file and what to do, exit 1, and the file keeps its bytes. They used to
    exit 0, having written into the broken file."""
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(damaged, work / "p.db")
    before = state(work)
    args = [arg.format(folder=damaged.parent) for arg in args]
    result = run_pressmark("--db", "work/p.db", "--annotator", "me", *args)
    one_line(result, "work/p.db: ", "damaged", ".recover")
    assert state(work) == before


def test_merging_from_a_damaged_database_names_it(damaged, tmp_path, run_pressmark):
    """The database merged from is checked too: its damage is not blamed on the one merged into."""
    intact = make_damaged_database(tmp_path / "data", table=None)
    before = unchanged(intact)
    result = run_pressmark("--db", "data/p.db", "--annotator", "me", "merge", damaged)
    line = one_line(result, f"{damaged}: ", "damaged")
    assert "data/p.db" not in line
    assert unchanged(intact) == before


def test_reading_a_damaged_database_still_works(damaged, tmp_path, run_pressmark):
    """The damage is where these do not read: what the file holds can still be read and exported."""
    shutil.copy(damaged, tmp_path / "p.db")
    before = unchanged(tmp_path / "p.db")
    for args in (["list"], ["show", "a.txt"], ["export", "-o", "-"]):
        result = run_pressmark("--db", "p.db", "--read-only", *args)
        assert result.code == 0 and result.out, (args, result.err)
    assert unchanged(tmp_path / "p.db") == before


def test_damage_met_while_reading_names_the_file(tmp_path, run_pressmark):
    """Damage in the annotations an export reads (read-only: no write, so no check first) is met while
    reading, and said as damage of the named file."""
    path = make_damaged_database(tmp_path / "data", table="annotations")
    before = unchanged(path)
    result = run_pressmark("--db", "data/p.db", "--read-only", "export", "-o", "out.csv")
    one_line(result, "pressmark: data/p.db: ", "damaged", "malformed", ".recover")
    assert not (tmp_path / "out.csv").exists()
    assert unchanged(path) == before


# --------------------------------------------------------------------------- every database error names its file
@pytest.fixture
def intact(tmp_path) -> Path:
    """tmp_path/data/p.db as the damaged one is built, without the damage."""
    return make_damaged_database(tmp_path / "data", table=None)


def test_unable_to_open_names_the_file(tmp_path, run_pressmark):
    (tmp_path / "plain").write_text("a file where the database's folder should be\n")
    for db in ("plain/p.db", "gone/p.db"):
        for args in (["list"], ["tag", "a", "1", "finding"], ["--read-only", "list"]):
            one_line(run_pressmark("--db", db, *args), f"pressmark: {db}: ")


def test_a_fifo_in_place_of_the_database_is_refused(tmp_path, run_pressmark):
    """A FIFO named as the database: refused by name (read-only, opening it used to wait for ever)."""
    os.mkfifo(tmp_path / "p.db")
    for args in (["list"], ["--read-only", "list"], ["tag", "a", "1", "finding"]):
        one_line(run_pressmark("--db", "p.db", *args), "pressmark: p.db: ", "not a regular file")


def test_disk_io_error_names_the_file(intact, run_pressmark):
    """A FIFO where the -wal goes: SQLite's writes to it fail with 'disk I/O error'."""
    os.mkfifo(intact.with_name("p.db-wal"))
    one_line(run_pressmark("--db", "data/p.db", "--annotator", "me", "tag", "a.txt", "1", "finding"),
             "pressmark: data/p.db: ", "disk I/O error")


def test_locked_names_the_file(intact, run_cli, monkeypatch):
    """Another connection holds the write lock past the busy timeout (shortened here to none at all)."""
    monkeypatch.setattr(store.db, "BUSY_TIMEOUT_S", 0)
    blocker = sqlite3.connect(intact, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        result = run_cli("--db", "data/p.db", "--annotator", "me", "tag", "a.txt", "1", "finding")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    one_line(result, "pressmark: data/p.db: ", "locked")


def test_text_that_is_not_utf8_names_the_file(intact, run_pressmark):
    """A title whose bytes are not UTF-8 (pressmark never writes one: damage, or another program). It is not
    decoded leniently (which would hide it and carry U+FFFD into exports and merges): the command that
    reads it fails with one line naming the file and the column."""
    conn = sqlite3.connect(intact)
    conn.execute("UPDATE articles SET title = CAST(x'436166e9' AS TEXT) WHERE file = 'a.txt'")
    conn.commit()
    conn.close()
    for args in (["list"], ["--read-only", "list"], ["show", "a.txt"]):
        one_line(run_pressmark("--db", "data/p.db", *args), "pressmark: data/p.db: ", "UTF-8", "title")
