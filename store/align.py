"""Sentence alignment and text-reuse ("churnalism") figures for two articles.

``align_texts(a_text, a_spans, b_text, b_spans)`` compares a source A (say a
press release) with an article B (say the news story written from it) and
returns an :class:`Alignment`: which sentences of B reuse which sentences of A,
the shared stretches inside each pair as character offsets into both
texts, the sentences without a counterpart, and article-level reuse figures.
It matches on **reused wording**, never on topic: two texts about the same
subject that only share stock phrases ("children's services", "the council
said") produce no pairs.  ``docs/alignment.md`` gives the definitions; in short:

1. **Words** (``store.words``).  A word is a run of letters/digits, apostrophes inside it
   included; it is compared case-folded, without apostrophes (curly or
   straight) and without accents.  Punctuation and quotes are ignored.
2. **Copied passages.**  A passage of B is *copied* from A when the same
   ``MIN_RUN`` (5) or more words occur in the same order in both, maximal in
   both directions.  These runs give the reuse figures (:class:`Reuse`).
3. **Items.**  Sentence pairs compare words by match key (``store.words.stem``:
   light stemming, British/American spellings, irregular forms such as
   has/have), a number written in parts or a percentage as one item ("33%",
   "33 per cent"), and a spelled-out name as its acronym when either text
   defines it ("Health and Safety Executive (HSE)").
4. **Runs.**  Two sentences sharing ``SEED_MIN`` (2) pairs of consecutive
   keys are compared: their in-order common stretches are grouped into
   *lightly edited runs*, at most ``GAP`` (3) unmatched items apart.  A word
   of B shared with several sentences of A counts only for those in whose run
   it lies in the longest run.
5. **Pairs.**  A pair needs, in its longest run, ``PAIR_MIN_WORDS`` (5) words
   of which ``PAIR_MIN_CONTENT`` (3) content words (no stop word, name, job
   title or number), and a ``score`` (share of the shorter sentence shared)
   of ``PAIR_MIN_SCORE`` (0.5), or ``LONG_MIN_SCORE`` (0.3) with a run of
   ``LONG_EVIDENCE`` (10) words; or a figure in a run of ``FIGURE_EVIDENCE``
   (5) words with two content words; or three quarters of the shorter
   sentence in a run of 6 with one content word; or, whatever the share,
   ``SPOT_CONTENT`` (4) content words in a run of 5 that is a quoted fragment
   or joins the first ``OPENING`` (2) sentences of both texts (headline,
   lede).  A second source whose words the first took pairs too when it would
   on its own and goes on where the first stops.  A sentence of B that merges
   two neighbouring sentences of A (or an introducer and its quotation) pairs
   with both.  A sentence may pair with several, in any order.

``alignment(db, a_id, b_id)`` runs this on two stored articles and caches the
result in SQLite, keyed by both article ids and both texts' sha256 (plus the
algorithm version and the sentence spans).  ``shingle_hashes`` gives the
64-bit hashes of every distinct normalised 5-word shingle, which the shingle
index (``store.derived.shingles``) keeps so that ``sources(db, article_id)``
can rank every other article by reuse quickly.

Pure standard library; no textual or rich import.
"""
from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import accumulate, chain, compress, repeat
from operator import add, mul

from store.db import Database, StoreError, has_table, is_readonly, now, write
from store.sentences import spans as sentence_spans
from store.words import (
    NUMBER_KEYS,
    STOP_KEYS,
    TITLE_KEYS,
    WORDS_BETWEEN,
    YEAR,
    normalise,
    normalised_words,
    stem,
)

__all__ = [
    "Alignment", "Pair", "Reuse", "align_texts", "alignment", "match_keys", "shingle_hashes",
]

