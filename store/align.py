"""Sentence alignment and text-reuse ("churnalism") figures for two articles.

``align_texts(a_text, a_spans, b_text, b_spans)`` compares a source A (say a
press release) with an article B (say the news story written from it) and
returns an :class:`Alignment`: which sentences of B reuse which sentences of A,
the verbatim shared passages inside each pair as character offsets into both
texts, the sentences without a counterpart, and article-level reuse figures.
It matches on **reused wording**, never on topic: two texts about the same
subject that only share stock phrases ("children's services", "the council
said") produce no pairs.  ``docs/alignment.md`` gives the definitions; in short:

1. **Words.**  A word is a run of letters/digits, apostrophes inside it
   included; it is compared case-folded, without apostrophes (curly or
   straight) and without accents.  Punctuation and quotes are ignored.
2. **Copied passages.**  A passage of B is *copied* from A when the same
   ``MIN_RUN`` (5) or more words occur in the same order in both, maximal in
   both directions.  These runs give the reuse figures (:class:`Reuse`).
3. **Tiles.**  For the sentence pairs the runs are made one-to-one, as in
   Greedy String Tiling (METER, Clough et al. 2002): longest first, a word of
   either text is used by at most one tile.  A tile is cut at sentence
   boundaries into *pieces*, each linking one sentence of A to one of B.
4. **Pairs.**  Sentences (a, b) joined by pieces are a pair when the pieces
   carry at least ``PAIR_MIN_CONTENT`` (3) content words (stop words, and
   pieces that are mostly names and titles such as "Strategic Director of
   Children's Services", do not count) and the share of the shorter
   sentence's words shared verbatim reaches ``PAIR_MIN_SCORE`` (0.5), or
   ``LONG_MIN_SCORE`` (0.3) when the pieces have ``LONG_EVIDENCE`` (10) words
   or more.  Shared words are the pieces plus shorter in-order runs of two or
   more words inside the pair (e.g. "identified as" after an edited word);
   their share is the pair's ``score``.  A sentence may pair with several (a
   split or a merge), in any order (reordering).

``alignment(db, a_id, b_id)`` runs this on two stored articles and caches the
result in SQLite, keyed by both article ids and both texts' sha256 (plus the
algorithm version and the sentence spans).  ``index_article`` keeps a shingle
index (64-bit hashes of every distinct normalised 5-word shingle) so that
``sources(db, article_id)`` can rank every other article by reuse quickly;
sync does not build it: ``sources`` brings it up to date first.

Pure standard library; no textual or rich import.
"""
from __future__ import annotations

import hashlib
import heapq
import json
import re
import sqlite3
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress

from store.db import Database, StoreError, has_table, is_readonly, now, write
from store.sentences import spans as sentence_spans

__all__ = [
    "Alignment", "Pair", "Reuse", "Source", "align_texts", "alignment", "index_article", "normalised_words",
    "reindex_stale", "shingle_hashes", "sources",
]

MIN_RUN = 5  # words: a shorter common run is never "copied"; also the shingle size
PAIR_MIN_CONTENT = 3  # content words in a pair's tile pieces (names and titles left out)
PAIR_MIN_SCORE = 0.5  # share of the shorter sentence's words shared verbatim ...
LONG_EVIDENCE = 10  # ... or, when the pieces have at least this many words,
LONG_MIN_SCORE = 0.3  # this share (a long verbatim run is rarely a coincidence)
NAME_SHARE = 0.75  # a piece this much names/titles (capitalised in both) is not evidence
SEED_CAP = 32  # a shingle more frequent than this in A is tried at one place only
ALGORITHM = 1  # bump when results change: invalidates cached alignments and indexes

Span = tuple[int, int, int, int]  # a_start, a_end, b_start, b_end (character offsets)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Pair:
    """Sentence ``b`` of B reuses sentence ``a`` of A (both 1-based, as in ``pressmark show``)."""

    a: int
    b: int
    score: float  # share of the shorter sentence's words shared verbatim, 0..1
    spans: tuple[Span, ...]  # verbatim shared runs, absolute offsets into both texts, in B order


