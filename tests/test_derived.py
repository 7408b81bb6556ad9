"""store.derived: sync stores text and sentences only; speakers, search and the shingle index follow when needed."""
from __future__ import annotations

import concurrent.futures
import csv
import io
import multiprocessing
import os
from pathlib import Path

import pytest
from test_webpage import INDEX_PAGE, generated, page_for

import store.derived.catchup
import store.processes
import store.sync
from store.align import shingle_hashes
from store.annotate import set_tag
from store.db import SCHEMA_VERSION, connect, schema_version
from store.derived.search import SEARCH_SHIFT, ensure_search
from store.derived.shingles import ensure_shingles, index_article, sources
from store.derived.speakers import ensure_speakers, sentence_speakers, store_speakers
from store.export import export_rows
from store.queries import article_view, resolve_article, search_articles
from store.segment import segment
from store.speakers import Speaker, attribute
from store.sync import sync

DERIVED = ("shingles", "shingle_state", "sentence_speakers", "speaker_state", "search_fts", "search_state")


def count(db, table: str) -> int:
    return db.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def expected_speakers(db, aid: int) -> dict:
    text = db.conn.execute("SELECT text FROM articles WHERE id = ?", (aid,)).fetchone()[0]
    return {n: s for n, s in enumerate(attribute(text, segment(text)), 1) if s}


def story(i: int, extra: str = "") -> str:
    return (f"Report number {i} on the harbour.\n\nInspectors found the quay wall number {i} unsafe. "
            f"The harbour master, Jo Platt, said: “We will fix it by spring.”{extra}\n")


# --------------------------------------------------------------------------- what sync writes