MIN_RUN = 5  # words: a shorter common run is never "copied"; also the shingle size
SEED_CAP = 32  # a shingle more frequent than this in A is tried at one place only
ALGORITHM = 1  # the shingle index: bump when shingle_hashes changes (every article is indexed again)
RESULTS = 3  # bump when align_texts' results change: invalidates cached alignments
# Sentence pairs (docs/alignment.md, "Sentence pairs"):
GAP = 3  # unmatched words allowed between two matched stretches of one lightly edited run
SEED_MIN = 2  # shared pairs of consecutive words that make two sentences worth comparing ...
SEED_MAX_SENTENCES = 16  # ... not counting a word pair found in more sentences of A than this
PAIR_MIN_CONTENT = 3  # content words (no stop word, name, title or number) in the longest run ...
PAIR_MIN_WORDS = 5  # ... which has at least this many words (about five, as the labelling guide says), and
PAIR_MIN_SCORE = 0.5  # a share of the shorter sentence's words shared ...
LONG_EVIDENCE = 10  # ... or, when the run has at least this many words,
LONG_MIN_SCORE = 0.3  # this share (a long run is rarely a coincidence),
FIGURE_EVIDENCE = 5  # or any share when a run this long holds a number too ("a 33 per cent increase in")
NEARLY_ALL = 0.75  # a sentence this much in the other, in a run of
NEARLY_ALL_WORDS = 6  # at least this many words, pairs with a single content word beside names
SPOT_CONTENT = 4  # content words in a run of PAIR_MIN_WORDS that pair whatever the share, in the two places
OPENING = 2  # where a story reuses a clause of a long sentence: the first sentences of both (headline, lede),
SPOT_QUOTED = 3  # and a fragment with this many content words inside quotation marks in either text
SECOND_SOURCE_CONTENT = 2  # content words a second source gives a sentence that the first does not
MERGED_MIN_WORDS = 4  # two neighbouring sentences of A merged into one of B: words of each run,
MERGED_MIN_CONTENT = 2  # content words of each run,
MERGED_MIN_CONTENT_BOTH = 5  # and of both
INTRODUCER_WORDS = 3  # an introducer merged with the quotation after it: words in its run
MAX_ACRONYMS = 100  # acronym definitions used from the two texts (real texts have a handful)
MAX_ITEMS = 200  # a longer sentence is matched in linear time (see _greedy_blocks)
MAX_CANDIDATES = 32  # sentences of A compared with one of B, those sharing the most seeds

Span = tuple[int, int, int, int]  # a_start, a_end, b_start, b_end (character offsets)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Pair:
    """Sentence ``b`` of B reuses sentence ``a`` of A (both 1-based, as in ``pressmark show``)."""

    a: int
    b: int
    score: float  # share of the shorter sentence's items shared, 0..1
    spans: tuple[Span, ...]  # shared stretches (same match keys), absolute offsets into both texts, in B order


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


_ACRONYM = re.compile(r"\(([A-Z][A-Za-z]{1,9})\)")  # "(HSE)", "(NWAFT)", "(DfE)"
_ACRONYM_GLUE = frozenset("and of for the in on at to".split())
_OPENING_QUOTES = "“‘«„‚"
_SINGLE_QUOTES = "‘’‚'"  # a single quote closes only a single quote ('… “x” …' and “… ‘x’ …” nest)
# A quotation mark outside a word (an apostrophe inside one belongs to the word).
_QUOTE_MARK = re.compile(r"[“”«»„‚\"]|(?<![^\W_])[‘’']|[‘’'](?![^\W_])")
_CAPITAL, _SHOUTED = 1, 2  # _Side.caps: a word's first letter is a capital; the word is in capitals


