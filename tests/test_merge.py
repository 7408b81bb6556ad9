"""store.merge and `pressmark merge`: matching articles, adding missing ones, re-anchoring, the
conflict policy, idempotence, the logged action, and the other database left untouched."""
from __future__ import annotations

import hashlib
import json
import shutil
import time

import pytest
from conftest import REAL_ARTICLES

from store.annotate import set_note, set_tag, undo
from store.db import StoreError, connect
from store.derived.shingles import ensure_shingles
from store.derived.speakers import sentence_speakers
from store.merge import merge
from store.queries import annotator_progress, search_articles
from store.segment import segment
from store.sync import sync

A, B = REAL_ARTICLES


@pytest.fixture
def other(tmp_path, corpus):
    """``other(name, folder=corpus)`` -> a new database (connection) at tmp_path/name.db, synced."""
    made = []

    def make(name: str, folder=None):
        database = connect(tmp_path / f"{name}.db")
        sync(database, folder or corpus)
        made.append(database)
        return database
    yield make
    for database in made:
        database.conn.close()


def aid(database, file: str) -> int:
    return database.conn.execute("SELECT id FROM articles WHERE file = ?", (file,)).fetchone()[0]


def rows(database, *, status: str | None = None) -> list[tuple]:
    """Every annotation as (file, sentence, annotator, tag, note, status), sorted."""
    sql = """SELECT ar.file, a.sentence, a.annotator, ifnull(a.tag, ''), ifnull(a.note, ''), a.status
             FROM annotations a JOIN articles ar ON ar.id = a.article_id"""
    out = sorted(database.conn.execute(sql).fetchall())
    return [r for r in out if status is None or r[5] == status]


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def path_of(database) -> str:
    return database.conn.execute("PRAGMA database_list").fetchone()[2]


# --------------------------------------------------------------------------- the basics


def test_merge_brings_in_another_coders_annotations(db, other):
    set_tag(db, aid(db, A), 1, "finding", "alice")
    theirs = other("bob")
    set_tag(theirs, aid(theirs, A), 1, "finding", "bob")
    set_tag(theirs, aid(theirs, B), 4, "response", "bob")
    set_note(theirs, aid(theirs, B), 4, "quoted from the council", "bob")
    report = merge(db, path_of(theirs), by="alice")
    assert report.articles_matched == 2 and report.articles_added == []
    assert (report.added, report.updated, report.unchanged, report.conflicts, report.orphaned) == (3, 0, 0, [], 0)
    assert rows(db) == sorted([(A, 1, "alice", "finding", "", "ok"), (A, 1, "bob", "finding", "", "ok"),
                               (B, 4, "bob", "response", "", "ok"), (B, 4, "bob", "", "quoted from the council", "ok")])
    # Timestamps and anchors come across as they were.
    mine = db.conn.execute("SELECT created_at, updated_at, exact, prefix, suffix, start, \"end\" FROM annotations"
                           " WHERE annotator = 'bob' ORDER BY id").fetchall()
    theirs_rows = theirs.conn.execute("SELECT created_at, updated_at, exact, prefix, suffix, start, \"end\""
                                      " FROM annotations ORDER BY id").fetchall()
    assert mine == theirs_rows


def test_merging_twice_adds_nothing(db, other):
    theirs = other("bob")
    for n in (1, 2, 3):
        set_tag(theirs, aid(theirs, A), n, "finding", "bob")
    set_note(theirs, aid(theirs, A), 2, "a note", "bob")
    first = merge(db, path_of(theirs), by="alice")
    before = rows(db)
    count = db.conn.execute("SELECT count(*) FROM annotations").fetchone()[0]
    again = merge(db, path_of(theirs), by="alice")
    assert first.added == 4
    assert (again.added, again.updated, again.unchanged, again.articles_added) == (0, 0, 4, [])
    assert rows(db) == before and db.conn.execute("SELECT count(*) FROM annotations").fetchone()[0] == count
    assert again.action_id is None  # nothing changed, so nothing was logged


def test_the_other_database_is_only_read(db, other, tmp_path):
    theirs = other("bob")
    set_tag(theirs, aid(theirs, A), 1, "finding", "bob")
    theirs.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    theirs.conn.close()
    path = tmp_path / "bob.db"
    before = digest(path)
    path.chmod(0o444)
    try:
        report = merge(db, path, by="alice")
    finally:
        path.chmod(0o644)
    assert report.added == 1 and digest(path) == before


