"""Data derived from an article's stored text, brought up to date when it is needed.

``store.sync`` stores only what reading an article needs: its text and its
sentences. Everything derived from them is built later, by the code that
needs it, and stored so that it is built once per article text, each in its
own module (the only ``ensure_*`` functions):

* ``store.derived.speakers``: who speaks each sentence (``sentence_speakers``, ``speaker_state``);
* ``store.derived.search``: the full-text search index (``search_fts``, ``search_state``);
* ``store.derived.shingles``: the shingle index (``shingles``, ``shingle_state``) and ``sources``.

``store.derived.catchup`` says which articles are stale (each ``*_state`` table
records the text, by sha256, its rows were made from) and writes catch-ups in
short transactions. Migrations never fill these tables: an article without
state rows is stale, so the first use after an upgrade builds them. ``sync``
removes the rows of an article whose text changed (:func:`forget`), so stale
rows are never read.
"""
from __future__ import annotations

from store.db import Database
from store.derived.search import unindex

__all__ = ["forget"]


def forget(db: Database, article_id: int, tables: set[str]) -> None:
    """Remove what was derived from the article's previous text (``sync``, inside its transaction).

    ``tables`` are the database's table names (so a database on an older schema is handled)."""
    for table in ("sentence_speakers", "speaker_state", "shingles", "shingle_state", "search_state"):
        if table in tables:
            db.conn.execute(f"DELETE FROM {table} WHERE article_id = ?", (article_id,))
    if "search_fts" in tables:
        unindex(db, article_id)
