"""What the formats of other annotation tools (Label Studio, Prodigy, doccano, brat) share.

Each writes an article's placed annotations one annotator at a time (:func:`codings`): the tool's own
spans, with its own notion of who made them, and -- for what the tool has no place for: each span's
``created_at``/``updated_at`` and notes -- a ``pressmark`` object (:func:`extras`) that the tool keeps
or ignores. Reading back, the tool's spans come first: a span made or moved in the tool imports as it is
now, and takes its times from ``pressmark`` only when that still names the same span and tag.

Orphans (annotations whose sentence is gone from the current text) have no place in a text these tools
show, so they travel only in the CSV, JSONL and W3C formats.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from store.formats.base import ArticleFinder, ImportReport, Records
from typing import IO

from store.anchor import ANCHOR_CONTEXT
from store.db import Database
from store.errors import StoreError
from store.export import ExportFilter
from store.formats.base import annotated_articles, article_metadata, article_rows, article_text
from store.untrusted import MAX_RECORD, size_text, string

EXTRAS = "pressmark"  # the key of what only pressmark reads back
ZIP_MAGIC = b"PK\x03\x04"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # every member's: the same annotations give the same bytes
MAX_MEMBERS = 500_000  # a zip with more is refused before any is read


@dataclass(frozen=True, slots=True)
class Article:
    id: int
    file: str
    title: str
    sha256: str
    text: str
    metadata: dict  # source, date (and, once stored, the article's front matter): see base.article_metadata

    def fields(self) -> dict:
        """The article's identity and metadata, as the formats carry it beside the text."""
        return {"file": self.file, "title": self.title, "sha256": self.sha256, **self.metadata}


@dataclass(frozen=True, slots=True)
class Coding:
    """One annotator's placed annotations on one article, in export order."""

    annotator: str
    tags: list[dict]
    notes: list[dict]


def codings(db: Database, flt: ExportFilter = ExportFilter()) -> Iterator[tuple[Article, list[Coding]]]:
    """Each article with placed annotations passing ``flt``, and its annotators' codings (by name)."""
    for article_id, file, title, _source, _date, sha, _status in annotated_articles(db, flt):
        tags, notes = article_rows(db, article_id, flt)
        tags = [r for r in tags if r["status"] == "ok"]
        notes = [r for r in notes if r["status"] == "ok"]
        names = sorted({r["annotator"] for r in tags + notes})
        if not names:
            continue  # only orphans
        article = Article(article_id, file, title, sha, article_text(db, article_id), article_metadata(db, article_id))
        yield article, [Coding(name, [r for r in tags if r["annotator"] == name],
                               [r for r in notes if r["annotator"] == name]) for name in names]


def extras(coding: Coding, notes: bool = True) -> dict:
    """``{"times": [[start, end, tag, created_at, updated_at], ...], "notes": [[start, end, note, created_at,
    updated_at], ...]}``: what a tool's own spans leave out (``notes``: when the tool has no place for them)."""
    out = {"times": [[r["start"], r["end"], r["tag"], r["created_at"], r["updated_at"]] for r in coding.tags]}
    if notes:
        out["notes"] = [[r["start"], r["end"], r["note"], r["created_at"], r["updated_at"]] for r in coding.notes]
    return out


def annotators(db: Database, flt: ExportFilter) -> list[str]:
    """Who has placed annotations passing ``flt``, by name: the zip formats write one annotator at a time."""
    sql, params = flt.article_sql("article_id"), []
    for name in ("tag", "annotator"):
        if getattr(flt, name) is not None:
            sql += f" AND {name} = ?"
            params.append(getattr(flt, name))
    return [name for (name,) in db.conn.execute(
        f"SELECT DISTINCT annotator FROM annotations WHERE status = 'ok'{sql} ORDER BY annotator", params)]


def member_name(name: str, taken: set[str]) -> str:
    """A file name in a zip for ``name`` (an annotator's, an article's): letters, digits, ``. _ -`` kept,
    anything else ``_``; unlike every name in ``taken``, which it joins."""
    base = re.sub(r"[^A-Za-z0-9._-]", "_", name).lstrip(".")[:80] or "_"
    found, n = base, 1
    while found.lower() in taken:
        n += 1
        found = f"{base}-{n}"
    taken.add(found.lower())
    return found


def zip_writer(out: IO[bytes]) -> zipfile.ZipFile:
    return zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED)


