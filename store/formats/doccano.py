"""doccano: a zip with one JSONL file per annotator, ``NAME.jsonl`` -- the shape doccano itself exports a
project whose members annotate apart (its "collaborative" export merges everyone into ``all.jsonl``, which
is the merged ``--format jsonl``). In doccano, each coder imports their own file into a sequence-labelling
project with "Allow overlapping spans" on: without it doccano keeps only the first of two spans that
overlap, and two tags on one sentence are two spans with the same start.

Each line is one article: ``text``, ``label`` (``[[start, end, "tag"], ...]``, code-point offsets), then
``annotator`` and the article's ``file``, ``title``, ``sha256``, ``source`` and ``date`` (doccano keeps the
keys it does not know as the example's metadata), and ``pressmark``: each span's times and the notes
(``store.formats.tools``).

Read back: these zips and doccano's own exports (a member's annotator is its ``annotator`` or else the file's
name; ``all.jsonl``'s lines are credited to the person importing). ``label`` items may also be doccano's
``{"start_offset", "end_offset", "label"}``.
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import IO

from store.db import Database
from store.errors import StoreError
from store.export import ExportFilter
from store.formats.base import ArticleFinder, ImportReport, Records
from store.formats.prodigy import json_lines
from store.formats.tools import (
    EXTRAS,
    Extras,
    annotators,
    codings,
    extras,
    member_name,
    open_zip,
    placed_rows,
    span_row,
    text_hash,
    zip_member,
    zip_writer,
)
from store.untrusted import string

COLLABORATIVE = "all"  # the member doccano's collaborative export writes everyone's labels into


def write(db: Database, out: IO[bytes], flt: ExportFilter = ExportFilter(),
          progress: Callable[[int], None] | None = None) -> int:
    """Write the zip to ``out``; return how many lines (one per article and annotator)."""
    count, taken = 0, set()
    with zip_writer(out) as archive:
        for name in annotators(db, flt):
            with zip_member(archive, member_name(name, taken) + ".jsonl") as f:
                for article, (coding,) in codings(db, replace(flt, annotator=name)):
                    label = sorted(([r["start"], r["end"], r["tag"]] for r in coding.tags), key=lambda s: s[:2])
                    f.write(json.dumps({"text": article.text, "label": label, "annotator": name, **article.fields(),
                                        EXTRAS: extras(coding)}, ensure_ascii=False) + "\n")
                    count += 1
                    if progress:
                        progress(count)
    return count


def sniff_zip(names: list[str]) -> bool:
    return any(n.endswith(".jsonl") for n in names) and not any(n.endswith(".ann") for n in names)


def _span(span: object) -> tuple:
    if isinstance(span, list) and len(span) == 3:
        return tuple(span)
    if isinstance(span, dict):
        return span.get("start_offset"), span.get("end_offset"), span.get("label")
    raise ValueError("not [start, end, label]")


def line_rows(record: object, by: str) -> tuple[dict, list[tuple[str, dict | str]]]:
    """The article keys of one line and (what, row or why not) for each of its spans and notes; ValueError
    when the line itself cannot be used."""
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    text = string(record.get("text"), "text")
    if not text:
        raise ValueError("no text")
    keys = {"sha256": text_hash(text), **{k: record.get(k) if isinstance(record.get(k), str) else None
                                          for k in ("file", "title")}}
    annotator = record.get("annotator") or by
    known = Extras(record.get(EXTRAS))
    rows: list[tuple[str, dict | str]] = [(EXTRAS, problem) for problem in known.problems]
    label = record.get("label", record.get("labels")) or []
    if not isinstance(label, list):
        return keys, rows + [("label", "label is not a list")]
    for i, span in enumerate(label):
        try:
            start, end, tag = _span(span)
            string(tag, "label")
            rows.append((f"label[{i}]", span_row(text, start, end, annotator, tag=tag,
                                                 times=known.of(start, end, tag))))
        except ValueError as exc:
            rows.append((f"label[{i}]", str(exc)))
    for i, (start, end, note, created, updated) in enumerate(known.notes):
        try:
            rows.append((f"{EXTRAS}.notes[{i}]", span_row(text, start, end, annotator, note=note,
                                                          times=(created, updated))))
        except ValueError as exc:
            rows.append((f"{EXTRAS}.notes[{i}]", str(exc)))
    return keys, rows


def read(path: Path, report: ImportReport, finder: ArticleFinder, by: str) -> Records:
    with open_zip(path) as archive:
        for info in archive.infolist():
            if info.is_dir() or not info.filename.endswith(".jsonl"):
                continue
            stem = PurePosixPath(info.filename).stem
            member_by = by if stem == COLLABORATIVE else stem
            try:
                with archive.open(info) as raw, io.TextIOWrapper(raw, "utf-8-sig") as f:
                    for where, record in json_lines(f, report, path, info.filename):
                        yield from placed_rows(record, where, lambda r, by=member_by: line_rows(r, by), report, finder)
            except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                raise StoreError(f"{path}: {info.filename} is damaged ({exc})") from None
