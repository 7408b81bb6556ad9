"""Sentence storage (store.sentences): one row of spans per article, the ``sentences`` view, and the
migration from one row per sentence (schema 10)."""

from __future__ import annotations

from store.db import SCHEMA_VERSION, connect, schema_version
from store.segment import segment
from store.sentences import sentence_text, spans, texts
from store.sync import sync

# Multi-byte and astral characters before and inside sentences: SQLite's substr (in the view) and
# Python's slicing must count the same characters.
TEXTS = {
    "accents.txt": "Café society\n\nThe mayor’s café reopened. “It’s back,” she said.\n\nNaïve? Perhaps.\n",
    "astral.md": "# Emoji 😀 news\n\nA 🦆 crossed the road. Traffic stopped 🚗🚗.\n\n東京 reported rain. 它很好.\n",
    "plain.txt": "Short\n\nOne sentence only.\n",
}


def _expected(text: str) -> list[list[int]]:
    return [[s.start, s.end, s.para] for s in segment(text)]


def _view_rows(db, article_id: int) -> list[tuple]:
    return db.conn.execute('SELECT n, para, start, "end", text FROM sentences WHERE article_id = ? ORDER BY n',
                           (article_id,)).fetchall()


def test_sync_stores_one_row_per_article_and_the_view_gives_each_sentence(tmp_path, make_articles):
    db = connect(tmp_path / "s.db")
    sync(db, make_articles(TEXTS))
    articles = db.conn.execute("SELECT id, text, n_sentences FROM articles").fetchall()
    assert db.conn.execute("SELECT count(*) FROM sentence_spans").fetchone()[0] == len(articles) == 3
    assert db.conn.execute("SELECT type FROM sqlite_master WHERE name = 'sentences'").fetchone() == ("view",)
    for article_id, text, n_sentences in articles:
        expected = _expected(text)
        assert spans(db, article_id) == expected and len(expected) == n_sentences > 0
        assert texts(db, article_id) == [text[a:b] for a, b, _ in expected]
        assert [sentence_text(db, article_id, n) for n in range(len(expected) + 2)] == [
            None, *texts(db, article_id), None]
        assert _view_rows(db, article_id) == [(n, p, a, b, text[a:b]) for n, (a, b, p) in enumerate(expected, 1)]
    every = {t for article_id, _, _ in articles for t in texts(db, article_id)}
    assert {"Traffic stopped 🚗🚗.", "它很好.", "“It’s back,” she said."} <= every


def test_a_changed_article_replaces_its_spans(tmp_path, make_articles):
    folder = make_articles(TEXTS)
    db = connect(tmp_path / "s.db")
    sync(db, folder)
    (folder / "plain.txt").write_text("Short\n\nNow two sentences. Here is the second.\n", encoding="utf-8")
    sync(db, folder)
    article_id, text = db.conn.execute("SELECT id, text FROM articles WHERE file = 'plain.txt'").fetchone()
    assert db.conn.execute("SELECT count(*) FROM sentence_spans WHERE article_id = ?", (article_id,)).fetchone() == (1,)
    assert texts(db, article_id) == ["Short", "Now two sentences.", "Here is the second."]
    assert spans(db, article_id) == _expected(text)


def test_an_unknown_article_has_no_sentences(tmp_path):
    db = connect(tmp_path / "s.db")
    assert spans(db, 42) == [] and texts(db, 42) == [] and _view_rows(db, 42) == []


def test_migration_to_one_row_per_article_keeps_every_sentence(tmp_path, make_articles):
    path = tmp_path / "v9.db"
    old = connect(path, target=9)
    sync(old, make_articles(TEXTS))  # into schema 9's sentences table, a row per sentence
    before = old.conn.execute('SELECT article_id, n, para, start, "end", text FROM sentences'
                              " ORDER BY article_id, n").fetchall()
    old.close()
    db = connect(path)
    assert schema_version(db) == SCHEMA_VERSION
    after = db.conn.execute('SELECT article_id, n, para, start, "end", text FROM sentences'
                            " ORDER BY article_id, n").fetchall()
    assert after == before and len(before) > 10
    for article_id, text in db.conn.execute("SELECT id, text FROM articles"):
        assert spans(db, article_id) == _expected(text)
