"""General read queries: the codebook, the article list, finding an article, one article's view, progress."""

from __future__ import annotations

import re
from array import array
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from store.db import Database, StoreError, write

if TYPE_CHECKING:  # imported where used: the library screen starts without them
    from store.speakers import Speaker
    from store.suggest import Suggestion


class Tag(NamedTuple):  # NamedTuples, not frozen dataclasses, here: this module is on the start-up path
    name: str
    key: str
    colour: str
    description: str

    @property
    def letter(self) -> str:
        """The gutter letter: the key in capitals, so tags never rely on colour alone."""
        return self.key.upper()


class ArticleSummary(NamedTuple):
    """One library row. A tuple, not a dataclass: the library makes one per article at start-up,
    and a frozen dataclass takes five times as long to build."""

    id: int
    file: str
    title: str
    n_sentences: int
    status: str
    counts: dict[str, int]  # tag -> tagged sentences
    annotated: int  # sentences with at least one tag

    @property
    def progress(self) -> float:
        return self.annotated / self.n_sentences if self.n_sentences else 0.0


class SentenceView(NamedTuple):
    n: int
    para: int
    start: int
    end: int


class Sentences(Sequence):
    """An article's sentences in order (sentence n at index n - 1), stored as columns.

    A 1 MB article has about 12,000 sentences: three arrays of integers cost a fraction
    of the time and memory of 12,000 objects (which the garbage collector would also walk),
    and the reader's layout loops over the columns directly. Items are made on demand.
    """

    __slots__ = ("paras", "starts", "ends")

    def __init__(self, spans: list[list[int]]) -> None:
        """``spans``: [start, end, para] of sentences 1, 2, ... in order (``store.sentences.spans``)."""
        starts, ends, paras = zip(*spans) if spans else ((), (), ())
        self.paras, self.starts, self.ends = array("q", paras), array("q", starts), array("q", ends)

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        return SentenceView(i + 1, self.paras[i], self.starts[i], self.ends[i])

    def __iter__(self) -> Iterator[SentenceView]:
        return map(SentenceView, range(1, len(self) + 1), self.paras, self.starts, self.ends)


@dataclass
class AnnotatedArticle:
    """One article as the reader and ``show`` need it, for one annotator."""

    id: int
    file: str
    title: str
    text: str
    sentences: Sentences
    tags: dict[int, set[str]] = field(default_factory=dict)  # sentence n -> tag names
    notes: dict[int, str] = field(default_factory=dict)  # sentence n -> note
    orphans: int = 0
    status: str = "ok"  # "missing" once the file has gone from disk
    speakers: dict[int, Speaker] = field(default_factory=dict)  # sentence n -> who speaks it (name, role, quoted)
    # sentence n -> the open suggestions the annotator has not acted on, as last stored by
    # store.suggest.suggest (call that first to refresh them); each has a tag and a reason.
    suggestions: dict[int, list[Suggestion]] = field(default_factory=dict)

    def sentence_text(self, n: int) -> str:
        s = self.sentences[n - 1]
        return self.text[s.start:s.end]


NO_KEY = "·"  # shown, and bound to nothing, for a key store.codebook.check_key would refuse
NO_COLOUR = "#888888"
_KEY_RE = re.compile(r"[a-z0-9]")
_COLOUR_RE = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")


def tags(db: Database) -> list[Tag]:
    """The codebook in order. Keys and colours only enter through ``store.codebook``'s checks, but a
    crafted or old database can hold anything: such a key or colour is replaced, never shown or styled."""
    return [Tag(name, key if _KEY_RE.fullmatch(key or "") else NO_KEY,
                colour if _COLOUR_RE.fullmatch(colour or "") else NO_COLOUR, description)
            for name, key, colour, description in db.conn.execute(
                "SELECT name, key, colour, description FROM tags ORDER BY position, name")]


def _annotator_filter(annotator: str | None) -> tuple[str, tuple]:
    return (" AND annotator = ?", (annotator,)) if annotator else ("", ())


