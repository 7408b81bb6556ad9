"""Open exchange formats: JSONL (doccano style) and W3C Web Annotation export, and import of
pressmark's own CSV, JSONL and W3C exports.

JSONL: one line per article that has annotations (after the filters), with
its ``text``, doccano's ``label`` (``[[start, end, "tag"], ...]``: the distinct
placed tag spans, any annotator) and pressmark's full detail: ``annotations``
(one per sentence, tag and annotator, with the anchor: sentence, start, end,
exact, prefix, suffix, and status), ``notes``, ``annotators`` and, when the
database has speaker attribution, ``speakers`` (sentence, start, end, speaker,
speaker_role when known, quoted). Offsets are code points (Python
``str`` indices) into ``text``.

W3C: one ``AnnotationCollection`` (JSON-LD, ``@context``
``http://www.w3.org/ns/anno.jsonld``) whose first (only) page holds one
``Annotation`` per (sentence, tag, annotator) -- plus one per note on a
sentence its writer did not tag. The target's ``source`` is
``urn:sha256:<hex>``, the SHA-256 of the article's stored text (UTF-8): the
text that the ``TextPositionSelector`` offsets (code points, end exclusive)
count in, wherever the file lives; the ``TextQuoteSelector`` carries exact,
prefix and suffix for re-anchoring. Bodies are ``TextualBody``: purpose
``tagging`` (value: the tag) and, when its annotator wrote a note on the
sentence, purpose ``commenting`` with the note's own created/modified.
``creator`` is ``{"type": "Person", "name": annotator}``. Ids are
``urn:uuid:`` UUIDv5s of the content, so the same annotations always get the
same ids; the collection's and page's ids (derived from a digest of the items)
come after the items, so the file can be written in one pass.

Exports stream from SQLite and are written atomically, as the CSV export is.
Imports match each article to one already in the database (hash, then file
name, then -- for W3C, whose only article identifier is the text hash -- the
article containing the quotes), re-anchor by quote where the text differs, and
apply the rows with ``store.merge``'s policy (never another annotator's rows,
newer note wins, idempotent), one logged action per file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from collections import defaultdict
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from store.annotate import _Recorder
from store.db import Database, StoreError, has_table, write
from store.export import CSV_COLUMNS, FORMULA_STARTS, ExportFilter, write_atomically
from store.merge import LISTED, Applier, ApplyReport, match_article
from store.sentences import spans
from store.untrusted import (MAX_DIGITS, MAX_RECORD, JsonError, JsonReader, csv_fields, csv_problem, lines, prefix,
                             size_text, string)

FORMATS = ("csv", "jsonl", "w3c")
SUFFIXES = {"csv": ".csv", "jsonl": ".jsonl", "w3c": ".jsonld"}
ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
COLLECTION_LABEL = "pressmark annotations"
NAMESPACE = uuid.UUID("dc16c83d-48f8-4dc0-8f99-54eef40ab909")  # pressmark's UUIDv5 namespace: never change it

W3C_TYPES = ("Annotation", "AnnotationPage", "AnnotationCollection")
CSV_NEEDS = ("article", "sentence", "start", "end", "tag", "text", "note", "annotator")
RUN = 1000  # W3C annotations on one source that are matched to an article together

_ROW = ("sentence", "start", "end", "exact", "prefix", "suffix", "tag", "note", "annotator",
        "created_at", "updated_at", "status")


# --------------------------------------------------------------------------- reading the database


def _filters(flt: ExportFilter) -> tuple[str, list]:
    sql, params = "", []
    if flt.article_id is not None:
        sql += " AND a.article_id = ?"
        params.append(flt.article_id)
    if flt.annotator is not None:
        sql += " AND a.annotator = ?"
        params.append(flt.annotator)
    return sql, params


def _articles(db: Database, flt: ExportFilter) -> list[tuple]:
    """(id, file, title, source, date, sha256, status) of the articles with annotations passing ``flt``."""
    sql, params = _filters(flt)
    if flt.tag is not None:
        sql += " AND a.tag = ?"
        params.append(flt.tag)
    return db.conn.execute(
        f"""SELECT id, file, title, source, date, sha256, status FROM articles WHERE id IN (
                SELECT DISTINCT a.article_id FROM annotations a WHERE 1 = 1{sql})
            ORDER BY file, id""", params).fetchall()


def _rows(db: Database, article_id: int, flt: ExportFilter) -> tuple[list[dict], list[dict]]:
    """The article's tag rows and note rows passing ``flt``, in export order.

    With a tag filter, only the notes on the sentences of the rows kept (same
    annotator and status) come along, as in the CSV export.
    """
    sql, params = _filters(ExportFilter(None, None, flt.annotator))
    rows = [dict(zip(_ROW, r)) for r in db.conn.execute(
        f"""SELECT a.sentence, a.start, a."end", a.exact, a.prefix, a.suffix, a.tag, a.note, a.annotator,
                   a.created_at, a.updated_at, a.status
            FROM annotations a LEFT JOIN tags tg ON tg.name = a.tag
            WHERE a.article_id = ?{sql}
            ORDER BY a.status, a.start, a."end", a.sentence, a.annotator, ifnull(tg.position, -1), a.tag""",
        [article_id, *params])]
    tags = [r for r in rows if r["tag"] is not None and (flt.tag is None or r["tag"] == flt.tag)]
    notes = [r for r in rows if r["tag"] is None]
    if flt.tag is not None:
        keep = {(r["sentence"], r["annotator"], r["status"]) for r in tags}
        notes = [r for r in notes if (r["sentence"], r["annotator"], r["status"]) in keep]
    return tags, notes


def _speakers(db: Database, article_id: int) -> list[dict] | None:
    """The article's speaker attribution (``sentence_speakers``, issue 8; attributed now if it was not
    yet, see ``store.derived``); None before that schema."""
    from store.derived import sentence_speakers

    if not has_table(db, "sentence_speakers"):
        return None
    speakers = sentence_speakers(db, article_id)
    out = []
    for n, (start, end, _) in enumerate(spans(db, article_id), 1):
        if (sp := speakers.get(n)) is None:
            continue
        item = {"sentence": n, "start": start, "end": end, "speaker": sp.name}
        if sp.role is not None:
            item["speaker_role"] = sp.role
        item["quoted"] = bool(sp.quoted)
        out.append(item)
    return out


def _text(db: Database, article_id: int) -> str:
    return db.conn.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()[0]


# --------------------------------------------------------------------------- JSONL


def jsonl_records(db: Database, flt: ExportFilter = ExportFilter()) -> Iterator[dict]:
    """One dict per article, as written to a JSONL line."""
    for article_id, file, title, source, date, sha, status in _articles(db, flt):
        tags, notes = _rows(db, article_id, flt)
        spans = list(dict.fromkeys((r["start"], r["end"], r["tag"]) for r in tags if r["status"] == "ok"))
        spans.sort(key=lambda s: (s[0], s[1]))  # stable: codebook order within a span
        record = {
            "file": file, "title": title, "source": source, "date": date, "sha256": sha, "status": status,
            "text": _text(db, article_id),
            "label": [list(s) for s in spans],
            "annotations": [{k: r[k] for k in _ROW if k != "note"} for r in tags],
            "notes": [{k: r[k] for k in _ROW if k != "tag"} for r in notes],
            "annotators": sorted({r["annotator"] for r in tags + notes}),
        }
        speakers = _speakers(db, article_id)
        if speakers is not None:
            record["speakers"] = speakers
        yield record


def write_jsonl(db: Database, out: IO[str], flt: ExportFilter = ExportFilter()) -> int:
    """Write the JSONL lines to ``out``; return the number of articles."""
    count = 0
    for count, record in enumerate(jsonl_records(db, flt), 1):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return count


# --------------------------------------------------------------------------- W3C Web Annotation


def annotation_id(sha: str, row: dict) -> str:
    key = "|".join(str(row[k]) for k in ("annotator", "tag", "created_at", "start", "end"))
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, sha + '|' + key)}"


def _w3c_annotation(sha: str, row: dict, note: dict | None) -> dict:
    bodies = []
    if row["tag"] is not None:
        bodies.append({"type": "TextualBody", "purpose": "tagging", "value": row["tag"]})
    if note is not None:
        bodies.append({"type": "TextualBody", "purpose": "commenting", "value": note["note"], "format": "text/plain",
                       "created": note["created_at"], "modified": note["updated_at"]})
    return {
        "id": annotation_id(sha, row),
        "type": "Annotation",
        "motivation": "tagging" if row["tag"] is not None else "commenting",
        "creator": {"type": "Person", "name": row["annotator"]},
        "created": row["created_at"],
        "modified": row["updated_at"],
        "body": bodies,
        "target": {
            "source": f"urn:sha256:{sha}",
            "selector": [
                {"type": "TextQuoteSelector", "exact": row["exact"], "prefix": row["prefix"], "suffix": row["suffix"]},
                {"type": "TextPositionSelector", "start": row["start"], "end": row["end"]},
            ],
        },
    }


def w3c_annotations(db: Database, flt: ExportFilter = ExportFilter()) -> Iterator[dict]:
    """Every Annotation of the W3C export, in order (article file, status, offsets, annotator, tag)."""
    for article_id, _file, _title, _source, _date, sha, _status in _articles(db, flt):
        tags, notes = _rows(db, article_id, flt)
        by_place = {(r["sentence"], r["annotator"], r["status"]): r for r in notes}
        tagged = {(r["sentence"], r["annotator"], r["status"]) for r in tags}
        items = [(r, by_place.get((r["sentence"], r["annotator"], r["status"]))) for r in tags]
        items += [(r, r) for r in notes if (r["sentence"], r["annotator"], r["status"]) not in tagged]
        order = {id(r): i for i, r in enumerate(tags + notes)}
        # Orphans are ordered by their old offsets, which every format keeps (W3C has no sentence numbers).
        items.sort(key=lambda item: (item[0]["status"], item[0]["start"], item[0]["end"], item[0]["sentence"],
                                     item[0]["annotator"], item[0]["tag"] is not None, order[id(item[0])]))
        for row, note in items:
            yield _w3c_annotation(sha, row, note)


def write_w3c(db: Database, out: IO[str], flt: ExportFilter = ExportFilter()) -> int:
    """Write the AnnotationCollection to ``out``, one Annotation per line; return how many."""
    digest = hashlib.sha256()
    out.write('{"@context": %s, "type": "AnnotationCollection", "label": %s,\n "first": {"type": "AnnotationPage",'
              ' "startIndex": 0, "items": [' % (json.dumps(ANNO_CONTEXT), json.dumps(COLLECTION_LABEL)))
    count = 0
    for count, annotation in enumerate(w3c_annotations(db, flt), 1):
        line = json.dumps(annotation, ensure_ascii=False)
        digest.update(line.encode("utf-8") + b"\n")
        out.write(("\n  " if count == 1 else ",\n  ") + line)
    collection = f"urn:uuid:{uuid.uuid5(NAMESPACE, 'collection|' + digest.hexdigest())}"
    out.write('\n ], "id": %s},\n "total": %d, "id": %s}\n'
              % (json.dumps(f"urn:uuid:{uuid.uuid5(NAMESPACE, 'page|' + digest.hexdigest())}"), count,
                 json.dumps(collection)))
    return count


# --------------------------------------------------------------------------- atomic files


def export_jsonl(db: Database, target: str | Path, flt: ExportFilter = ExportFilter()) -> int:
    """Export JSONL atomically to ``target``; return the number of articles (lines)."""
    return write_atomically(db, target, lambda out: write_jsonl(db, out, flt), "annotations.jsonl")


def export_w3c(db: Database, target: str | Path, flt: ExportFilter = ExportFilter()) -> int:
    """Export the W3C AnnotationCollection atomically to ``target``; return the number of annotations."""
    return write_atomically(db, target, lambda out: write_w3c(db, out, flt), "annotations.jsonld")


# --------------------------------------------------------------------------- import


@dataclass
class ImportReport(ApplyReport):
    source: str = ""
    format: str = ""
    articles_matched: int = 0
    articles_unknown: list[str] = field(default_factory=list)  # the first LISTED articles of the file not here
    unknown: int = 0  # how many articles of the file are not in this database


def detect_format(path: str | Path) -> str:
    """"csv", "jsonl" or "w3c", from the start of the file's content (not its name): at most ``PREFIX`` bytes
    are read, and a binary or non-UTF-8 file is refused."""
    text, whole = prefix(Path(path))
    head = text.lstrip(" \t\r\n")
    first, newline, _ = head.partition("\n")
    if head.startswith("["):
        return "w3c"
    if head.startswith("{"):
        return "w3c" if _w3c_line(first, complete=bool(newline) or whole) else "jsonl"
    if newline or whole:
        try:
            header = next(csv.reader([first]), [])
        except csv.Error:
            header = []
        if {"article", "sentence", "start", "end", "tag", "annotator"} <= set(header):
            return "csv"
    raise StoreError(f"{path}: not a pressmark CSV, JSONL or W3C export")


def _w3c_line(line: str, complete: bool) -> bool:
    """Whether a file whose first line is ``line`` (all of it when ``complete``) is W3C rather than JSONL: a
    JSON object on one line is a JSONL record unless its type is a W3C Annotation, page or collection."""
    reader = JsonReader(io.StringIO(line))
    try:
        reader.take("{")
        while reader.peek() != "}":
            key = reader.value()
            reader.take(":")
            value = reader.value()
            if key == "type":
                return value in W3C_TYPES
            if reader.take(",}") == "}":
                break
        return False
    except JsonError:
        return complete  # a whole line that is not one object begins a document over several lines


def _unneutralise(value: str) -> str:
    """Undo the CSV export's formula guard: a leading ' before = + - @ TAB CR."""
    return value[1:] if value[:1] == "'" and value[1:2] in FORMULA_STARTS else value


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


class _ArticleFinder:
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


# Each reader yields (local article id, row, where in the file) for the rows of articles found here, and
# reports each row it cannot use (ImportReport.skip) with where it is. A file it cannot read raises StoreError.
Records = Iterator[tuple[int, dict, str]]


def _csv_number(value: str) -> int | str:
    """A field's whole number, or the field as it is (then refused, with a reason, by the Applier)."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= MAX_DIGITS else value