def test_never_overwrites_another_annotators_rows(db, other):
    set_note(db, aid(db, A), 2, "alice's view", "alice")
    set_tag(db, aid(db, A), 2, "finding", "alice")
    theirs = other("bob")
    set_note(theirs, aid(theirs, A), 2, "bob's view", "bob")
    set_tag(theirs, aid(theirs, A), 2, "response", "bob")
    report = merge(db, path_of(theirs), by="alice")
    assert report.conflicts == [] and report.added == 2
    notes = dict(db.conn.execute("SELECT annotator, note FROM annotations WHERE tag IS NULL"))
    assert notes == {"alice": "alice's view", "bob": "bob's view"}


@pytest.mark.parametrize("newer", ["ours", "theirs"])
def test_same_annotator_note_conflict_newer_wins_and_is_reported(db, other, newer):
    theirs = other("laptop")
    first, second = (db, theirs) if newer == "theirs" else (theirs, db)
    set_note(first, aid(first, A), 3, "first thought", "alice")
    time.sleep(0.002)  # timestamps have millisecond resolution: make "newer" unambiguous
    set_note(second, aid(second, A), 3, "second thought", "alice")
    set_tag(db, aid(db, A), 3, "finding", "alice")
    set_tag(theirs, aid(theirs, A), 3, "finding", "alice")  # same key: the same annotation, not a conflict
    report = merge(db, path_of(theirs), by="alice")
    (conflict,) = report.conflicts
    assert (conflict.file, conflict.sentence, conflict.annotator, conflict.kept) == (A, 3, "alice", newer)
    assert {conflict.ours, conflict.theirs} == {"first thought", "second thought"}
    assert db.conn.execute("SELECT note FROM annotations WHERE tag IS NULL").fetchone()[0] == "second thought"
    assert report.updated == (1 if newer == "theirs" else 0) and report.unchanged == 1
    # Merging again changes nothing more (the winner is already in place).
    again = merge(db, path_of(theirs), by="alice")
    assert again.updated == 0 and again.added == 0
    assert db.conn.execute("SELECT note FROM annotations WHERE tag IS NULL").fetchone()[0] == "second thought"


def test_matched_by_hash_even_when_the_file_was_renamed(db, other, tmp_path, corpus):
    renamed = tmp_path / "renamed"
    renamed.mkdir()
    shutil.copy(corpus / A, renamed / "press-release.txt")
    theirs = other("bob", renamed)
    set_tag(theirs, aid(theirs, "press-release.txt"), 2, "finding", "bob")
    report = merge(db, path_of(theirs), by="alice")
    assert report.articles_added == [] and report.articles_matched == 1
    assert rows(db) == [(A, 2, "bob", "finding", "", "ok")]


# --------------------------------------------------------------------------- articles we lack, texts that differ


def test_a_missing_article_is_added_with_its_sentences(db, other, make_articles):
    text = ("Council pledges repairs.\n\nThe council said it would fix every road by June. Residents welcomed it.\n\n"
            '"We will start on Monday," said Councillor Sue Duffy, chair of the roads committee.\n')
    theirs = other("bob", make_articles({"roads.txt": text}, folder="elsewhere"))
    set_tag(theirs, aid(theirs, "roads.txt"), 2, "commitment", "bob")
    report = merge(db, path_of(theirs), by="alice")
    assert report.articles_added == ["roads.txt"] and report.added == 1
    new = aid(db, "roads.txt")
    stored = db.conn.execute("SELECT root, text, sha256, n_sentences, title FROM articles WHERE id = ?",
                             (new,)).fetchone()
    original = theirs.conn.execute("SELECT root, text, sha256, n_sentences, title FROM articles").fetchone()
    assert stored == original
    spans = db.conn.execute('SELECT start, "end", para, text FROM sentences WHERE article_id = ? ORDER BY n',
                            (new,)).fetchall()
    assert spans == [(s.start, s.end, s.para, stored[1][s.start:s.end]) for s in segment(stored[1])]
    # Derived data follows when needed (store.derived), as for a synced article.
    assert search_articles(db, "residents") == [new]
    assert ensure_shingles(db) >= 1
    assert db.conn.execute("SELECT count(*) FROM shingle_state WHERE article_id = ?", (new,)).fetchone()[0] == 1
    assert rows(db) == [("roads.txt", 2, "bob", "commitment", "", "ok")]
    mine = sentence_speakers(db, new)  # attributed on first use, as for a synced article
    assert mine == sentence_speakers(theirs, aid(theirs, "roads.txt")) and mine
    assert merge(db, path_of(theirs), by="alice").articles_added == []  # and not twice


