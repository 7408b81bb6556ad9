"""Suggestions that learn from the coder (issue 16): a small logistic regression per tag over named
features, trained on one annotator's decisions, with the cue codebook as its prior.

What it learns from (:func:`gather`): every sentence the annotator has decided on, in every article. A
sentence they tagged is a positive example of its tags and a negative one of the others; a dismissed
suggestion is a negative of its tag; a sentence left untagged above the last one they tagged in that
article was read and passed over, a negative of every tag that was not suggested for it (a suggestion is
turned down by dismissing it: jumping ahead to tag a sentence does not take the suggestions off the ones
above). An accepted suggestion is a tag, so a positive. At most ``MAX_EXAMPLES`` sentences, from the
articles tagged most recently.

What it sees of a sentence (:func:`features`): its words and pairs of words (lower case, the commonest
function words left out), each cue that fires on it, whether it is quoted speech, reported speech or
narration, who speaks it, where it stands (the article's first sentence, the first of a paragraph, a line
without a full stop such as a headline or crosshead) and whether it has a number or a sum of money.

The model, per tag: ``score = w_cues * c + bias + the weights of the sentence's features``, where c is +1
when the cue codebook suggests the tag, -1 when it does not (0 when none of its cues is about the tag); the
tag is suggested when the score is above 0. Training (AdaGrad over the examples in a fixed order, so that the same decisions give the same
model in every process) pulls every weight towards its prior, ``PRIOR`` for ``w_cues`` and 0 for the
rest: with no examples the model is the cue codebook, and the coder's decisions move it as they grow. A
sentence that copies one the coder tagged or dismissed a suggestion on (most of its runs of three words, as
a story copies its press release) gets that decision for the tags it decided.

Every suggestion keeps a reason: the cues' when they suggest the tag too; else the copied sentence, or the
features that weigh most for the tag in that sentence (``learned from your tags: 'fined', a sum of money —
finding``).

Recomputed, not stored: training on ``MAX_EXAMPLES`` sentences takes a fraction of a second, and what it
needs is kept in memory per process: each article's sentences as the learner sees them (by text and
codebook) and each annotator's model, reused while their decisions are unchanged (:func:`fingerprint`, read
from the actions, annotations and suggestions tables). A ``pace`` callback, called between small steps of
the work, may raise :class:`Interrupted` to stop it (the reader does as soon as a key is pressed).
"""
from __future__ import annotations

import hashlib
import math
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from sys import intern

from store.cues import CUE_TEXT_MAX, Cue, Scene, article_hits, cue_tags
from store.db import Database, db_path, has_table
from store.derived.speakers import sentence_speakers
from store.sentences import spans, texts
from store.speakers import Speaker

__all__ = ["MAX_EXAMPLES", "PRIOR", "Example", "Interrupted", "Model", "Sentence", "article_sentences",
           "examples_of", "features", "fingerprint", "gather", "iter_sentences", "model_for", "sentences_of", "train"]

PRIOR = 3.0  # the weight of the codebook's decision before any example (logistic p = 0.95 either way)
L2 = 5.0  # how hard the weights are pulled towards their priors, summed over the examples
RATE = 0.5  # AdaGrad's step
EPOCHS = 8  # passes over the examples; fewer when there are many (at least 2, at most EXAMPLE_STEPS in all)
EXAMPLE_STEPS = 4000
MAX_EXAMPLES = 2000  # decided sentences a model learns from, the most recently tagged articles' first
COPY = 0.8  # share of the shorter sentence's runs of three words that makes one sentence a copy of another
EXPLAIN = 3  # features named in a learned suggestion's reason
KEPT_SENTENCES = 3000  # sentences kept in memory as the learner sees them (some 10 MB)
KEPT_ARTICLE = 1000  # sentences of an article too long to be kept: made as read
KEPT_MODELS = 8  # (database, annotator) pairs whose model is kept
_CUES, _BIAS = "=cues", "=bias"
STOPWORDS = frozenset(
    "a an the of to in on at for and or but is are was were be been being has have had it its this that these those "
    "by with as from into than then so if not no".split())
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_END = re.compile(r"[.!?…:;][\"'”’)\]]*\s*$")


