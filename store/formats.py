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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from store.annotate import _Recorder
from store.db import Database, StoreError, has_table, write
from store.export import CSV_COLUMNS, FORMULA_STARTS, ExportFilter, write_atomically
from store.merge import Applier, ApplyReport, match_article
from store.sentences import spans

FORMATS = ("csv", "jsonl", "w3c")
SUFFIXES = {"csv": ".csv", "jsonl": ".jsonl", "w3c": ".jsonld"}
ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
COLLECTION_LABEL = "pressmark annotations"
NAMESPACE = uuid.UUID("dc16c83d-48f8-4dc0-8f99-54eef40ab909")  # pressmark's UUIDv5 namespace: never change it

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
    articles_unknown: list[str] = field(default_factory=list)  # articles of the file not in this database


def detect_format(path: str | Path) -> str:
    """"csv", "jsonl" or "w3c", from the file's content (not its name)."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        first = f.readline()
        while first and not first.strip():
            first = f.readline()
    stripped = first.strip()
    if stripped.startswith("{"):
        try:
            line = json.loads(stripped)
        except ValueError:
            line = None  # a JSON document over several lines: W3C
        if isinstance(line, dict) and "text" in line and ("annotations" in line or "label" in line):
            return "jsonl"
        return "w3c"
    if stripped.startswith("["):
        return "w3c"
    header = next(csv.reader(io.StringIO(first, newline="")), [])
    if {"article", "sentence", "start", "end", "tag", "annotator"} <= set(header):
        return "csv"
    raise StoreError(f"{path}: not a pressmark CSV, JSONL or W3C export")


def _unneutralise(value: str) -> str:
    """Undo the CSV export's formula guard: a leading ' before = + - @ TAB CR."""
    return value[1:] if value[:1] == "'" and value[1:2] in FORMULA_STARTS else value


class _ArticleFinder:
    """Finds (and caches) the local article an imported record refers to."""

    def __init__(self, db: Database, report: ImportReport):
        self.db, self.report = db, report
        self.cache: dict[tuple, int | None] = {}

    def find(self, *, sha256: str | None = None, file: str | None = None, title: str | None = None,
             quotes: Iterable[str] = ()) -> int | None:
        key = (sha256, file, title)
        if key not in self.cache:
            found = match_article(self.db, sha256=sha256, file=file, title=title)
            article_id = found[0] if found else self._by_quotes(quotes)
            self.cache[key] = article_id
            if article_id is None:
                self.report.articles_unknown.append(file or (f"urn:sha256:{sha256}" if sha256 else "?"))
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


def _csv_records(path: Path, finder: _ArticleFinder) -> Iterator[tuple[int, dict]]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = {"article", "sentence", "start", "end", "tag", "text", "note", "annotator"} - set(reader.fieldnames or ())
        if missing:
            raise StoreError(f"{path}: not a pressmark CSV export (no {', '.join(sorted(missing))} column)")
        for record in reader:
            fields = {k: _unneutralise(v) if isinstance(v, str) else v for k, v in record.items() if k}
            article_id = finder.find(file=fields["article"], title=fields.get("title"))
            if article_id is None:
                continue
            base = {"sentence": fields["sentence"], "start": fields["start"], "end": fields["end"],
                    "exact": fields.get("text") or "", "annotator": fields["annotator"],
                    "created_at": fields.get("created_at"), "updated_at": fields.get("updated_at"),
                    "status": fields.get("status")}
            if fields.get("tag"):
                yield article_id, {**base, "tag": fields["tag"], "note": None}
            if fields.get("note"):
                yield article_id, {**base, "tag": None, "note": fields["note"]}


def _jsonl_records(path: Path, finder: _ArticleFinder, by: str) -> Iterator[tuple[int, dict]]:
    with open(path, encoding="utf-8-sig") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                raise StoreError(f"{path}, line {number}: not JSON") from None
            if not isinstance(record, dict):
                raise StoreError(f"{path}, line {number}: not a JSON object")
            text = record.get("text") if isinstance(record.get("text"), str) else None
            sha = record.get("sha256") or (hashlib.sha256(text.encode("utf-8")).hexdigest() if text else None)
            article_id = finder.find(sha256=sha, file=record.get("file"), title=record.get("title"))
            if article_id is None:
                continue
            if "annotations" in record or "notes" in record:
                for item in record.get("annotations") or []:
                    if isinstance(item, dict):
                        yield article_id, {**item, "note": None}
                for item in record.get("notes") or []:
                    if isinstance(item, dict):
                        yield article_id, {**item, "tag": None}
                continue
            # A plain doccano line: spans of the line's text, credited to the person importing.
            for span in record.get("label") or []:
                if isinstance(span, list) and len(span) == 3 and text is not None:
                    start, end, tag = span
                    if isinstance(start, int) and isinstance(end, int):
                        yield article_id, {"start": start, "end": end, "exact": text[start:end], "tag": tag,
                                           "note": None, "annotator": record.get("annotator") or by}


def _w3c_items(data: object) -> Iterator[dict]:
    if isinstance(data, list):
        for item in data:
            yield from _w3c_items(item)
    elif isinstance(data, dict):
        kind = data.get("type")
        if kind == "AnnotationCollection":
            yield from _w3c_items(data.get("first"))
        elif kind == "AnnotationPage":
            yield from _w3c_items(data.get("items"))
        elif kind == "Annotation":
            yield data


def _as_list(value: object) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def _w3c_rows(annotation: dict) -> tuple[str | None, list[dict]]:
    """(source, rows) of one Annotation; the rows share its target's anchor."""
    creator = annotation.get("creator")
    if isinstance(creator, list):
        creator = creator[0] if creator else None
    name = creator.get("name") or creator.get("nickname") if isinstance(creator, dict) else creator
    target = next((t for t in _as_list(annotation.get("target")) if isinstance(t, dict)), {})
    anchor: dict = {}
    for selector in _as_list(target.get("selector")):
        if not isinstance(selector, dict):
            continue
        if selector.get("type") == "TextQuoteSelector":
            anchor.update(exact=selector.get("exact"), prefix=selector.get("prefix"), suffix=selector.get("suffix"))
        elif selector.get("type") == "TextPositionSelector":
            anchor.update(start=selector.get("start"), end=selector.get("end"))
    source = target.get("source")
    source = source.get("id") if isinstance(source, dict) else source
    rows = []
    for body in _as_list(annotation.get("body")):
        if not isinstance(body, dict) or body.get("type") != "TextualBody":
            continue
        base = {**anchor, "annotator": name, "created_at": annotation.get("created"),
                "updated_at": annotation.get("modified")}
        if body.get("purpose") == "tagging":
            rows.append({**base, "tag": body.get("value"), "note": None})
        elif body.get("purpose") == "commenting":
            rows.append({**base, "tag": None, "note": body.get("value"),
                         "created_at": body.get("created") or base["created_at"],
                         "updated_at": body.get("modified") or base["updated_at"]})
    return (source if isinstance(source, str) else None), rows


