"""W3C Web Annotation: one ``AnnotationCollection`` (JSON-LD, ``@context``
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

Read back one annotation at a time (a collection's first page, a page, an array, or a lone Annotation).
"""

from __future__ import annotations

import hashlib
import io
import json
import uuid
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import IO

from store import untrusted
from store.db import Database
from store.errors import StoreError
from store.export import PROGRESS_EVERY, ExportFilter
from store.formats.base import ArticleFinder, ImportReport, Records, annotated_articles, article_rows
from store.untrusted import JsonError, JsonReader, size_text, string

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
COLLECTION_LABEL = "pressmark annotations"
NAMESPACE = uuid.UUID("dc16c83d-48f8-4dc0-8f99-54eef40ab909")  # pressmark's UUIDv5 namespace: never change it
W3C_TYPES = ("Annotation", "AnnotationPage", "AnnotationCollection")
RUN = 1000  # W3C annotations on one source that are matched to an article together


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
    for article_id, _file, _title, _source, _date, sha, _status in annotated_articles(db, flt):
        tags, notes = article_rows(db, article_id, flt)
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


def write(db: Database, out: IO[str], flt: ExportFilter = ExportFilter(),
          progress: Callable[[int], None] | None = None) -> int:
    """Write the AnnotationCollection to ``out``, one Annotation per line; return how many (also given to
    ``progress`` every ``PROGRESS_EVERY``)."""
    digest = hashlib.sha256()
    out.write('{"@context": %s, "type": "AnnotationCollection", "label": %s,\n "first": {"type": "AnnotationPage",'
              ' "startIndex": 0, "items": [' % (json.dumps(ANNO_CONTEXT), json.dumps(COLLECTION_LABEL)))
    count = 0
    for count, annotation in enumerate(w3c_annotations(db, flt), 1):
        line = json.dumps(annotation, ensure_ascii=False)
        digest.update(line.encode("utf-8") + b"\n")
        out.write(("\n  " if count == 1 else ",\n  ") + line)
        if progress and count % PROGRESS_EVERY == 0:
            progress(count)
    collection = f"urn:uuid:{uuid.uuid5(NAMESPACE, 'collection|' + digest.hexdigest())}"
    out.write('\n ], "id": %s},\n "total": %d, "id": %s}\n'
              % (json.dumps(f"urn:uuid:{uuid.uuid5(NAMESPACE, 'page|' + digest.hexdigest())}"), count,
                 json.dumps(collection)))
    return count


def sniff(head: str, first: str, complete: bool) -> bool:
    return head.startswith("[") or head.startswith("{") and w3c_line(first, complete)


def w3c_line(line: str, complete: bool) -> bool:
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


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


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
            yield from reader.array()
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
        yield from reader.array()
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
             finder: ArticleFinder) -> Records:
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


def read(path: Path, report: ImportReport, finder: ArticleFinder, by: str) -> Records:
    """The annotations in file order; consecutive ones on one source (up to ``RUN``) find their article together."""
    with open(path, encoding="utf-8-sig") as f:
        reader = JsonReader(f, untrusted.MAX_RECORD)
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


