"""Stored speakers (``sentence_speakers``, ``speaker_state``), attributed by ``store.speakers`` when first needed.

:func:`sentence_speakers` attributes an article the first time its speakers are
asked for (the reader opening it, suggestions, the JSONL export);
:func:`ensure_speakers` does it for many articles (the CSV export joins the
table, so it first attributes every annotated article that is not yet).
``speaker_state`` also records the version of the attribution
(``store.speakers.ALGORITHM``): speakers stored by an older one are stale too,
and made again when next needed. In a read-only database nothing is stored:
what is stale is attributed in memory.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

import store.derived.catchup as catchup
from store.db import Database, has_table, is_readonly, write
from store.derived.catchup import Progress
from store.sentences import spans

if TYPE_CHECKING:
    from store.speakers import Speaker

__all__ = ["ensure_speakers", "sentence_speakers", "speakers_current", "stale_speakers", "store_speakers"]


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
        return catchup.stale(db, "speaker_state", where, params)
    from store.speakers import ALGORITHM

    return db.conn.execute(
        f"""SELECT a.id, a.sha256 FROM articles a LEFT JOIN speaker_state s ON s.article_id = a.id
            WHERE (s.article_id IS NULL OR s.sha256 != a.sha256 OR s.algorithm != ?) {where} ORDER BY a.id""",
        (ALGORITHM, *params)).fetchall()


def _attribute_and_store(db: Database, item: tuple[int, str]) -> None:
    article_id, sha = item
    store_speakers(db, article_id, _attribute(db, article_id), sha)


def ensure_speakers(db: Database, article_ids: Sequence[int] | None = None, *, annotated: bool = False,
                    progress: Progress | None = None) -> int:
    """Attribute (and store) the stale ones of ``article_ids`` (every article when None; only those with
    annotations if ``annotated``); returns how many. A no-op in a read-only database or before schema 9."""
    if is_readonly(db) or not has_table(db, "speaker_state"):
        return 0
    return catchup.in_batches(db, _stale_speakers(db, article_ids, annotated),
                              lambda item: _attribute_and_store(db, item), progress)


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