def _csv_records(path: Path, report: ImportReport, finder: _ArticleFinder) -> Records:
    def physical(f):
        for number, line in lines(f, MAX_RECORD):
            if line is None:  # past it, the records of the file cannot be told apart
                raise StoreError(f"{path}, line {number}: longer than {size_text(MAX_RECORD)}")
            yield line

    with open(path, encoding="utf-8-sig", newline="") as f, csv_fields(MAX_RECORD):
        reader = csv.reader(physical(f))
        start = 1  # the line the record being read begins on
        try:
            header = next((r for r in reader if r), [])
            missing = set(CSV_NEEDS) - set(header)
            if missing:
                raise StoreError(f"{path}: not a pressmark CSV export (no {', '.join(sorted(missing))} column)")
            start = reader.line_num + 1
            for record in reader:
                where, start = f"line {start}", reader.line_num + 1
                if not record:
                    continue
                if len(record) != len(header):
                    report.skip(f"{len(record)} fields where the header has {len(header)}", where)
                    continue
                fields = dict(zip(header, map(_unneutralise, record)))
                if not fields["article"]:
                    report.skip("no article", where)
                    continue
                if not fields["tag"] and not fields["note"]:
                    report.skip("neither a tag nor a note", where)
                    continue
                article_id = finder.find(file=fields["article"], title=fields.get("title"))
                if article_id is None:
                    continue
                base = {"sentence": _csv_number(fields["sentence"]), "start": _csv_number(fields["start"]),
                        "end": _csv_number(fields["end"]), "exact": fields["text"], "annotator": fields["annotator"],
                        "created_at": fields.get("created_at"), "updated_at": fields.get("updated_at")}
                if fields["tag"]:
                    yield article_id, {**base, "tag": fields["tag"], "note": None}, where
                if fields["note"]:
                    yield article_id, {**base, "tag": None, "note": fields["note"]}, where
        except csv.Error as exc:
            raise StoreError(f"{path}, line {start}: {csv_problem(exc, MAX_RECORD)}") from None


