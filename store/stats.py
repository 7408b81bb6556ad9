"""The corpus at a glance: the numbers behind the overview screen and ``pressmark stats``.

Five measures, each a plain function of the database returning small rows:

* :func:`tags_per_article`: sentences tagged with each tag, per article (every coder: a sentence two
  coders tagged counts once, as ``pressmark list`` counts);
* :func:`tags_per_tag`: the same per tag over the corpus, with the tag rows and coders behind it;
* :func:`tags_by_speaker`: who made the findings, who responded, who committed (``store.speakers``, so
  the annotated articles are attributed first: stored, once per text);
* :func:`coder_progress`: each coder's annotations (tags and notes) per day, from ``created_at``;
* :func:`reuse`: every article against its likeliest source (``store.align.sources``, whose alignments
  are cached in the database as the side-by-side view caches them).

:func:`table` turns any of them into columns and rows, for CSV, JSON and the charts alike.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from store.db import Database

Progress = Callable[[int, int], None]  # (done, to do)

NO_SPEAKER = "(no speaker)"  # the sentences nobody is reported as saying: narration, documents' findings


@dataclass(frozen=True, slots=True)
class ArticleTags:
    article_id: int
    file: str
    title: str
    counts: dict[str, int]  # tag -> sentences tagged with it (only tags used)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True, slots=True)
class TagUse:
    tag: str
    sentences: int  # distinct sentences tagged with it, by anyone
    rows: int  # tag rows: a sentence two coders tagged counts twice
    articles: int
    coders: int


@dataclass(frozen=True, slots=True)
class SpeakerTags:
    speaker: str  # NO_SPEAKER for sentences with none
    counts: dict[str, int]  # tag -> sentences of theirs tagged with it

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True, slots=True)
class CoderDay:
    annotator: str
    day: str  # YYYY-MM-DD (UTC), the first ten characters of created_at
    annotations: int  # made that day and still there (tags and notes)
    total: int  # the coder's running total up to and including that day


@dataclass(frozen=True, slots=True)
class StoryReuse:
    article_id: int
    file: str
    title: str
    source_id: int
    source_file: str
    copied: float  # share of the article found in the source (exact, or a shingle estimate)
    used: float  # share of the source found in the article
    exact: bool
    pairs: int | None  # aligned sentence pairs, when exact


def codebook_order(db: Database, used: set[str] = frozenset()) -> list[str]:
    """The codebook's tag names in order, then any other tag in ``used`` (imported ones) by name."""
    names = [name for (name,) in db.conn.execute("SELECT name FROM tags ORDER BY position, name")]
    return names + sorted(used - set(names))


