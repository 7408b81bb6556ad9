"""store.stats: the numbers behind the overview screen and `pressmark stats` (issue 19, "Beyond the fix list")."""
from __future__ import annotations

import pytest

from store.annotate import set_note, set_tag
from store.db import connect
from store.stats import (
    CHARTS,
    NO_SPEAKER,
    coder_progress,
    reuse,
    table,
    tags_by_speaker,
    tags_per_article,
    tags_per_tag,
)
from store.sync import sync

COUNCIL = ("Council plan is late\n\n"
           "The council published its plan on Monday. Ms Ann Khan, the council leader, said the plan was late. "
           '"We will fix it by May," she said. The weather was cold.\n')
UNRELATED = "Library opens\n\nA new library opened in the town centre. Its shelves hold books about boats.\n"


@pytest.fixture
def small(tmp_path, make_articles):
    """A synthetic corpus: one article with a named speaker (sentences 3 and 4) and one unrelated to it."""
    db = connect(tmp_path / "small.db")
    sync(db, make_articles({"council.txt": COUNCIL, "library.txt": UNRELATED}))
    yield db, {file: aid for aid, file in db.conn.execute("SELECT id, file FROM articles")}
    db.conn.close()


def _dated(db, annotator: str, day: str) -> None:
    """Give ``annotator``'s annotations made so far the creation day ``day`` (tests never read the clock)."""
    db.conn.execute("UPDATE annotations SET created_at = ? || substr(created_at, 11) WHERE annotator = ?",
                    (day, annotator))
    db.conn.commit()


def test_tags_per_article_count_sentences_once_whoever_tagged_them(db, article_ids):
    press, story = sorted(article_ids.values())
    set_tag(db, press, 2, "finding", "ann")
    set_tag(db, press, 2, "finding", "bob")  # the same sentence and tag by a second coder: still one sentence
    set_tag(db, press, 3, "response", "bob")
    set_tag(db, press, 3, "finding", "bob")
    set_note(db, story, 1, "only a note", "ann")  # a note is not a tag: the story has no tagged sentence
    found = tags_per_article(db)
    assert [(a.article_id, a.counts, a.total) for a in found] == [(press, {"finding": 2, "response": 1}, 3)]


def test_tags_per_tag_lists_the_whole_codebook_with_rows_articles_and_coders(db, article_ids):
    press, story = sorted(article_ids.values())
    set_tag(db, press, 2, "finding", "ann")
    set_tag(db, press, 2, "finding", "bob")
    set_tag(db, story, 5, "finding", "bob")
    set_tag(db, story, 6, "commitment", "ann")
    uses = {u.tag: (u.sentences, u.rows, u.articles, u.coders) for u in tags_per_tag(db)}
    assert uses == {"finding": (2, 3, 2, 2), "response": (0, 0, 0, 0), "commitment": (1, 1, 1, 1)}
    assert [u.tag for u in tags_per_tag(db)] == ["finding", "response", "commitment"]  # codebook order


def test_tags_by_speaker_names_who_made_each_tagged_sentence(small):
    db, ids = small
    council = ids["council.txt"]
    set_tag(db, council, 3, "finding", "ann")  # reported speech of Ann Khan
    set_tag(db, council, 4, "commitment", "ann")  # her quotation ("she said")
    set_tag(db, council, 4, "commitment", "bob")  # the same sentence again: counted once
    set_tag(db, council, 5, "finding", "ann")  # narration: nobody's
    found = tags_by_speaker(db)
    assert [(s.speaker, s.counts) for s in found] == [("Ann Khan", {"finding": 1, "commitment": 1}),
                                                       (NO_SPEAKER, {"finding": 1})]


def test_tags_by_speaker_attributes_articles_first_and_reports_it(small):
    db, ids = small
    set_tag(db, ids["council.txt"], 3, "finding", "ann")
    db.conn.execute("DELETE FROM speaker_state")  # as after a sync: speakers not attributed yet
    db.conn.execute("DELETE FROM sentence_speakers")
    db.conn.commit()
    reported = []
    assert tags_by_speaker(db, lambda done, total: reported.append((done, total)))[0].speaker == "Ann Khan"
    assert reported and reported[-1] == (1, 1)  # only the annotated article needed attributing