def _jsonl_rows(record: object, by: str) -> tuple[dict, list[tuple[str, dict | str]]]:
    """The article keys of one JSONL record and, for each of its annotations, (what it is, the row or why it
    cannot be used). ValueError when the record itself cannot be used."""
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    for name in ("file", "title", "sha256", "text", "annotator"):
        string(record.get(name), name)
    text = record.get("text")
    keys = {"sha256": record.get("sha256") or (hashlib.sha256(text.encode("utf-8")).hexdigest() if text else None),
            "file": record.get("file"), "title": record.get("title")}
    if not keys["sha256"] and not keys["file"]:
        raise ValueError("names no article (no sha256, text or file)")
    rows: list[tuple[str, dict | str]] = []
    if "annotations" in record or "notes" in record:
        for name, other in (("annotations", "note"), ("notes", "tag")):
            items = record.get(name)
            if items is not None and not isinstance(items, list):
                rows.append((name, f"{name} is not a list"))
                continue
            rows += [(f"{name}[{i}]", {**item, other: None} if isinstance(item, dict) else
                      f"{name}[{i}] is not an object") for i, item in enumerate(items or [])]
        return keys, rows
    # A plain doccano line: spans of the line's text, credited to the person importing.
    label = record.get("label")
    if label is not None and not isinstance(label, list):
        return keys, [("label", "label is not a list")]
    for i, span in enumerate(label or []):
        what = f"label[{i}]"
        if not (isinstance(span, list) and len(span) == 3):
            rows.append((what, f"{what} is not [start, end, tag]"))
        elif text is None:
            rows.append((what, f"{what}: the line has no text for it"))
        elif not (type(span[0]) is int and type(span[1]) is int and 0 <= span[0] <= span[1] <= len(text)):
            rows.append((what, f"{what}: start and end are not offsets into the text"))
        else:
            start, end, tag = span
            rows.append((what, {"start": start, "end": end, "exact": text[start:end], "tag": tag, "note": None,
                                "annotator": record.get("annotator") or by}))
    return keys, rows