def test_changed_text_is_matched_by_name_and_reanchored(db, other, make_articles, corpus):
    original = (corpus / A).read_text(encoding="utf-8")
    sentences = [original[s.start:s.end] for s in segment(original)]
    # bob's copy lacks our sentence 2 and has a typo in our sentence 4: his numbers are one lower.
    edited = original.replace(sentences[1], "").replace(sentences[3], sentences[3].replace("letter", "leter"))
    theirs = other("bob", make_articles({A: edited}, folder="edited"))
    their_id = aid(theirs, A)
    their_sentences = [t for (t,) in theirs.conn.execute(
        "SELECT text FROM sentences WHERE article_id = ? ORDER BY n", (their_id,))]
    unchanged, typo = their_sentences.index(sentences[2]) + 1, their_sentences.index(
        sentences[3].replace("letter", "leter")) + 1
    assert (unchanged, typo) == (2, 3)
    set_tag(theirs, their_id, unchanged, "finding", "bob")
    set_tag(theirs, their_id, typo, "response", "bob")
    report = merge(db, path_of(theirs), by="alice")
    assert report.articles_reanchored == [A] and report.articles_added == [] and report.orphaned == 0
    placed = {(n, tag) for _f, n, _a, tag, _note, status in rows(db) if status == "ok"}
    assert placed == {(3, "finding"), (4, "response")}  # on our sentence numbers
    exact = dict(db.conn.execute("SELECT tag, exact FROM annotations"))
    assert exact == {"finding": sentences[2], "response": sentences[3]}  # anchored to our text


def test_annotations_with_no_place_become_reported_orphans(db, other, make_articles):
    ours = make_articles({"story.txt": "Alpha sentence one is here.\n\nBeta sentence two is here.\n"}, "ours")
    sync(db, ours)
    theirs = other("bob", make_articles(
        {"story.txt": "Alpha sentence one is here.\n\nA completely different second sentence about ferries.\n"},
        "theirs"))
    set_tag(theirs, aid(theirs, "story.txt"), 1, "finding", "bob")
    set_tag(theirs, aid(theirs, "story.txt"), 2, "response", "bob")
    report = merge(db, path_of(theirs), by="alice")
    assert report.orphans == {"story.txt": 1} and report.added == 2
    assert ("story.txt", 1, "bob", "finding", "", "ok") in rows(db)
    (orphan,) = rows(db, status="orphan")
    assert orphan[2:4] == ("bob", "response")
    exact = db.conn.execute("SELECT exact FROM annotations WHERE status = 'orphan'").fetchone()[0]
    assert "ferries" in exact  # kept with its quote, as sync keeps orphans
    again = merge(db, path_of(theirs), by="alice")
    assert again.added == 0 and again.orphaned == 0 and len(rows(db, status="orphan")) == 1


# --------------------------------------------------------------------------- codebook, logging, errors


def test_tags_missing_from_our_codebook_are_added(db, other):
    theirs = other("bob")
    theirs.conn.execute("INSERT INTO tags (name, key, colour, description, position) VALUES"
                        " ('background', 'h', '#123456', 'Context.', 3)")
    set_tag(theirs, aid(theirs, A), 1, "background", "bob")
    report = merge(db, path_of(theirs), by="alice")
    assert report.tags_added == [("background", "h")]
    assert db.conn.execute("SELECT key, colour, description FROM tags WHERE name = 'background'"
                           ).fetchone() == ("h", "#123456", "Context.")


