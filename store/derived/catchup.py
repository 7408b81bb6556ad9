"""Bringing derived rows up to date: which articles are stale, and catch-ups in short transactions.

Each ``*_state`` table records the text (sha256) an article's rows were made
from, so an article is stale exactly when it is new or its text changed.
Catch-ups write in transactions of at most about ``BATCH_SECONDS`` and can
report progress, so a person tagging in another process is not blocked by a
long one.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from store.db import Database, write

BATCH_SECONDS = 0.25  # a catch-up commits at least this often

Progress = Callable[[int, int], None]  # (articles done, articles to do)


def stale(db: Database, state: str, where: str = "", params: Sequence = ()) -> list[tuple[int, str]]:
    """(id, sha256) of the articles whose rows in ``state``'s tables are missing or were made from another text."""
    return db.conn.execute(
        f"""SELECT a.id, a.sha256 FROM articles a LEFT JOIN {state} s ON s.article_id = a.id
            WHERE (s.article_id IS NULL OR s.sha256 != a.sha256) {where} ORDER BY a.id""", params).fetchall()


def in_batches(db: Database, items: Sequence, work: Callable, progress: Progress | None) -> int:
    """``work(item)`` for every item, committing every ``BATCH_SECONDS``; returns how many."""
    total, i = len(items), 0
    while i < total:
        with write(db):
            started = time.monotonic()
            while i < total:
                work(items[i])
                i += 1
                if time.monotonic() - started > BATCH_SECONDS:
                    break
        if progress:
            progress(i, total)
    return total