def _jsonl_records(path: Path, report: ImportReport, finder: _ArticleFinder, by: str) -> Records:
    with open(path, encoding="utf-8-sig") as f:
        for number, line in lines(f, MAX_RECORD):
            where = f"line {number}"
            if line is None:
                report.skip(f"longer than {size_text(MAX_RECORD)}", where)
                continue
            if not line.strip():
                continue
            try:
                record = JsonReader(io.StringIO(line)).document()
            except JsonError as exc:
                raise StoreError(f"{path}, {where}: {exc}") from None
            try:
                keys, rows = _jsonl_rows(record, by)
            except ValueError as exc:
                report.skip(str(exc), where)
                continue
            article_id = finder.find(**keys)
            if article_id is None:
                continue
            for what, row in rows:
                if isinstance(row, str):
                    report.skip(row, where)
                else:
                    yield article_id, row, f"{where}, {what}"


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def _w3c_rows(annotation: object) -> tuple[str | None, list[dict | str]]:
    """(source, rows) of one Annotation: a row per tagging or commenting body, sharing its target's anchor,
    or the reason that body cannot be used. ValueError when none of it can be."""
    if not isinstance(annotation, dict):
        raise ValueError("not an object")
    if annotation.get("type") != "Annotation":
        raise ValueError(f"not an Annotation (its type is {_short(annotation.get('type'))})")
    creator = annotation.get("creator")
    if isinstance(creator, list):
        creator = creator[0] if creator else None
    name = creator.get("name") or creator.get("nickname") if isinstance(creator, dict) else creator
    target = next((t for t in _as_list(annotation.get("target")) if isinstance(t, dict)), None)
    if target is None:
        raise ValueError("target is not an object")
    anchor: dict = {}
    for selector in _as_list(target.get("selector")):
        if not isinstance(selector, dict):
            raise ValueError("a selector is not an object")
        if selector.get("type") == "TextQuoteSelector":
            anchor.update({name: string(selector.get(name), name) for name in ("exact", "prefix", "suffix")})
        elif selector.get("type") == "TextPositionSelector":
            anchor.update(start=selector.get("start"), end=selector.get("end"))
    source = target.get("source")
    source = string(source.get("id") if isinstance(source, dict) else source, "target source")
    bodies = _as_list(annotation.get("body"))
    if not bodies:
        raise ValueError("no body")
    rows: list[dict | str] = []
    for i, body in enumerate(bodies):
        what = f"body[{i}]" if isinstance(annotation["body"], list) else "body"
        purpose = body.get("purpose") if isinstance(body, dict) else None
        base = {**anchor, "annotator": name, "created_at": annotation.get("created"),
                "updated_at": annotation.get("modified")}
        if not isinstance(body, dict):
            rows.append(f"{what} is not an object")
        elif body.get("type") != "TextualBody":
            rows.append(f"{what} is not a TextualBody")
        elif purpose == "tagging":
            rows.append({**base, "tag": body.get("value"), "note": None})
        elif purpose == "commenting":
            rows.append({**base, "tag": None, "note": body.get("value"),
                         "created_at": body.get("created") or base["created_at"],
                         "updated_at": body.get("modified") or base["updated_at"]})
        else:
            rows.append(f"{what} has purpose {_short(purpose)}, not tagging or commenting")
    return source, rows


