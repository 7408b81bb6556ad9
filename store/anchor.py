"""Re-anchoring annotations after an article's text changed on disk.

Follows Hypothesis: the exact quote nearest its old position first; then a
fuzzy match scoring quote, prefix and suffix similarity against sentences near
the old place, accepted only above ``MIN_SCORE``. Everything else becomes an
orphan: kept, reported and exported, never silently dropped.
"""

from __future__ import annotations

import bisect
from difflib import SequenceMatcher

from sqlite_utils import Database

ANCHOR_CONTEXT = 32  # characters of prefix/suffix kept with every annotation
MIN_SCORE = 0.75
FUZZY_WINDOW = 40  # sentences either side of the old place that fuzzy matching looks at


def _nearest(text: str, quote: str, old_start: int) -> int:
    """Start of the occurrence of ``quote`` closest to ``old_start``, or -1."""
    best, i = -1, text.find(quote)
    while i != -1:
        if best == -1 or abs(i - old_start) < abs(best - old_start):
            best = i
        i = text.find(quote, i + 1)
    return best


def _similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio() if a and b else 0.0


def _fuzzy(text: str, spans: list[tuple[int, int]], row: dict, near: int) -> int | None:
    """Index into ``spans`` of the best fuzzy match for the annotation, if good enough."""
    best, best_score = None, MIN_SCORE
    lo, hi = max(0, near - FUZZY_WINDOW), min(len(spans), near + FUZZY_WINDOW + 1)
    for i in range(lo, hi):
        start, end = spans[i]
        quote = _similarity(row["exact"], text[start:end])
        if quote < MIN_SCORE - 0.15:
            continue
        context = (_similarity(row["prefix"], text[max(0, start - len(row["prefix"])):start])
                   + _similarity(row["suffix"], text[end:end + len(row["suffix"])])) / 2
        score = 0.8 * quote + 0.2 * context
        if score > best_score:
            best, best_score = i, score
    return best


def reanchor(db: Database, article_id: int, text: str) -> int:
    """Move the article's annotations onto its new sentences; return how many became orphans."""
    conn = db.conn
    spans = [(s, e) for s, e in conn.execute(
        'SELECT start, "end" FROM sentences WHERE article_id = ? ORDER BY n', (article_id,))]
    starts = [s for s, _ in spans]
    cols = ("id", "start", "exact", "prefix", "suffix", "tag", "annotator")
    rows = [dict(zip(cols, r)) for r in conn.execute(
        f"SELECT {', '.join(cols)} FROM annotations WHERE article_id = ? ORDER BY id", (article_id,))]
    # Park everything as orphan first so the unique index cannot trip while rows move.
    conn.execute("UPDATE annotations SET status = 'orphan' WHERE article_id = ?", (article_id,))
    taken: set[tuple] = set()
    orphans = 0
    for row in rows:
        at = _nearest(text, row["exact"], row["start"]) if row["exact"] else -1
        if at != -1:
            index = max(0, bisect.bisect_right(starts, at) - 1)
        else:
            near = max(0, bisect.bisect_right(starts, row["start"]) - 1)
            index = _fuzzy(text, spans, row, near) if spans else None
        key = (index, row["annotator"], row["tag"])
        if index is None or key in taken:
            orphans += 1
            continue
        taken.add(key)
        start, end = spans[index]
        conn.execute(
            """UPDATE annotations SET sentence = ?, start = ?, "end" = ?, exact = ?, prefix = ?, suffix = ?,
               status = 'ok' WHERE id = ?""",
            (index + 1, start, end, text[start:end], text[max(0, start - ANCHOR_CONTEXT):start], text[end:end + ANCHOR_CONTEXT], row["id"]),
        )
    return orphans