class _Side:
    """One text as word ids with offsets and sentence membership, and (after :meth:`set_keys`) as
    the match keys the sentence pairs are found with."""

    __slots__ = ("text", "ids", "starts", "ends", "caps", "first", "stop", "n", "keys", "item_end", "quoted")

    def __init__(self, text: str, spans: Sequence[tuple[int, int]], vocab: dict[str, int],
                 norm_cache: dict[str, int]):
        self.text = text
        parts = WORDS_BETWEEN.split(text)  # separator, word, separator, word, ..., separator
        offsets = list(accumulate(map(len, parts)))
        words = parts[1::2]
        distinct = dict.fromkeys(words)  # in order of first use, so ids are deterministic
        for w in distinct:
            if w not in norm_cache:
                n = normalise(w)
                i = vocab.get(n)
                if i is None:
                    i = vocab[n] = len(vocab)
                norm_cache[w] = i
            distinct[w] = _CAPITAL | _SHOUTED if len(w) > 1 and w.isupper() else _CAPITAL if w[0].isupper() else 0
        ids = list(map(norm_cache.__getitem__, words))
        starts = offsets[0:-1:2]
        self.ends = offsets[1::2]
        self.ids, self.starts = ids, starts
        self.caps = bytearray(map(distinct.__getitem__, words))
        self.n = len(ids)
        # Sentence k (0-based) holds words first[k] .. stop[k]-1 (a word belongs to
        # the sentence its first character is in).
        self.first = [bisect_left(starts, s) for s, _ in spans]
        self.stop = [bisect_left(starts, e) for _, e in spans]
        self.keys: list[str | None] = []
        self.item_end: dict[int, int] = {}
        self.quoted = self._quoted(spans)

    def _quoted(self, spans: Sequence[tuple[int, int]]) -> bytearray:
        """Which words stand inside quotation marks opened in their own sentence (a quote left open runs
        to the sentence's end)."""
        quoted = bytearray(self.n)
        text, starts = self.text, self.starts
        marks = [m.start() for m in _QUOTE_MARK.finditer(text)]
        if not marks:
            return quoted
        x = 0
        for start, end in spans:
            x = bisect_left(marks, start, x)
            opened = kind = None
            while x < len(marks) and marks[x] < end:
                at = marks[x]
                c = text[at]
                opening = c in _OPENING_QUOTES or (c in "\"'" and (at == start or not text[at - 1].isalnum()
                                                                    and text[at - 1] not in ".,;:!?"))
                if opening and opened is None:
                    opened, kind = at, c in _SINGLE_QUOTES
                elif not opening and opened is not None and kind == (c in _SINGLE_QUOTES):
                    first, stop = bisect_left(starts, opened), bisect_left(starts, at)
                    quoted[first:stop] = b"\x01" * (stop - first)
                    opened = None
                x += 1
            if opened is not None:
                first, stop = bisect_left(starts, opened), bisect_left(starts, end)
                quoted[first:stop] = b"\x01" * (stop - first)
        return quoted

    def set_keys(self, key_of: list[str], numeric: bytes) -> None:
        """Each word's match key (``key_of`` by word id; ``numeric``: which ids start with a digit);
        a number written in parts ("2.5", "980,000") and a percentage ("33%", "33 per cent", "33
        percent") become one item, keyed on its first word (the others get None); ``item_end``
        holds the end of such an item."""
        keys = self.keys = list(map(key_of.__getitem__, self.ids))
        text, starts, ends, n = self.text, self.starts, self.ends, self.n
        for p in list(compress(range(n), map(numeric.__getitem__, self.ids))):
            key, q = keys[p], p
            if key is None:
                continue  # the tail of a number already read
            while (q + 1 < n and keys[q + 1][:1].isdigit() and starts[q + 1] == ends[q] + 1
                   and text[ends[q]] in ".,"):
                q += 1
                key += ("." if text[ends[q - 1]] == "." else "") + keys[q]
                keys[q] = None
            end = ends[q]
            if text.startswith("%", end):
                key, end = key + "%", end + 1
            elif q + 1 < n and keys[q + 1] == "percent":
                key, end, keys[q + 1] = key + "%", ends[q + 1], None
            elif q + 2 < n and keys[q + 1] == "per" and keys[q + 2] == "cent":
                key, end, keys[q + 1], keys[q + 2] = key + "%", ends[q + 2], None, None
            keys[p] = key
            if end != ends[p]:
                self.item_end[p] = end

    def acronyms(self) -> dict[tuple[str | None, ...], str]:
        """Spelled-out names the text defines an acronym for, as their keys: "Health and Safety
        Executive (HSE)" gives ("health", "and", "safety", "executiv") -> "hse".  At most
        ``MAX_ACRONYMS``, each looked for at most two words a letter back."""
        out: dict[tuple[str | None, ...], str] = {}
        text, starts, ends, caps = self.text, self.starts, self.ends, self.caps
        for m in _ACRONYM.finditer(text):
            letters = [c.lower() for c in m.group(1) if c.isupper()]
            last = bisect_left(starts, m.start()) - 1  # the word before "("
            t, x = last, len(letters) - 1
            while t >= max(0, last - 2 * len(letters)) and x >= 0:
                word = text[starts[t]:ends[t]]
                if caps[t] and word[0].lower() == letters[x]:
                    x -= 1
                elif not (caps[t] & _SHOUTED or word.lower() in _ACRONYM_GLUE):
                    break
                t -= 1
            if x < 0 and t + 1 < last and len(letters) >= 2:
                out.setdefault(tuple(self.keys[t + 1:last + 1]), stem(normalise(m.group(1))))
                if len(out) == MAX_ACRONYMS:
                    break
        return out

    def abbreviate(self, defined: dict[tuple[str | None, ...], str]) -> None:
        """Key every occurrence of a spelled-out name as its acronym (the longest name first): one
        item, which also takes in the acronym in brackets right after it."""
        by_first: dict[str | None, list[tuple[tuple[str | None, ...], str]]] = {}
        for spelled, acronym in sorted(defined.items(), key=lambda d: -len(d[0])):
            by_first.setdefault(spelled[0], []).append((spelled, acronym))
        keys, n = self.keys, self.n
        for p in list(compress(range(n), map(by_first.__contains__, keys))):
            for spelled, acronym in by_first.get(keys[p], ()):  # (None: the word is in a name already)
                size = len(spelled)
                if tuple(keys[p:p + size]) != spelled:
                    continue
                end = p + size - 1
                keys[p + 1:p + size] = [None] * (size - 1)
                if (end + 1 < n and keys[end + 1] == acronym
                        and self.text[self.ends[end]:self.starts[end + 1]].strip() == "("):
                    end += 1
                    keys[end] = None
                keys[p] = acronym
                self.item_end[p] = self.item_end.get(end, self.ends[end])
                break

    def end(self, t: int) -> int:
        """End of the item starting at word ``t``."""
        return self.item_end.get(t, self.ends[t])


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