def test_sync_writes_no_derived_data(db, article_ids):
    assert schema_version(db) == SCHEMA_VERSION
    for table in DERIVED:
        assert count(db, table) == 0, table
    assert count(db, "sentences") > 0
    assert {"sentences_ai", "sentences_ad", "sentences_au"}.isdisjoint(
        r[0] for r in db.conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'"))


def test_sync_does_not_import_the_derived_computations():
    import subprocess
    import sys

    code = ("import sys, store.sync; print(sorted(m for m in ('store.align', 'store.speakers', 'multiprocessing',"
            " 'concurrent.futures') if m in sys.modules))")  # the pool's modules: only for a big sync
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_resync_of_changed_text_removes_what_was_derived_from_the_old_text(db, corpus, article_ids):
    aid = next(iter(article_ids.values()))
    file = next(iter(article_ids))
    ensure_shingles(db)
    ensure_search(db)
    sentence_speakers(db, aid)
    assert all(db.conn.execute(f"SELECT count(*) FROM {t} WHERE article_id = ?", (aid,)).fetchone()[0]
               for t in ("shingles", "sentence_speakers", "search_state"))
    path = corpus / file
    path.write_text(path.read_text(encoding="utf-8") + "\n\nA closing line about the zeppelinfield.\n",
                    encoding="utf-8")
    sync(db, corpus)
    for table in ("shingles", "shingle_state", "sentence_speakers", "speaker_state", "search_state"):
        assert db.conn.execute(f"SELECT count(*) FROM {table} WHERE article_id = ?", (aid,)).fetchone()[0] == 0
    low = aid << SEARCH_SHIFT
    assert db.conn.execute("SELECT count(*) FROM search_fts WHERE rowid BETWEEN ? AND ?",
                           (low, low + (1 << SEARCH_SHIFT) - 1)).fetchone()[0] == 0


# --------------------------------------------------------------------------- full-text search


def test_search_finds_synced_and_changed_text_and_forgets_removed_text(db, make_articles):
    folder = make_articles({"a.txt": "Coast\n\nThe lighthouse keeper retired.\n",
                            "b.txt": "Town\n\nA bakery opened downtown.\n"}, folder="search")
    sync(db, folder)
    a, b = resolve_article(db, "a.txt"), resolve_article(db, "b.txt")
    assert search_articles(db, "lighthouse") == [a]  # just synced: indexed by the search itself
    assert count(db, "search_state") == count(db, "articles")
    (folder / "a.txt").write_text("Coast\n\nThe lighthouse keeper retired.\n\nA gull nested on the lantern.\n",
                                  encoding="utf-8")
    (folder / "b.txt").write_text("Town\n\nA florist opened downtown.\n", encoding="utf-8")
    sync(db, folder)
    assert search_articles(db, "gull") == [a]  # added text
    assert search_articles(db, "bakery") == []  # removed text
    assert search_articles(db, "florist") == [b]
    assert search_articles(db, "downtown") == [b]
    db.conn.execute("DELETE FROM articles WHERE id = ?", (b,))  # an article that is gone
    assert search_articles(db, "florist") == []
    assert db.conn.execute("SELECT count(*) FROM search_state WHERE article_id = ?", (b,)).fetchone()[0] == 0


def test_search_in_a_read_only_database_sees_unindexed_articles(tmp_path, make_articles):
    folder = make_articles({"a.txt": "News in brief\n\nThe café reopened.\n",
                            "b.txt": "News in brief\n\nThe museum closed.\n"}, folder="ro")
    path = tmp_path / "ro.db"
    db = connect(path)
    sync(db, folder)
    assert search_articles(db, "museum") == [resolve_article(db, "b.txt")]  # b indexed ...
    (folder / "b.txt").write_text("News in brief\n\nThe library closed.\n", encoding="utf-8")
    sync(db, folder)  # ... then changed, and never searched again
    db.close()
    ro = connect(path, readonly=True)
    try:
        a, b = resolve_article(ro, "a.txt"), resolve_article(ro, "b.txt")
        assert search_articles(ro, "cafe") == [a]  # diacritics folded, as in the index
        assert search_articles(ro, "library") == [b]
        assert search_articles(ro, "museum") == []
        assert count(ro, "search_state") == 2 - 1  # nothing was written
    finally:
        ro.close()


def test_search_catch_up_commits_in_batches_and_reports_progress(db, make_articles, monkeypatch):
    folder = make_articles({f"s{i}.txt": story(i) for i in range(5)}, folder="many")
    sync(db, folder)
    monkeypatch.setattr(store.derived.catchup, "BATCH_SECONDS", 0)  # one article per transaction
    commits = []
    db.conn.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
    seen = []
    total = ensure_search(db, progress=lambda done, of: seen.append((done, of)))
    db.conn.set_trace_callback(None)
    assert total == 7 and len(commits) == 7
    assert seen == [(i, 7) for i in range(1, 8)]
    assert ensure_search(db) == 0


# --------------------------------------------------------------------------- speakers


def test_speakers_are_attributed_once_when_first_needed(db, article_ids, monkeypatch):
    aid = max(article_ids.values())
    expected = expected_speakers(db, aid)
    assert expected and db.conn.execute("SELECT count(*) FROM sentence_speakers").fetchone()[0] == 0
    view = article_view(db, aid, "alice")  # opening the article
    assert view.speakers == expected
    assert db.conn.execute("SELECT count(*) FROM speaker_state WHERE article_id = ?", (aid,)).fetchone()[0] == 1
    monkeypatch.setattr("store.speakers.attribute", lambda *a: pytest.fail("attributed twice"))
    assert article_view(db, aid, "alice").speakers == expected


def test_export_after_sync_fills_the_speaker_column(db, article_ids, tmp_path):
    aid = article_ids["000_946a8aef52dcef49.txt"]
    set_tag(db, aid, 12, "response", "alice")  # tagged without opening the article (CLI, import)
    set_tag(db, aid, 2, "finding", "alice")
    path = db.conn.execute("PRAGMA database_list").fetchone()[2]
    ro = connect(path, readonly=True)  # the TUI exports on a read-only connection: computed, not stored
    try:
        assert {r[2]: r[6] for r in export_rows(ro)} == {2: None, 12: "Mark Douglas"}
    finally:
        ro.close()
    assert count(db, "speaker_state") == 0
    assert {r[2]: r[6] for r in export_rows(db)} == {2: None, 12: "Mark Douglas"}
    assert count(db, "speaker_state") == 1  # stored for the annotated article only
    out = io.StringIO()
    from store.export import write_csv
    write_csv(db, out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert {r["sentence"]: r["speaker"] for r in rows} == {"2": "", "12": "Mark Douglas"}


def test_ensure_speakers_for_annotated_articles_only(db, article_ids):
    first, second = sorted(article_ids.values())
    set_tag(db, second, 1, "finding", "alice")
    assert ensure_speakers(db, annotated=True) == 1
    assert [r[0] for r in db.conn.execute("SELECT article_id FROM speaker_state")] == [second]
    assert ensure_speakers(db) == 1 and ensure_speakers(db) == 0


# --------------------------------------------------------------------------- shingle index


def test_sources_are_the_same_with_the_index_built_at_sync_or_lazily(tmp_path, corpus, make_articles):
    extra = make_articles({"copy.txt": (corpus / sorted(os.listdir(corpus))[0]).read_text(encoding="utf-8")
                           .split("\n\n", 3)[-1]}, folder="copies")

    def build(name: str, eager: bool):
        db = connect(tmp_path / name)
        sync(db, corpus)
        sync(db, extra)
        if eager:  # what sync used to do: index every article as it is stored
            for (aid,) in db.conn.execute("SELECT id FROM articles").fetchall():
                index_article(db, aid)
        return db

    eager, lazy = build("eager.db", True), build("lazy.db", False)
    try:
        assert count(lazy, "shingles") == 0
        for (aid,) in eager.conn.execute("SELECT id FROM articles ORDER BY id").fetchall():
            assert sources(lazy, aid) == sources(eager, aid)
        assert count(lazy, "shingles") == count(eager, "shingles") > 0
        rows = "SELECT hash, article_id FROM shingles ORDER BY hash, article_id"
        assert lazy.conn.execute(rows).fetchall() == eager.conn.execute(rows).fetchall()
        assert any(sources(lazy, aid) for (aid,) in lazy.conn.execute("SELECT id FROM articles"))
    finally:
        eager.close()
        lazy.close()


def test_shingle_catch_up_reports_progress(db, make_articles, monkeypatch):
    sync(db, make_articles({f"s{i}.txt": story(i) for i in range(3)}, folder="three"))
    monkeypatch.setattr(store.derived.catchup, "BATCH_SECONDS", 0)
    seen = []
    assert ensure_shingles(db, progress=lambda done, of: seen.append((done, of))) == 5
    assert seen == [(i, 5) for i in range(1, 6)]
    for (aid, text) in db.conn.execute("SELECT id, text FROM articles").fetchall():
        assert {h for (h,) in db.conn.execute("SELECT hash FROM shingles WHERE article_id = ?", (aid,))} == \
            shingle_hashes(text)


# --------------------------------------------------------------------------- the worker pool


def varied_folder(make_articles) -> Path:
    """Every kind of file sync reads: text in subfolders, Markdown with YAML, TOML and broken front matter,
    web pages (articles trafilatura finds, and one it does not, read whole), files that cannot be imported,
    and one cut at MAX_SENTENCES."""
    files: dict[str, str | bytes] = {f"d{i // 10}/s{i:02}.txt": story(i, " Extra." * (i % 4)) for i in range(30)}
    for i in range(6):
        files[f"d{i}/m{i}.md"] = f"---\ntitle: Story {i}\nsource: Gazette\ndate: 2021-06-0{i + 1}\nauthor: [A, B]\n---\n{story(i)}"
        files[f"d{i}/p{i}.html"] = page_for(*generated(i), i)[0]
    files["d1/toml.md"] = f'+++\ntitle = "In TOML"\ntags = ["x", "y"]\n+++\n{story(40)}'
    files["d2/broken.md"] = f"---\ntitle: Council: budget set\n---\n{story(41)}"
    files["d2/index.htm"] = INDEX_PAGE
    files["d3/bad.txt"] = b"\x89PNG\r\n\x1a\nnot an article"
    files["d3/empty.txt"] = ""
    files["d4/long.txt"] = "Line.\n" * (store.sync.MAX_SENTENCES + 10)
    return make_articles(files, folder="varied")


def stored(db) -> tuple[list, list]:
    """Every column of every article (but when it was synced), and every article's sentence spans."""
    columns = [c for (_, c, *_) in db.conn.execute("PRAGMA table_info(articles)") if c != "synced_at"]
    articles = db.conn.execute(f"SELECT {', '.join(columns)} FROM articles ORDER BY id").fetchall()
    return articles, db.conn.execute("SELECT article_id, spans FROM sentence_spans ORDER BY article_id").fetchall()


@pytest.mark.parametrize("threads", [1, 2])  # 2: another thread runs, so the workers are spawned, not forked
def test_a_big_sync_in_worker_processes_stores_the_same_as_in_process(tmp_path, make_articles, monkeypatch, threads):
    """The same folder synced in this process and by worker processes, then changed and synced again: the
    same rows, spans, reports and progress calls."""
    folder = varied_folder(make_articles)
    monkeypatch.setattr(store.processes.threading, "active_count", lambda: threads)
    started = []
    real_pool = concurrent.futures.ProcessPoolExecutor
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor",
                        lambda *a, **k: started.append(k["mp_context"].get_start_method()) or real_pool(*a, **k))
    monkeypatch.setattr(store.sync, "POOL_MIN_FILES", {"fork": 3, "spawn": 3})
    monkeypatch.setattr(store.sync, "POOL_CHUNK", 4)

    def synced(db, cpus: int) -> tuple:
        monkeypatch.setattr(os, "cpu_count", lambda: cpus)
        seen = []
        report = sync(db, folder, progress=lambda i, file: seen.append((i, file)))
        return report, seen, stored(db)

    def both() -> list:
        """(report, progress calls, rows) of a sync in this process, then of one by worker processes."""
        return [synced(one, 1), synced(pooled, 2)]

    one, pooled = connect(tmp_path / "one.db"), connect(tmp_path / "pooled.db")
    try:
        (plain, plain_seen, plain_rows), (report, seen, rows) = both()
        assert started == ["fork" if threads == 1 else "spawn"]
        assert report == plain and seen == plain_seen and rows == plain_rows
        assert len(plain.added) == 46 and len(plain.skipped) == 2 and len(plain.front_matter) == 1
        assert len(plain.pages) == 7 and len(plain.cut) == 1 and len(rows[1]) == 46
        (folder / "d0/s00.txt").write_text(story(0, " Changed."), encoding="utf-8")
        (folder / "d1/m1.md").write_text((folder / "d1/m1.md").read_text(encoding="utf-8").replace("Gazette", "Post"),
                                         encoding="utf-8")  # front matter only
        (folder / "d2/p2.html").write_text(page_for(*generated(9), 2)[0], encoding="utf-8")
        os.utime(folder / "d2/s20.txt", ns=(1, 1))  # read again, the same text
        (folder / "d0/s01.txt").unlink()
        (folder / "d3/bad.txt").write_text(story(50), encoding="utf-8")
        (plain, plain_seen, plain_rows), (report, seen, rows) = both()
        assert len(started) == 2
        assert report == plain and seen == plain_seen and rows == plain_rows
        assert (len(plain.added), len(plain.changed), len(plain.missing)) == (1, 2, 1)
        assert plain.unchanged == 46 - 1 - 2  # the touched file and the front matter edit among them
        assert multiprocessing.active_children() == []  # the workers are gone (shutdown waited)
    finally:
        one.close()
        pooled.close()


@pytest.mark.parametrize("threads", [1, 2])
def test_only_enough_files_to_read_start_the_pool_which_then_reads_them_all(tmp_path, make_articles, monkeypatch,
                                                                            threads):
    """Fewer files to read than POOL_MIN_FILES says for the start method are read in this process (no pool
    to start); as many, and the workers read every one, the first included. Unchanged files do not count."""
    monkeypatch.setattr(store.processes.threading, "active_count", lambda: threads)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(store.sync, "POOL_MIN_FILES", {"fork": 4, "spawn": 6})
    method, need = ("fork", 4) if threads == 1 else ("spawn", 6)
    started, read_here = [], []
    real_pool, real_analyse = concurrent.futures.ProcessPoolExecutor, store.sync._analyse
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor",
                        lambda *a, **k: started.append(k["mp_context"].get_start_method()) or real_pool(*a, **k))
    monkeypatch.setattr(store.sync, "_analyse", lambda path, *a: read_here.append(path) or real_analyse(path, *a))
    few = make_articles({f"s{i}.txt": story(i) for i in range(need - 1)}, folder="few")
    enough = make_articles({f"s{i}.txt": story(i) for i in range(need)}, folder="enough")
    db = connect(tmp_path / "pool.db")
    try:
        assert len(sync(db, few).added) == need - 1
        assert (started, len(read_here)) == ([], need - 1)
        read_here.clear()
        assert len(sync(db, enough).added) == need
        assert (started, read_here) == ([method], [])
        for i in range(need - 1):
            (enough / f"s{i}.txt").write_text(story(i, " Changed."), encoding="utf-8")
        report = sync(db, enough)
        assert (len(report.changed), report.unchanged) == (need - 1, 1)
        assert (started, len(read_here)) == ([method], need - 1)
    finally:
        db.close()


