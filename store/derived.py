"""Data derived from an article's stored text, brought up to date when it is needed.

``store.sync`` stores only what reading an article needs: its text and its
sentence rows. Everything derived from them is built later, by the code that
needs it, and stored so that it is built once per article text:

* **speakers** (``sentence_speakers``, ``speaker_state``): :func:`sentence_speakers`
  attributes an article the first time its speakers are asked for (the reader
  opening it, suggestions, the JSONL export); :func:`ensure_speakers` does it
  for many articles (the CSV export joins the table, so it first attributes
  every annotated article that is not yet). ``speaker_state`` also records the
  version of the attribution (``store.speakers.ALGORITHM``): speakers stored by
  an older one are stale too, and made again when next needed.
* **full-text search** (``search_fts``, ``search_state``): :func:`search_matches`
  first indexes every article added or changed since the last search
  (:func:`ensure_search`).
* **shingle index** (``shingles``, ``shingle_state``, see ``store.align``):
  :func:`ensure_shingles`, called by ``store.align.sources``.

Each ``*_state`` table records the text (sha256) an article's rows were made
from, so an article is stale exactly when it is new or its text changed;
``sync`` also removes the rows of an article whose text changed
(:func:`forget`), so stale rows are never read. Catch-ups write in
transactions of at most about ``BATCH_SECONDS`` and can report progress, so a
person tagging in another process is not blocked by a long one. In a
read-only database nothing is stored: what is stale is computed in memory.
"""
from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from store.db import Database, has_table, is_readonly, write
from store.sentences import spans, texts

if TYPE_CHECKING:
    from store.speakers import Speaker

__all__ = ["BATCH_SECONDS", "backfill_speakers", "ensure_search", "ensure_shingles", "ensure_speakers", "forget",
           "search_backlog", "search_matches", "sentence_speakers", "store_speakers"]

BATCH_SECONDS = 0.25  # a catch-up commits at least this often
SEARCH_SHIFT = 24  # search_fts rowid = article id << SEARCH_SHIFT | sentence n

Progress = Callable[[int, int], None]  # (articles done, articles to do)


def _stale(db: Database, state: str, where: str = "", params: Sequence = ()) -> list[tuple[int, str]]:
    """(id, sha256) of the articles whose rows in ``state``'s tables are missing or were made from another text."""
    return db.conn.execute(
        f"""SELECT a.id, a.sha256 FROM articles a LEFT JOIN {state} s ON s.article_id = a.id
            WHERE (s.article_id IS NULL OR s.sha256 != a.sha256) {where} ORDER BY a.id""", params).fetchall()


def _in_batches(db: Database, items: Sequence, work: Callable, progress: Progress | None) -> int:
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


def forget(db: Database, article_id: int, tables: set[str]) -> None:
    """Remove what was derived from the article's previous text (``sync``, inside its transaction).

    ``tables`` are the database's table names (so a database on an older schema is handled)."""
    for table in ("sentence_speakers", "speaker_state", "shingles", "shingle_state", "search_state"):
        if table in tables:
            db.conn.execute(f"DELETE FROM {table} WHERE article_id = ?", (article_id,))
    if "search_fts" in tables:
        _unindex(db, article_id)


# --------------------------------------------------------------------------- speakers


class _Span(NamedTuple):  # what store.speakers.attribute needs of a sentence
    start: int
    end: int
    para: int


def _attribute(db: Database, article_id: int) -> list[Speaker | None]:
    from store.speakers import attribute

    row = db.conn.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()
    if row is None:
        return []
    return attribute(row[0], [_Span(*s) for s in spans(db, article_id)])


def _has_column(db: Database, table: str, column: str) -> bool:
    return any(row[1] == column for row in db.conn.execute(f"PRAGMA table_info({table})"))


def store_speakers(db: Database, article_id: int, speakers: Sequence[Speaker | None], sha256: str | None = None
                   ) -> None:
    """Replace the article's stored speakers (sentence n = index + 1), made from the text ``sha256``
    (the stored one when None) by the current attribution; a no-op before schema 5. Call inside a write
    transaction. On an older schema the columns it does not have yet are left out (the migrations)."""
    from store.speakers import ALGORITHM

    if not has_table(db, "sentence_speakers"):
        return  # an older schema (a database opened with target < 5): the migration backfills later
    db.conn.execute("DELETE FROM sentence_speakers WHERE article_id = ?", (article_id,))
    rows = [(article_id, n, sp.name, sp.role, int(sp.quoted), sp.evidence) for n, sp in enumerate(speakers, 1) if sp]
    if _has_column(db, "sentence_speakers", "evidence"):
        db.conn.executemany("INSERT INTO sentence_speakers (article_id, n, speaker, role, quoted, evidence)"
                            " VALUES (?, ?, ?, ?, ?, ?)", rows)
    else:
        db.conn.executemany("INSERT INTO sentence_speakers (article_id, n, speaker, role, quoted)"
                            " VALUES (?, ?, ?, ?, ?)", [row[:5] for row in rows])
    if not has_table(db, "speaker_state"):
        return
    if _has_column(db, "speaker_state", "algorithm"):
        db.conn.execute("INSERT OR REPLACE INTO speaker_state (article_id, sha256, algorithm)"
                        " SELECT id, coalesce(?, sha256), ? FROM articles WHERE id = ?",
                        (sha256, ALGORITHM, article_id))
    else:
        db.conn.execute("INSERT OR REPLACE INTO speaker_state (article_id, sha256)"
                        " SELECT id, coalesce(?, sha256) FROM articles WHERE id = ?", (sha256, article_id))