_STOP, _FIGURE, _TITLE = 1, 2, 4  # bits of _Pairing.kind: a stop word, a number, a job title


@dataclass(slots=True)
class _Evidence:
    """What sentence ``a`` shares with a sentence of B, counting only the words it explains best."""

    a: int
    shared: list[tuple[int, int, int]]  # stretches (i, j, n) of items it explains best
    words: int  # items in ``shared``
    run: int  # items of its longest lightly edited run ...
    content: int  # ... and their content words that are no name, title or number
    figures: int  # ... and their numbers
    quoted: int  # ... and their content words inside quotation marks in either sentence
    shorter: int  # items of the shorter sentence
    alone: _Evidence | None = None  # the same counting every word it shares, when other sentences took some
    longest: tuple[tuple[int, int, int], ...] = ()  # (in ``alone``) the stretches of its longest run

    def strong(self, opening: bool = False) -> bool:
        """Enough shared wording to pair; ``opening``: both sentences open their texts (headline or lede)."""
        share = self.words / self.shorter
        if self.content >= SPOT_CONTENT and self.run >= PAIR_MIN_WORDS and (
                opening or self.quoted >= SPOT_QUOTED):
            return True  # a lede rewriting the release's opening clause, a quoted fragment kept in reported speech
        if self.content >= PAIR_MIN_CONTENT and self.run >= PAIR_MIN_WORDS and (
                share >= PAIR_MIN_SCORE or (self.run >= LONG_EVIDENCE and share >= LONG_MIN_SCORE)):
            return True
        if self.figures and self.content + 1 >= PAIR_MIN_CONTENT and self.run >= FIGURE_EVIDENCE:
            return True  # a figure quoted in the same words: "experienced a 33 per cent increase in"
        return share >= NEARLY_ALL and self.run >= NEARLY_ALL_WORDS and self.content >= 1


