"""Merging other pressmark databases (and, through :class:`Applier`, imported files) into this one.

How articles are matched: by content hash (``sha256`` of the stored text)
first; failing that by file name (the same root and file, else the one
article with that file name, else the one with the same title too, else the
oldest). A matched article whose text differs has the incoming annotations
re-anchored by quote, prefix and suffix (``store.anchor``); those that find no
place are kept as orphans and reported. An article found nowhere is added
with its text, title and the other database's root, segmented into sentences
here exactly as ``sync`` does.

How annotations are merged (the same for ``import``): a row belongs to its
annotator, and the key of a placed row is (article, sentence, annotator, tag)
-- or the note row of that sentence and annotator. Rows of other annotators are
never touched. A tag row whose key exists is the same annotation (a tag has no
content beyond its key), so it is left unchanged. A note whose key exists with
a different text is a *conflict*: the newer ``updated_at`` wins (ours on a tie)
and every conflict is reported, whichever side won. An orphan is the same
annotation as a local row with the same article, annotator, tag, ``created_at``
and quote. So merging twice adds nothing. Merging is a union: a tag the same
annotator deleted in one database and still has in another comes back.

Each merged database is one transaction and one logged action (label
``merge <file>``) recorded under the person who ran the merge: the event log
keeps every row it added or changed, and that person's undo takes the whole
merge back in one step (articles it added stay, without annotations).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from store.anchor import ANCHOR_CONTEXT, SentenceFinder
from store.cleaning import clean
from store.db import (
    Database,
    StoreError,
    check_intact,
    connect,
    db_path,
    is_readonly,
    now,
    write,
)
from store.events import COLUMNS, Recorder, annotation_row
from store.files import safe_name
from store.segment import Sentence, segment
from store.sentences import encode, save
from store.untrusted import string, whole

LISTED = 20  # rows not applied that a report lists one by one (all are counted)
ROW_FIELDS = ("sentence", "start", "end", "exact", "prefix", "suffix", "tag", "note",
              "annotator", "created_at", "updated_at", "status")


@dataclass(frozen=True, slots=True)
class Conflict:
    """Two versions of one annotator's note on one sentence."""

    file: str
    sentence: int
    annotator: str
    ours: str
    theirs: str
    kept: str  # "ours" or "theirs": the newer updated_at