def _w3c_records(path: Path, finder: _ArticleFinder) -> Iterator[tuple[int, dict]]:
    try:
        with open(path, encoding="utf-8-sig") as f:
            data = json.load(f)
    except ValueError as exc:
        raise StoreError(f"{path}: not valid JSON ({exc})") from None
    by_source: dict[str | None, list[dict]] = defaultdict(list)
    for annotation in _w3c_items(data):
        source, rows = _w3c_rows(annotation)
        by_source[source].extend(rows)
    for source, rows in by_source.items():
        sha = source[len("urn:sha256:"):].lower() if source and source.startswith("urn:sha256:") else None
        file = None if sha or not source else source
        article_id = finder.find(sha256=sha, file=file, quotes=[r.get("exact") or "" for r in rows])
        if article_id is not None:
            for row in rows:
                yield article_id, row


def import_file(db: Database, path: str | Path, *, by: str, fmt: str | None = None) -> ImportReport:
    """Import one pressmark export (format detected unless ``fmt``) as one logged action by ``by``."""
    path = Path(path)
    if not path.is_file():
        raise StoreError(f"{path}: no such file")
    try:
        fmt = fmt or detect_format(path)
    except UnicodeDecodeError:
        raise StoreError(f"{path}: not a UTF-8 text file") from None
    if fmt not in FORMATS:
        raise StoreError(f"{fmt}: unknown format (choose from {', '.join(FORMATS)})")
    report = ImportReport(source=str(path), format=fmt)
    try:
        with write(db):
            rec = _Recorder(db, by, f"import {path.name}")
            applier = Applier(db, rec, report)
            finder = _ArticleFinder(db, report)
            records = (_csv_records(path, finder) if fmt == "csv" else _jsonl_records(path, finder, by)
                       if fmt == "jsonl" else _w3c_records(path, finder))
            for article_id, row in records:
                applier.apply(article_id, row)
            report.action_id = rec.action_id
    except UnicodeDecodeError:
        raise StoreError(f"{path}: not a UTF-8 text file") from None
    except csv.Error as exc:
        raise StoreError(f"{path}: not a readable CSV file ({exc})") from None
    return report


def import_files(db: Database, paths: Iterable[str | Path], *, by: str, fmt: str | None = None) -> list[ImportReport]:
    return [import_file(db, path, by=by, fmt=fmt) for path in paths]


__all__ = ["ANNO_CONTEXT", "CSV_COLUMNS", "FORMATS", "ImportReport", "annotation_id", "detect_format",
           "export_jsonl", "export_w3c", "import_file", "import_files", "jsonl_records", "w3c_annotations",
           "write_jsonl", "write_w3c"]