@dataclass(frozen=True, slots=True)
class Reuse:
    """Article-level figures; see ``docs/alignment.md`` for the exact definitions."""

    b_from_a: float  # share of B's word characters inside passages copied from A
    a_used_by_b: float  # share of A's word characters that B copied
    longest_passage: int  # characters of B's text in the longest copied passage (0: none)
    longest_passage_words: int = 0
    longest_passage_text: str = ""  # as it reads in B
    longest_passage_span: Span | None = None
    copied_words: int = 0  # words of B inside copied passages
    b_words: int = 0
    a_words: int = 0


@dataclass(frozen=True, slots=True)
class Alignment:
    pairs: tuple[Pair, ...]  # sorted by (a, b)
    unaligned_a: tuple[int, ...]  # sentences of A no sentence of B reuses ("cut")
    unaligned_b: tuple[int, ...]  # sentences of B that reuse nothing of A ("added")
    reuse: Reuse

    def partners_of_a(self, a: int) -> tuple[int, ...]:
        """Sentences of B paired with sentence ``a`` of A."""
        return tuple(p.b for p in self.pairs if p.a == a)

    def partners_of_b(self, b: int) -> tuple[int, ...]:
        """Sentences of A paired with sentence ``b`` of B."""
        return tuple(p.a for p in self.pairs if p.b == b)

    def to_dict(self) -> dict:
        r = self.reuse
        return {
            "pairs": [[p.a, p.b, p.score, [list(s) for s in p.spans]] for p in self.pairs],
            "unaligned_a": list(self.unaligned_a),
            "unaligned_b": list(self.unaligned_b),
            "reuse": {
                "b_from_a": r.b_from_a, "a_used_by_b": r.a_used_by_b, "longest_passage": r.longest_passage,
                "longest_passage_words": r.longest_passage_words, "longest_passage_text": r.longest_passage_text,
                "longest_passage_span": list(r.longest_passage_span) if r.longest_passage_span else None,
                "copied_words": r.copied_words, "b_words": r.b_words, "a_words": r.a_words,
            },
        }

    @classmethod
    def from_dict(cls, d: dict) -> Alignment:
        r = dict(d["reuse"])
        if r.get("longest_passage_span") is not None:
            r["longest_passage_span"] = tuple(r["longest_passage_span"])
        return cls(
            pairs=tuple(Pair(a, b, score, tuple(tuple(s) for s in spans)) for a, b, score, spans in d["pairs"]),
            unaligned_a=tuple(d["unaligned_a"]),
            unaligned_b=tuple(d["unaligned_b"]),
            reuse=Reuse(**r),
        )


# --------------------------------------------------------------------------- words

_WORD = re.compile(r"[^\W_]+(?:['’ʼ][^\W_]+)*")
_APOSTROPHES = str.maketrans("", "", "'’ʼ")

# Function words and reporting verbs: they never count as evidence of reuse.
STOP_WORDS = frozenset(
    """a about above after again against all also although am among an and any are as at be because been
    before being below between both but by can could did do does doing down during each either else even
    ever every few for from further had has have having he her here hers herself him himself his how i if
    in into is it its itself just least less let many may me might more most much must my myself neither
    no nor not now of off on once one only onto or other our ours ourselves out over own per rather same
    she should since so some such than that the their theirs them themselves then there these they this
    those though through to too under until up upon us very via was we were what when where whether which
    while whilst who whom whose why will with within without would yet you your yours yourself
    said says say saying added adds told tells according""".split()
)
# Words that, like capitalised words, make a piece look like a name or title.
_NAME_GLUE = frozenset("of for the and de la van von du da".split())


def _normalise(word: str) -> str:
    word = word.casefold().translate(_APOSTROPHES)
    if not word.isascii():
        word = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
    return word