class Interrupted(Exception):
    """Raised by a ``pace`` callback to stop training (a key was pressed)."""


Pace = Callable[[], None]


@dataclass(frozen=True, slots=True)
class Sentence:
    """What the learner reads of one sentence (built by :func:`sentences_of`)."""

    text: str
    speaker: Speaker | None
    hits: tuple[int, ...]  # the cues that fire on it in its article (store.cues.article_hits)
    features: tuple[str, ...]
    shingles: frozenset[str]  # its runs of three words
    scene: Scene | None = None  # its article's, which the reasons of its cues may name


def tokens(text: str) -> list[str]:
    return [w.replace("’", "'") for w in _WORD.findall(text[:CUE_TEXT_MAX].lower())]


def features(text: str, speaker: Speaker | None, hits: Iterable[int], first: bool, para_start: bool) -> tuple[str, ...]:
    """The sentence's feature names, sorted (a sum over them is then the same in every process)."""
    words = tokens(text)
    out = {f"w:{w}" for w in words if w not in STOPWORDS}
    out.update(f"b:{a} {b}" for a, b in pairwise(words) if a not in STOPWORDS or b not in STOPWORDS)
    out.update(f"c:{i}" for i in hits)
    if speaker is None:
        out.add("speech:none")
    else:
        out.add("speech:quoted" if speaker.quoted else "speech:reported")
        out.add(f"who:{speaker.name.casefold()}")
    flags = {"first": first, "para-start": para_start, "headline": not _END.search(text[-50:]),
             "number": any(c.isdigit() for c in text), "money": any(c in "£$€" for c in text)}
    out.update(name for name, on in flags.items() if on)
    return tuple(sorted(map(intern, out)))  # interned: the same word in many sentences is kept once


def iter_sentences(sentence_texts: Sequence[str], speakers: Sequence[Speaker | None], paras: Sequence[int],
                   compiled: Sequence[tuple[Cue, object]], pace: Pace | None = None) -> Iterator[Sentence]:
    """The learner's view of an article's sentences, one at a time (``paras``: each one's paragraph number), after
    one pass over them all for their cues, which may read the article (store.cues.article_hits)."""
    all_hits, scene = article_hits(sentence_texts, speakers, compiled, pace)
    for i, (text, speaker, fired) in enumerate(zip(sentence_texts, speakers, all_hits)):
        if pace is not None and i % 16 == 15:
            pace()
        hits = tuple(fired)
        words = tokens(text)
        yield Sentence(text, speaker, hits, features(text, speaker, hits, i == 0, i == 0 or paras[i] != paras[i - 1]),
                       frozenset(intern(" ".join(words[j:j + 3])) for j in range(len(words) - 2)), scene)


def sentences_of(sentence_texts: Sequence[str], speakers: Sequence[Speaker | None], paras: Sequence[int],
                 compiled: Sequence[tuple[Cue, object]]) -> list[Sentence]:
    return list(iter_sentences(sentence_texts, speakers, paras, compiled))


def describe(feature: str, speaker: Speaker | None, compiled: Sequence[tuple[Cue, object]],
             scene: Scene | None = None) -> str:
    """How a reason names a feature."""
    kind, _, value = feature.partition(":")
    if kind in ("w", "b"):
        return f"'{value}'"
    if kind == "c":
        return compiled[int(value)][0].describe(speaker, scene)
    if kind == "who":
        return f"speaker {speaker.name if speaker else value}"
    return {"speech:none": "narration", "speech:quoted": "a quotation", "speech:reported": "reported speech",
            "first": "the first sentence", "para-start": "a paragraph's first sentence",
            "headline": "a line without a full stop", "number": "a number", "money": "a sum of money"}[feature]


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True, slots=True)
class Example:
    """A decided sentence: the tags the cues suggest for it and the annotator's decision (``positive`` and
    ``negative`` tags; a tag in neither was not decided); ``where`` names it in a reason."""

    sentence: Sentence
    cued: frozenset[str]
    positive: frozenset[str]
    negative: frozenset[str]
    where: str
    passed: bool = False  # only passed over (not tagged, nothing dismissed): the model learns from it, no copy


