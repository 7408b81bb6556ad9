"""Hostile folders through the real `pressmark sync` (issue 15): links out of the folder, special
files, known files that turn into something that cannot be imported, and huge inputs."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import store.sync
from store.db import connect
from store.sync import MAX_SENTENCES

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


# --------------------------------------------------------------------------- point 9: big inputs inside the limits


def cut_note(share: str) -> str:
    return f"only the first {MAX_SENTENCES:,} sentences imported ({share} of its text)"


def test_a_huge_article_is_cut_with_a_note_and_show_prints_all_of_it(tmp_path, run_cli):
    folder = tmp_path / "articles"
    write(folder / "big.txt", "a\n" * (MAX_SENTENCES + 500))  # one sentence a line
    write(folder / "small.txt", STORY)
    result = run_cli("--db", "p.db", "sync", "articles")
    assert result.code == 0, result.err
    assert result.out.splitlines() == [f"big.txt: {cut_note('99.0%')}",
                                       "2 added, 0 changed, 0 unchanged, 0 skipped, 1 cut short"]
    marker = f"[pressmark: {cut_note('99.0%')}.]"

    shown = run_cli("--db", "p.db", "show", "big.txt")
    assert shown.code == 0, shown.err
    lines = shown.out.splitlines()
    assert lines[0] == f"a  (big.txt, {MAX_SENTENCES + 1} sentences)"
    numbered = [line for line in lines[1:] if line]
    assert numbered == [f"{n:>4} a" for n in range(1, MAX_SENTENCES + 1)] + [f"{MAX_SENTENCES + 1:>4} {marker}"]

    as_json = run_cli("--db", "p.db", "show", "big.txt", "--format", "json")
    assert as_json.code == 0, as_json.err
    doc = json.loads(as_json.out)
    assert as_json.out == json.dumps(doc, ensure_ascii=False, indent=2) + "\n"  # written a sentence at a time
    assert [s["text"] for s in doc["sentences"]] == ["a"] * MAX_SENTENCES + [marker]
    assert [s["n"] for s in doc["sentences"]] == list(range(1, MAX_SENTENCES + 2))
    small = json.loads(run_cli("--db", "p.db", "show", "small.txt", "--format", "json").out)
    assert [s["text"] for s in small["sentences"]] == ["The council approved the budget on Tuesday.",
                                                       "Inspectors praised the new plan."]

    path = folder / "big.txt"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert run_cli("--db", "p.db", "sync", "articles").out.splitlines() == [
        "0 added, 0 changed, 2 unchanged, 0 skipped"]  # the same cut text: unchanged


def test_show_json_of_an_article_without_sentences(tmp_path, run_cli):
    write(tmp_path / "articles" / "bars.txt", "|\n" * 100_000)  # no letter: no sentence
    assert run_cli("--db", "p.db", "sync", "articles").code == 0
    out = run_cli("--db", "p.db", "show", "bars.txt", "--format", "json").out
    assert out == json.dumps(json.loads(out), ensure_ascii=False, indent=2) + "\n"
    assert json.loads(out)["sentences"] == []


def test_an_article_synced_before_the_cap_is_cut_on_the_next_sync(tmp_path, run_cli, monkeypatch):
    write(tmp_path / "articles" / "long.txt", "".join(f"Sentence number {n} is here.\n" for n in range(1, 101)))
    monkeypatch.setattr(store.sync, "MAX_SENTENCES", 1000)
    assert run_cli("--db", "p.db", "sync", "articles").code == 0
    assert run_cli("--db", "p.db", "tag", "long.txt", "5", "finding").code == 0
    assert run_cli("--db", "p.db", "tag", "long.txt", "50", "finding").code == 0
    monkeypatch.setattr(store.sync, "MAX_SENTENCES", 20)
    result = run_cli("--db", "p.db", "sync", "articles")
    assert result.out.splitlines() == [
        "long.txt: only the first 20 sentences imported (19.7% of its text)",
        "long.txt: 1 annotation(s) could not be re-anchored and are kept as orphans",
        "0 added, 1 changed, 0 unchanged, 0 skipped, 1 annotation(s) orphaned, 1 cut short"]
    assert rows(tmp_path / "p.db", "SELECT n_sentences FROM articles") == [(21,)]
    assert rows(tmp_path / "p.db", "SELECT sentence, status FROM annotations ORDER BY id") == [
        (5, "ok"), (50, "orphan")]


def test_the_reader_opens_a_cut_article_and_shows_its_note(tmp_path):
    from tui_helpers import make_app, open_reader, screen_text, sync_test, wait_for

    write(tmp_path / "articles" / "big.txt", "a\n" * (MAX_SENTENCES + 500))
    db = connect(tmp_path / "p.db")
    store.sync.sync(db, tmp_path / "articles")

    @sync_test
    async def run():
        app = make_app(db, db_path=tmp_path / "p.db")
        async with app.run_test(size=(100, 30)) as pilot:
            view = await open_reader(pilot)
            assert view.count == MAX_SENTENCES + 1
            await pilot.press("G")
            await wait_for(pilot, lambda: view.cursor == view.count and "[pressmark: only" in screen_text(app))
    run()
    db.conn.close()