def _stale_speaker_rows(db: Database, where: str = "", params: Sequence = ()) -> list[tuple[int, str]]:
    """(id, sha256) of the articles whose stored speakers are missing, from another text or from another
    version of the attribution (``store.speakers.ALGORITHM``, schema 12)."""
    if not _has_column(db, "speaker_state", "algorithm"):
        return _stale(db, "speaker_state", where, params)
    from store.speakers import ALGORITHM

    return db.conn.execute(
        f"""SELECT a.id, a.sha256 FROM articles a LEFT JOIN speaker_state s ON s.article_id = a.id
            WHERE (s.article_id IS NULL OR s.sha256 != a.sha256 OR s.algorithm != ?) {where} ORDER BY a.id""",
        (ALGORITHM, *params)).fetchall()


def backfill_speakers(db: Database) -> None:
    """Attribute every stored article from its stored text and sentences (the schema-5 migration)."""
    for (article_id,) in db.conn.execute("SELECT id FROM articles ORDER BY id").fetchall():
        store_speakers(db, article_id, _attribute(db, article_id))


def _attribute_and_store(db: Database, item: tuple[int, str]) -> None:
    article_id, sha = item
    store_speakers(db, article_id, _attribute(db, article_id), sha)


def ensure_speakers(db: Database, article_ids: Sequence[int] | None = None, *, annotated: bool = False,
                    progress: Progress | None = None) -> int:
    """Attribute (and store) the stale ones of ``article_ids`` (every article when None; only those with
    annotations if ``annotated``); returns how many. A no-op in a read-only database or before schema 9."""
    if is_readonly(db) or not has_table(db, "speaker_state"):
        return 0
    return _in_batches(db, _stale_speakers(db, article_ids, annotated), lambda item: _attribute_and_store(db, item),
                       progress)


def stale_speakers(db: Database, article_ids: Sequence[int] | None = None, *, annotated: bool = False) -> set[int]:
    """Which of ``article_ids`` (as ``ensure_speakers`` picks them) have no speakers stored from their current text."""
    if not has_table(db, "speaker_state"):
        return set()
    return {article_id for article_id, _ in _stale_speakers(db, article_ids, annotated)}


def _stale_speakers(db: Database, article_ids: Sequence[int] | None, annotated: bool) -> list[tuple[int, str]]:
    where = " AND EXISTS (SELECT 1 FROM annotations WHERE article_id = a.id)" if annotated else ""
    stale = _stale_speaker_rows(db, where)
    if article_ids is not None:
        wanted = set(article_ids)
        stale = [item for item in stale if item[0] in wanted]
    return stale


def speakers_current(db: Database, article_id: int) -> bool:
    """Are the article's stored speakers those of its current text?  (Always, before schema 9.)"""
    if not has_table(db, "speaker_state"):
        return True
    return not _stale_speaker_rows(db, "AND a.id = ?", (article_id,))


def sentence_speakers(db: Database, article_id: int) -> dict[int, Speaker]:
    """Sentence n -> its speaker, for the sentences that have one.

    Attributes the article first if that was not done for its current text: stored, so it is done once;
    computed without storing in a read-only database."""
    from store.speakers import Speaker

    if not has_table(db, "sentence_speakers"):
        return {}
    if not speakers_current(db, article_id):
        if is_readonly(db):
            return {n: sp for n, sp in enumerate(_attribute(db, article_id), 1) if sp}
        try:
            with write(db):
                if not speakers_current(db, article_id):  # another process may have done it meanwhile
                    sha = db.conn.execute("SELECT sha256 FROM articles WHERE id = ?", (article_id,)).fetchone()
                    if sha is not None:
                        _attribute_and_store(db, (article_id, sha[0]))
        except sqlite3.OperationalError:  # busy beyond the timeout: right all the same, only not stored
            return {n: sp for n, sp in enumerate(_attribute(db, article_id), 1) if sp}
    evidence = "evidence" if _has_column(db, "sentence_speakers", "evidence") else "NULL"
    return {n: Speaker(name, role, bool(quoted), why) for n, name, role, quoted, why in db.conn.execute(
        f"SELECT n, speaker, role, quoted, {evidence} FROM sentence_speakers WHERE article_id = ? ORDER BY n",
        (article_id,))}