@dataclass
class Model:
    """Per tag, feature -> weight; the examples, for the sentences that copy one of them."""

    weights: dict[str, dict[str, float]]
    examples: list[Example]
    copies: dict[str, list[int]] = field(default_factory=dict)  # shingle -> the examples (positions) with it

    def score(self, tag: str, feats: Iterable[str], cued: float) -> float:
        w = self.weights.get(tag, {})
        return w.get(_CUES, PRIOR) * cued + w.get(_BIAS, 0.0) + sum(w.get(f, 0.0) for f in feats)

    def copied(self, s: Sentence) -> Example | None:
        """The decided sentence this one copies: the one sharing the largest share (at least COPY) of the
        shorter one's runs of three words; the first such example on a tie."""
        overlap: dict[int, int] = {}
        for shingle in s.shingles:
            for i in self.copies.get(shingle, ()):
                overlap[i] = overlap.get(i, 0) + 1
        best = max(((count / min(len(s.shingles), len(self.examples[i].sentence.shingles)), -i)
                    for i, count in overlap.items()), default=None)
        return self.examples[-best[1]] if best and best[0] >= COPY else None

    def suggest(self, s: Sentence, tags: Sequence[str], compiled: Sequence[tuple[Cue, object]]) -> dict[str, str]:
        """Tag -> reason for every tag the model suggests for the sentence, in the order of ``tags``."""
        cued = cue_tags(s.hits, s.speaker, compiled, s.scene)
        copy = self.copied(s)
        out = {}
        for tag in tags:
            if copy is not None and (tag in copy.positive or tag in copy.negative):
                if tag in copy.positive:
                    out[tag] = cued.get(tag) or f"learned from your tags: the words of {copy.where} — {tag}"
            elif self.score(tag, s.features, _decision(tag, cued, compiled)) > 0:
                out[tag] = cued.get(tag) or self.reason(tag, s, compiled)
        return out

    def reason(self, tag: str, s: Sentence, compiled: Sequence[tuple[Cue, object]]) -> str:
        w = self.weights.get(tag, {})
        strongest = sorted((f for f in s.features if w.get(f, 0.0) > 0), key=lambda f: (-w[f], f))[:EXPLAIN]
        named = ", ".join(describe(f, s.speaker, compiled, s.scene) for f in strongest)
        return f"learned from your tags{': ' + named if named else ''} — {tag}"


def _decision(tag: str, cued: Iterable[str], compiled: Sequence[tuple[Cue, object]]) -> float:
    """The codebook's decision on a tag as a number: +1 suggested, -1 not, 0 when no cue is about the tag."""
    if tag in cued:
        return 1.0
    return -1.0 if any(c.tag == tag and c.weight > 0 for c, _ in compiled) else 0.0


def train(examples: Sequence[Example], tags: Sequence[str], compiled: Sequence[tuple[Cue, object]],
          pace: Pace | None = None) -> Model:
    """A model per tag from the examples that decide it (see the module's docstring)."""
    weights = {}
    for tag in tags:
        if pace is not None:
            pace()
        data = [(e.sentence.features, _decision(tag, e.cued, compiled), tag in e.positive)
                for e in examples if tag in e.positive or tag in e.negative]
        weights[tag] = _fit(data, pace) if data else {}
    copies: dict[str, list[int]] = {}
    for i, e in enumerate(examples):
        for shingle in () if e.passed else e.sentence.shingles:
            copies.setdefault(shingle, []).append(i)
    return Model(weights, list(examples), copies)