def test_a_big_sync_stopped_midway_rolls_back_and_stops_its_workers(tmp_path, make_articles, monkeypatch):
    folder = make_articles({f"s{i:02}.txt": story(i) for i in range(40)}, folder="stop")
    monkeypatch.setattr(store.sync, "POOL_MIN_FILES", {"fork": 3, "spawn": 3})
    monkeypatch.setattr(store.sync, "POOL_CHUNK", 2)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    db = connect(tmp_path / "stop.db")

    def stop(i: int, file: str) -> None:
        if i == 20:
            raise KeyboardInterrupt
    try:
        with pytest.raises(KeyboardInterrupt):
            sync(db, folder, progress=stop)
        assert not db.conn.in_transaction
        assert count(db, "articles") == 0  # written in one batch at the end, never committed
        assert multiprocessing.active_children() == []
    finally:
        db.close()


# --------------------------------------------------------------------------- migration from schema 7


def test_migration_from_schema_7(tmp_path, corpus):
    path = tmp_path / "v7.db"
    old = connect(path, target=7)
    sync(old, corpus)  # written by this sync into schema 7: its triggers still fill sentences_fts
    ids = [aid for (aid,) in old.conn.execute("SELECT id FROM articles ORDER BY id")]
    # As schema 7's sync stored them, for the first article (a planted row shows whether they are kept);
    # none for the second, as when this sync wrote it into schema 7.
    store_speakers(old, ids[0], [Speaker("Planted Person")])
    set_tag(old, ids[1], 2, "finding", "alice")
    assert old.conn.execute("SELECT count(*) FROM sentences_fts").fetchone()[0] > 0
    old.close()
    db = connect(path)
    try:
        assert schema_version(db) == SCHEMA_VERSION
        tables = set(db.table_names())
        assert "sentences_fts" not in tables and {"search_fts", "search_state", "speaker_state"} <= tables
        assert not [r for r in db.conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
                    if r[0].startswith("sentences_")]
        # Stored speakers made by an older attribution (before schema 12) are attributed again on first use ...
        assert sentence_speakers(db, ids[0]) == expected_speakers(db, ids[0]) != {}
        assert "Planted Person" not in {s.name for s in sentence_speakers(db, ids[0]).values()}
        # ... and so is an article without rows.
        assert sentence_speakers(db, ids[1]) == expected_speakers(db, ids[1]) != {}
        text = db.conn.execute("SELECT text FROM articles WHERE id = ?", (ids[1],)).fetchone()[0]
        word = max((w for w in text.split() if w.isalpha()), key=len)
        assert ids[1] in search_articles(db, word)  # the new index is built by the first search
        assert count(db, "search_state") == len(ids)
        assert count(db, "annotations") == 1
        assert db.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()