def _w3c_array(reader: JsonReader) -> Iterator[tuple[int, object]]:
    reader.take("[")
    if reader.peek() == "]":
        reader.take("]")
        return
    while True:
        reader.peek()
        line = reader.line
        yield line, reader.value()
        if reader.take(",]") == "]":
            return


def _w3c_object(reader: JsonReader, level: int) -> Generator[tuple[int, object], None, dict]:
    """Read an object member by member, yielding the items of its ``items`` (a page, at level 0 or 1) or of
    its ``first`` page (a collection, at level 0) one by one as they come; return its other members."""
    members, size = {}, 0
    reader.take("{")
    while reader.peek() != "}":
        key = reader.value()
        if not isinstance(key, str):
            raise reader.error("not valid JSON (an object key is not a string)")
        reader.take(":")
        if key == "items" and level < 2 and reader.peek() == "[":
            yield from _w3c_array(reader)
        elif key == "first" and level == 0 and reader.peek() == "{":
            yield from _w3c_object(reader, 1)
        else:
            members[key] = reader.value()
            size += reader.size
            if size > reader.limit:
                raise reader.error(f"an object longer than {size_text(reader.limit)}")
        if reader.take(",}") == "}":
            return members
    reader.take("}")
    return members


def _w3c_items(reader: JsonReader) -> Iterator[tuple[int, object]]:
    """(line, item) for each annotation of a W3C document, read one at a time: the items of an
    AnnotationCollection's first page, of an AnnotationPage or of a top-level array, or a lone Annotation."""
    start = reader.peek()
    if start == "[":
        yield from _w3c_array(reader)
    elif start == "{":
        line = reader.line
        members = yield from _w3c_object(reader, 0)
        if members.get("type") == "Annotation":
            yield line, members
        elif members.get("type") not in W3C_TYPES:
            raise reader.error(f"not a W3C AnnotationCollection, AnnotationPage or Annotation (type "
                               f"{_short(members.get('type'))})")
    else:
        raise reader.error("not a W3C document (not a JSON object or array)")
    if reader.peek():
        raise reader.error("not valid JSON (more after the end of the document)")