def list_articles(db: Database, annotator: str | None = None, query: str | None = None,
                  limit: int | None = None) -> list[ArticleSummary]:
    """Every article (optionally only those matching ``query`` in title or text, or only the first
    ``limit``), with tag counts, in file order."""
    where, params = "", ()
    if query:
        ids = search_articles(db, query)
        where = f"WHERE a.id IN ({', '.join(map(str, ids)) or 'NULL'})"
    articles = db.conn.execute(
        f"SELECT a.id, a.file, a.title, a.n_sentences, a.status FROM articles a {where} ORDER BY a.file, a.id"
        + (f" LIMIT {int(limit)}" if limit is not None else ""), params).fetchall()
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    annotated: dict[int, int] = {}
    if annotator and limit is not None:  # a first page: its articles' counters, by primary key
        rows = db.conn.execute(
            f"SELECT article_id, tag, sentences FROM progress WHERE article_id IN ({', '.join('?' * len(articles))})"
            " AND annotator = ? AND sentences > 0", [a[0] for a in articles] + [annotator])
    elif annotator:  # the library: from the trigger-kept `progress` counters, never a scan
        rows = db.conn.execute("SELECT article_id, tag, sentences FROM progress WHERE annotator = ? AND sentences > 0",
                               (annotator,))
    else:  # `pressmark list`: a sentence two annotators tagged counts once, which needs the annotations
        rows = db.conn.execute(
            """SELECT article_id, tag, count(DISTINCT sentence) FROM annotations WHERE tag IS NOT NULL AND status = 'ok'
               GROUP BY article_id, tag
               UNION ALL
               SELECT article_id, '', count(DISTINCT sentence) FROM annotations WHERE tag IS NOT NULL AND status = 'ok'
               GROUP BY article_id""")
    for article_id, tag, count in rows:
        if tag:
            counts[article_id][tag] = count
        else:
            annotated[article_id] = count
    return [ArticleSummary(aid, file, title, n, status, counts.get(aid, {}), annotated.get(aid, 0))
            for aid, file, title, n, status in articles]


def count_articles(db: Database) -> int:
    return db.conn.execute("SELECT count(*) FROM articles").fetchone()[0]


def fts_query(text: str) -> str:
    """Turn what a user typed into a safe FTS5 query: every word must match, as a prefix."""
    words = [w.replace('"', '""') for w in text.split()]
    return " ".join(f'"{w}"*' for w in words)


def search_articles(db: Database, text: str) -> list[int]:
    """Ids of articles whose title or file name contains ``text`` (any case) or whose sentences match it (FTS)."""
    ids = {r[0] for r in db.conn.execute(
        "SELECT id FROM articles WHERE instr(lower(title), lower(?1)) OR instr(lower(file), lower(?1))", (text,))}
    if match := fts_query(text):
        from store.derived.search import search_matches  # indexes what sync added or changed since the last search

        ids.update(search_matches(db, match))
    return sorted(ids)


def resolve_article(db: Database, ref: str) -> int:
    """The id of the article ``ref`` names: an id, a file name, or an unambiguous prefix of either."""
    ref = ref.strip()
    rows = db.conn.execute("SELECT id, file FROM articles ORDER BY file").fetchall()
    basename = {aid: file.rsplit("/", 1)[-1] for aid, file in rows}
    for exact in (
        [aid for aid, _ in rows if str(aid) == ref],
        [aid for aid, file in rows if file == ref or ref.endswith("/" + file)],
        [aid for aid, _ in rows if basename[aid] == ref],
    ):
        if len(exact) == 1:
            return exact[0]
    matches = [(aid, file) for aid, file in rows
               if str(aid).startswith(ref) or file.startswith(ref) or basename[aid].startswith(ref)]
    if len(matches) == 1:
        return matches[0][0]
    if not matches:
        hint = f"; try one of: {', '.join(f for _, f in rows[:5])}" if rows else "; run `pressmark sync` first"
        raise StoreError(f"no article matches {ref!r}{hint}")
    shown = ", ".join(f"{aid}: {file}" for aid, file in matches[:10])
    more = f" and {len(matches) - 10} more" if len(matches) > 10 else ""
    raise StoreError(f"{ref!r} matches {len(matches)} articles: {shown}{more}")


def article_view(db: Database, article_id: int, annotator: str | None) -> AnnotatedArticle:
    """The article's text, sentences, and ``annotator``'s tags and notes (everyone's if None)."""
    from store.sentences import spans

    row = db.conn.execute("SELECT id, file, title, text, status FROM articles WHERE id = ?",
                          (article_id,)).fetchone()
    if row is None:
        raise StoreError(f"no article with id {article_id}")
    view = AnnotatedArticle(*row[:4], status=row[4], sentences=Sentences(spans(db, article_id)))
    ann_sql, ann_params = _annotator_filter(annotator)
    for n, tag, note, status in db.conn.execute(
        f"SELECT sentence, tag, note, status FROM annotations WHERE article_id = ?{ann_sql}",
        (article_id, *ann_params)):
        if status != "ok":
            view.orphans += 1
        elif tag is not None:
            view.tags.setdefault(n, set()).add(tag)
        else:
            view.notes[n] = note if n not in view.notes else f"{view.notes[n]}\n{note}"
    from store.derived.speakers import sentence_speakers
    from store.suggest import suggestions_by_sentence

    view.speakers = sentence_speakers(db, article_id)  # attributes the article on its first opening
    if annotator:
        view.suggestions = suggestions_by_sentence(db, article_id, annotator)
    return view