class _Pairing:
    """The sentences of A and B as sequences of item keys (numbered), and how to pair them."""

    def __init__(self, A: _Side, B: _Side):
        self.A, self.B = A, B
        distinct = dict.fromkeys(chain(A.keys, B.keys))
        distinct.pop(None, None)
        stops = [key for key in distinct if key in STOP_KEYS]  # numbered first: see seeds()
        number = dict.fromkeys(chain(stops, distinct), -1)
        kind = bytearray(len(number))
        for n, key in enumerate(number):
            number[key] = n
            figure = (key[0].isdigit() and not YEAR.fullmatch(key)) or key in NUMBER_KEYS
            date = key[0].isdigit() and not figure  # a year: a date, like a name no evidence of reuse
            kind[n] = (key in STOP_KEYS and _STOP) | (figure and _FIGURE) | ((key in TITLE_KEYS or date) and _TITLE)
        number[None] = -1
        self.kind, self.width, self.stops = kind, len(kind), len(stops)
        self.pos_a, self.seq_a = self._sentences(A, list(map(number.__getitem__, A.keys)))
        self.pos_b, self.seq_b = self._sentences(B, list(map(number.__getitem__, B.keys)))

    @staticmethod
    def _sentences(side: _Side, numbers: list[int]) -> tuple[list[list[int]], list[list[int]]]:
        """Each sentence's items: their first words' positions, and their keys as numbers."""
        pos, seq = [], []
        for first, stop in zip(side.first, side.stop):
            keys = numbers[first:stop]
            if -1 in keys:
                pos.append([t for t, key in enumerate(keys, first) if key >= 0])
                seq.append([key for key in keys if key >= 0])
            else:
                pos.append(list(range(first, stop)))
                seq.append(keys)
        return pos, seq

    def seeds(self, seqs: list[list[int]]) -> list[int]:
        """Each item's key paired with the next item's in its sentence, as a number, in the order of
        the items of all sentences (-1 for the last item of a sentence).  A seed below
        ``self.stops * self.width`` whose remainder by ``self.width`` is below ``self.stops`` pairs
        two stop words."""
        flat = list(chain.from_iterable(seqs))
        seeds = list(map(add, map(mul, flat, repeat(self.width)), flat[1:]))
        seeds.append(-1)
        end = -1
        for seq in seqs:
            end += len(seq)
            if seq:
                seeds[end] = -1
        return seeds

    @staticmethod
    def _shouted(side: _Side, k: int) -> bool:
        """Is sentence ``k`` mostly words in capitals (so that capitals say nothing about names)?"""
        first, stop = side.first[k], side.stop[k]
        return 2 * side.caps[first:stop].count(_CAPITAL | _SHOUTED) > stop - first

    def runs(self, blocks, seq_a: list[int]) -> list[list[tuple[int, int, int]]]:
        """Matched stretches (i, j, n) grouped into lightly edited runs: in order, at most ``GAP``
        unmatched items apart in both sentences.  A stretch of one stop word only bridges a gap;
        it is not counted as shared."""
        kind = self.kind
        runs, cur = [], []
        end_a = end_b = -GAP - 1
        for i, j, n in blocks:
            if not n:
                break
            if i - end_a > GAP or j - end_b > GAP:
                if cur:
                    runs.append(cur)
                cur = []
            if n > 1 or not kind[seq_a[i]] & _STOP:
                cur.append((i, j, n))
            end_a, end_b = i + n, j + n
        if cur:
            runs.append(cur)
        return runs

    def evidence(self, kb: int, candidates: list[int], matcher: SequenceMatcher) -> list[_Evidence]:
        """Evidence of every candidate sentence of A for sentence ``kb`` of B (``matcher`` has it
        as its second sequence).  A word of B shared with several sentences of A counts for those
        in whose run it lies in the longest run."""
        found = []
        seq_b = self.seq_b[kb]
        for ka in candidates:
            seq_a = self.seq_a[ka]
            if len(seq_a) > MAX_ITEMS or len(seq_b) > MAX_ITEMS:
                blocks = _greedy_blocks(seq_a, seq_b)
            else:
                matcher.set_seq1(seq_a)
                blocks = matcher.get_matching_blocks()
            runs = self.runs(blocks, seq_a)
            if runs:
                found.append((ka, runs, [sum(n for *_, n in run) for run in runs]))
        best: dict[int, int] = {}  # item of B -> longest run it lies in
        if len(found) > 1:
            for _, runs, lengths in found:
                for run, length in zip(runs, lengths):
                    for _, j, n in run:
                        for y in range(j, j + n):
                            if best.get(y, 0) < length:
                                best[y] = length
        out = []
        for ka, runs, lengths in found:
            if not best:  # a single candidate: it explains every word it shares
                shared = list(chain.from_iterable(runs))
                kept = list(zip(lengths, runs))
            else:
                shared, kept = self.explained(runs, lengths, best)
            if shared:
                e = self._evidence(ka, kb, shared, kept)
                if best and e.words < sum(lengths) and not e.strong():
                    e.alone = self._evidence(ka, kb, list(chain.from_iterable(runs)), list(zip(lengths, runs)))
                    e.alone.longest = tuple(max(zip(lengths, runs), key=lambda r: r[0])[1])
                out.append(e)
        return out

    def _evidence(self, ka: int, kb: int, shared: list[tuple[int, int, int]],
                  runs: list[tuple[int, list[tuple[int, int, int]]]]) -> _Evidence:
        longest = max(n for n, _ in runs)
        counts = max(self.counts(ka, kb, run) for n, run in runs if n == longest)
        return _Evidence(ka, shared, sum(n for *_, n in shared), longest, *counts,
                         min(len(self.seq_a[ka]), len(self.seq_b[kb])))

    @staticmethod
    def explained(runs: list[list[tuple[int, int, int]]], lengths: list[int], best: dict[int, int]
                  ) -> tuple[list[tuple[int, int, int]], list[tuple[int, list[tuple[int, int, int]]]]]:
        """The stretches of the runs made of words no longer run of another sentence takes, and
        each run's (words, stretches) left."""
        shared, left = [], []
        for stretches, length in zip(runs, lengths):
            kept = []
            for i, j, n in stretches:
                t = 0
                while t < n:
                    if best[j + t] > length:
                        t += 1
                        continue
                    s = t
                    while t < n and best[j + t] <= length:
                        t += 1
                    kept.append((i + s, j + s, t - s))
            if kept:
                shared += kept
                left.append((sum(n for *_, n in kept), kept))
        return shared, left

    def counts(self, ka: int, kb: int, stretches: list[tuple[int, int, int]], enough: int = 0
               ) -> tuple[int, int, int]:
        """(content words, numbers, quoted content words) among the shared items ``stretches`` of sentences
        ``ka`` and ``kb``, or as soon as there are ``enough`` content words.  A content word is no stop word,
        job title or number, and no name: not capitalised in either sentence, unless it is the sentence's
        first word or the sentence is in capitals.  A quoted one stands inside quotation marks in either."""
        caps_a, caps_b, pos_a, pos_b = self.A.caps, self.B.caps, self.pos_a[ka], self.pos_b[kb]
        quoted_a, quoted_b = self.A.quoted, self.B.quoted
        name_a, name_b = not self._shouted(self.A, ka), not self._shouted(self.B, kb)
        seq_b, kind = self.seq_b[kb], self.kind
        content = figures = quoted = 0
        for i, j, n in stretches:
            for t in range(n):
                k = kind[seq_b[j + t]]
                if k & _FIGURE:
                    figures += 1
                elif not (k & (_STOP | _TITLE) or (name_a and i + t and caps_a[pos_a[i + t]])
                          or (name_b and j + t and caps_b[pos_b[j + t]])):
                    content += 1
                    quoted += quoted_a[pos_a[i + t]] | quoted_b[pos_b[j + t]]
                    if content == enough:
                        return content, figures, quoted
        return content, figures, quoted

    def pairs(self) -> list[Pair]:
        A, B, seq_a, seq_b = self.A, self.B, self.seq_a, self.seq_b
        same: dict[tuple[int, ...], list[int]] = {}
        for ka, seq in enumerate(seq_a):
            same.setdefault(tuple(seq), []).append(ka)
        copied = [seq and same.get(tuple(seq)) for seq in seq_b]  # sentences of A that B copies word for word
        copied = [c if c and len(c) <= SEED_MAX_SENTENCES else None for c in copied]  # (not boilerplate)
        seeds_b = self.seeds(seq_b)
        in_b = set(compress(seeds_b, chain.from_iterable(repeat(not c, len(seq)) for c, seq in zip(copied, seq_b))))
        in_b.discard(-1)
        seeds_a = self.seeds(seq_a)
        sentence_of = chain.from_iterable(repeat(ka, len(seq)) for ka, seq in enumerate(seq_a))
        index: dict[int, list[int]] = {}
        width, stops = self.width, self.stops
        for g, ka in compress(zip(seeds_a, sentence_of), map(in_b.__contains__, seeds_a)):
            if g < stops * width and g % width < stops:
                continue  # two stop words are no evidence of anything
            found = index.get(g)
            if found is None:
                index[g] = [ka]
            elif found[-1] != ka:
                found.append(ka)
        index = {g: found for g, found in index.items() if len(found) <= SEED_MAX_SENTENCES}
        matcher = SequenceMatcher(None, autojunk=False)
        out = []
        end = 0
        for kb, seq in enumerate(seq_b):
            start, end = end, end + len(seq)
            if copied[kb]:  # copied word for word: nothing else can explain a word of it better
                n = len(seq)
                evidence = [_Evidence(ka, [(0, 0, n)], n, n, *self.counts(ka, kb, [(0, 0, n)], PAIR_MIN_CONTENT), n)
                            for ka in copied[kb]]
            else:
                found = sorted(chain.from_iterable(filter(None, map(index.get, seeds_b[start:end]))))
                candidates = sorted({x for x, y in zip(found, found[SEED_MIN - 1:]) if x == y})
                if not candidates:
                    continue
                if len(candidates) > MAX_CANDIDATES:  # those sharing the most seeds
                    seeds = Counter(found)
                    candidates = sorted(sorted(candidates, key=lambda ka: (-seeds[ka], ka))[:MAX_CANDIDATES])
                if len(seq) <= MAX_ITEMS:
                    matcher.set_seq2(seq)
                evidence = self.evidence(kb, candidates, matcher)
            chosen = {e.a: e for e in evidence if e.strong(kb < OPENING and e.a < OPENING)}
            by_a = {e.a: e for e in evidence}
            for e in evidence:  # a sentence built from two neighbouring sentences of A pairs with both
                f = by_a.get(e.a + 1)
                if f and not (e.a in chosen and f.a in chosen) and (
                        _merged(e, f, min(len(seq), len(seq_a[e.a]) + len(seq_a[f.a])))
                        or (f.a in chosen and _introduces(e, f, len(seq_a[e.a])))):
                    chosen[e.a], chosen[f.a] = e, f
            if chosen:  # a second source: strong alone, and going on where the first one stops
                taken = {j + t for e in chosen.values() for _, j, n in e.shared for t in range(n)}
                for e in evidence:
                    if e.a not in chosen and e.alone and e.alone.strong() and _second_source(
                            e.alone, taken, lambda stretches: self.counts(e.a, kb, stretches)[0]):
                        chosen[e.a] = e.alone
            pb = self.pos_b[kb]
            for ka, e in chosen.items():
                pa = self.pos_a[ka]
                spans = sorted(((A.starts[pa[i]], A.end(pa[i + n - 1]), B.starts[pb[j]], B.end(pb[j + n - 1]))
                                for i, j, n in e.shared), key=lambda s: (s[2], s[0]))
                out.append(Pair(ka + 1, kb + 1, round(min(1.0, e.words / e.shorter), 4), tuple(spans)))
        out.sort(key=lambda p: (p.a, p.b))
        return out