# --------------------------------------------------------------------------- full-text search


def _unindex(db: Database, article_id: int) -> None:
    low = article_id << SEARCH_SHIFT
    db.conn.execute("DELETE FROM search_fts WHERE rowid BETWEEN ? AND ?", (low, low + (1 << SEARCH_SHIFT) - 1))
    db.conn.execute("DELETE FROM search_state WHERE article_id = ?", (article_id,))


def _fill(db: Database, article_id: int, into: sqlite3.Connection, table: str = "search_fts") -> None:
    """Add the article's sentences to ``table`` of ``into``, sentence n as rowid article id * 2**24 + n."""
    into.executemany(f"INSERT INTO {table} (rowid, text) VALUES (?, ?)",
                     enumerate(texts(db, article_id), (article_id << SEARCH_SHIFT) + 1))


def _index(db: Database, item: tuple[int, str | None]) -> None:
    article_id, sha = item
    _unindex(db, article_id)
    if sha is None:
        return  # the article is gone
    _fill(db, article_id, db.conn)
    db.conn.execute("INSERT INTO search_state (article_id, sha256) VALUES (?, ?)", (article_id, sha))


def search_backlog(db: Database) -> int:
    """How many articles the next search would index first (0 in a read-only database or before schema 9)."""
    if is_readonly(db) or not has_table(db, "search_state"):
        return 0
    return len(_stale(db, "search_state"))


def ensure_search(db: Database, progress: Progress | None = None) -> int:
    """Index every article added or changed since it was last indexed (and drop articles that are gone);
    returns how many. A no-op in a read-only database or before schema 9."""
    if is_readonly(db) or not has_table(db, "search_state"):
        return 0
    gone = [(aid, None) for (aid,) in db.conn.execute(
        "SELECT article_id FROM search_state WHERE article_id NOT IN (SELECT id FROM articles)")]
    return _in_batches(db, gone + _stale(db, "search_state"), lambda item: _index(db, item), progress)


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
        stale = [aid for aid, _ in _stale(db, "search_state")]
        current = {aid for (aid,) in db.conn.execute(
            "SELECT a.id FROM articles a JOIN search_state s ON s.article_id = a.id AND s.sha256 = a.sha256")}
        found = (found & current) | (_match_in_memory(db, stale, match) if stale else set())
    return found


# --------------------------------------------------------------------------- shingles


def ensure_shingles(db: Database, progress: Progress | None = None) -> int:
    """(Re)build the shingle index of every article whose index is missing or stale; returns how many.

    Texts are hashed outside any transaction, about ``BATCH_SECONDS`` at a time; each batch's rows
    are then written in hash order in one transaction (a third faster than article by article
    into a large index). A text that changes meanwhile is recorded with the sha256 it was hashed
    from, so it is simply stale again."""
    from store.align import ALGORITHM, shingle_hashes

    if is_readonly(db) or not has_table(db, "shingle_state"):
        return 0
    stale = [aid for (aid,) in db.conn.execute(
        """SELECT a.id FROM articles a LEFT JOIN shingle_state s ON s.article_id = a.id
           WHERE s.article_id IS NULL OR s.sha256 != a.sha256 OR s.algorithm != ? ORDER BY a.id""", (ALGORITHM,))]
    done = 0
    while done < len(stale):
        started = time.monotonic()
        rows: list[tuple[int, int]] = []
        states: list[tuple[int, str, int, int]] = []
        while done < len(stale) and (not states or time.monotonic() - started < BATCH_SECONDS):
            article_id = stale[done]
            done += 1
            row = db.conn.execute("SELECT text, sha256 FROM articles WHERE id = ?", (article_id,)).fetchone()
            if row is not None:
                hashes = shingle_hashes(row[0])
                rows.extend((h, article_id) for h in hashes)
                states.append((article_id, row[1], len(hashes), ALGORITHM))
        rows.sort()
        with write(db):
            db.conn.executemany("DELETE FROM shingles WHERE article_id = ?", [(s[0],) for s in states])
            db.conn.executemany("INSERT INTO shingles (hash, article_id) VALUES (?, ?)", rows)
            db.conn.executemany("INSERT OR REPLACE INTO shingle_state (article_id, sha256, shingles, algorithm)"
                                " VALUES (?, ?, ?, ?)", states)
        if progress:
            progress(done, len(stale))
    return len(stale)