def sentence_annotations(db: Database, article_id: int, n: int, annotator: str) -> tuple[set[str], str | None]:
    """``annotator``'s tags and note on one sentence, straight from the database."""
    tags, note = set(), None
    for tag, text in db.conn.execute(
        "SELECT tag, note FROM annotations WHERE article_id = ? AND sentence = ? AND annotator = ? AND status = 'ok'",
        (article_id, n, annotator)):
        if tag is None:
            note = text
        else:
            tags.add(tag)
    return tags, note


def article_file(db: Database, article_id: int) -> str:
    row = db.conn.execute("SELECT file FROM articles WHERE id = ?", (article_id,)).fetchone()
    return row[0] if row else f"article {article_id}"


def article_meta(db: Database, article_id: int) -> dict:
    """What the article's file says of itself: every key of its front matter as written (values are JSON
    types, strings cleaned like the text), or for a web page the title, author, date (YYYY-MM-DD), source
    (the site's name) and url found in it; {} when there is nothing (or no such article)."""
    import json

    row = db.conn.execute("SELECT meta FROM articles WHERE id = ?", (article_id,)).fetchone()
    return json.loads(row[0]) if row and row[0] else {}


def progress_by_annotator(db: Database) -> list[tuple[str, int, int]]:
    """(annotator, articles with a tag, sentences tagged) for everyone, from the progress counters."""
    return db.conn.execute(
        """SELECT annotator, count(*), sum(sentences) FROM progress WHERE tag = '' AND sentences > 0
           GROUP BY annotator ORDER BY annotator""").fetchall()


def skipped_files(db: Database) -> list[tuple[str, str]]:
    """(file, reason) for every file the last sync of its folder could not import."""
    return db.conn.execute("SELECT file, reason FROM skipped ORDER BY file").fetchall()


def last_position(db: Database, article_id: int, annotator: str) -> int:
    row = db.conn.execute("SELECT sentence FROM positions WHERE article_id = ? AND annotator = ?",
                          (article_id, annotator)).fetchone()
    return row[0] if row else 1


def save_position(db: Database, article_id: int, annotator: str, sentence: int) -> None:
    with write(db):
        db.conn.execute("INSERT OR REPLACE INTO positions (article_id, annotator, sentence) VALUES (?, ?, ?)",
                        (article_id, annotator, sentence))


class AnnotatorProgress(NamedTuple):
    """How far one annotator has got: for the library and `pressmark annotators`."""

    annotator: str
    articles: int  # articles with at least one placed annotation (tag or note) of theirs
    sentences: int  # distinct sentences they tagged
    tags: int  # tag rows (a sentence with two tags counts twice)
    notes: int
    orphans: int  # their annotations that lost their place when an article changed
    last: str | None  # their latest change (updated_at)
    per_article: dict[int, int]  # article id -> sentences they tagged there (0: only notes)


def annotator_progress(db: Database) -> list[AnnotatorProgress]:
    """Progress per annotator, by name; sentences of an article tagged per annotator in ``per_article``."""
    per_article: dict[str, dict[int, int]] = defaultdict(dict)
    for annotator, article_id, tagged in db.conn.execute(
        """SELECT annotator, article_id, count(DISTINCT CASE WHEN tag IS NOT NULL THEN sentence END)
           FROM annotations WHERE status = 'ok' GROUP BY annotator, article_id"""):
        per_article[annotator][article_id] = tagged
    out = []
    for annotator, sentences, tag_rows, notes, orphans, last in db.conn.execute(
        """SELECT annotator,
                  count(DISTINCT CASE WHEN tag IS NOT NULL AND status = 'ok' THEN article_id || ':' || sentence END),
                  sum(tag IS NOT NULL AND status = 'ok'), sum(tag IS NULL AND status = 'ok'),
                  sum(status != 'ok'), max(updated_at)
           FROM annotations GROUP BY annotator ORDER BY annotator"""):
        articles = per_article.get(annotator, {})
        out.append(AnnotatorProgress(annotator, len(articles), sentences, tag_rows, notes, orphans, last, articles))
    return out


def others_tags(db: Database, article_id: int, annotator: str) -> dict[int, list[tuple[str, list[str]]]]:
    """Everyone else's tags on the article: sentence -> [(annotator, tags in codebook order)]."""
    order = {t.name: i for i, t in enumerate(tags(db))}
    found: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for n, who, tag in db.conn.execute(
            "SELECT sentence, annotator, tag FROM annotations WHERE article_id = ? AND annotator != ?"
            " AND tag IS NOT NULL AND status = 'ok' ORDER BY annotator", (article_id, annotator)):
        found[n][who].append(tag)
    return {n: [(who, sorted(names, key=lambda t: (order.get(t, len(order)), t))) for who, names in by.items()]
            for n, by in found.items()}