def normalised_words(text: str) -> list[str]:
    """The words of ``text`` as they are compared (see the module docstring)."""
    cache: dict[str, str] = {}
    out = []
    for w in _WORD.findall(text):
        n = cache.get(w)
        if n is None:
            n = cache[w] = _normalise(w)
        out.append(n)
    return out


class _Side:
    """One text as word ids with offsets and sentence membership."""

    __slots__ = ("text", "ids", "starts", "ends", "caps", "first", "stop", "n")

    def __init__(self, text: str, spans: Sequence[tuple[int, int]], vocab: dict[str, int],
                 norm_cache: dict[str, int]):
        self.text = text
        matches = list(_WORD.finditer(text))
        words = [m.group() for m in matches]
        distinct = dict.fromkeys(words)  # in order of first use, so ids are deterministic
        for w in distinct:
            if w not in norm_cache:
                n = _normalise(w)
                i = vocab.get(n)
                if i is None:
                    i = vocab[n] = len(vocab)
                norm_cache[w] = i
            distinct[w] = w[0].isupper()
        ids = list(map(norm_cache.__getitem__, words))
        starts = [m.start() for m in matches]
        self.ends = [m.end() for m in matches]
        self.ids, self.starts = ids, starts
        self.caps = bytearray(map(distinct.__getitem__, words))
        self.n = len(ids)
        # Sentence k (0-based) holds words first[k] .. stop[k]-1 (a word belongs to
        # the sentence its first character is in).
        self.first = [bisect_left(starts, s) for s, _ in spans]
        self.stop = [bisect_left(starts, e) for _, e in spans]

    def locate(self, i: int) -> tuple[int, int]:
        """(sentence index or -1, index of the first word after that stretch) for word ``i``."""
        k = bisect_right(self.first, i) - 1
        if k >= 0 and i < self.stop[k]:
            return k, self.stop[k]
        nxt = bisect_right(self.first, i)
        return -1, self.first[nxt] if nxt < len(self.first) else self.n

    def words_in(self, k: int) -> int:
        return self.stop[k] - self.first[k]


# --------------------------------------------------------------------------- runs


def _shingles(ids: list[int], k: int = MIN_RUN) -> list[tuple[int, ...]]:
    """The k-word shingles of a word-id list, by start position."""
    n = len(ids) - k + 1
    return list(zip(*(ids[o:n + o] for o in range(k)))) if n > 0 else []


def _coverage(shingles: list[tuple[int, ...]], other: set[tuple[int, ...]] | dict, n: int,
              k: int = MIN_RUN) -> bytearray:
    """Words inside a shingle that ``other`` has too, i.e. inside a common run of >= k words."""
    mark = bytearray(n)
    ones = b"\x01" * k
    for i, g in enumerate(shingles):
        if g in other:
            mark[i:i + k] = ones
    return mark


def _common_runs(a: list[int], b: list[int], grams_b: list[tuple[int, ...]], index: dict[tuple[int, ...], list[int]],
                 k: int = MIN_RUN) -> list[tuple[int, int, int]]:
    """Maximal common runs (i, j, length >= k) of word ids, found from shared k-word shingles.

    B is scanned left to right; a shingle of B lying inside a run already found
    seeds nothing, and a shingle found more than ``SEED_CAP`` times in A is only
    tried where it continues the last run (else at its first occurrence), so
    repetitive texts stay linear.  Runs are extended word by word in both
    directions, so they are maximal whichever shingle seeded them.
    """
    na, nb = len(a), len(b)
    runs: list[tuple[int, int, int]] = []
    covered: dict[int, int] = {}  # diagonal i - j -> first j not inside a run already found
    reach = 0  # end (in B) of the run reaching furthest so far
    last_d = 0
    get = index.get
    for j, g in enumerate(grams_b):
        if j + k <= reach:
            continue
        pos = get(g)
        if pos is None:
            continue
        if len(pos) > SEED_CAP:
            x = bisect_left(pos, j + last_d)
            pos = [j + last_d] if x < len(pos) and pos[x] == j + last_d else pos[:1]
        for i in pos:
            d = i - j
            if covered.get(d, -1) > j:
                continue
            i0, j0 = i, j
            while i0 and j0 and a[i0 - 1] == b[j0 - 1]:
                i0 -= 1
                j0 -= 1
            e, f = i + k, j + k
            while e < na and f < nb and a[e] == b[f]:
                e += 1
                f += 1
            runs.append((i0, j0, e - i0))
            covered[d] = f - k + 1
            last_d = d
            reach = max(reach, f)
    return runs


