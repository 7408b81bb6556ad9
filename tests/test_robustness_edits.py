"""Edited and removed articles, and export safety, end to end through the real CLI."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from store.annotate import set_tag
from store.db import connect, write
from store.export import FORMULA_STARTS

ORIGINAL = """Council report finds failures at the hospital

The council report found serious failures in care. Inspectors said staff were overstretched and tired. \
The trust will hire forty more nurses by March. A spokesperson declined to comment.

The second paragraph stays exactly the same. It has two sentences.
"""
EDITED = """Council report finds failures at the hospital

A new opening paragraph was added later. It moves every offset along.

The council report found serious failures in care. Inspectors said the staff were overstretched and tired. \
Nothing about hiring is certain, officials admitted on Tuesday. A spokesperson declined to comment.

The second paragraph stays exactly the same. It has two sentences.
"""
LIGHT = "Inspectors said staff were overstretched and tired."
LIGHT_NEW = "Inspectors said the staff were overstretched and tired."
REWRITTEN = "The trust will hire forty more nurses by March."
SAME = "A spokesperson declined to comment."


def pressmark(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The real program; output decoded as UTF-8 with no newline translation (CSV fields may hold a CR)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESSMARK_")}
    proc = subprocess.run([sys.executable, "-c", "from tui.cli import main; main()", *args], cwd=cwd,
                          env=env, capture_output=True, timeout=120)
    proc.stdout, proc.stderr = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def ok(*args: str, cwd: Path) -> str:
    proc = pressmark("--db", "p.db", "--annotator", "me", *args, cwd=cwd)
    assert proc.returncode == 0, (args, proc.stderr)
    return proc.stdout


def sentence_numbers(cwd: Path, article: str) -> dict[str, int]:
    shown = json.loads(ok("show", article, "--format", "json", cwd=cwd))
    return {s["text"]: s["n"] for s in shown["sentences"]}


def exported(cwd: Path, *extra: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(ok("export", "-o", "-", *extra, cwd=cwd), newline="")))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- edited and removed
def test_edited_then_removed_article_through_the_cli(tmp_path):
    from adversarial import screen_text

    (tmp_path / "articles").mkdir()
    article = tmp_path / "articles" / "report.txt"
    article.write_text(ORIGINAL)
    ok("sync", "articles", cwd=tmp_path)
    before = sentence_numbers(tmp_path, "report")
    ok("tag", "report", str(before[LIGHT]), "finding", cwd=tmp_path)
    ok("tag", "report", str(before[REWRITTEN]), "commitment", cwd=tmp_path)
    ok("tag", "report", str(before[SAME]), "response", "--note", "kept note", cwd=tmp_path)

    article.write_text(EDITED)
    out = ok("sync", "articles", cwd=tmp_path).splitlines()
    assert "report.txt: 1 annotation(s) could not be re-anchored and are kept as orphans" in out
    assert out[-1] == "0 added, 1 changed, 0 unchanged, 0 skipped, 1 annotation(s) orphaned"
    after = sentence_numbers(tmp_path, "report")
    assert after[SAME] == before[SAME] + 2 and after[LIGHT_NEW] == before[LIGHT] + 2
    rows = {r["tag"]: r for r in exported(tmp_path)}
    assert set(rows) == {"finding", "commitment", "response"}  # nothing deleted
    assert [rows[t]["status"] for t in ("finding", "response", "commitment")] == ["ok", "ok", "orphan"]
    assert rows["finding"]["text"] == LIGHT_NEW and int(rows["finding"]["sentence"]) == after[LIGHT_NEW]
    assert rows["response"]["text"] == SAME and rows["response"]["note"] == "kept note"
    assert rows["commitment"]["text"] == REWRITTEN  # the orphan keeps what was tagged
    assert "status" in list(csv.reader(io.StringIO(ok("export", "-o", "-", cwd=tmp_path))))[0]
    shown = ok("show", "report", cwd=tmp_path)
    assert f"[finding] {LIGHT_NEW}" in shown and f"[response] {SAME}" in shown

    # The orphan is visible in the reader's header.
    import asyncio

    from tui.app import PressmarkApp
    from tui.screens.reader import ReaderScreen

    async def look() -> str:
        db = connect(tmp_path / "p.db", readonly=True)
        app = PressmarkApp(db, annotator="me", db_path=tmp_path / "p.db", pause_after=None)
        async with app.run_test(size=(160, 40)) as pilot:
            app.push_screen(ReaderScreen(1))
            await pilot.pause()
            text = screen_text(app)
        db.conn.close()
        return text

    assert "1 orphaned" in asyncio.run(look())

    article.unlink()
    out = ok("sync", "articles", cwd=tmp_path).splitlines()
    assert "missing report.txt: file has gone; its annotations are kept" in out
    assert out[-1] == "0 added, 0 changed, 0 unchanged, 0 skipped, 1 missing"
    assert json.loads(ok("list", "--format", "json", cwd=tmp_path))[0]["status"] == "missing"
    rows = exported(tmp_path)
    assert sorted(r["tag"] for r in rows) == ["commitment", "finding", "response"]
    assert {r["status"] for r in rows} == {"missing"}
    # It comes back as it was when the file does.
    article.write_text(EDITED)
    ok("sync", "articles", cwd=tmp_path)
    assert sorted(r["status"] for r in exported(tmp_path)) == ["ok", "ok", "orphan"]


# --------------------------------------------------------------------------- export safety
FORMULA_ARTICLE = """---
title: "@SUM(A1:A2) budget"
---
-2+3 is how the first sentence starts. +44 is a phone number here. =cmd|' /C calc'!A0 is a formula. \
@home is a handle.
"""


def test_export_neutralises_formulas_in_every_text_field_and_raw_keeps_them(tmp_path):
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "=HYPERLINK(x).txt").write_text(FORMULA_ARTICLE)
    ok("sync", "articles", cwd=tmp_path)
    numbers = sentence_numbers(tmp_path, "=HYPERLINK")
    assert len(numbers) == 4
    for n in numbers.values():
        proc = pressmark("--db", "p.db", "--annotator", "=ann", "tag", "=HYPERLINK", str(n), "finding",
                         "--note", "+note -x", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
    db = connect(tmp_path / "p.db")  # names with a leading tab or CR are refused on entry: an old database has them
    set_tag(db, 1, 1, "response", "tab")
    set_tag(db, 1, 1, "response", "cr")
    set_tag(db, 1, 1, "commitment", "-minus")
    with write(db):
        db.conn.execute("UPDATE annotations SET annotator = '\tTab' WHERE annotator = 'tab'")
        db.conn.execute("UPDATE annotations SET annotator = '\rCR' WHERE annotator = 'cr'")
    db.conn.close()

    rows = list(csv.reader(io.StringIO(ok("export", "-o", "-", cwd=tmp_path), newline="")))[1:]
    assert len(rows) == 7
    for row in rows:
        for value in row:
            assert not value.startswith(FORMULA_STARTS), row
    flat = {v for row in rows for v in row}
    for value in ("'=HYPERLINK(x).txt", "'@SUM(A1:A2) budget", "'-2+3 is how the first sentence starts.",
                  "'+44 is a phone number here.", "'=cmd|' /C calc'!A0 is a formula.", "'@home is a handle.",
                  "'=ann", "'+note -x", "'\tTab", "'\rCR", "'-minus"):
        assert value in flat, value
    (tmp_path / "out").mkdir()
    assert ok("export", "-o", "out/file.csv", cwd=tmp_path) == ""
    with open(tmp_path / "out" / "file.csv", newline="", encoding="utf-8") as f:
        assert list(csv.reader(f))[1:] == rows  # the file gets the same protection as stdout

    raw = list(csv.reader(io.StringIO(ok("export", "-o", "-", "--raw", cwd=tmp_path), newline="")))[1:]
    flat = {v for row in raw for v in row}
    for value in ("=HYPERLINK(x).txt", "@SUM(A1:A2) budget", "-2+3 is how the first sentence starts.",
                  "=ann", "+note -x", "\tTab", "\rCR", "-minus"):
        assert value in flat, value
    listing = list(csv.reader(io.StringIO(ok("list", "--format", "csv", cwd=tmp_path), newline="")))
    assert listing[1][1:3] == ["'=HYPERLINK(x).txt", "'@SUM(A1:A2) budget"]


@pytest.fixture
def exportable(tmp_path) -> Path:
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "a.txt").write_text("First sentence here. Second sentence there.\n")
    ok("sync", "articles", cwd=tmp_path)
    (tmp_path / "articles" / "new.md").write_text("Written after the sync: not in the database yet.\n")
    ok("tag", "a", "1", "finding", cwd=tmp_path)
    os.symlink("p.db", tmp_path / "link-to-db.csv")
    os.symlink("articles/a.txt", tmp_path / "link-to-article.csv")
    return tmp_path


@pytest.mark.parametrize("target, says", [
    ("p.db", "that is the pressmark database"),
    ("p.db-wal", "that is the pressmark database"),
    ("./articles/../p.db", "that is the pressmark database"),
    ("link-to-db.csv", "that is the pressmark database"),
    ("articles/a.txt", "that is an article file"),
    ("articles/../articles/a.txt", "that is an article file"),
    ("link-to-article.csv", "that is an article file"),
    ("articles/new.md", "that is an article file"),
    ("missing/folder/out.csv", "cannot write there"),
    ("articles/a.txt/out.csv", "cannot write there"),
    ("articles", "is a folder"),
])
def test_export_refuses_precious_or_impossible_targets_with_one_line(exportable, target, says):
    files = {p: sha(p) for p in exportable.rglob("*") if p.is_file() and not p.is_symlink()}
    proc = pressmark("--db", "p.db", "export", "-o", target, cwd=exportable)
    assert proc.returncode == 1
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and says in lines[0] and str(Path(target)) in lines[0], proc.stderr
    after = {p: sha(p) for p in exportable.rglob("*") if p.is_file() and not p.is_symlink()}
    assert after == files  # byte-identical, and no temporary file left behind
    assert os.readlink(exportable / "link-to-db.csv") == "p.db"
