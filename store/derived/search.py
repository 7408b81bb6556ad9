"""The full-text search index (``search_fts``, ``search_state``): :func:`search_matches` first indexes every
article added or changed since the last search (:func:`ensure_search`). In a read-only database nothing is
indexed: what is stale is searched in a throw-away index in memory.
"""
from __future__ import annotations

import sqlite3

import store.derived.catchup as catchup
from store.db import Database, has_table, is_readonly
from store.derived.catchup import Progress
from store.sentences import texts

__all__ = ["SEARCH_SHIFT", "ensure_search", "search_backlog", "search_matches", "unindex"]

SEARCH_SHIFT = 24  # search_fts rowid = article id << SEARCH_SHIFT | sentence n


def unindex(db: Database, article_id: int) -> None:
    low = article_id << SEARCH_SHIFT
    db.conn.execute("DELETE FROM search_fts WHERE rowid BETWEEN ? AND ?", (low, low + (1 << SEARCH_SHIFT) - 1))
    db.conn.execute("DELETE FROM search_state WHERE article_id = ?", (article_id,))


def _fill(db: Database, article_id: int, into: sqlite3.Connection, table: str = "search_fts") -> None:
    """Add the article's sentences to ``table`` of ``into``, sentence n as rowid article id * 2**24 + n."""
    into.executemany(f"INSERT INTO {table} (rowid, text) VALUES (?, ?)",
                     enumerate(texts(db, article_id), (article_id << SEARCH_SHIFT) + 1))


def _index(db: Database, item: tuple[int, str | None]) -> None:
    article_id, sha = item
    unindex(db, article_id)
    if sha is None:
        return  # the article is gone
    _fill(db, article_id, db.conn)
    db.conn.execute("INSERT INTO search_state (article_id, sha256) VALUES (?, ?)", (article_id, sha))


def search_backlog(db: Database) -> int:
    """How many articles the next search would index first (0 in a read-only database or before schema 9)."""
    if is_readonly(db) or not has_table(db, "search_state"):
        return 0
    return len(catchup.stale(db, "search_state"))


def ensure_search(db: Database, progress: Progress | None = None) -> int:
    """Index every article added or changed since it was last indexed (and drop articles that are gone);
    returns how many. A no-op in a read-only database or before schema 9."""
    if is_readonly(db) or not has_table(db, "search_state"):
        return 0
    gone = [(aid, None) for (aid,) in db.conn.execute(
        "SELECT article_id FROM search_state WHERE article_id NOT IN (SELECT id FROM articles)")]
    return catchup.in_batches(db, gone + catchup.stale(db, "search_state"), lambda item: _index(db, item), progress)


def _match_in_memory(db: Database, article_ids: list[int], match: str) -> set[int]:
    """The articles among ``article_ids`` (not indexed) with a sentence matching ``match``, via a
    throw-away FTS index in memory (the same tokenizer, so the same answers)."""
    mem = sqlite3.connect(":memory:")
    try:
        mem.execute("CREATE VIRTUAL TABLE f USING fts5 (text, tokenize = 'unicode61 remove_diacritics 2')")
        for article_id in article_ids:
            _fill(db, article_id, mem, "f")
        return {r[0] for r in mem.execute(f"SELECT DISTINCT rowid >> {SEARCH_SHIFT} FROM f WHERE f MATCH ?", (match,))}
    finally:
        mem.close()


def search_matches(db: Database, match: str) -> set[int]:
    """Ids of the articles with a sentence matching the FTS5 query ``match``; indexes what is stale first."""
    if not has_table(db, "search_fts"):  # a database on an older schema: its trigger-kept index
        return {r[0] for r in db.conn.execute(
            "SELECT DISTINCT s.article_id FROM sentences_fts JOIN sentences s ON s.id = sentences_fts.rowid"
            " WHERE sentences_fts MATCH ?", (match,))}
    ensure_search(db)
    found = {r[0] for r in db.conn.execute(
        f"SELECT DISTINCT rowid >> {SEARCH_SHIFT} FROM search_fts WHERE search_fts MATCH ?", (match,))}
    if is_readonly(db):  # nothing could be indexed: leave out what is stale, search that in memory
        unindexed = [aid for aid, _ in catchup.stale(db, "search_state")]
        current = {aid for (aid,) in db.conn.execute(
            "SELECT a.id FROM articles a JOIN search_state s ON s.article_id = a.id AND s.sha256 = a.sha256")}
        found = (found & current) | (_match_in_memory(db, unindexed, match) if unindexed else set())
    return found
