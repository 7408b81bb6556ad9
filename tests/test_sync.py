"""store.sync: bringing a folder into the database, change detection, re-anchoring, missing files, FTS."""
from __future__ import annotations

import csv
import io
import os

import pytest
from conftest import REAL_ARTICLES

import store.sync
from store.annotate import set_note, set_tag
from store.db import StoreError
from store.export import write_csv
from store.files import read_article
from store.queries import article_view, list_articles, resolve_article, search_articles
from store.segment import segment
from store.sync import sync

# Paragraphs of plain, unambiguous sentences (no abbreviations), one paragraph per block.
PARAS = [
    "The council published its annual report on Tuesday morning.",
    "Inspectors found that waiting times for assessments had doubled since the last visit. "
    "They also found that record keeping in three teams was incomplete.",
    "A spokesperson said the council welcomed the report and would study it carefully.",
    "The director promised to recruit twenty experienced social workers before the winter.",
]


def article(paras: list[str]) -> str:
    return "\n\n".join(paras) + "\n"


def stored(db, article_id: int) -> str:
    return db.conn.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()[0]


def n_of(text: str, quote: str) -> int:
    """1-based number of the sentence (per the current segmenter) whose text is ``quote``."""
    hits = [i for i, s in enumerate(segment(text), 1) if text[s.start:s.end] == quote]
    assert len(hits) == 1, (quote, hits)
    return hits[0]


