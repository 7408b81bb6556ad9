"""CSV: pressmark's own export (store.export writes it), read back by ``pressmark import``."""

from __future__ import annotations

import csv
from pathlib import Path

from store import untrusted
from store.errors import StoreError
from store.export import CSV_COLUMNS, write_csv
from store.formats.base import ArticleFinder, ImportReport, Records
from store.names import FORMULA_STARTS
from store.untrusted import MAX_DIGITS, csv_fields, csv_problem, lines, size_text

NEEDS = ("article", "sentence", "start", "end", "tag", "text", "note", "annotator")
write = write_csv


def sniff(head: str, first: str, complete: bool) -> bool:
    """Is a file that starts with ``head`` (``first``: its first line, ``complete`` if whole) one of ours?"""
    if not complete:
        return False
    try:
        header = next(csv.reader([first]), [])
    except csv.Error:
        return False
    return {"article", "sentence", "start", "end", "tag", "annotator"} <= set(header)


def _unneutralise(value: str) -> str:
    """Undo the CSV export's formula guard: a leading ' before = + - @ TAB CR."""
    return value[1:] if value[:1] == "'" and value[1:2] in FORMULA_STARTS else value


def _csv_number(value: str) -> int | str:
    """A field's whole number, or the field as it is (then refused, with a reason, by the Applier)."""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= MAX_DIGITS else value


def read(path: Path, report: ImportReport, finder: ArticleFinder, by: str) -> Records:
    """The rows of a pressmark CSV export (the formula guard undone); ``by`` is not needed: every row names
    its annotator."""
    def physical(f):
        for number, line in lines(f, untrusted.MAX_RECORD):
            if line is None:  # past it, the records of the file cannot be told apart
                raise StoreError(f"{path}, line {number}: longer than {size_text(untrusted.MAX_RECORD)}")
            yield line

    with open(path, encoding="utf-8-sig", newline="") as f, csv_fields(untrusted.MAX_RECORD):
        reader = csv.reader(physical(f))
        start = 1  # the line the record being read begins on
        try:
            header = next((r for r in reader if r), [])
            missing = set(NEEDS) - set(header)
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
                    if fields["annotator"]:  # else a sentence nobody tagged (--sentences all): nothing to import
                        report.skip("neither a tag nor a note", where)
                    continue
                article_id = finder.find(sha256=fields.get("sha256") or None, file=fields["article"],
                                         title=fields.get("title"))
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
            raise StoreError(f"{path}, line {start}: {csv_problem(exc, untrusted.MAX_RECORD)}") from None


__all__ = ["CSV_COLUMNS", "read", "sniff", "write"]