def _tiles(runs: list[tuple[int, int, int]], na: int, nb: int, k: int = MIN_RUN
           ) -> tuple[list[tuple[int, int, int]], bytearray, bytearray]:
    """One-to-one tiles from the runs, longest first (greedy string tiling)."""
    heap = [(-n, j, i) for i, j, n in runs]
    heapq.heapify(heap)
    used_a, used_b = bytearray(na), bytearray(nb)
    tiles = []
    while heap:
        neg, j, i = heapq.heappop(heap)
        n = -neg
        sa, sb = used_a[i:i + n], used_b[j:j + n]
        if not sa.count(1) and not sb.count(1):
            used_a[i:i + n] = used_b[j:j + n] = b"\x01" * n
            tiles.append((i, j, n))
            continue
        t = 0
        while t < n:  # put back the free stretches that are still long enough
            if sa[t] or sb[t]:
                t += 1
                continue
            s = t
            while t < n and not sa[t] and not sb[t]:
                t += 1
            if t - s >= k:
                heapq.heappush(heap, (s - t, j + s, i + s))
    return tiles, used_a, used_b


# --------------------------------------------------------------------------- figures


def _reuse(A: _Side, B: _Side, runs: list[tuple[int, int, int]], in_a: bytearray, in_b: bytearray) -> Reuse:
    longest = None
    longest_chars = 0
    for i, j, n in runs:
        chars = B.ends[j + n - 1] - B.starts[j]
        if chars > longest_chars or (chars == longest_chars and longest and (j, i) < (longest[1], longest[0])):
            longest, longest_chars = (i, j, n), chars
    a_lens = [e - s for s, e in zip(A.starts, A.ends)]
    b_lens = [e - s for s, e in zip(B.starts, B.ends)]
    a_total, b_total = sum(a_lens), sum(b_lens)
    figures = dict(
        b_from_a=sum(compress(b_lens, in_b)) / b_total if b_total else 0.0,
        a_used_by_b=sum(compress(a_lens, in_a)) / a_total if a_total else 0.0,
        longest_passage=longest_chars,
        copied_words=in_b.count(1), b_words=B.n, a_words=A.n,
    )
    if longest:
        i, j, n = longest
        span = (A.starts[i], A.ends[i + n - 1], B.starts[j], B.ends[j + n - 1])
        figures.update(longest_passage_words=n, longest_passage_text=B.text[span[2]:span[3]],
                       longest_passage_span=span)
    return Reuse(**figures)


# --------------------------------------------------------------------------- pairs


def _name_like(A: _Side, B: _Side, i: int, j: int, n: int, vocab_words: list[str]) -> bool:
    """Is the piece mostly a name or title (capitalised in both texts, or glue such as 'of')?"""
    named = glue = 0
    for t in range(n):
        if A.caps[i + t] and B.caps[j + t]:
            named += 1
        elif vocab_words[A.ids[i + t]] in _NAME_GLUE:
            glue += 1
    return named > 0 and named + glue >= NAME_SHARE * n