def export_rows(db) -> list[dict]:
    out = io.StringIO()
    write_csv(db, out, raw=True)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def forbid_reading(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError(f"read_article should not be called: {args}")
    monkeypatch.setattr(store.sync, "read_article", fail)


# --------------------------------------------------------------------------- the real folder


def test_sync_adds_the_real_articles_then_finds_them_unchanged(db_path, corpus, monkeypatch):
    from store.db import connect

    db = connect(db_path)
    try:
        first = sync(db, corpus)
        assert first.added == REAL_ARTICLES
        assert (first.changed, first.unchanged, first.skipped, first.missing, first.orphaned) == ([], 0, [], [], [])
        assert first.seen == 2
        state = db.conn.execute("SELECT * FROM articles ORDER BY id").fetchall()

        forbid_reading(monkeypatch)
        second = sync(db, corpus)
        assert (second.added, second.changed, second.unchanged, second.skipped, second.missing) == ([], [], 2, [], [])
        assert db.conn.execute("SELECT * FROM articles ORDER BY id").fetchall() == state  # no writes at all
        assert not db.conn.in_transaction
    finally:
        db.conn.close()


def test_stored_text_and_sentences_match_the_segmenter(db, corpus, article_ids, sentences):
    for file, aid in article_ids.items():
        text = stored(db, aid)
        assert text == read_article(corpus / file).text
        spans = segment(text)
        rows = sentences(aid)
        assert [(n, s, e) for n, s, e, _ in rows] == [(i, x.start, x.end) for i, x in enumerate(spans, 1)]
        assert all(t == text[s:e] for _, s, e, t in rows)
        assert db.conn.execute("SELECT n_sentences, status FROM articles WHERE id = ?", (aid,)).fetchone() == (
            len(spans), "ok")


def test_touched_file_is_read_but_unchanged(db, corpus, article_ids, monkeypatch):
    path = corpus / REAL_ARTICLES[0]
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    calls = []
    real_read = store.sync.read_article
    monkeypatch.setattr(store.sync, "read_article", lambda *a, **k: calls.append(a[0].name) or real_read(*a, **k))
    report = sync(db, corpus)
    assert calls == [REAL_ARTICLES[0]]
    assert (report.added, report.changed, report.unchanged) == ([], [], 2)
    # The new stat was stored, so the next sync does not read the file again.
    forbid_reading(monkeypatch)
    assert sync(db, corpus).unchanged == 2


# --------------------------------------------------------------------------- changed files and re-anchoring


def test_new_paragraph_at_top_moves_annotations_to_their_new_sentence(db, corpus, article_ids, real_article,
                                                                       sentences, annotation_rows):
    aid = article_ids[real_article]
    rows = sentences(aid)
    n, start, end, quote = rows[len(rows) // 2]
    set_tag(db, aid, n, "finding", "alice")
    set_note(db, aid, n, "moved with it", "alice")
    set_tag(db, aid, rows[-1][0], "commitment", "bob")

    path = corpus / real_article
    path.write_text("Editor's update: this story was revised after publication.\n\n"
                    + path.read_text(encoding="utf-8"), encoding="utf-8")
    report = sync(db, corpus)
    assert report.changed == [real_article] and report.orphaned == [] and report.unchanged == 1

    text = stored(db, aid)
    new_n = n_of(text, quote)
    assert new_n > n
    for row in annotation_rows("alice"):
        assert (row["sentence"], row["status"], row["exact"]) == (new_n, "ok", quote)
        assert text[row["start"]:row["end"]] == quote and row["start"] > start
        assert row["prefix"] == text[max(0, row["start"] - 32):row["start"]]
    [bob] = annotation_rows("bob")
    assert bob["sentence"] == len(segment(text)) and bob["status"] == "ok"
    view = article_view(db, aid, "alice")
    assert view.tags == {new_n: {"finding"}} and view.notes == {new_n: "moved with it"} and view.orphans == 0


def test_lightly_edited_sentence_is_reanchored_fuzzily(db, make_articles, annotation_rows):
    folder = make_articles({"story.txt": article(PARAS)})
    sync(db, folder)
    aid = resolve_article(db, "story.txt")
    text = stored(db, aid)
    quote = "Inspectors found that waiting times for assessments had doubled since the last visit."
    n = n_of(text, quote)
    set_tag(db, aid, n, "finding", "alice")

    edited = "Inspectors found that the waiting times for assessments had tripled since the last visit."
    (folder / "story.txt").write_text(article([PARAS[0], PARAS[1].replace(quote, edited), *PARAS[2:]]),
                                      encoding="utf-8")
    report = sync(db, folder)
    assert report.changed == ["story.txt"] and report.orphaned == []
    [row] = annotation_rows()
    new_text = stored(db, aid)
    assert (row["status"], row["sentence"], row["exact"]) == ("ok", n_of(new_text, edited), edited)
    assert new_text[row["start"]:row["end"]] == edited


def test_rewritten_sentence_becomes_an_orphan_and_is_kept(db, make_articles, annotation_rows):
    folder = make_articles({"story.txt": article(PARAS)})
    sync(db, folder)
    aid = resolve_article(db, "story.txt")
    text = stored(db, aid)
    quote = PARAS[3]
    n = n_of(text, quote)
    set_tag(db, aid, n, "commitment", "alice")
    set_note(db, aid, n, "check in winter", "alice")
    set_tag(db, aid, n_of(text, PARAS[0]), "finding", "alice")

    replaced = "Nobody from the department was available to comment on staffing plans."
    (folder / "story.txt").write_text(article([*PARAS[:3], replaced]), encoding="utf-8")
    report = sync(db, folder)
    assert report.changed == ["story.txt"]
    assert report.orphaned == [("story.txt", 2)]  # the tag and the note on that sentence

    rows = {(r["tag"], r["status"]) for r in annotation_rows()}
    assert rows == {("commitment", "orphan"), (None, "orphan"), ("finding", "ok")}
    orphan = [r for r in annotation_rows() if r["tag"] == "commitment"][0]
    assert orphan["exact"] == quote  # the old quote is kept for the user to see
    view = article_view(db, aid, "alice")
    assert view.orphans == 2 and n not in view.tags
    [summary] = [a for a in list_articles(db) if a.id == aid]
    assert summary.counts == {"finding": 1}

    exported = export_rows(db)
    assert {(r["tag"], r["status"], r["text"]) for r in exported} >= {("commitment", "orphan", quote)}
    assert [r["note"] for r in exported if r["tag"] == "commitment"] == ["check in winter"]

    # Syncing again changes nothing; restoring the sentence brings the orphans back.
    assert sync(db, folder).orphaned == []
    (folder / "story.txt").write_text(article(PARAS), encoding="utf-8")
    assert sync(db, folder).orphaned == []
    assert {r["status"] for r in annotation_rows()} == {"ok"}
    assert article_view(db, aid, "alice").notes == {n: "check in winter"}


def test_removed_file_is_missing_and_its_annotations_are_kept(db, corpus, article_ids, annotation_rows):
    gone, kept = REAL_ARTICLES
    set_tag(db, article_ids[gone], 1, "finding", "alice")
    set_note(db, article_ids[gone], 2, "note on a vanished file", "alice")
    before = annotation_rows()
    data = (corpus / gone).read_bytes()
    (corpus / gone).unlink()

    report = sync(db, corpus)
    assert report.missing == [gone] and report.unchanged == 1 and report.changed == []
    status = dict(db.conn.execute("SELECT file, status FROM articles"))
    assert status == {gone: "missing", kept: "ok"}
    assert annotation_rows() == before
    exported = export_rows(db)
    assert sorted((r["article"], r["sentence"], r["tag"], r["note"]) for r in exported) == [
        (gone, "1", "finding", ""), (gone, "2", "", "note on a vanished file")]
    assert resolve_article(db, gone) == article_ids[gone]  # still reachable by name

    (corpus / gone).write_bytes(data)
    back = sync(db, corpus)
    assert back.missing == [] and back.added == [] and back.changed == [] and back.unchanged == 2
    assert dict(db.conn.execute("SELECT file, status FROM articles")) == {gone: "ok", kept: "ok"}
    assert annotation_rows() == before


# --------------------------------------------------------------------------- folders and skipped files


def test_recursive_folders(db, make_articles):
    folder = make_articles({
        "top.txt": "A top level story about the budget.\n",
        "sub/a.txt": "A story in a subfolder about housing.\n",
        "sub/deeper/b.md": "---\ntitle: Deep Story\n---\nA story two levels down about transport.\n",
        ".hidden/secret.txt": "A hidden story that must be ignored.\n",
        "sub/readme.csv": "not,an,article\n",
    }, folder="tree")
    report = sync(db, folder)
    assert report.added == ["sub/a.txt", "sub/deeper/b.md", "top.txt"]
    assert report.skipped == []
    assert resolve_article(db, "b.md") == resolve_article(db, "sub/deeper/b.md")
    titles = dict(db.conn.execute("SELECT file, title FROM articles WHERE root = ?", (str(folder.resolve()),)))
    assert titles["sub/deeper/b.md"] == "Deep Story"


def test_skipped_files_are_reported_with_reasons(db, make_articles):
    folder = make_articles({
        "empty.txt": b"",
        "blank.txt": b"   \n\n\t\n",
        "picture.txt": b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
        "nul.txt": b"some text\x00with a NUL byte",
        "good.txt": "The only article that should be imported here.\n",
    }, folder="mixed")
    report = sync(db, folder)
    assert report.added == ["good.txt"]
    reasons = dict(report.skipped)
    assert sorted(reasons) == ["blank.txt", "empty.txt", "nul.txt", "picture.txt"]
    assert "empty" in reasons["empty.txt"] and "empty" in reasons["blank.txt"]
    assert "binary" in reasons["picture.txt"] and "binary" in reasons["nul.txt"]
    assert all(r.strip() and "\n" not in r and str(folder) not in r for r in reasons.values())
    files = {f for (f,) in db.conn.execute("SELECT file FROM articles WHERE root = ?", (str(folder.resolve()),))}
    assert files == {"good.txt"}
    # Skipped files are skipped again (not "missing") on the next sync.
    again = sync(db, folder)
    assert dict(again.skipped) == reasons and again.missing == [] and again.unchanged == 1


def test_size_limit_skips_with_a_reason(db, make_articles):
    folder = make_articles({"long.txt": "A sentence that repeats. " * 200}, folder="big")
    report = sync(db, folder, max_size=1000)
    assert report.added == [] and len(report.skipped) == 1
    assert "size" in report.skipped[0][1]


def test_sync_of_a_missing_folder_is_a_store_error(db, tmp_path):
    with pytest.raises(StoreError, match="not a folder"):
        sync(db, tmp_path / "nope")
    assert not db.conn.in_transaction


def test_progress_is_reported_per_file(db, make_articles):
    folder = make_articles({f"s{i}.txt": f"Story number {i} is here.\n" for i in range(3)}, folder="prog")
    seen = []
    sync(db, folder, progress=lambda i, file: seen.append((i, file)))
    assert seen == [(0, "s0.txt"), (1, "s1.txt"), (2, "s2.txt")]


def test_a_failing_sync_rolls_back(db, make_articles):
    folder = make_articles({"a.txt": "First story here.\n", "b.txt": "Second story here.\n"}, folder="boom")

    def explode(i, file):
        if i == 1:
            raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        sync(db, folder, progress=explode)
    assert not db.conn.in_transaction
    assert db.conn.execute("SELECT count(*) FROM articles WHERE root = ?", (str(folder.resolve()),)).fetchone()[0] == 0


def _pragmas(db) -> tuple:
    return tuple(db.conn.execute(f"PRAGMA {name}").fetchone()[0] for name in ("synchronous", "wal_autocheckpoint"))


def test_sync_leaves_the_connection_fsyncing_every_commit_again(db, make_articles):
    """During a sync batches are not fsync'd one by one (store.sync): afterwards, and after a failed
    sync too, the connection is back to FULL, which every annotation's commit relies on."""
    assert _pragmas(db) == (2, 1000)
    sync(db, make_articles({f"s{i}.txt": f"Story number {i} is here.\n" for i in range(3)}, folder="one"))
    assert _pragmas(db) == (2, 1000)

    def explode(i, file):
        assert _pragmas(db) == (1, store.sync.WAL_PAGES)  # NORMAL while syncing
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        sync(db, make_articles({"a.txt": "First story here.\n"}, folder="two"), progress=explode)
    assert _pragmas(db) == (2, 1000)


# --------------------------------------------------------------------------- full-text search


def _words(text: str, shortest: int = 6) -> set[str]:
    return {w.lower() for w in "".join(c if c.isalpha() else " " for c in text).split() if len(w) >= shortest}


def test_search_finds_words_from_each_article(db, article_ids):
    texts = {file: stored(db, aid) for file, aid in article_ids.items()}
    a, b = REAL_ARTICLES
    only_a, only_b = sorted(_words(texts[a]) - _words(texts[b])), sorted(_words(texts[b]) - _words(texts[a]))
    both = sorted(_words(texts[a]) & _words(texts[b]))
    assert only_a and only_b and both
    assert search_articles(db, only_a[0]) == [article_ids[a]]
    assert search_articles(db, only_b[-1].upper()) == [article_ids[b]]  # case-insensitive
    assert search_articles(db, both[0]) == sorted(article_ids.values())
    assert search_articles(db, f"{only_a[0]} {only_b[0]}") == []  # every word must match in one sentence
    stem = next(w[:-2] for w in only_a if not any(x.startswith(w[:-2]) for x in _words(texts[b], 1)))
    assert search_articles(db, stem) == [article_ids[a]]  # words match as prefixes
    assert search_articles(db, "zzqxnonexistentword") == []
    assert [s.id for s in list_articles(db, query=only_b[0])] == [article_ids[b]]


@pytest.mark.parametrize("query", ['"', 'a"b', "AND", "OR NOT", "*", "(", "-", "NEAR(", "'"])
def test_search_survives_fts_syntax(db, query):
    assert isinstance(search_articles(db, query), list)


def test_search_ignores_diacritics_and_follows_changes(db, make_articles):
    folder = make_articles({"story.txt": "The café société reopened downtown.\n"}, folder="fts")
    sync(db, folder)
    aid = resolve_article(db, "story.txt")
    assert search_articles(db, "cafe") == [aid]
    assert search_articles(db, "SOCIETE") == [aid]
    (folder / "story.txt").write_text("The bakery reopened downtown.\n", encoding="utf-8")
    sync(db, folder)
    assert search_articles(db, "cafe") == []
    assert search_articles(db, "bakery") == [aid]