def _fit(data: list[tuple[tuple[str, ...], float, bool]], pace: Pace | None) -> dict[str, float]:
    """Logistic regression by AdaGrad, each weight pulled towards its prior (PRIOR for the codebook's
    decision, 0 for the rest); the features are numbered for speed."""
    index: dict[str, int] = {_CUES: 0, _BIAS: 1}
    rows = [(tuple(index.setdefault(f, len(index)) for f in feats), c, float(y)) for feats, c, y in data]
    w = [0.0] * len(index)
    w[0] = PRIOR
    g2 = [1e-18] * len(index)
    shrink = L2 / len(rows)
    sqrt, exp = math.sqrt, math.exp
    for _ in range(max(2, min(EPOCHS, EXAMPLE_STEPS // len(rows)))):
        for i, (ids, c, y) in enumerate(rows):
            if pace is not None and i % 64 == 0:
                pace()
            z = w[0] * c + w[1] + sum([w[j] for j in ids])
            error = (1.0 / (1.0 + exp(-z)) if z > -30.0 else 0.0) - y
            grad = error * c + shrink * (w[0] - PRIOR)
            g2[0] += grad * grad
            w[0] -= RATE * grad / sqrt(g2[0])
            for j in (1, *ids):
                grad = error + shrink * w[j]
                g2[j] += grad * grad
                w[j] -= RATE * grad / sqrt(g2[j])
    return {f: w[j] for f, j in index.items()}


def examples_of(sentences: Iterable[Sentence], tagged: dict[int, set[str]], dismissed: Iterable[tuple[int, str]],
                compiled: Sequence[tuple[Cue, object]], tags: Sequence[str], where: str) -> Iterator[Example]:
    """The decided sentences of one article: ``tagged`` is sentence n (1-based) -> the annotator's tags,
    ``dismissed`` (n, tag) for each dismissed suggestion; ``where`` names the article."""
    everything = frozenset(tags)
    last = max(tagged, default=0)
    refused: dict[int, set[str]] = {}
    for n, tag in dismissed:
        refused.setdefault(n, set()).add(tag)
    end = max(last, *refused, 0)
    for n, s in enumerate(sentences, 1):
        if n > end:
            return
        cued = frozenset(cue_tags(s.hits, s.speaker, compiled))
        positive, negative, passed = frozenset(), frozenset(refused.get(n, ())) & everything, False
        if n in tagged:
            positive = frozenset(tagged[n]) & everything
            negative = everything - positive
        elif n < last:  # passed over: no to every tag it was not suggested (a suggestion is refused by dismissing)
            negative, passed = negative | (everything - cued), n not in refused
        if positive or negative:
            yield Example(s, cued, positive, negative, f"sentence {n} of {where}", passed)


# --------------------------------------------------------------------------- from the database


@dataclass
class _Kept:
    """What is kept in memory between calls (the reader's worker threads and the main thread share it)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    sentences: dict[tuple, tuple[tuple, list[Sentence]]] = field(default_factory=dict)
    models: dict[tuple, tuple[tuple, Model]] = field(default_factory=dict)


_kept = _Kept()


def _remember(table: dict, key: tuple, value: tuple, size: Callable[[tuple], int], limit: int) -> None:
    with _kept.lock:
        table.pop(key, None)
        table[key] = value
        while len(table) > 1 and sum(size(v) for v in table.values()) > limit:
            del table[next(iter(table))]


def article_sentences(db: Database, article_id: int, compiled: Sequence[tuple[Cue, object]],
                      pace: Pace | None = None) -> Iterable[Sentence]:
    """The article's sentences as the learner sees them. Kept in memory (for its text and codebook), since
    training reads them again and again, unless the article is long: then made one at a time as read."""
    row = db.conn.execute("SELECT sha256 FROM articles WHERE id = ?", (article_id,)).fetchone()
    key, state = (db_path(db), article_id), (row[0] if row else None, tuple(c for c, _ in compiled))
    with _kept.lock:
        kept = _kept.sentences.get(key)
    if kept is not None and kept[0] == state:
        return kept[1]
    sentence_texts = texts(db, article_id)
    stored = sentence_speakers(db, article_id)
    made = iter_sentences(sentence_texts, [stored.get(n) for n in range(1, len(sentence_texts) + 1)],
                          [p for _, _, p in spans(db, article_id)], compiled, pace)
    if len(sentence_texts) > KEPT_ARTICLE:
        return made
    out = list(made)
    _remember(_kept.sentences, key, (state, out), lambda v: len(v[1]), KEPT_SENTENCES)
    return out


def _articles(db: Database, annotator: str) -> list[int]:
    """The articles the annotator has tags in, those of their most recent actions first (read at once:
    attributing speakers on the way writes)."""
    recent = db.conn.execute(
        """SELECT a.article_id FROM actions c JOIN events e ON e.action_id = c.id
           JOIN annotations a ON a.id = e.annotation_id
           WHERE c.annotator = ? AND c.undone_at IS NULL AND a.annotator = ? AND a.tag IS NOT NULL
             AND a.status = 'ok' ORDER BY c.id DESC, e.id LIMIT ?""", (annotator, annotator, MAX_EXAMPLES)).fetchall()
    rest = db.conn.execute("SELECT article_id FROM progress WHERE annotator = ? AND tag = '' AND sentences > 0"
                           " ORDER BY article_id DESC", (annotator,)).fetchall()
    return list(dict.fromkeys(article_id for (article_id,) in recent + rest))


def gather(db: Database, annotator: str, compiled: Sequence[tuple[Cue, object]], tags: Sequence[str],
           pace: Pace | None = None) -> list[Example]:
    """The annotator's decided sentences (at most MAX_EXAMPLES), in a fixed order."""
    out: list[Example] = []
    for article_id in _articles(db, annotator):
        if pace is not None:
            pace()
        tagged: dict[int, set[str]] = {}
        for n, tag in db.conn.execute("SELECT sentence, tag FROM annotations WHERE article_id = ? AND annotator = ?"
                                      " AND tag IS NOT NULL AND status = 'ok'", (article_id, annotator)):
            tagged.setdefault(n, set()).add(tag)
        refused = set(db.conn.execute("SELECT exact, tag FROM suggestions WHERE article_id = ? AND status = 'dismissed'",
                                      (article_id,)))  # by text, as store.suggest keeps them (also detached)
        dismissed = [(n, tag) for n, text in enumerate(texts(db, article_id) if refused else (), 1)
                     for exact, tag in refused if text == exact]
        file = db.conn.execute("SELECT file FROM articles WHERE id = ?", (article_id,)).fetchone()[0]
        if pace is not None:
            pace()
        for example in examples_of(article_sentences(db, article_id, compiled, pace), tagged, dismissed, compiled,
                                   tags, file):
            if pace is not None and len(out) % 64 == 0:
                pace()
            out.append(example)
            if len(out) == MAX_EXAMPLES:
                return out
    return out


def fingerprint(db: Database, annotator: str) -> tuple:
    """Changes whenever the annotator's tags or anyone's dismissals do: their newest action and their undone
    actions still on the redo chain, the newest annotation (an import or merge adds some without an action),
    and what is dismissed (by text and tag: storing suggestions rewrites the rows, and detaches a dismissal
    from its sentence number when the sentence is no longer suggested the tag)."""
    dismissed = hashlib.sha256()
    for row in db.conn.execute("SELECT DISTINCT article_id, tag, exact FROM suggestions WHERE status = 'dismissed'"
                               " ORDER BY article_id, tag, exact"):
        dismissed.update(repr(row).encode())
    return (db.conn.execute("SELECT max(id) FROM actions WHERE annotator = ?", (annotator,)).fetchone(),
            db.conn.execute("SELECT count(*) FROM actions WHERE annotator = ? AND undone_at IS NOT NULL"
                            " AND discarded_at IS NULL", (annotator,)).fetchone(),
            db.conn.execute("SELECT max(id) FROM annotations").fetchone(), dismissed.hexdigest())


def model_for(db: Database, annotator: str, compiled: Sequence[tuple[Cue, object]], tags: Sequence[str],
              pace: Pace | None = None, train_now: bool = True) -> Model | None:
    """The annotator's model, None while they have decided on nothing. Trained now unless the one kept in
    memory was trained on the same decisions; with ``train_now`` False the kept one is used as it is (None
    if there is none for this codebook and these tags)."""
    if not has_table(db, "progress") or not has_table(db, "suggestions"):
        return None
    key, setup = (db_path(db), annotator), (tuple(c for c, _ in compiled), tuple(tags))
    with _kept.lock:
        kept = _kept.models.get(key)
    usable = kept is not None and kept[0][1:] == setup
    if not train_now:
        return kept[1] if usable and kept[1].examples else None
    state = (fingerprint(db, annotator), *setup)
    if usable and kept[0] == state:
        model = kept[1]
    else:
        model = train(gather(db, annotator, compiled, tags, pace), tags, compiled, pace)
        _remember(_kept.models, key, (state, model), lambda v: 1, KEPT_MODELS)
    return model if model.examples else None