def _greedy_blocks(seq_a: list[int], seq_b: list[int]) -> list[tuple[int, int, int]]:
    """In-order common stretches of two sentences, one of them over ``MAX_ITEMS`` items (difflib's
    matching can take quadratic time on those), found left to right in linear time: from each place
    in B, the first pair of keys A has at or after its last stretch, extended as far as both agree."""
    where: dict[tuple[int, int], list[int]] = {}
    for i, g in enumerate(zip(seq_a, seq_a[1:])):
        where.setdefault(g, []).append(i)
    na, nb = len(seq_a), len(seq_b)
    blocks, i0, j = [], 0, 0
    while j < nb - 1:
        found = where.get((seq_b[j], seq_b[j + 1]))
        x = bisect_left(found, i0) if found else 0
        if not found or x == len(found):
            j += 1
            continue
        i, n = found[x], 2
        while i + n < na and j + n < nb and seq_a[i + n] == seq_b[j + n]:
            n += 1
        blocks.append((i, j, n))
        i0, j = i + n, j + n
    blocks.append((na, nb, 0))
    return blocks


def _merged(e: _Evidence, f: _Evidence, shorter: int) -> bool:
    """Do two neighbouring sentences of A each give a lightly edited run to one sentence of B, and
    together enough of it, as when two sentences are merged into one?"""
    return (min(e.run, f.run) >= MERGED_MIN_WORDS and min(e.content, f.content) >= MERGED_MIN_CONTENT
            and e.content + f.content >= MERGED_MIN_CONTENT_BOTH and (e.words + f.words) / shorter >= PAIR_MIN_SCORE)