@dataclass
class ApplyReport:
    """What applying incoming annotation rows did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    orphans: Counter = field(default_factory=Counter)  # file -> rows added as orphans
    tags_added: list[tuple[str, str]] = field(default_factory=list)  # (tag, key) added to the codebook
    skipped: Counter = field(default_factory=Counter)  # reason -> rows not applied
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (where, why): the first LISTED rows of a file
    action_id: int | None = None

    @property
    def orphaned(self) -> int:
        return sum(self.orphans.values())

    def skip(self, reason: str, where: str | None = None) -> None:
        """Count a row that cannot be used; list it with ``where`` it is in its file (the first ``LISTED``).

        Memory stays bounded whatever the file: reasons are cut short, and past ``LISTED`` different
        reasons (a file of made-up tag names) the rest are counted together."""
        reason = reason if len(reason) <= 200 else reason[:199] + "…"
        if reason not in self.skipped and len(self.skipped) >= LISTED:
            reason = "other reasons"
        self.skipped[reason] += 1
        if where is not None and len(self.rejected) < LISTED:
            self.rejected.append((where, reason))


@dataclass
class MergeReport(ApplyReport):
    source: str = ""
    articles_added: list[str] = field(default_factory=list)
    articles_matched: int = 0
    articles_reanchored: list[str] = field(default_factory=list)  # matched by name, text differs


def _one_line(text: object) -> str:
    """Cleaned, on one line, trimmed (inner spaces kept, so names stay the names they were)."""
    return re.sub(r"\s", " ", clean(str(text or ""))).strip()


def _typed(row: dict) -> dict:
    """``row``'s fields, each checked for its type and range and cleaned; ValueError saying what is wrong.
    (Numbers must be integers already: the CSV reader converts its digits.)"""
    sentence = row.get("sentence")
    out = {"sentence": None if sentence is None or sentence == "" else whole(sentence, "sentence", 1),
           "start": whole(row.get("start"), "start", 0), "end": whole(row.get("end"), "end", 0)}
    if out["end"] < out["start"]:
        raise ValueError("end is before start")
    for name in ("exact", "prefix", "suffix"):
        out[name] = string(row.get(name), name) or ""
    out["tag"] = _one_line(string(row.get("tag"), "tag")) or None
    out["note"] = clean(string(row.get("note"), "note") or "") or None
    out["annotator"] = _one_line(string(row.get("annotator"), "annotator"))
    out["created_at"] = string(row.get("created_at"), "created_at") or now()
    out["updated_at"] = string(row.get("updated_at"), "updated_at") or out["created_at"]
    if not out["annotator"]:
        raise ValueError("no annotator")
    if (out["tag"] is None) == (out["note"] is None):
        raise ValueError("neither a tag nor a note" if out["tag"] is None else "a tag and a note in one row")
    return out


def _name(text: str) -> str:
    """A stored file or root name: printable already, or made so as sync would."""
    return text if text.isprintable() else safe_name(text)


class _Local:
    """A local article's text and sentences, for placing incoming rows."""

    def __init__(self, db: Database, article_id: int):
        self.anchor = SentenceFinder.of_article(db, article_id)
        self.file = db.conn.execute("SELECT file FROM articles WHERE id = ?", (article_id,)).fetchone()[0]

    def place(self, row: dict) -> int | None:
        """The sentence number ``row`` belongs on here, or None (an orphan)."""
        spans, text = self.anchor.spans, self.anchor.text
        n = row.get("sentence")
        if isinstance(n, int) and 1 <= n <= len(spans) and spans[n - 1] == (row["start"], row["end"]) \
                and text[row["start"]:row["end"]] == row["exact"]:
            return n
        index = self.anchor.locate(row)
        return None if index is None else index + 1

    def anchor_fields(self, n: int) -> dict:
        start, end = self.anchor.spans[n - 1]
        text = self.anchor.text
        return {"sentence": n, "start": start, "end": end, "exact": text[start:end],
                "prefix": text[max(0, start - ANCHOR_CONTEXT):start], "suffix": text[end:end + ANCHOR_CONTEXT]}


