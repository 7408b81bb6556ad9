"""JSONL, doccano style: one line per article that has annotations (after the filters), with its ``text``,
doccano's ``label`` (``[[start, end, "tag"], ...]``: the distinct placed tag spans, any annotator) and
pressmark's full detail: ``annotations`` (one per sentence, tag and annotator, with the anchor: sentence,
start, end, exact, prefix, suffix, and status), ``notes``, ``annotators`` and, when the database has speaker
attribution, ``speakers`` (sentence, start, end, speaker, speaker_role when known, quoted). Offsets are code
points (Python ``str`` indices) into ``text``. Read back: pressmark's own lines, and plain doccano lines
(``text`` and ``label``), credited to the person importing."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from store import untrusted
from store.db import Database
from store.errors import StoreError
from store.export import ExportFilter
from store.formats.base import (
    ROW,
    ArticleFinder,
    ImportReport,
    Records,
    annotated_articles,
    article_rows,
    article_text,
    speaker_spans,
)
from store.untrusted import JsonError, JsonReader, lines, size_text, string


def jsonl_records(db: Database, flt: ExportFilter = ExportFilter()) -> Iterator[dict]:
    """One dict per article, as written to a JSONL line."""
    for article_id, file, title, source, date, sha, status in annotated_articles(db, flt):
        tags, notes = article_rows(db, article_id, flt)
        spans = list(dict.fromkeys((r["start"], r["end"], r["tag"]) for r in tags if r["status"] == "ok"))
        spans.sort(key=lambda s: (s[0], s[1]))  # stable: codebook order within a span
        record = {
            "file": file, "title": title, "source": source, "date": date, "sha256": sha, "status": status,
            "text": article_text(db, article_id),
            "label": [list(s) for s in spans],
            "annotations": [{k: r[k] for k in ROW if k != "note"} for r in tags],
            "notes": [{k: r[k] for k in ROW if k != "tag"} for r in notes],
            "annotators": sorted({r["annotator"] for r in tags + notes}),
        }
        speakers = speaker_spans(db, article_id)
        if speakers is not None:
            record["speakers"] = speakers
        yield record


def write(db: Database, out: IO[str], flt: ExportFilter = ExportFilter(),
          progress: Callable[[int], None] | None = None) -> int:
    """Write the JSONL lines to ``out``; return the number of articles (also given to ``progress`` as it goes)."""
    count = 0
    for count, record in enumerate(jsonl_records(db, flt), 1):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        if progress:
            progress(count)
    return count


def sniff(head: str, first: str, complete: bool) -> bool:
    from store.formats.w3c import w3c_line

    return head.startswith("{") and not w3c_line(first, complete)


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


def read(path: Path, report: ImportReport, finder: ArticleFinder, by: str) -> Records:
    with open(path, encoding="utf-8-sig") as f:
        for number, line in lines(f, untrusted.MAX_RECORD):
            where = f"line {number}"
            if line is None:
                report.skip(f"longer than {size_text(untrusted.MAX_RECORD)}", where)
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