def _second_source(e: _Evidence, taken: set[int], content) -> bool:
    """Does sentence ``e.a``, strong on its own, give the sentence of B words the sentences already paired
    with it do not (``taken``: their items of B): ``SECOND_SOURCE_CONTENT`` content words (``content``
    counts them in a list of stretches), and some of the words of its longest run?"""
    def left(stretches):
        return [(i + t, j + t, 1) for i, j, n in stretches for t in range(n) if j + t not in taken]

    return bool(left(e.longest)) and content(left(e.shared)) >= SECOND_SOURCE_CONTENT


def _introduces(e: _Evidence, f: _Evidence, size: int) -> bool:
    """Is sentence ``e.a`` ("Commander Paul Brogden said:") nearly all in the sentence of B, in a run,
    right before the words it shares with the next sentence ``f.a`` (the quotation it introduces)?"""
    return (e.words >= NEARLY_ALL * size and e.run >= INTRODUCER_WORDS
            and max(j + n for _, j, n in e.shared) <= min(j for _, j, _ in f.shared))


def _set_keys(sides: list[_Side], vocab: dict[str, int]) -> None:
    """Give the words of the texts their match keys, with the acronyms any of them defines."""
    key_of = list(map(stem, vocab))
    numeric = bytes(word[:1].isdigit() for word in vocab)
    defined: dict[tuple[str | None, ...], str] = {}
    for side in sides:
        side.set_keys(key_of, numeric)
        for spelled, acronym in side.acronyms().items():
            if len(defined) < MAX_ACRONYMS:
                defined.setdefault(spelled, acronym)
    for side in sides:
        side.abbreviate(defined)