def test_tags_by_speaker_in_a_read_only_database_writes_nothing(small, tmp_path):
    db, ids = small
    set_tag(db, ids["council.txt"], 4, "commitment", "ann")
    db.conn.execute("DELETE FROM speaker_state")
    db.conn.execute("DELETE FROM sentence_speakers")
    db.conn.commit()
    readonly = connect(tmp_path / "small.db", readonly=True)
    assert [(s.speaker, s.counts) for s in tags_by_speaker(readonly)] == [("Ann Khan", {"commitment": 1})]
    assert db.conn.execute("SELECT count(*) FROM sentence_speakers").fetchone()[0] == 0


def test_coder_progress_counts_each_day_and_keeps_a_running_total(small):
    db, ids = small
    council = ids["council.txt"]
    set_tag(db, council, 2, "finding", "ann")
    set_tag(db, council, 3, "finding", "ann")
    _dated(db, "ann", "2026-03-01")
    set_note(db, council, 3, "checked", "ann")  # a note is an annotation too
    db.conn.execute("UPDATE annotations SET created_at = '2026-03-04T10:00:00.000Z' WHERE note IS NOT NULL")
    set_tag(db, council, 5, "response", "bob")
    _dated(db, "bob", "2026-03-02")
    db.conn.commit()
    assert [(d.annotator, d.day, d.annotations, d.total) for d in coder_progress(db)] == [
        ("ann", "2026-03-01", 2, 2), ("ann", "2026-03-04", 1, 3), ("bob", "2026-03-02", 1, 1)]


def test_reuse_pairs_each_article_with_its_likeliest_source_and_caches_the_alignment(db, article_ids):
    press, story = sorted(article_ids.values())
    assert db.conn.execute("SELECT count(*) FROM alignments").fetchone()[0] == 0
    found = {r.article_id: r for r in reuse(db)}
    assert {a: r.source_id for a, r in found.items()} == {press: story, story: press}
    # The share of one found in the other is the share of the other the first one used, seen from its side.
    assert found[press].copied == pytest.approx(found[story].used)
    assert found[story].copied == pytest.approx(found[press].used)
    assert 0.2 < found[story].copied < 1 and found[story].exact and found[story].pairs > 3
    assert db.conn.execute("SELECT count(*) FROM alignments").fetchone()[0] == 2  # as side by side caches it


def test_reuse_leaves_out_articles_that_share_nothing(small):
    db, _ = small
    reported = []
    assert reuse(db, lambda done, total: reported.append((done, total))) == []
    assert reported == [(1, 2), (2, 2)]


def test_table_keeps_a_tag_named_like_a_column_apart(small):
    db, ids = small
    db.conn.execute("INSERT INTO tags (name, key, colour, position) VALUES ('total', 't', '#123456', 9)")
    db.conn.commit()
    set_tag(db, ids["council.txt"], 2, "total", "ann")
    set_tag(db, ids["council.txt"], 3, "finding", "ann")
    articles = table(db, "articles")
    assert articles.columns == ["file", "title", "finding", "response", "commitment", "total", "total"]
    assert articles.records() == [{"file": "council.txt", "title": "Council plan is late",
                                   "tags": {"finding": 1, "response": 0, "commitment": 0, "total": 1}, "total": 2}]


def test_every_chart_has_a_table_even_on_an_empty_database(tmp_path):
    db = connect(tmp_path / "empty.db")
    for name in CHARTS:
        found = table(db, name)
        assert found.name == name and found.title == CHARTS[name]
        assert found.rows == ([] if name != "tags" else [["finding", 0, 0, 0, 0], ["response", 0, 0, 0, 0],
                                                          ["commitment", 0, 0, 0, 0]])