class Applier:
    """Applies incoming annotation rows to local articles inside one write transaction.

    Shared by :func:`merge` and ``store.formats.import_files``; the policy is in
    the module docstring. Every change goes through one ``Recorder``, so it is
    one logged action.
    """

    def __init__(self, db: Database, recorder: Recorder, report: ApplyReport,
                 tag_info: dict[str, tuple[str, str, str]] | None = None):
        self.db, self.rec, self.report = db, recorder, report
        self.tag_info = tag_info or {}  # name -> (key, colour, description) offered for tags we lack
        self.known_tags = {name for (name,) in db.conn.execute("SELECT name FROM tags")}
        self._locals: dict[int, _Local] = {}

    def local(self, article_id: int) -> _Local:
        if article_id not in self._locals:
            if len(self._locals) > 64:
                self._locals.clear()  # bound the memory: texts are re-read when needed again
            self._locals[article_id] = _Local(self.db, article_id)
        return self._locals[article_id]

    def _tag_ok(self, tag: str, where: str | None) -> bool:
        from store.codebook import add_missing_tag

        if tag in self.known_tags:
            return True
        key, colour, description = self.tag_info.get(tag, (None, None, ""))
        try:
            added = add_missing_tag(self.db, tag, key=key, colour=colour, description=description or "")
        except StoreError as exc:
            self.report.skip(f"tag {tag[:40]!r}: {exc}", where)
            return False
        if added:
            self.report.tags_added.append((tag, added))
        self.known_tags.add(tag)
        return True

    def normalise(self, row: dict, where: str | None = None) -> dict | None:
        """The row with clean, typed fields, or None when it cannot be used (then counted, and listed with
        ``where`` it is in its file, by ``ApplyReport.skip``)."""
        try:
            out = _typed(row)
        except ValueError as exc:
            self.report.skip(str(exc), where)
            return None
        if out["tag"] is not None and not self._tag_ok(out["tag"], where):
            return None
        return out

    def apply(self, article_id: int, row: dict, where: str | None = None) -> None:
        """Apply one incoming row (as read: :meth:`normalise` runs here) to local article ``article_id``."""
        row = self.normalise(row, where)
        if row is None:
            return
        local = self.local(article_id)
        n = local.place(row)
        if n is None:
            self._orphan(article_id, local, row)
            return
        existing = annotation_row(self.db, "article_id = ? AND sentence = ? AND annotator = ? AND ifnull(tag, '') = ?"
                        " AND status = 'ok'", (article_id, n, row["annotator"], row["tag"] or ""))
        if existing is None:
            self.rec.insert({"article_id": article_id, **local.anchor_fields(n), "tag": row["tag"],
                             "note": row["note"], "annotator": row["annotator"], "created_at": row["created_at"],
                             "updated_at": row["updated_at"], "status": "ok"})
            self.report.added += 1
        elif row["tag"] is not None or existing["note"] == row["note"]:
            self.report.unchanged += 1
        else:
            theirs = row["updated_at"] > existing["updated_at"]
            self.report.conflicts.append(Conflict(local.file, n, row["annotator"], existing["note"], row["note"],
                                                  "theirs" if theirs else "ours"))
            if theirs:
                self.rec.update(existing, note=row["note"], updated_at=row["updated_at"])
                self.report.updated += 1

    def _orphan(self, article_id: int, local: _Local, row: dict) -> None:
        same = self.db.conn.execute(
            "SELECT 1 FROM annotations WHERE article_id = ? AND annotator = ? AND ifnull(tag, '') = ?"
            " AND created_at = ? AND exact = ? AND (tag IS NOT NULL OR note = ?)",
            (article_id, row["annotator"], row["tag"] or "", row["created_at"], row["exact"], row["note"])).fetchone()
        if same:
            self.report.unchanged += 1
            return
        n = row["sentence"]
        if n is None:
            n = local.anchor.sentence_at(row["start"]) + 1 if local.anchor.spans else 1
        self.rec.insert({"article_id": article_id, **{f: row[f] for f in ROW_FIELDS if f != "status"},
                         "sentence": n, "status": "orphan"})
        self.report.added += 1
        self.report.orphans[local.file] += 1


# --------------------------------------------------------------------------- articles


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def match_article(db: Database, *, sha256: str | None = None, file: str | None = None,
                  root: str | None = None, title: str | None = None) -> tuple[int, str] | None:
    """The local article that an incoming one is, and how it was found ("hash" or "file"), or None."""
    conn = db.conn
    if sha256:
        rows = conn.execute("SELECT id, file FROM articles WHERE sha256 = ? ORDER BY id", (sha256,)).fetchall()
        if rows:
            return next((aid for aid, f in rows if f == file), rows[0][0]), "hash"
    if file:
        rows = conn.execute("SELECT id, root, title FROM articles WHERE file = ? ORDER BY id", (file,)).fetchall()
        if not rows:
            return None
        for choose in ([aid for aid, r, _ in rows if r == root], [aid for aid, _, _ in rows] if len(rows) == 1 else [],
                       [aid for aid, _, t in rows if t == title], [rows[0][0]]):
            if choose:
                return choose[0], "file"
    return None


@dataclass
class _NewArticle:
    fields: dict
    sentences: list[Sentence]


def _prepare(article: dict) -> _NewArticle:
    """Clean, segment and hash an incoming article's text, outside any transaction."""
    text = clean(article["text"] or "")
    fields = {"root": _name(article["root"] or "."), "file": _name(article["file"]),
              "title": _one_line(article["title"])[:200] or _name(article["file"]),
              "source": article.get("source"), "date": article.get("date"),
              "encoding": article.get("encoding") or "utf-8", "text": text, "sha256": _sha(text),
              "size": article.get("size"), "mtime_ns": article.get("mtime_ns"),
              "status": article.get("status") if article.get("status") in ("ok", "missing") else "ok",
              "synced_at": article.get("synced_at") or now()}
    return _NewArticle(fields, segment(text))