def match_keys(text: str, *context: str) -> list[str]:
    """The items of ``text`` as sentence pairs compare them (:func:`stem`, numbers and percentages as
    one item, a spelled-out name as its acronym when ``text`` or a ``context`` text defines it)."""
    vocab: dict[str, int] = {}
    cache: dict[str, int] = {}
    sides = [_Side(t, [(0, len(t))], vocab, cache) for t in (text, *context)]
    _set_keys(sides, vocab)
    return [key for key in sides[0].keys if key is not None]


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
    shared = set(grams_b)
    index: dict[tuple[int, ...], list[int]] = {}  # shingles of A that B has too -> where they start in A
    for i, g in compress(enumerate(grams_a), map(shared.__contains__, grams_a)):
        pos = index.get(g)
        if pos is None:
            index[g] = [i]
        else:
            pos.append(i)
    runs = _common_runs(A.ids, B.ids, grams_b, index)
    # Every shared shingle of B lies inside a run (see _common_runs), so the runs give B's
    # coverage; A's comes from the shingles, as runs miss repeats of a passage in A.
    copied_b = bytearray(B.n)
    for _, j, n in runs:
        copied_b[j:j + n] = b"\x01" * n
    reuse = _reuse(A, B, runs, _coverage(grams_a, shared, A.n), copied_b)
    _set_keys([A, B], vocab)
    pairs = _Pairing(A, B).pairs()
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
    return f"{RESULTS}:{digest}"


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
