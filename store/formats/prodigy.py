"""Prodigy: JSONL, one task per article and annotator, as ``prodigy db-in`` reads them and ``db-out`` writes
them: ``_annotator_id`` (the annotator), ``answer`` "accept", ``meta`` (the article's ``file``, ``title``,
``sha256``, ``source`` and ``date``: Prodigy shows meta under the task), ``text`` and ``spans`` (``start``,
``end``, ``label``; character offsets, overlapping allowed, as in ``spans.manual``), then ``pressmark``
with each span's times and the notes, which Prodigy has no place for (``store.formats.tools``). Prodigy adds
its ``_input_hash`` and ``_task_hash`` itself.

Read back: pressmark's tasks and Prodigy's own (``db-out``) lines; a task answered "reject" or "ignore"
holds no annotations and is skipped.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from store import untrusted
from store.db import Database
from store.errors import StoreError
from store.export import ExportFilter
from store.formats.base import ArticleFinder, ImportReport, Records
from store.formats.tools import EXTRAS, Extras, codings, extras, placed_rows, span_row, text_hash
from store.untrusted import JsonError, JsonReader, lines, size_text, string

PRODIGY_KEYS = ("_annotator_id", "_session_id", "_input_hash", "_task_hash", "_view_id", "answer", "spans")


def task(article, coding) -> dict:
    spans = [{"start": r["start"], "end": r["end"], "label": r["tag"]} for r in coding.tags]
    return {"_annotator_id": coding.annotator, "answer": "accept", "meta": article.fields(), "text": article.text,
            "spans": spans, EXTRAS: extras(coding)}


def write(db: Database, out: IO[str], flt: ExportFilter = ExportFilter(),
          progress: Callable[[int], None] | None = None) -> int:
    """Write the tasks to ``out``; return how many (one per article and annotator)."""
    count = 0
    for article, annotators in codings(db, flt):
        for coding in annotators:
            out.write(json.dumps(task(article, coding), ensure_ascii=False) + "\n")
            count += 1
        if progress:
            progress(count)
    return count


def sniff(head: str, first: str, complete: bool) -> bool:
    """A JSON object line that names one of Prodigy's own keys before anything it cannot read."""
    reader = JsonReader(io.StringIO(first))
    try:
        reader.take("{")
        while True:
            if reader.value() in PRODIGY_KEYS:
                return True
            reader.take(":")
            reader.value()
            if reader.take(",}") == "}":
                return False
    except JsonError:
        return False


def task_rows(record: object, by: str) -> tuple[dict, list[tuple[str, dict | str]]]:
    """The article keys of one task and (what, row or why not) for each of its spans and notes; ValueError
    when the task itself cannot be used."""
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    text = string(record.get("text"), "text")
    if not text:
        raise ValueError("no text")
    if record.get("answer", "accept") != "accept":
        raise ValueError(f"answered {str(record.get('answer'))[:20]!r}, not accepted")
    meta = record.get("meta") if isinstance(record.get("meta"), dict) else {}
    keys = {"sha256": text_hash(text), **{k: meta.get(k) if isinstance(meta.get(k), str) else None
                                          for k in ("file", "title")}}
    annotator = record.get("_annotator_id") or record.get("_session_id") or by
    known = Extras(record.get(EXTRAS))
    rows: list[tuple[str, dict | str]] = [(EXTRAS, problem) for problem in known.problems]
    spans = record.get("spans") or []
    if not isinstance(spans, list):
        return keys, rows + [("spans", "spans is not a list")]
    for i, span in enumerate(spans):
        what = f"spans[{i}]"
        try:
            if not isinstance(span, dict):
                raise ValueError(f"{what} is not an object")
            tag = string(span.get("label"), "label")
            rows.append((what, span_row(text, span.get("start"), span.get("end"), annotator, tag=tag,
                                        times=known.of(span.get("start"), span.get("end"), tag))))
        except ValueError as exc:
            rows.append((what, str(exc)))
    for i, (start, end, note, created, updated) in enumerate(known.notes):
        try:
            rows.append((f"{EXTRAS}.notes[{i}]", span_row(text, start, end, annotator, note=note,
                                                          times=(created, updated))))
        except ValueError as exc:
            rows.append((f"{EXTRAS}.notes[{i}]", str(exc)))
    return keys, rows


def json_lines(f: IO[str], report: ImportReport, path: Path, name: str = "") -> Iterator[tuple[str, object]]:
    """(where, value) for each JSON line of ``f`` (``name``: of the member of a zip it is), too-long lines
    reported and skipped; a line that is not JSON stops the import."""
    for number, line in lines(f, untrusted.MAX_RECORD):
        where = f"{name}, line {number}" if name else f"line {number}"
        if line is None:
            report.skip(f"longer than {size_text(untrusted.MAX_RECORD)}", where)
            continue
        if not line.strip():
            continue
        try:
            yield where, JsonReader(io.StringIO(line)).document()
        except JsonError as exc:
            raise StoreError(f"{path}, {where}: {exc}") from None


def read(path: Path, report: ImportReport, finder: ArticleFinder, by: str) -> Records:
    with open(path, encoding="utf-8-sig") as f:
        for where, record in json_lines(f, report, path):
            yield from placed_rows(record, where, lambda r: task_rows(r, by), report, finder)