def add_article(db: Database, new: _NewArticle) -> int:
    """Store an article and its sentences as ``sync`` does (the caller holds the write transaction);
    speakers, search and shingle index follow when needed (``store.derived``)."""
    fields = {**new.fields, "n_sentences": len(new.sentences)}
    article_id = db.conn.execute(
        f"INSERT INTO articles ({', '.join(fields)}) VALUES ({', '.join('?' * len(fields))})",
        list(fields.values())).lastrowid
    save(db, article_id, encode(new.sentences))
    return article_id


# --------------------------------------------------------------------------- merge

_ARTICLE_COLUMNS = ("id", "root", "file", "title", "source", "date", "encoding", "text", "sha256", "size",
                    "mtime_ns", "status", "synced_at")


def _other_articles(other: Database) -> Iterator[dict]:
    ids = [r[0] for r in other.conn.execute("SELECT id FROM articles ORDER BY id")]
    for article_id in ids:
        row = other.conn.execute(f"SELECT {', '.join(_ARTICLE_COLUMNS)} FROM articles WHERE id = ?",
                                 (article_id,)).fetchone()
        if row:
            yield dict(zip(_ARTICLE_COLUMNS, row))


def _other_rows(other: Database, article_id: int) -> list[dict]:
    cols = [c for c in COLUMNS if c not in ("id", "article_id")]
    return [dict(zip(cols, r)) for r in other.conn.execute(
        f"SELECT {', '.join(chr(34) + c + chr(34) for c in cols)} FROM annotations WHERE article_id = ? ORDER BY id",
        (article_id,))]


def _same_file(a: str | Path, b: str | Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(a).resolve() == Path(b).resolve()


def merge(db: Database, other_path: str | Path, *, by: str) -> MergeReport:
    """Merge the articles and annotations of the database at ``other_path`` into ``db``.

    ``by`` is the person merging: the action is logged under that name. The
    other database is opened read-only and never changed.
    """
    other_path = Path(other_path)
    if not other_path.exists():
        raise StoreError(f"{other_path}: no such database")
    if is_readonly(db):
        raise StoreError(f"{db_path(db)}: the database is read-only, so nothing can be merged into it")
    if _same_file(other_path, db_path(db)):
        raise StoreError(f"{other_path}: that is the database being merged into")
    other = connect(other_path, readonly=True, target=1)  # any pressmark schema: v1 has every table used here
    try:
        check_intact(db_path(other))  # else damage met while reading it would be blamed on ``db``
    except StoreError:
        other.close()
        raise
    report = MergeReport(source=str(other_path))
    try:
        tag_info = {name: (key, colour, description) for name, key, colour, description in other.conn.execute(
            "SELECT name, key, colour, description FROM tags ORDER BY position, name")}
        # Segment the articles we will have to add before taking the write lock.
        local_hashes = {h for (h,) in db.conn.execute("SELECT DISTINCT sha256 FROM articles")}
        local_files = {f for (f,) in db.conn.execute("SELECT DISTINCT file FROM articles")}
        prepared = {a["id"]: _prepare(a) for a in _other_articles(other)
                    if a["sha256"] not in local_hashes and a["file"] not in local_files}
        with write(db):
            rec = Recorder(db, by, f"merge {other_path.name}")
            applier = Applier(db, rec, report, tag_info)
            for article in _other_articles(other):
                found = match_article(db, sha256=article["sha256"], file=article["file"], root=article["root"],
                                      title=article["title"])
                if found is None:
                    new = prepared.get(article["id"]) or _prepare(article)
                    found = match_article(db, sha256=new.fields["sha256"])  # its text, once cleaned, may be here
                if found is None:
                    article_id = add_article(db, new)
                    report.articles_added.append(new.fields["file"])
                else:
                    article_id, how = found
                    report.articles_matched += 1
                    if how == "file" and db.conn.execute("SELECT sha256 FROM articles WHERE id = ?",
                                                         (article_id,)).fetchone()[0] != article["sha256"]:
                        report.articles_reanchored.append(article["file"])
                for row in _other_rows(other, article["id"]):
                    applier.apply(article_id, row)
            report.action_id = rec.action_id
    finally:
        other.conn.close()
    return report


def merge_all(db: Database, paths: Iterable[str | Path], *, by: str) -> list[MergeReport]:
    return [merge(db, path, by=by) for path in paths]
