"""How an article's sentences are stored: one row per article, not one per sentence.

``sentence_spans`` holds, per article, a JSON array of ``[start, end, para]``
(sentence n is element n - 1; offsets into ``articles.text``). Sync writes a
10,000-article folder's half a million sentences as 10,000 rows: inserting a
row per sentence (and a copy of its text) was most of a big sync's time.

The view ``sentences`` (article_id, n, para, start, end, text) gives the old
row-per-sentence shape, for people querying the database and for code that
reads one sentence. It unpacks the whole array and cuts the text with
``substr`` (which counts characters from the start), so code that needs all of
an article's sentences reads them here.

A database still on an older schema (while it is being migrated, or made by
tests as an older pressmark left it) has the ``sentences`` table instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

from store.db import Database, has_table

if TYPE_CHECKING:
    from store.segment import Sentence

Span = list[int]  # [start, end, para]


def encode(sentences: Iterable[Sentence]) -> str:
    """The stored form of sentences 1, 2, ... (JSON written directly: a third of the time of json.dumps
    of lists, which counts in a big sync)."""
    return f"[{','.join([f'[{s.start},{s.end},{s.para}]' for s in sentences])}]"


def _legacy(db: Database) -> bool:
    return not has_table(db, "sentence_spans")


def save(db: Database, article_id: int, encoded: str) -> None:
    """Store (or replace) the article's sentences, as given by ``encode``; inside a write transaction."""
    if not _legacy(db):
        db.conn.execute("INSERT OR REPLACE INTO sentence_spans (article_id, spans) VALUES (?, ?)",
                        (article_id, encoded))
        return
    text = db.conn.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()[0]
    db.conn.execute("DELETE FROM sentences WHERE article_id = ?", (article_id,))
    db.conn.executemany('INSERT INTO sentences (article_id, n, para, start, "end", text) VALUES (?, ?, ?, ?, ?, ?)',
                        [(article_id, n, para, start, end, text[start:end])
                         for n, (start, end, para) in enumerate(json.loads(encoded), 1)])


def spans(db: Database, article_id: int) -> list[Span]:
    """[start, end, para] of the article's sentences in order ([] for an unknown article)."""
    if _legacy(db):
        return [list(r) for r in db.conn.execute(
            'SELECT start, "end", para FROM sentences WHERE article_id = ? ORDER BY n', (article_id,))]
    row = db.conn.execute("SELECT spans FROM sentence_spans WHERE article_id = ?", (article_id,)).fetchone()
    return json.loads(row[0]) if row else []


def span(db: Database, article_id: int, n: int) -> tuple[int, int] | None:
    """(start, end) of sentence ``n`` of the article, None if it has no such sentence. Reads only that
    element of the array (a tag keypress in a 10,000-sentence article must not decode all of it)."""
    if n < 1:
        return None
    if _legacy(db):
        return db.conn.execute('SELECT start, "end" FROM sentences WHERE article_id = ? AND n = ?',
                               (article_id, n)).fetchone()
    row = db.conn.execute("SELECT json_extract(spans, ?), json_extract(spans, ?) FROM sentence_spans"
                          " WHERE article_id = ?", (f"$[{n - 1}][0]", f"$[{n - 1}][1]", article_id)).fetchone()
    return row if row and row[0] is not None else None


def sentence_text(db: Database, article_id: int, n: int) -> str | None:
    """The text of sentence ``n`` of the article (None if it has none), read without the rest."""
    offsets = span(db, article_id, n)
    if offsets is None:
        return None
    start, end = offsets
    return db.conn.execute("SELECT substr(text, ? + 1, ? - ?) FROM articles WHERE id = ?",
                           (start, end, start, article_id)).fetchone()[0]


def texts(db: Database, article_id: int) -> list[str]:
    """The text of each of the article's sentences, in order."""
    row = db.conn.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()
    if row is None:
        return []
    text = row[0]
    return [text[start:end] for start, end, _ in spans(db, article_id)]