def _extras(A: _Side, B: _Side, ka: int, kb: int, used_a: bytearray, used_b: bytearray,
            stop: bytearray) -> list[tuple[int, int, int]]:
    """Shorter common runs inside a pair: two words or more (found from word pairs), with a
    content word or at least three words long, not already in a tile."""
    a0, a1, b0, b1 = A.first[ka], A.stop[ka], B.first[kb], B.stop[kb]
    aid, bid = A.ids, B.ids
    starts: dict[tuple[int, int], list[int]] = {}
    for x in range(a0, a1 - 1):
        if not used_a[x] and not used_a[x + 1]:
            starts.setdefault((aid[x], aid[x + 1]), []).append(x)
    out = []
    y = b0
    while y < b1 - 1:
        cands = None if used_b[y] or used_b[y + 1] else starts.get((bid[y], bid[y + 1]))
        best = None
        for x in cands or ():
            if used_a[x] or used_a[x + 1]:
                continue
            n = 2
            while (x + n < a1 and y + n < b1 and not used_a[x + n] and not used_b[y + n]
                   and aid[x + n] == bid[y + n]):
                n += 1
            if best is None or n > best[2]:
                best = (x, y, n)
        if best and (best[2] >= 3 or any(not stop[aid[best[0] + t]] for t in range(best[2]))):
            x, y, n = best
            used_a[x:x + n] = used_b[y:y + n] = b"\x01" * n
            out.append(best)
            y += n
        else:
            y += 1
    return out


def _pairs(A: _Side, B: _Side, tiles: list[tuple[int, int, int]], used_a: bytearray, used_b: bytearray,
           vocab: dict[str, int]) -> list[Pair]:
    vocab_words = list(vocab)
    stop = bytearray(w in STOP_WORDS for w in vocab_words)
    pieces: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
    for i, j, n in tiles:
        t = 0
        while t < n:
            ka, stop_a = A.locate(i + t)
            kb, stop_b = B.locate(j + t)
            m = min(stop_a - i - t, stop_b - j - t, n - t)
            if ka >= 0 and kb >= 0:
                pieces.setdefault((ka, kb), []).append((i + t, j + t, m))
            t += m
    # Evidence: content words in pieces that are not names/titles.
    candidates = []
    for key, ps in pieces.items():
        content = 0
        for i, j, n in ps:
            if not _name_like(A, B, i, j, n, vocab_words):
                content += sum(1 for t in range(i, i + n) if not stop[A.ids[t]])
        if content >= PAIR_MIN_CONTENT:
            candidates.append((-sum(n for *_, n in ps), key))
    candidates.sort()
    out = []
    for neg_words, (ka, kb) in candidates:
        extra = _extras(A, B, ka, kb, used_a, used_b, stop)
        shared = -neg_words + sum(n for *_, n in extra)
        shorter = min(A.words_in(ka), B.words_in(kb))
        score = min(1.0, shared / shorter) if shorter else 0.0
        if score < (LONG_MIN_SCORE if -neg_words >= LONG_EVIDENCE else PAIR_MIN_SCORE):
            for x, y, n in extra:  # give the words back for other pairs
                used_a[x:x + n] = used_b[y:y + n] = bytes(n)
            continue
        spans = sorted(((A.starts[i], A.ends[i + n - 1], B.starts[j], B.ends[j + n - 1])
                        for i, j, n in pieces[(ka, kb)] + extra), key=lambda s: (s[2], s[0]))
        out.append(Pair(ka + 1, kb + 1, round(score, 4), tuple(spans)))
    out.sort(key=lambda p: (p.a, p.b))
    return out