def _w3c_run(source: str | None, run: list[tuple[str, dict | str]], report: ImportReport,
             finder: _ArticleFinder) -> Records:
    """The rows of consecutive annotations on one source, and the reasons others cannot be used, in file order."""
    sha = source[len("urn:sha256:"):].lower() if source and source.startswith("urn:sha256:") else None
    file = None if sha or not source else source
    rows = [row for _, row in run if isinstance(row, dict)]
    quotes = [row["exact"] for row in rows if row.get("exact")]  # strings SQLite can take: see _w3c_rows
    article_id = finder.find(sha256=sha, file=file, quotes=quotes) if rows else None
    for where, row in run:
        if isinstance(row, str):
            report.skip(row, where)
        elif article_id is not None:
            yield article_id, row, where


def _w3c_records(path: Path, report: ImportReport, finder: _ArticleFinder) -> Records:
    """The annotations in file order; consecutive ones on one source (up to ``RUN``) find their article together."""
    with open(path, encoding="utf-8-sig") as f:
        reader = JsonReader(f, MAX_RECORD)
        run: list[tuple[str, dict | str]] = []
        source = None
        try:
            for line, item in _w3c_items(reader):
                where = f"line {line}"
                try:
                    item_source, rows = _w3c_rows(item)
                except ValueError as exc:
                    item_source, rows = source, [str(exc)]
                if run and (item_source != source or len(run) >= RUN):
                    yield from _w3c_run(source, run, report, finder)
                    run = []
                source = item_source
                run += [(where, row) for row in rows]
        except JsonError as exc:
            raise StoreError(f"{path}, line {exc.line}: {exc}") from None
        yield from _w3c_run(source, run, report, finder)


