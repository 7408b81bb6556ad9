"""The shingle index (``shingles``, ``shingle_state``): 64-bit hashes of every distinct normalised 5-word
shingle of each article (``store.align.shingle_hashes``), and :func:`sources`, which ranks other articles by
how much of an article they contain. Sync does not build it: :func:`ensure_shingles` brings it up to date
first (an article is stale when new, when its text changed or when ``store.align.ALGORITHM`` did).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass

import store.derived.catchup as catchup
from store.align import ALGORITHM, Alignment, alignment, shingle_hashes
from store.db import Database, StoreError, has_table, is_readonly, write
from store.derived.catchup import Progress
from store.direction import FIRM_EVIDENCE, Direction, direction

__all__ = ["Source", "ensure_shingles", "index_article", "reuse_direction", "sources"]


def ensure_shingles(db: Database, progress: Progress | None = None) -> int:
    """(Re)build the shingle index of every article whose index is missing or stale; returns how many.

    Texts are hashed outside any transaction, about ``catchup.BATCH_SECONDS`` at a time; each batch's rows
    are then written in hash order in one transaction (a third faster than article by article
    into a large index). A text that changes meanwhile is recorded with the sha256 it was hashed
    from, so it is simply stale again."""
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
        while done < len(stale) and (not states or time.monotonic() - started < catchup.BATCH_SECONDS):
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


def index_article(db: Database, article_id: int, hashes: set[int] | None = None) -> None:
    """(Re)build the article's shingle hashes (``hashes`` if already computed from its
    current text); a no-op before the alignment tables exist."""
    if not has_table(db, "shingle_state"):
        return  # an older schema (e.g. opened with target < 3): ensure_shingles builds it once it has them
    row = db.conn.execute("SELECT text, sha256 FROM articles WHERE id = ?", (article_id,)).fetchone()
    with write(db):
        db.conn.execute("DELETE FROM shingles WHERE article_id = ?", (article_id,))
        if row is None:
            db.conn.execute("DELETE FROM shingle_state WHERE article_id = ?", (article_id,))
            return
        text, sha = row
        if hashes is None:
            hashes = shingle_hashes(text)
        db.conn.executemany("INSERT INTO shingles (hash, article_id) VALUES (?, ?)",  # in key order: 3x faster
                            ((h, article_id) for h in sorted(hashes)))
        db.conn.execute(
            "INSERT OR REPLACE INTO shingle_state (article_id, sha256, shingles, algorithm) VALUES (?, ?, ?, ?)",
            (article_id, sha, len(hashes), ALGORITHM))


# --------------------------------------------------------------------------- sources


def _text(db: Database, article_id: int) -> str:
    return db.conn.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()[0]


MAX_DF_SHARE = 0.05  # a shingle in more than this share of articles (and > MAX_DF_FLOOR) is boilerplate
MAX_DF_FLOOR = 50
MIN_SHARED = 3  # fewer shared shingles than this is not a source (a 7-word passage makes 3)
REFINE_MAX_CHARS = 300_000  # refine with exact figures only when both texts are at most this long
REFINE_FACTOR = 3  # candidates taken from the index per place asked for (refinement may drop some)


@dataclass(frozen=True, slots=True)
class Source:
    """Another article ranked as a likely source of (or copy of) the article asked about; ``role`` says which
    (store.direction): "source" (the article reuses it), "copy" (it reuses the article) or "" (the texts do
    not tell), ``why`` on what evidence."""

    id: int
    file: str
    title: str
    shared: int  # distinct 5-word shingles in common (boilerplate shingles left out)
    b_from_a: float  # share of the article found in this one (exact if ``exact``, else shingle estimate)
    a_used_by_b: float  # share of this one found in the article
    longest_passage: int | None  # characters, when exact
    exact: bool
    pairs: int | None = None  # aligned sentence pairs, when exact
    longest_passage_words: int | None = None  # when exact
    role: str = ""
    why: str = ""
    evidence: str = ""  # what the role rests on (store.direction.Direction.evidence)

    @property
    def known_copy(self) -> bool:
        """It reuses the article on firm evidence (store.direction.FIRM_EVIDENCE): ranked last, and
        ``b`` opens the article as its source."""
        return self.role == "copy" and self.evidence in FIRM_EVIDENCE


def sources(db: Database, article_id: int, limit: int = 10, *, refine: bool = True, progress=None) -> list[Source]:
    """Other articles ranked by how much of ``article_id`` they contain, via the shingle index.

    Candidates come from the index: articles sharing at least ``MIN_SHARED``
    distinct 5-word shingles, ignoring shingles found in so many articles that
    they are boilerplate, most shared first.  They are then refined in that
    order with :func:`alignment` when both texts are small enough: a candidate
    with no aligned sentence pair (only names, titles or stock phrases in
    common) is dropped, the others get the exact figures.  The result, at most
    ``limit`` articles, is ranked by the share of the article found in each,
    copies last when firm evidence (dates, quotation marks) says they are copies.
    The index of any article that is missing or stale is built first (if the
    database is writable; sync leaves it to this), reporting ``progress(done, total)``
    for a long catch-up.
    """
    if limit < 1:
        return []
    if db.conn.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone() is None:
        raise StoreError(f"no article with id {article_id}")
    if not has_table(db, "shingle_state"):
        raise StoreError("this database has no shingle index yet; open it once with write access to upgrade")
    readonly = is_readonly(db)
    if not readonly:
        ensure_shingles(db, progress)
    state = db.conn.execute(  # None when missing or stale (possible only when read-only)
        """SELECT st.shingles FROM shingle_state st JOIN articles a ON a.id = st.article_id
           WHERE st.article_id = ? AND st.sha256 = a.sha256 AND st.algorithm = ?""",
        (article_id, ALGORITHM)).fetchone()
    n_articles = db.conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    max_df = max(MAX_DF_FLOOR, int(MAX_DF_SHARE * n_articles))
    if state is None:  # hash it here
        own = list(shingle_hashes(_text(db, article_id)))
        q_sql, q_params = "SELECT value AS hash FROM json_each(?)", (json.dumps(own),)
        n_own = len(own)
    else:
        q_sql, q_params = "SELECT hash FROM shingles WHERE article_id = ?", (article_id,)
        n_own = state[0]
    top = db.conn.execute(
        f"""WITH q(hash) AS ({q_sql}),
                 p AS (SELECT s.hash, s.article_id FROM q JOIN shingles s ON s.hash = q.hash
                       WHERE s.article_id != ?),
                 common AS (SELECT hash FROM p GROUP BY hash HAVING count(*) > ?)
            SELECT article_id, count(*) AS shared FROM p
            WHERE hash NOT IN common
            GROUP BY article_id HAVING shared >= ?
            ORDER BY shared DESC, article_id LIMIT ?""",
        (*q_params, article_id, max_df, MIN_SHARED, REFINE_FACTOR * limit)).fetchall()
    rows = []
    for other, shared in top:
        file, title, chars, n_other = db.conn.execute(
            """SELECT a.file, a.title, length(a.text), st.shingles FROM articles a
               LEFT JOIN shingle_state st ON st.article_id = a.id WHERE a.id = ?""", (other,)).fetchone()
        rows.append((other, shared, file, title, n_other, chars))
    own_chars = db.conn.execute("SELECT length(text) FROM articles WHERE id = ?", (article_id,)).fetchone()[0]

    def ranked(cache: bool) -> list[Source]:
        out: list[Source] = []
        for other, shared, file, title, n_other, chars in rows:
            if len(out) == limit:
                break
            if refine and own_chars <= REFINE_MAX_CHARS and chars <= REFINE_MAX_CHARS:
                found = alignment(db, other, article_id, cache=cache)
                if not found.pairs:
                    continue  # only names, titles or stock phrases in common: not a source
                r = found.reuse
                out.append(Source(other, file, title, shared, r.b_from_a, r.a_used_by_b, r.longest_passage, True,
                                  len(found.pairs), r.longest_passage_words,
                                  *_role(db, other, article_id, found, file)))
            else:
                out.append(Source(other, file, title, shared, shared / n_own if n_own else 0.0,
                                  shared / n_other if n_other else 0.0, None, False,
                                  *_role(db, other, article_id, None, file)))
        out.sort(key=lambda s: (s.known_copy, -s.b_from_a, -s.shared, s.id))  # known copies last
        return out

    if readonly:
        return ranked(cache=False)
    with write(db):  # one transaction (one fsync) for all the cached alignments
        return ranked(cache=True)


def reuse_direction(db: Database, a_id: int, b_id: int, found: Alignment | None) -> Direction:
    """Which of two stored articles is the other's source (store.direction), from their dates and ``found``
    (their alignment; None when they are too long to align: then the dates alone)."""
    (a_text, a_date), (b_text, b_date) = (
        db.conn.execute("SELECT text, date FROM articles WHERE id = ?", (i,)).fetchone() for i in (a_id, b_id))
    return direction(a_text, b_text, found, a_date, b_date)


def _role(db: Database, other: int, article_id: int, found: Alignment | None, file: str) -> tuple[str, str, str]:
    """``other``'s role for the article (Source.role), why, naming it by its file, and the evidence."""
    found_direction = reuse_direction(db, other, article_id, found)
    role = {True: "source", False: "copy", None: ""}[found_direction.a_is_source]
    return role, found_direction.why(file, "this article"), found_direction.evidence