def align_texts(a_text: str, a_spans: Sequence[tuple[int, int]],
                b_text: str, b_spans: Sequence[tuple[int, int]]) -> Alignment:
    """Align the sentences of B (``b_spans`` into ``b_text``) with those of its source A.

    Spans are (start, end) character offsets, in order and not overlapping, as
    ``store.segment`` gives them; sentence numbers in the result are 1-based
    positions in these lists.  Pure: no database, no I/O.
    """
    vocab: dict[str, int] = {}
    cache: dict[str, int] = {}
    A = _Side(a_text, a_spans, vocab, cache)
    B = _Side(b_text, b_spans, vocab, cache)
    grams_a, grams_b = _shingles(A.ids), _shingles(B.ids)
    index: dict[tuple[int, ...], list[int]] = {}
    for i, g in enumerate(grams_a):
        pos = index.get(g)
        if pos is None:
            index[g] = [i]
        else:
            pos.append(i)
    runs = _common_runs(A.ids, B.ids, grams_b, index)
    # Every shared shingle of B lies inside a run (see _common_runs), so the runs give B's
    # coverage; A's comes from the shingles, as runs miss repeats of a passage in A.
    in_b = bytearray(B.n)
    for _, j, n in runs:
        in_b[j:j + n] = b"\x01" * n
    reuse = _reuse(A, B, runs, _coverage(grams_a, set(grams_b), A.n), in_b)
    tiles, used_a, used_b = _tiles(runs, A.n, B.n)
    pairs = _pairs(A, B, tiles, used_a, used_b, vocab)
    in_a = {p.a for p in pairs}
    in_b = {p.b for p in pairs}
    return Alignment(
        pairs=tuple(pairs),
        unaligned_a=tuple(n for n in range(1, len(a_spans) + 1) if n not in in_a),
        unaligned_b=tuple(n for n in range(1, len(b_spans) + 1) if n not in in_b),
        reuse=reuse,
    )


# --------------------------------------------------------------------------- the shingle index


def shingle_hashes(text: str, k: int = MIN_RUN) -> set[int]:
    """Signed 64-bit hashes (BLAKE2b) of the distinct normalised ``k``-word shingles of ``text``."""
    words = normalised_words(text)
    seen = set(map(" ".join, zip(*(words[o:] for o in range(k)))))
    return {int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "big", signed=True)
            for s in seen}


def _has_tables(db: Database) -> bool:
    """Do the alignment tables exist?  (Not before schema 3; already during its migration.)"""
    return has_table(db, "shingle_state")


def index_article(db: Database, article_id: int, hashes: set[int] | None = None) -> None:
    """(Re)build the article's shingle hashes (``hashes`` if already computed from its
    current text); a no-op before the alignment tables exist."""
    if not _has_tables(db):
        return  # an older schema (e.g. opened with target < 3): the migration backfills later
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


def reindex_stale(db: Database, progress=None) -> int:
    """Index every article whose index is missing or out of date, in short transactions
    (``store.derived.ensure_shingles``; ``progress(done, total)``); returns how many."""
    from store.derived import ensure_shingles  # late: store.derived imports this module lazily too

    return ensure_shingles(db, progress)


# --------------------------------------------------------------------------- stored articles


@dataclass(frozen=True, slots=True)
class _Stored:
    id: int
    sha256: str
    spans: list[tuple[int, int]]


def _stored(db: Database, article_id: int) -> _Stored:
    row = db.conn.execute("SELECT sha256 FROM articles WHERE id = ?", (article_id,)).fetchone()
    if row is None:
        raise StoreError(f"no article with id {article_id}")
    spans = [(start, end) for start, end, _ in sentence_spans(db, article_id)]
    return _Stored(article_id, row[0], spans)


def _cache_version(a: _Stored, b: _Stored) -> str:
    digest = hashlib.sha256(json.dumps([a.spans, b.spans]).encode()).hexdigest()[:16]
    return f"{ALGORITHM}:{digest}"


def _text(db: Database, article_id: int) -> str:
    return db.conn.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()[0]