def test_a_merge_is_one_logged_action_that_undo_takes_back(db, other):
    set_tag(db, aid(db, A), 1, "finding", "alice")
    theirs = other("bob")
    for n in (1, 2):
        set_tag(theirs, aid(theirs, A), n, "response", "bob")
    report = merge(db, path_of(theirs), by="alice")
    label, annotator = db.conn.execute("SELECT label, annotator FROM actions WHERE id = ?",
                                       (report.action_id,)).fetchone()
    assert (label, annotator) == ("merge bob.db", "alice")
    assert db.conn.execute("SELECT count(*) FROM events WHERE action_id = ?", (report.action_id,)).fetchone()[0] == 2
    done = undo(db, "alice")
    assert done.id == report.action_id
    assert rows(db) == [(A, 1, "alice", "finding", "", "ok")]


def test_merging_into_itself_or_from_nothing_is_refused(db, db_path, tmp_path):
    with pytest.raises(StoreError, match="being merged into"):
        merge(db, db_path, by="alice")
    with pytest.raises(StoreError, match="no such database"):
        merge(db, tmp_path / "nope.db", by="alice")
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StoreError, match="not a usable database|not a pressmark database"):
        merge(db, junk, by="alice")


def test_an_older_schema_database_merges(db, tmp_path, corpus):
    old = connect(tmp_path / "old.db", target=1)
    sync(old, corpus)
    set_tag(old, aid(old, A), 1, "finding", "bob")
    old.conn.close()
    report = merge(db, tmp_path / "old.db", by="alice")
    assert report.added == 1


def test_progress_per_annotator_after_a_merge(db, other):
    set_tag(db, aid(db, A), 1, "finding", "alice")
    theirs = other("bob")
    set_tag(theirs, aid(theirs, A), 1, "finding", "bob")
    set_tag(theirs, aid(theirs, A), 1, "response", "bob")
    set_note(theirs, aid(theirs, B), 2, "just a note", "bob")
    merge(db, path_of(theirs), by="alice")
    progress = {p.annotator: p for p in annotator_progress(db)}
    assert (progress["alice"].articles, progress["alice"].sentences, progress["alice"].tags) == (1, 1, 1)
    bob = progress["bob"]
    assert (bob.articles, bob.sentences, bob.tags, bob.notes, bob.orphans) == (2, 1, 2, 1, 0)
    assert bob.per_article == {aid(db, A): 1, aid(db, B): 0}


# --------------------------------------------------------------------------- CLI


def test_cli_merge_and_annotators(run_cli, corpus, tmp_path):
    assert run_cli("--db", "bob.db", "sync", corpus).code == 0
    assert run_cli("--db", "bob.db", "--annotator", "bob", "tag", A, 1, "finding", "--note", "clear").code == 0
    assert run_cli("sync", corpus).code == 0
    assert run_cli("--annotator", "alice", "tag", A, 2, "response").code == 0
    result = run_cli("--annotator", "alice", "merge", "bob.db")
    assert result.code == 0, result.err
    assert "0 article(s) added, 2 matched" in result.out
    assert "2 added, 0 updated, 0 unchanged, 0 conflict(s), 0 orphan(s)" in result.out
    result = run_cli("merge", "bob.db", "--format", "json")
    (data,) = json.loads(result.out)
    assert (data["added"], data["unchanged"], data["source"]) == (0, 2, "bob.db")
    result = run_cli("annotators")
    assert result.code == 0 and result.out.splitlines()[0].split()[:3] == ["annotator", "articles", "sentences"]
    assert [line.split()[0] for line in result.out.splitlines()[1:]] == ["alice", "bob"]
    data = json.loads(run_cli("annotators", "--format", "json").out)
    assert [(p["annotator"], p["tags"], p["notes"]) for p in data] == [("alice", 1, 0), ("bob", 1, 1)]


def test_cli_merge_errors(run_cli, corpus, tmp_path):
    assert run_cli("sync", corpus).code == 0
    result = run_cli("merge", "missing.db")
    assert result.code == 1 and "no such database" in result.err and "Traceback" not in result.err
    result = run_cli("merge", "pressmark.db")
    assert result.code == 1 and "being merged into" in result.err
    result = run_cli("merge")
    assert result.code == 2
    assert run_cli("--db", "bob.db", "sync", corpus).code == 0
    result = run_cli("--read-only", "merge", "bob.db")
    assert result.code == 1 and "read-only" in result.err