def tags_per_article(db: Database) -> list[ArticleTags]:
    """Every article that has a tag, in file order."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for article_id, tag, n in db.conn.execute(
            """SELECT article_id, tag, count(DISTINCT sentence) FROM annotations
               WHERE tag IS NOT NULL AND status = 'ok' GROUP BY article_id, tag"""):
        counts[article_id][tag] = n
    order = codebook_order(db, {t for c in counts.values() for t in c})
    return [ArticleTags(aid, file, title, {t: counts[aid][t] for t in order if t in counts[aid]})
            for aid, file, title in db.conn.execute("SELECT id, file, title FROM articles ORDER BY file, id")
            if aid in counts]


def tags_per_tag(db: Database) -> list[TagUse]:
    """Every tag of the codebook (used or not) and every other tag in use, in codebook order."""
    used = {tag: TagUse(tag, *rest) for tag, *rest in db.conn.execute(
        """SELECT tag, count(DISTINCT article_id || ':' || sentence), count(*), count(DISTINCT article_id),
                  count(DISTINCT annotator)
           FROM annotations WHERE tag IS NOT NULL AND status = 'ok' GROUP BY tag""")}
    return [used.get(tag) or TagUse(tag, 0, 0, 0, 0) for tag in codebook_order(db, set(used))]


def tags_by_speaker(db: Database, progress: Progress | None = None) -> list[SpeakerTags]:
    """The speakers of tagged sentences, most tagged first (ties by name), NO_SPEAKER last.

    Attributes the annotated articles whose speakers are not stored yet (``progress`` reports that catch-up;
    in a read-only database they are attributed in memory)."""
    from store.derived.speakers import ensure_speakers, sentence_speakers

    ensure_speakers(db, annotated=True, progress=progress)
    tagged: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for article_id, sentence, tag in db.conn.execute(
            """SELECT DISTINCT article_id, sentence, tag FROM annotations
               WHERE tag IS NOT NULL AND status = 'ok' ORDER BY article_id, sentence"""):
        tagged[article_id].append((sentence, tag))
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for article_id, rows in tagged.items():
        speakers = sentence_speakers(db, article_id)
        for sentence, tag in rows:
            speaker = speakers.get(sentence)
            counts[speaker.name if speaker else NO_SPEAKER][tag] += 1
    order = codebook_order(db, {t for c in counts.values() for t in c})
    found = [SpeakerTags(name, {t: c[t] for t in order if t in c}) for name, c in counts.items()]
    return sorted(found, key=lambda s: (s.speaker == NO_SPEAKER, -s.total, s.speaker))


def coder_progress(db: Database) -> list[CoderDay]:
    """Per coder (by name) and day (in order): the annotations made that day and the running total."""
    out: list[CoderDay] = []
    running: dict[str, int] = defaultdict(int)
    for annotator, day, n in db.conn.execute(
            """SELECT annotator, substr(created_at, 1, 10) AS day, count(*) FROM annotations
               WHERE status = 'ok' GROUP BY annotator, day ORDER BY annotator, day"""):
        running[annotator] += n
        out.append(CoderDay(annotator, day, n, running[annotator]))
    return out


def reuse(db: Database, progress: Progress | None = None) -> list[StoryReuse]:
    """Every article that shares a passage with another, against the one with the largest share of it, in
    file order. ``progress(done, total)`` counts articles (the first call after a sync also indexes)."""
    from store.derived.shingles import sources

    articles = db.conn.execute("SELECT id, file, title FROM articles ORDER BY file, id").fetchall()
    out = []
    for done, (article_id, file, title) in enumerate(articles, 1):
        found = sources(db, article_id, limit=1)
        if found:
            s = found[0]
            out.append(StoryReuse(article_id, file, title, s.id, s.file, s.b_from_a, s.a_used_by_b, s.exact, s.pairs))
        if progress:
            progress(done, len(articles))
    return out


@dataclass(frozen=True, slots=True)
class Table:
    """One measure as rows of plain values (str, int, float, bool or None): ``head`` columns, then one
    column per tag in ``tags`` (a tag's name may be anything, even another column's), then ``tail``."""

    name: str
    title: str
    head: list[str]
    tags: list[str]
    tail: list[str]
    rows: list[list]

    @property
    def columns(self) -> list[str]:
        return [*self.head, *self.tags, *self.tail]

    def records(self) -> list[dict]:
        """The rows as objects, the tag counts under ``"tags"`` (so no tag name can hide a column)."""
        h, t = len(self.head), len(self.tags)
        return [{**dict(zip(self.head, row)), **({"tags": dict(zip(self.tags, row[h:h + t]))} if self.tags else {}),
                 **dict(zip(self.tail, row[h + t:]))} for row in self.rows]


CHARTS = {  # name -> title, in the order the overview shows them
    "articles": "Tagged sentences per article",
    "tags": "Tagged sentences per tag",
    "speakers": "Tags by speaker",
    "progress": "Each coder's progress",
    "reuse": "Reuse of each article's likeliest source",
}


def table(db: Database, name: str, progress: Progress | None = None) -> Table:
    """The measure ``name`` (a key of CHARTS) as a Table."""
    if name == "articles":
        found = tags_per_article(db)
        tags = codebook_order(db, {t for a in found for t in a.counts})
        rows = [[a.file, a.title, *(a.counts.get(t, 0) for t in tags), a.total] for a in found]
        return Table(name, CHARTS[name], ["file", "title"], tags, ["total"], rows)
    if name == "tags":
        rows = [[u.tag, u.sentences, u.rows, u.articles, u.coders] for u in tags_per_tag(db)]
        return Table(name, CHARTS[name], ["tag", "sentences", "tag_rows", "articles", "coders"], [], [], rows)
    if name == "speakers":
        found = tags_by_speaker(db, progress)
        tags = codebook_order(db, {t for s in found for t in s.counts})
        rows = [[s.speaker, *(s.counts.get(t, 0) for t in tags), s.total] for s in found]
        return Table(name, CHARTS[name], ["speaker"], tags, ["total"], rows)
    if name == "progress":
        rows = [[d.annotator, d.day, d.annotations, d.total] for d in coder_progress(db)]
        return Table(name, CHARTS[name], ["annotator", "day", "annotations", "total"], [], [], rows)
    if name == "reuse":
        rows = [[r.file, r.title, r.source_file, round(r.copied, 4), round(r.used, 4), r.exact, r.pairs]
                for r in reuse(db, progress)]
        return Table(name, CHARTS[name], ["file", "title", "source", "copied", "used", "exact", "pairs"], [], [],
                     rows)
    raise ValueError(f"no chart named {name!r}")
