"""Annotation exchange formats: one registry of what pressmark writes and reads back.

Each :class:`Format` names its ``--format`` name, its file suffix, what the count an export returns
counts, and the module that does the work (imported only when used). That module provides
``write(db, out, flt, **options) -> count`` (a text stream, written in one pass from SQLite), and, when the
format can be imported, ``read(path, report, finder, by)`` and ``sniff(head, first_line, complete)``
(see ``store.formats.importing``). ``pressmark export``, ``pressmark import`` and the reader's export
dialog all read :data:`FORMATS`: a new format is a module and a line here.

A format of several files (brat's ``.txt`` and ``.ann`` per article and annotator, doccano's file per
annotator) is one zip: ``binary``, its ``write`` gets a binary stream and its module has
``sniff_zip(member names)`` instead of ``sniff``. So it is still one file, written atomically, to standard
output or to a pipe as well, and ``pressmark import`` takes it as it is; brat and doccano users unzip it.

Files are written atomically (``store.export.write_atomically``): a temporary file beside the target,
renamed into place, never over the database or an article.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import IO, NamedTuple

from store.errors import StoreError


class Format(NamedTuple):  # not a frozen dataclass: the CLI imports this module on its way to the reader (1.4 ms less)
    name: str  # what --format takes
    title: str  # how people write it
    suffix: str  # of the default file name, annotations.SUFFIX
    unit: str  # what an export's count counts
    summary: str  # one line for help texts
    module: str  # the module that writes (and reads, when ``readable``) it
    readable: bool = True  # pressmark import reads it back
    binary: bool = False  # a zip, written to a binary stream
    generic: bool = False  # recognises any JSON object line or array: tried after the formats with a marker
    per_annotator: bool = False  # counts (article, annotator) pairs
    round_trip: str = ""  # what export then import gives back: the README's formats table says it

    def code(self) -> ModuleType:
        return importlib.import_module(self.module)

    @property
    def default_file(self) -> str:
        return f"annotations{self.suffix}"

    def counted(self, n: int) -> str:
        """``n`` with its unit: "1 row", "3 rows"."""
        return f"{n:,} {self.unit if n != 1 else self.unit.removesuffix('s')}"


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("csv", "CSV", ".csv", "rows", "one row per sentence, tag and annotator: spreadsheets, pandas, R",
           "store.formats.csvfile",
           round_trip="tags, notes, annotators, times and orphans; a note on a tagged sentence comes back "
                      "with the tag's times"),
    Format("jsonl", "JSONL", ".jsonl", "articles", "one article a line, with its text and doccano-style spans",
           "store.formats.jsonl", generic=True,
           round_trip="everything: tags, notes, annotators, times, orphans"),
    Format("w3c", "W3C", ".jsonld", "annotations", "a W3C Web Annotation collection (JSON-LD)",
           "store.formats.w3c", generic=True,
           round_trip="everything: tags, notes, annotators, times, orphans"),
    Format("labelstudio", "Label Studio", ".labelstudio.json", "articles",
           "Label Studio tasks: each annotator's labels and notes on the article", "store.formats.labelstudio",
           round_trip="tags, notes, annotators and times (each span's in `pressmark`); not orphans"),
    Format("prodigy", "Prodigy", ".prodigy.jsonl", "tasks",
           "Prodigy tasks, one per article and annotator, with spans and meta", "store.formats.prodigy",
           per_annotator=True,
           round_trip="tags, notes, annotators and times (notes and times in `pressmark`); not orphans"),
    Format("doccano", "doccano", ".doccano.zip", "lines", "doccano: a zip of one JSONL file per annotator",
           "store.formats.doccano", binary=True, per_annotator=True,
           round_trip="tags, notes, annotators and times (notes and times in `pressmark`); not orphans"),
    Format("brat", "brat", ".brat.zip", "documents",
           "brat standoff: a zip of .txt and .ann files, a folder per annotator", "store.formats.brat",
           binary=True, per_annotator=True,
           round_trip="tags, notes, annotators and times (times and exact notes in each document's "
                      "`.pressmark.json`); not orphans"),
)}


def formats_table() -> str:
    """The README's table of formats (a test keeps the README's copy the same)."""
    rows = ["| format | command | what round-trips |", "|---|---|---|"]
    for f in FORMATS.values():
        command = f"`pressmark export --format {f.name}`" + (" (a zip)" if f.binary else "")
        rows.append(f"| {f.title} | {command} | {f.round_trip} |")
    return "\n".join(rows) + "\n"


def get(name: str) -> Format:
    try:
        return FORMATS[name]
    except KeyError:
        raise StoreError(f"{name}: unknown format (choose from {', '.join(FORMATS)})") from None


def write(db, name: str, out: IO[str], flt=None, **options) -> int:
    """Write the export in format ``name`` to the text stream ``out``; return its count (``Format.unit``)."""
    from store.export import ExportFilter

    return get(name).code().write(db, out, flt or ExportFilter(), **options)


def export(db, name: str, target: str | Path, flt=None, **options) -> int:
    """Write the export in format ``name`` to the file ``target``, atomically; return its count."""
    from store.export import write_atomically

    if name == "csv":  # the parts of a big CSV export go beside it: the same disk, with room for it
        options.setdefault("scratch", Path(target).parent)
    return write_atomically(db, target, lambda out: write(db, name, out, flt, **options), get(name).default_file,
                            binary=get(name).binary)


__all__ = ["FORMATS", "Format", "export", "formats_table", "get", "write"]