def _nothing_imported(path: Path, report: ImportReport) -> str:
    """One line: why a file gave nothing to import."""
    parts = []
    if report.skipped:
        count = sum(report.skipped.values())
        where, why = report.rejected[0]
        parts.append(f"{count} row(s) cannot be used ({where}: {why}{'; …' if count > 1 else ''})")
    if report.unknown:
        parts.append(f"{report.unknown} article(s) not in this database ({report.articles_unknown[0]}"
                     f"{', …' if report.unknown > 1 else ''})")
    return f"{path}: nothing imported: {'; '.join(parts)}"


def import_file(db: Database, path: str | Path, *, by: str, fmt: str | None = None) -> ImportReport:
    """Import one pressmark export (format detected unless ``fmt``) as one logged action by ``by``.

    Rows that cannot be used are counted and listed (``ImportReport.skip``) and the others imported; a
    file with rows but none that could be used, or that cannot be read, raises StoreError and changes
    nothing."""
    path = Path(path)
    if not path.is_file():
        raise StoreError(f"{path}: no such file")
    if fmt is None:
        fmt = detect_format(path)
    elif fmt not in FORMATS:
        raise StoreError(f"{fmt}: unknown format (choose from {', '.join(FORMATS)})")
    else:
        prefix(path)  # a binary or non-UTF-8 file is refused before it is read, whatever the format given
    report = ImportReport(source=str(path), format=fmt)
    try:
        with write(db):
            rec = _Recorder(db, by, f"import {path.name}")
            applier = Applier(db, rec, report)
            finder = _ArticleFinder(db, report)
            records = (_csv_records(path, report, finder) if fmt == "csv" else
                       _jsonl_records(path, report, finder, by) if fmt == "jsonl" else
                       _w3c_records(path, report, finder))
            for article_id, row, where in records:
                applier.apply(article_id, row, where)
            if not (report.added or report.updated or report.unchanged or report.conflicts) \
                    and (report.skipped or report.unknown):
                raise StoreError(_nothing_imported(path, report))
            report.action_id = rec.action_id
    except UnicodeDecodeError:
        raise StoreError(f"{path}: not a UTF-8 text file") from None
    return report


def import_files(db: Database, paths: Iterable[str | Path], *, by: str, fmt: str | None = None) -> list[ImportReport]:
    return [import_file(db, path, by=by, fmt=fmt) for path in paths]


__all__ = ["ANNO_CONTEXT", "CSV_COLUMNS", "FORMATS", "ImportReport", "annotation_id", "detect_format",
           "export_jsonl", "export_w3c", "import_file", "import_files", "jsonl_records", "w3c_annotations",
           "write_jsonl", "write_w3c"]