def test_speakers_are_computed_even_when_they_cannot_be_stored(db, article_ids):
    import sqlite3

    aid = max(article_ids.values())
    path = db.conn.execute("PRAGMA database_list").fetchone()[2]
    blocker = sqlite3.connect(path, isolation_level=None)
    db.conn.execute("PRAGMA busy_timeout = 50")
    blocker.execute("BEGIN IMMEDIATE")  # another process is writing
    try:
        assert sentence_speakers(db, aid) == expected_speakers(db, aid) != {}
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert count(db, "speaker_state") == 0


def test_search_finds_a_file_name_and_a_title_in_any_case(tmp_path):
    """The library's filter: part of a file name (no word of the text) finds it; LIKE's % and _ are plain text."""
    folder = tmp_path / "src"
    (folder / "2021").mkdir(parents=True)
    (folder / "2021" / "a02999-press_release.txt").write_text("Council Budget Set\n\nA sentence.\n", encoding="utf-8")
    (folder / "other.txt").write_text("Another 100% story\n\nIt is here.\n", encoding="utf-8")
    db = connect(tmp_path / "s.db")
    sync(db, folder)
    target = resolve_article(db, "a02999")
    assert search_articles(db, "a02999") == [target]
    assert search_articles(db, "2021/A02999") == [target]
    assert search_articles(db, "budget set") == [target]
    assert search_articles(db, "s_r") == [target]  # "press_release", not any character
    assert search_articles(db, "0%") == [resolve_article(db, "other.txt")]
