"""What every format module shares: the export rows read from the database, the import report, and
finding the local article an imported record refers to. See store/formats/__init__.py for the registry."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from store.db import Database, has_table
from store.export import ExportFilter
from store.merge import LISTED, ApplyReport, match_article
from store.sentences import spans

# The fields of an annotation row, as the JSONL and W3C writers read them.
ROW = ("sentence", "start", "end", "exact", "prefix", "suffix", "tag", "note", "annotator",
       "created_at", "updated_at", "status")


# --------------------------------------------------------------------------- reading the database for an export


def row_filters(flt: ExportFilter) -> tuple[str, list]:
    sql, params = flt.article_sql("a.article_id"), []
    if flt.annotator is not None:
        sql += " AND a.annotator = ?"
        params.append(flt.annotator)
    return sql, params


def annotated_articles(db: Database, flt: ExportFilter) -> list[tuple]:
    """(id, file, title, source, date, sha256, status) of the articles with annotations passing ``flt``."""
    sql, params = row_filters(flt)
    if flt.tag is not None:
        sql += " AND a.tag = ?"
        params.append(flt.tag)
    return db.conn.execute(
        f"""SELECT id, file, title, source, date, sha256, status FROM articles WHERE id IN (
                SELECT DISTINCT a.article_id FROM annotations a WHERE 1 = 1{sql})
            ORDER BY file, id""", params).fetchall()


def article_rows(db: Database, article_id: int, flt: ExportFilter) -> tuple[list[dict], list[dict]]:
    """The article's tag rows and note rows passing ``flt``, in export order.

    With a tag filter, only the notes on the sentences of the rows kept (same
    annotator and status) come along, as in the CSV export.
    """
    sql, params = row_filters(ExportFilter(annotator=flt.annotator))
    found = [dict(zip(ROW, r)) for r in db.conn.execute(
        f"""SELECT a.sentence, a.start, a."end", a.exact, a.prefix, a.suffix, a.tag, a.note, a.annotator,
                   a.created_at, a.updated_at, a.status
            FROM annotations a LEFT JOIN tags tg ON tg.name = a.tag
            WHERE a.article_id = ?{sql}
            ORDER BY a.status, a.start, a."end", a.sentence, a.annotator, ifnull(tg.position, -1), a.tag""",
        [article_id, *params])]
    tags = [r for r in found if r["tag"] is not None and (flt.tag is None or r["tag"] == flt.tag)]
    notes = [r for r in found if r["tag"] is None]
    if flt.tag is not None:
        keep = {(r["sentence"], r["annotator"], r["status"]) for r in tags}
        notes = [r for r in notes if (r["sentence"], r["annotator"], r["status"]) in keep]
    return tags, notes


def speaker_spans(db: Database, article_id: int) -> list[dict] | None:
    """The article's speaker attribution (``sentence_speakers``, issue 8; attributed now if it was not
    yet, see ``store.derived``); None before that schema."""
    from store.derived.speakers import sentence_speakers

    if not has_table(db, "sentence_speakers"):
        return None
    by_sentence = sentence_speakers(db, article_id)
    out = []
    for n, (start, end, _) in enumerate(spans(db, article_id), 1):
        if (sp := by_sentence.get(n)) is None:
            continue
        item = {"sentence": n, "start": start, "end": end, "speaker": sp.name}
        if sp.role is not None:
            item["speaker_role"] = sp.role
        item["quoted"] = bool(sp.quoted)
        out.append(item)
    return out


def article_metadata(db: Database, article_id: int) -> dict:
    """What the formats carry about an article beside its file, title and hash: its ``source`` and ``date``.
    The seam for the front matter kept at sync (issue 18, "In"): once ``store.queries`` gives an article's
    metadata, every key of it comes through here, into every format that writes metadata."""
    source, date = db.conn.execute("SELECT source, date FROM articles WHERE id = ?", (article_id,)).fetchone()
    return {"source": source, "date": date}


def article_text(db: Database, article_id: int) -> str:
    return db.conn.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()[0]


# --------------------------------------------------------------------------- importing


@dataclass
class ImportReport(ApplyReport):
    source: str = ""
    format: str = ""
    articles_matched: int = 0
    articles_unknown: list[str] = field(default_factory=list)  # the first LISTED articles of the file not here
    unknown: int = 0  # how many articles of the file are not in this database


# Each reader yields (local article id, row, where in the file) for the rows of articles found here, and
# reports each row it cannot use (ImportReport.skip) with where it is. A file it cannot read raises StoreError.
Records = Iterator[tuple[int, dict, str]]


class ArticleFinder:
    """Finds (and caches) the local article an imported record refers to."""

    def __init__(self, db: Database, report: ImportReport):
        self.db, self.report = db, report
        self.cache: dict[tuple, int | None] = {}

    def find(self, *, sha256: str | None = None, file: str | None = None, title: str | None = None,
             quotes: Iterable[str] = ()) -> int | None:
        key = (sha256, file, title)
        if key not in self.cache:
            if len(self.cache) >= 10_000:
                self.cache.clear()  # bound the memory: a file may name any number of articles
            found = match_article(self.db, sha256=sha256, file=file, title=title)
            article_id = found[0] if found else self._by_quotes(quotes)
            self.cache[key] = article_id
            if article_id is None:
                self.report.unknown += 1
                if len(self.report.articles_unknown) < LISTED:
                    self.report.articles_unknown.append((file or (f"urn:sha256:{sha256}" if sha256 else "?"))[:200])
            else:
                self.report.articles_matched += 1
        return self.cache[key]

    def _by_quotes(self, quotes: Iterable[str]) -> int | None:
        """The article containing the most of (up to five of) ``quotes`` -- W3C's fallback when the text changed."""
        votes: dict[int, int] = defaultdict(int)
        for quote in [q for q in dict.fromkeys(quotes) if len(q) >= 20][:5]:
            for (article_id,) in self.db.conn.execute("SELECT id FROM articles WHERE instr(text, ?) > 0", (quote,)):
                votes[article_id] += 1
        if not votes:
            return None
        best = max(votes.values())
        winners = sorted(a for a, v in votes.items() if v == best)
        return winners[0] if len(winners) == 1 else None