def alignment(db: Database, a_id: int, b_id: int, *, cache: bool = True) -> Alignment:
    """The alignment of stored article ``b_id`` with its source ``a_id``, cached in the database.

    The cached result is used while both texts (sha256), their sentence spans
    and the algorithm are unchanged; otherwise it is computed again and stored.
    A read-only database is not written to.
    """
    a, b = _stored(db, a_id), _stored(db, b_id)
    version = _cache_version(a, b)
    tables = _has_tables(db)
    if cache and tables:
        row = db.conn.execute(
            "SELECT result FROM alignments WHERE a_id = ? AND b_id = ? AND a_sha256 = ? AND b_sha256 = ?"
            " AND version = ?", (a_id, b_id, a.sha256, b.sha256, version)).fetchone()
        if row:
            return Alignment.from_dict(json.loads(row[0]))
    result = align_texts(_text(db, a_id), a.spans, _text(db, b_id), b.spans)
    if cache and tables and not is_readonly(db):
        try:
            with write(db):
                db.conn.execute(
                    """INSERT INTO alignments (a_id, b_id, a_sha256, b_sha256, version, result, computed_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT (a_id, b_id) DO UPDATE SET a_sha256 = excluded.a_sha256,
                         b_sha256 = excluded.b_sha256, version = excluded.version,
                         result = excluded.result, computed_at = excluded.computed_at""",
                    (a_id, b_id, a.sha256, b.sha256, version, json.dumps(result.to_dict(), ensure_ascii=False),
                     now()))
        except sqlite3.OperationalError:
            pass  # busy beyond the timeout: the result is still right, just not cached
    return result


# --------------------------------------------------------------------------- sources

MAX_DF_SHARE = 0.05  # a shingle in more than this share of articles (and > MAX_DF_FLOOR) is boilerplate
MAX_DF_FLOOR = 50
MIN_SHARED = 3  # fewer shared shingles than this is not a source (a 7-word passage makes 3)
REFINE_MAX_CHARS = 300_000  # refine with exact figures only when both texts are at most this long
REFINE_FACTOR = 3  # candidates taken from the index per place asked for (refinement may drop some)


@dataclass(frozen=True, slots=True)
class Source:
    """Another article ranked as a likely source of (or copy of) the article asked about."""

    id: int
    file: str
    title: str
    shared: int  # distinct 5-word shingles in common (boilerplate shingles left out)
    b_from_a: float  # share of the article found in this one (exact if ``exact``, else shingle estimate)
    a_used_by_b: float  # share of this one found in the article
    longest_passage: int | None  # characters, when exact
    exact: bool
    pairs: int | None = None  # aligned sentence pairs, when exact


def sources(db: Database, article_id: int, limit: int = 10, *, refine: bool = True, progress=None) -> list[Source]:
    """Other articles ranked by how much of ``article_id`` they contain, via the shingle index.

    Candidates come from the index: articles sharing at least ``MIN_SHARED``
    distinct 5-word shingles, ignoring shingles found in so many articles that
    they are boilerplate, most shared first.  They are then refined in that
    order with :func:`alignment` when both texts are small enough: a candidate
    with no aligned sentence pair (only names, titles or stock phrases in
    common) is dropped, the others get the exact figures.  The result, at most
    ``limit`` articles, is ranked by the share of the article found in each.
    The index of any article that is missing or stale is built first (if the
    database is writable; sync leaves it to this), reporting ``progress(done, total)``
    for a long catch-up.
    """
    if limit < 1:
        return []
    if db.conn.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone() is None:
        raise StoreError(f"no article with id {article_id}")
    if not _has_tables(db):
        raise StoreError("this database has no shingle index yet; open it once with write access to upgrade")
    readonly = is_readonly(db)
    if not readonly:
        reindex_stale(db, progress)
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
                                  len(found.pairs)))
            else:
                out.append(Source(other, file, title, shared, shared / n_own if n_own else 0.0,
                                  shared / n_other if n_other else 0.0, None, False))
        out.sort(key=lambda s: (-s.b_from_a, -s.shared, s.id))
        return out

    if readonly:
        return ranked(cache=False)
    with write(db):  # one transaction (one fsync) for all the cached alignments
        return ranked(cache=True)