@contextmanager
def zip_member(archive: zipfile.ZipFile, name: str) -> Iterator[IO[str]]:
    """A text stream (UTF-8, ``\n``) into a new member of ``archive``, written as it comes."""
    info = zipfile.ZipInfo(name, ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16  # a plain file when unzipped
    with archive.open(info, "w", force_zip64=True) as raw, io.TextIOWrapper(raw, "utf-8", newline="") as text:
        yield text


# --------------------------------------------------------------------------- reading


def open_zip(path: Path) -> zipfile.ZipFile:
    """The zip at ``path``, its list of members read and checked (no more than ``MAX_MEMBERS``)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise StoreError(f"{path}: not a zip file that can be read ({exc})") from None
    if len(archive.infolist()) > MAX_MEMBERS:
        archive.close()
        raise StoreError(f"{path}: more than {MAX_MEMBERS:,} files in the zip")
    return archive


def member_text(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    """A member's text (UTF-8); ValueError when it is bigger than ``MAX_RECORD`` or not UTF-8. Read no
    further than the limit, whatever its header says."""
    try:
        with archive.open(info) as f:
            data = f.read(MAX_RECORD + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ValueError(f"{info.filename} is damaged ({exc})") from None
    if len(data) > MAX_RECORD:
        raise ValueError(f"{info.filename} is bigger than {size_text(MAX_RECORD)}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{info.filename} is not UTF-8 text") from None


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def span_row(text: str, start: object, end: object, annotator: str, *, tag: str | None = None,
             note: str | None = None, times: tuple = (None, None)) -> dict:
    """An annotation row for ``text[start:end]``, with its anchor (the quote and its context, so that it is
    placed on its sentence here even where the text differs); ValueError when the offsets are not a span
    of ``text``. Everything else is checked by the Applier (``store.merge._typed``)."""
    if not (type(start) is int and type(end) is int and 0 <= start < end <= len(text)):
        raise ValueError(f"{start!r}, {end!r} is not a span of the text")
    return {"start": start, "end": end, "exact": text[start:end], "prefix": text[max(0, start - ANCHOR_CONTEXT):start],
            "suffix": text[end:end + ANCHOR_CONTEXT], "tag": tag, "note": note, "annotator": annotator,
            "created_at": times[0], "updated_at": times[1]}


class Extras:
    """A ``pressmark`` object read back: the times of spans and notes by (start, end, tag or note), and the
    notes; entries that are not of the written shape are listed in ``problems`` (the rest is used)."""

    def __init__(self, value: object):
        self.times: dict[tuple, tuple] = {}
        self.notes: list[tuple] = []
        self.problems: list[str] = []
        if value is None:
            return
        if not isinstance(value, dict):
            self.problems.append(f"{EXTRAS} is not an object")
            return
        for key in ("times", "notes"):
            items = value.get(key)
            if items is None:
                continue
            if not isinstance(items, list):
                self.problems.append(f"{EXTRAS}.{key} is not a list")
                continue
            for i, item in enumerate(items):
                try:
                    start, end, what, created, updated = item
                    if type(start) is not int or type(end) is not int:
                        raise ValueError("start and end are not whole numbers")
                    for name, field in (("text", what), ("created_at", created), ("updated_at", updated)):
                        string(field, name)
                except (TypeError, ValueError) as exc:
                    reason = "not of 5 items" if isinstance(exc, TypeError) or "unpack" in str(exc) else str(exc)
                    self.problems.append(f"{EXTRAS}.{key}[{i}]: {reason}")
                    continue
                self.times[(key, start, end, what)] = (created, updated)
                if key == "notes":
                    self.notes.append((start, end, what, created, updated))

    def of(self, start: object, end: object, tag: str, fallback: tuple = (None, None)) -> tuple:
        """(created_at, updated_at) of the span with this tag, if pressmark wrote it; else ``fallback``."""
        return self.times.get(("times", start, end, tag), fallback) if _offsets(start, end) else fallback

    def of_note(self, start: object, end: object, note: str, fallback: tuple = (None, None)) -> tuple:
        return self.times.get(("notes", start, end, note), fallback) if _offsets(start, end) else fallback


def _offsets(start: object, end: object) -> bool:
    return type(start) is int and type(end) is int


def placed_rows(record, where: str, to_rows: Callable, report: ImportReport, finder: ArticleFinder) -> Records:
    """The rows ``to_rows`` reads from one record of a file, on the article the record names, each with where it
    was read; a record or row that cannot be used is reported and skipped, an article not here is left out."""
    try:
        keys, rows = to_rows(record)
    except ValueError as exc:
        report.skip(str(exc), where)
        return
    article_id = finder.find(**keys)
    if article_id is None:
        return
    for what, row in rows:
        if isinstance(row, str):
            report.skip(row, f"{where}, {what}")
        else:
            yield article_id, row, f"{where}, {what}"
