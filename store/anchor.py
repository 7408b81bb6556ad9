"""Placing annotations on sentences again after an article's text changed.

Follows Hypothesis: the exact quote nearest its old position first; then a
fuzzy match scoring quote, prefix and suffix similarity against sentences near
the old place, accepted only above ``MIN_SCORE``. Everything else becomes an
orphan: kept, reported and exported, never silently dropped.

Similarity is rapidfuzz's normalised Indel similarity (``fuzz.ratio``: twice the longest common
subsequence over the two lengths), in C: a comparison takes about a microsecond where difflib's
``SequenceMatcher`` took hundreds.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from rapidfuzz import fuzz

from store.db import Database
from store.sentences import spans

ANCHOR_CONTEXT = 32  # characters of prefix/suffix kept with every annotation
MIN_SCORE = 0.75
FUZZY_WINDOW = 40  # sentences either side of the old place that fuzzy matching looks at

_COLUMNS = ("id", "article_id", "start", "exact", "prefix", "suffix", "tag", "annotator")


class SentenceFinder:
    """An article's text and sentence spans: finds the sentence an annotation belongs on now."""

    def __init__(self, text: str, sentence_spans: Sequence[tuple[int, int]]):
        self.text = text
        self.spans = list(sentence_spans)
        self.starts = [s for s, _ in self.spans]

    @classmethod
    def of_article(cls, db: Database, article_id: int) -> SentenceFinder:
        text = db.conn.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()[0]
        return cls(text, [(start, end) for start, end, _ in spans(db, article_id)])

    def sentence_at(self, offset: int) -> int:
        return max(0, bisect.bisect_right(self.starts, offset) - 1)

    def locate(self, row: dict) -> int | None:
        """Index of the sentence the annotation (``exact``, ``prefix``, ``suffix``, old ``start``) belongs
        on now, or None for an orphan."""
        if not self.spans:
            return None
        if row["exact"]:
            at = _nearest(self.text, row["exact"], row["start"])
            if at != -1:
                return self.sentence_at(at)
        return self._fuzzy(row, self.sentence_at(row["start"]))

    def _fuzzy(self, row: dict, near: int) -> int | None:
        best, best_score = None, MIN_SCORE
        for i in range(max(0, near - FUZZY_WINDOW), min(len(self.spans), near + FUZZY_WINDOW + 1)):
            start, end = self.spans[i]
            quote = _similarity(row["exact"], self.text[start:end])
            if quote < MIN_SCORE - 0.15:
                continue
            context = (_similarity(row["prefix"], self.text[max(0, start - len(row["prefix"])):start])
                       + _similarity(row["suffix"], self.text[end:end + len(row["suffix"])])) / 2
            score = 0.8 * quote + 0.2 * context
            if score > best_score:
                best, best_score = i, score
        return best

    def place(self, db: Database, annotation_id: int, index: int) -> None:
        start, end = self.spans[index]
        text = self.text
        db.conn.execute(
            """UPDATE annotations SET sentence = ?, start = ?, "end" = ?, exact = ?, prefix = ?, suffix = ?,
               status = 'ok' WHERE id = ?""",
            (index + 1, start, end, text[start:end], text[max(0, start - ANCHOR_CONTEXT):start],
             text[end:end + ANCHOR_CONTEXT], annotation_id),
        )


def _nearest(text: str, quote: str, old_start: int) -> int:
    """Start of the occurrence of ``quote`` closest to ``old_start``, or -1."""
    best, i = -1, text.find(quote)
    while i != -1:
        if best == -1 or abs(i - old_start) < abs(best - old_start):
            best = i
        i = text.find(quote, i + 1)
    return best


def _similarity(a: str, b: str) -> float:
    return fuzz.ratio(a, b) / 100 if a and b else 0.0


def _rows(db: Database, where: str, params: tuple) -> list[dict]:
    return [dict(zip(_COLUMNS, r)) for r in db.conn.execute(
        f"SELECT {', '.join(_COLUMNS)} FROM annotations WHERE {where} ORDER BY id", params)]


def reanchor(db: Database, article_id: int) -> int:
    """Move the article's annotations onto its new sentences; return how many are orphans."""
    article = SentenceFinder.of_article(db, article_id)
    rows = _rows(db, "article_id = ?", (article_id,))
    # Park everything as orphan first so the unique index cannot trip while rows move.
    db.conn.execute("UPDATE annotations SET status = 'orphan' WHERE article_id = ?", (article_id,))
    taken: set[tuple] = set()
    orphans = 0
    for row in rows:
        index = article.locate(row)
        key = (index, row["annotator"], row["tag"])
        if index is None or key in taken:
            orphans += 1
            continue
        taken.add(key)
        article.place(db, row["id"], index)
    return orphans


def anchor_row(db: Database, annotation_id: int) -> bool:
    """Place one annotation (stored with status orphan) on its sentence; False if it stays an orphan.

    Used when undo restores an old image of a row: the article may have been
    re-synced since. The common case, an unchanged sentence, is one query.
    """
    conn = db.conn
    same = conn.execute(
        """SELECT s.n FROM annotations a JOIN sentences s
           ON s.article_id = a.article_id AND s.start = a.start AND s."end" = a."end" AND s.text = a.exact
           WHERE a.id = ?""", (annotation_id,)).fetchone()
    row = _rows(db, "id = ?", (annotation_id,))[0]
    if same:
        index = same[0] - 1
        article = None
    else:
        article = SentenceFinder.of_article(db, row["article_id"])
        index = article.locate(row)
    if index is None:
        return False
    clash = conn.execute(
        "SELECT 1 FROM annotations WHERE article_id = ? AND sentence = ? AND annotator = ? AND status = 'ok'"
        " AND ifnull(tag, '') = ifnull(?, '') AND id != ?",
        (row["article_id"], index + 1, row["annotator"], row["tag"], annotation_id)).fetchone()
    if clash:
        return False
    if article is None:
        conn.execute("UPDATE annotations SET status = 'ok', sentence = ? WHERE id = ?", (index + 1, annotation_id))
    else:
        article.place(db, annotation_id, index)
    return True
