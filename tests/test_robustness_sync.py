"""Hostile folders through the real `pressmark sync` (issue 15): links out of the folder, special
files, known files that turn into something that cannot be imported, and huge inputs."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from store.db import connect

STORY = "The council approved the budget on Tuesday. Inspectors praised the new plan."


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def rows(db_path: Path, sql: str) -> list[tuple]:
    db = connect(db_path, readonly=True)
    try:
        return db.conn.execute(sql).fetchall()
    finally:
        db.conn.close()


# --------------------------------------------------------------------------- point 2: never leave the folder


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_sync_never_leaves_the_folder(tmp_path, run_cli):
    folder, outside = tmp_path / "articles", tmp_path / "outside"
    write(folder / "good.txt", STORY)
    write(folder / "real" / "inner.txt", "A story in a subfolder. It stays inside.")
    write(outside / "secret.txt", "Outside secret headline\nA story that lives outside the folder.")
    os.mkfifo(outside / "fifo")
    (folder / "sub").mkdir()
    links = {
        "sub/root": "/",
        "secret.txt": str(outside / "secret.txt"),
        "status.txt": "/proc/self/status",
        "pipe.txt": str(outside / "fifo"),
        "out": str(outside),
        "again.txt": "good.txt",
        "alias": "real",
    }
    for name, target in links.items():
        os.symlink(target, folder / name)

    result = run_cli("--db", "p.db", "sync", "articles")
    assert result.code == 0, result.err
    files = [f for (f,) in rows(tmp_path / "p.db", "SELECT file FROM articles ORDER BY file")]
    assert files == ["good.txt", "real/inner.txt"]
    texts = " ".join(t for (t,) in rows(tmp_path / "p.db", "SELECT text FROM articles"))
    assert "outside" not in texts and "VmRSS" not in texts
    out = result.out.splitlines()
    for name in ("sub/root", "secret.txt", "status.txt", "pipe.txt", "out"):
        assert f"skipped {name}: link leaves the folder (to {links[name]})" in out
    for name in ("again.txt", "alias"):
        assert f"skipped {name}: link inside the folder (to {links[name]}): not followed" in out
    assert out[-1] == "2 added, 0 changed, 0 unchanged, 7 skipped"
    assert dict(rows(tmp_path / "p.db", "SELECT file, reason FROM skipped")) == {
        name: line.split(": ", 1)[1] for name in links for line in out if line.startswith(f"skipped {name}:")}


# --------------------------------------------------------------------------- point 10: known files that cannot be read now


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_a_known_file_that_cannot_be_imported_any_more_is_marked_missing(tmp_path, run_cli):
    folder = tmp_path / "articles"
    for name in ("fifo.txt", "empty.txt", "binary.txt", "kept.txt"):
        write(folder / name, f"Story of {name}. {STORY}")
    assert run_cli("--db", "p.db", "sync", "articles").code == 0
    for name in ("fifo.txt", "empty.txt", "binary.txt"):
        assert run_cli("--db", "p.db", "tag", name, "1", "finding").code == 0
    (folder / "fifo.txt").unlink()
    os.mkfifo(folder / "fifo.txt")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))

    result = run_cli("--db", "p.db", "sync", "articles")
    assert result.code == 0, result.err
    out = result.out.splitlines()
    for name, reason in (("fifo.txt", "not a regular file"), ("empty.txt", "empty file"),
                         ("binary.txt", "binary file (PNG image)")):
        assert f"skipped {name}: {reason}" in out
        assert f"missing {name}: can no longer be imported ({reason}); its annotations are kept" in out
    assert out[-1] == "0 added, 0 changed, 1 unchanged, 3 skipped, 3 missing"
    listed = run_cli("--db", "p.db", "list", "--format", "csv").out.splitlines()[1:]
    assert sorted((r.split(",")[1], r.split(",")[-1]) for r in listed) == [
        ("binary.txt", "missing"), ("empty.txt", "missing"), ("fifo.txt", "missing"), ("kept.txt", "ok")]
    assert len(rows(tmp_path / "p.db", "SELECT * FROM annotations WHERE status = 'ok'")) == 3  # kept

    (folder / "fifo.txt").unlink()
    for name in ("fifo.txt", "empty.txt", "binary.txt"):
        write(folder / name, f"Story of {name}. {STORY}")
    back = run_cli("--db", "p.db", "sync", "articles")
    assert back.out.splitlines() == ["0 added, 0 changed, 4 unchanged, 0 skipped"]
    assert {s for (s,) in rows(tmp_path / "p.db", "SELECT status FROM articles")} == {"ok"}
