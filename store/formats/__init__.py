"""Annotation exchange formats: one registry of what pressmark writes and reads back.

Each :class:`Format` names its ``--format`` name, its file suffix, what the count an export returns
counts, and the module that does the work (imported only when used). That module provides
``write(db, out, flt, **options) -> count`` (a text stream, written in one pass from SQLite), and, when the
format can be imported, ``read(path, report, finder, by)`` and ``sniff(head, first_line, complete)``
(see ``store.formats.importing``). ``pressmark export``, ``pressmark import`` and the reader's export
dialog all read :data:`FORMATS`: a new format is a module and a line here.

Files are written atomically (``store.export.write_atomically``): a temporary file beside the target,
renamed into place, never over the database or an article.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import IO

from store.errors import StoreError


@dataclass(frozen=True, slots=True)
class Format:
    name: str  # what --format takes
    suffix: str  # of the default file name, annotations.SUFFIX
    unit: str  # what an export's count counts
    summary: str  # one line for help texts
    module: str  # the module that writes (and reads, when ``readable``) it
    readable: bool = True  # pressmark import reads it back

    def code(self) -> ModuleType:
        return importlib.import_module(self.module)

    @property
    def default_file(self) -> str:
        return f"annotations{self.suffix}"

    def counted(self, n: int) -> str:
        """``n`` with its unit: "1 row", "3 rows"."""
        return f"{n:,} {self.unit if n != 1 else self.unit.removesuffix('s')}"


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("csv", ".csv", "rows", "one row per sentence, tag and annotator: spreadsheets, pandas, R",
           "store.formats.csvfile"),
    Format("jsonl", ".jsonl", "articles", "one article a line, with its text and doccano-style spans",
           "store.formats.jsonl"),
    Format("w3c", ".jsonld", "annotations", "a W3C Web Annotation collection (JSON-LD)", "store.formats.w3c"),
)}


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
    return write_atomically(db, target, lambda out: write(db, name, out, flt, **options), get(name).default_file)


__all__ = ["FORMATS", "Format", "export", "get", "write"]
