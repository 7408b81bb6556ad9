"""Inter-coder agreement: percent agreement, Cohen's kappa per pair, Krippendorff's alpha across all.

Definitions (docs/teams.md explains them for users):

* **Unit**: one sentence. Only placed annotations (status ok) count.
* **Seen**: a coder has seen an article once they have made at least one
  annotation in it (a tag or a note); every sentence of that article then
  counts as coded by them, a sentence without their tag meaning "not this
  tag". The units compared are the sentences of the articles that *every*
  compared coder has seen, so every unit has a value from every coder. (A
  coder who read an article and found nothing to tag leaves a note, which
  marks it seen; one who stopped half-way should finish before comparing.)
* **Per tag**: each coder's value for a unit is binary, tag present or absent.
* **Overall**: each coder's value for a unit is the *set* of tags they gave
  it, as one nominal category ({} , {finding}, {finding, response}, ...). A
  partial overlap counts as a disagreement; the per-tag figures show where.
* **Percent agreement**: the share of units on which all compared coders gave
  the same value (for a pair: on which the two did).
* **Cohen's kappa** (Cohen 1960), for each pair: (p_o - p_e) / (1 - p_e), with
  p_e from each coder's own marginal distribution.
* **Krippendorff's alpha**, nominal (Krippendorff 2011, "Computing
  Krippendorff's Alpha-Reliability"), across all compared coders, from the
  coincidence matrix: 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c n_k.
  Missing values are allowed by :func:`krippendorff_alpha` (units with fewer
  than two values are not pairable) although the units here have none.

When a figure is undefined -- no units, or no variation at all (p_e = 1, or a
single value in the whole reliability data) -- it is None (JSON null), never a
division by zero.

By default the coders compared are everyone with a placed annotation except
:data:`ADJUDICATED`, the name under which final (adjudicated) tags are recorded.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from itertools import combinations

from store.db import Database, StoreError
from store.sentences import sentence_text

ADJUDICATED = "adjudicated"

Value = Hashable


# --------------------------------------------------------------------------- the statistics


def _tally(units: Iterable[Sequence[Value | None]]) -> Counter:
    return Counter(tuple(u) for u in units)


def percent_agreement(units: Iterable[Sequence[Value | None]]) -> float | None:
    """Share of units whose (non-missing) values are all equal; None with no unit of two values."""
    return _percent_from_tally(_tally(units))[1]


def _percent_from_tally(tally: Mapping[tuple, int]) -> tuple[int, float | None, int]:
    """(units with two or more values, share of them in full agreement, how many agree)."""
    units = agree = 0
    for values, weight in tally.items():
        present = [v for v in values if v is not None]
        if len(present) < 2:
            continue
        units += weight
        if len(set(present)) == 1:
            agree += weight
    return units, (agree / units if units else None), agree


def cohen_kappa(pairs: Iterable[tuple[Value, Value]]) -> float | None:
    """Cohen's kappa for two coders' values on the same units (pairs with a None are left out).

    None when undefined: no units, or chance agreement p_e = 1 (both coders
    used one and the same value throughout).
    """
    return _kappa_from_tally(Counter((a, b) for a, b in pairs if a is not None and b is not None))


def _kappa_from_tally(tally: Mapping[tuple[Value, Value], int]) -> float | None:
    n = sum(tally.values())
    if not n:
        return None
    observed = sum(w for (a, b), w in tally.items() if a == b) / n
    left, right = Counter(), Counter()
    for (a, b), w in tally.items():
        left[a] += w
        right[b] += w
    expected = sum(left[c] * right[c] for c in left) / (n * n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


def krippendorff_alpha(units: Iterable[Sequence[Value | None]]) -> float | None:
    """Krippendorff's alpha for nominal data; ``units`` is one sequence of values per unit
    (one value per coder, None where that coder gave none).

    None when undefined: fewer than two pairable values, or only one value used
    in all the pairable data (no variation, so expected disagreement is 0).
    """
    return _alpha_from_tally(_tally(units))


def _alpha_from_tally(tally: Mapping[tuple, int]) -> float | None:
    coincidence: Counter = Counter()  # (c, k) -> o_ck
    for values, weight in tally.items():
        present = Counter(v for v in values if v is not None)
        m = sum(present.values())
        if m < 2:
            continue
        for c, n_c in present.items():
            for k, n_k in present.items():
                pairs = n_c * (n_c - 1) if c == k else n_c * n_k
                if pairs:
                    coincidence[c, k] += weight * pairs / (m - 1)
    marginals: Counter = Counter()
    for (c, _k), o in coincidence.items():
        marginals[c] += o
    n = sum(marginals.values())
    if n <= 1:
        return None
    observed = sum(o for (c, k), o in coincidence.items() if c != k)
    expected = n * n - sum(m * m for m in marginals.values())
    if expected <= 1e-12:
        return None
    return 1.0 - (n - 1) * observed / expected


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class PairAgreement:
    a: str
    b: str
    units: int
    agree: int
    percent: float | None
    kappa: float | None


@dataclass(frozen=True, slots=True)
class Agreement:
    """Agreement on one tag (present/absent), or overall (``tag`` None: the set of tags)."""

    tag: str | None
    units: int
    agree: int  # units on which every compared coder gave the same value
    percent: float | None
    alpha: float | None
    counts: dict[str, int]  # coder -> units they gave the tag (overall: units they tagged at all)
    pairs: tuple[PairAgreement, ...]


@dataclass
class AgreementReport:
    annotators: list[str]
    articles: list[str]  # files of the articles every compared coder has seen
    units: int
    tags: list[Agreement] = field(default_factory=list)
    overall: Agreement | None = None

    def to_dict(self) -> dict:
        return {"annotators": self.annotators, "articles": self.articles, "units": self.units,
                "tags": [asdict(a) for a in self.tags], "overall": asdict(self.overall) if self.overall else None}


@dataclass(frozen=True, slots=True)
class Disagreement:
    """A sentence the compared coders coded differently."""

    article_id: int
    file: str
    sentence: int
    text: str
    tags: dict[str, tuple[str, ...]]  # coder -> their tags on it, in codebook order
    adjudicated: tuple[str, ...] | None = None  # the final tags, once an adjudicator set some; None while open


# --------------------------------------------------------------------------- from the database


def annotators(db: Database) -> list[str]:
    """Everyone with at least one placed annotation, by name."""
    return [a for (a,) in db.conn.execute(
        "SELECT DISTINCT annotator FROM annotations WHERE status = 'ok' ORDER BY annotator")]


def default_annotators(db: Database) -> list[str]:
    """The coders compared when none are named: all but :data:`ADJUDICATED`."""
    return [a for a in annotators(db) if a != ADJUDICATED]


def _check(db: Database, names: Sequence[str] | None) -> list[str]:
    if names is None:
        names = default_annotators(db)
        if len(names) < 2:
            raise StoreError(f"agreement needs two coders; this database has annotations by "
                             f"{', '.join(names) or 'nobody'} (merge the others' databases first)")
        return list(names)
    names = list(dict.fromkeys(n.strip() for n in names if n.strip()))
    if len(names) < 2:
        raise StoreError("name at least two different annotators to compare")
    known = set(annotators(db))
    if missing := [n for n in names if n not in known]:
        raise StoreError(f"no annotations by {', '.join(missing)} (annotators here: {', '.join(sorted(known))})")
    return names


def seen_articles(db: Database, names: Sequence[str]) -> list[int]:
    """Ids of the articles every one of ``names`` has annotated (tag or note) at least once."""
    marks = ", ".join("?" * len(names))
    return [aid for (aid,) in db.conn.execute(
        f"""SELECT a.article_id FROM annotations a JOIN articles ar ON ar.id = a.article_id
            WHERE a.status = 'ok' AND a.annotator IN ({marks}) AND ar.n_sentences > 0
            GROUP BY a.article_id HAVING count(DISTINCT a.annotator) = ? ORDER BY a.article_id""",
        (*names, len(names)))]


class _Data:
    """Each compared coder's tags on each unit of the seen articles (untagged units implicit)."""

    def __init__(self, db: Database, names: list[str]):
        self.names = names
        self.articles = seen_articles(db, names)
        self.order = {name: i for i, (name,) in enumerate(db.conn.execute("SELECT name FROM tags ORDER BY position, name"))}
        self.units = 0
        self.files: dict[int, str] = {}
        ids = ", ".join(map(str, self.articles)) or "NULL"
        for aid, file, n in db.conn.execute(f"SELECT id, file, n_sentences FROM articles WHERE id IN ({ids})"):
            self.files[aid] = file
            self.units += n
        self.tagged: dict[tuple[int, int], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        marks = ", ".join("?" * len(names))
        for aid, n, annotator, tag in db.conn.execute(
                f"""SELECT a.article_id, a.sentence, a.annotator, a.tag FROM annotations a
                    JOIN articles ar ON ar.id = a.article_id
                    WHERE a.status = 'ok' AND a.tag IS NOT NULL AND a.annotator IN ({marks})
                      AND a.article_id IN ({ids}) AND a.sentence BETWEEN 1 AND ar.n_sentences""", names):
            self.tagged[aid, n][annotator].add(tag)
        used = {t for coders in self.tagged.values() for tags in coders.values() for t in tags}
        self.tags = sorted(set(self.order) | used, key=lambda t: (self.order.get(t, len(self.order)), t))

    def sorted_tags(self, tags: Iterable[str]) -> tuple[str, ...]:
        return tuple(sorted(tags, key=lambda t: (self.order.get(t, len(self.order)), t)))

    def tally(self, tag: str | None) -> Counter:
        """value tuple (one per coder) -> units; a value is present/absent (tag) or the tag set (overall)."""
        value = (lambda tags: tag in tags) if tag is not None else self.sorted_tags
        tally: Counter = Counter()
        for coders in self.tagged.values():
            tally[tuple(value(coders.get(name, ())) for name in self.names)] += 1
        untouched = self.units - len(self.tagged)
        if untouched:
            tally[tuple(value(()) for _ in self.names)] += untouched
        return tally

    def agreement(self, tag: str | None) -> Agreement:
        tally = self.tally(tag)
        units, percent, agree = _percent_from_tally(tally)
        pairs = []
        for i, j in combinations(range(len(self.names)), 2):
            pair_tally: Counter = Counter()
            for values, weight in tally.items():
                pair_tally[values[i], values[j]] += weight
            n = sum(pair_tally.values())
            same = sum(w for (a, b), w in pair_tally.items() if a == b)
            pairs.append(PairAgreement(self.names[i], self.names[j], n, same, same / n if n else None,
                                       _kappa_from_tally(pair_tally)))
        empty = () if tag is None else False
        counts = {name: sum(w for values, w in tally.items() if values[i] != empty)
                  for i, name in enumerate(self.names)}
        return Agreement(tag, units, agree, percent, _alpha_from_tally(tally), counts, tuple(pairs))


def agreement(db: Database, names: Sequence[str] | None = None, tag: str | None = None) -> AgreementReport:
    """Agreement among ``names`` (default: every coder but ``adjudicated``) per tag and overall.

    With ``tag``, only that tag (and no overall figure).
    """
    names = _check(db, names)
    data = _Data(db, names)
    if tag is not None and tag not in data.tags:
        raise StoreError(f"unknown tag {tag!r} (the codebook has: {', '.join(data.tags)})")
    report = AgreementReport(names, sorted(data.files.values()), data.units)
    report.tags = [data.agreement(t) for t in ([tag] if tag else data.tags)]
    report.overall = None if tag else data.agreement(None)
    return report


def disagreements(db: Database, names: Sequence[str] | None = None, tag: str | None = None) -> list[Disagreement]:
    """The sentences of the seen articles that ``names`` coded differently (on ``tag``, or on any tag).

    In file and sentence order, each with every compared coder's tags on it
    (an empty tuple for none) -- what an adjudicator needs to decide.
    """
    names = _check(db, names)
    data = _Data(db, names)
    if tag is not None and tag not in data.tags:
        raise StoreError(f"unknown tag {tag!r} (the codebook has: {', '.join(data.tags)})")
    out = []
    for (aid, n), coders in data.tagged.items():
        sets = [coders.get(name, set()) for name in names]
        values = [tag in s for s in sets] if tag is not None else [frozenset(s) for s in sets]
        if len(set(values)) > 1:
            out.append((aid, n, {name: data.sorted_tags(s) for name, s in zip(names, sets)}))
    out.sort(key=lambda d: (data.files[d[0]], d[0], d[1]))
    texts = {}
    for aid, n, _ in out:
        if (aid, n) not in texts:
            texts[aid, n] = sentence_text(db, aid, n) or ""
    final: dict[tuple[int, int], set[str]] = {}
    for aid, n, t in db.conn.execute("SELECT article_id, sentence, tag FROM annotations WHERE annotator = ?"
                                     " AND tag IS NOT NULL AND status = 'ok'", (ADJUDICATED,)):
        final.setdefault((aid, n), set()).add(t)
    return [Disagreement(aid, data.files[aid], n, texts[aid, n], tags,
                         data.sorted_tags(final[aid, n]) if (aid, n) in final else None) for aid, n, tags in out]
