"""``pressmark import``: read an export back (any format of the registry that can be read), matching each
article to one already here (hash, then file name, then -- for W3C, whose only article identifier is the text
hash -- the article containing the quotes), re-anchoring by quote where the text differs, and applying the
rows with ``store.merge``'s policy (never another annotator's rows, newer note wins, idempotent), one logged
action per file."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from store.db import Database, write
from store.errors import StoreError
from store.events import Recorder
from store.formats import FORMATS, get
from store.formats.base import ArticleFinder, ImportReport
from store.merge import Applier
from store.untrusted import prefix


def detect_format(path: str | Path) -> str:
    """The format's name, from the start of the file's content (not its name): a zip by the names of its
    files; any other file by at most ``PREFIX`` bytes, and a binary or non-UTF-8 file is refused. Formats
    that recognise a file by a marker of their own are tried before those that take any JSON."""
    if _zipped(Path(path)):
        from store.formats.tools import open_zip

        with open_zip(Path(path)) as archive:
            names = archive.namelist()
        for fmt in FORMATS.values():
            if fmt.readable and fmt.binary and fmt.code().sniff_zip(names):
                return fmt.name
        raise StoreError(f"{path}: a zip, but not a pressmark {_names(binary=True)} export")
    text, whole = prefix(Path(path))
    head = text.lstrip(" \t\r\n")
    first, newline, _ = head.partition("\n")
    for fmt in sorted((f for f in FORMATS.values() if f.readable and not f.binary), key=lambda f: f.generic):
        if fmt.code().sniff(head, first, bool(newline) or whole):
            return fmt.name
    raise StoreError(f"{path}: not a pressmark {_names(binary=False)} export (nor a {_names(binary=True)} zip)")


def _names(binary: bool) -> str:
    names = [f.title for f in FORMATS.values() if f.readable and f.binary == binary]
    return " or ".join(names) if len(names) < 3 else f"{', '.join(names[:-1])} or {names[-1]}"


def _zipped(path: Path) -> bool:
    from store.formats.tools import ZIP_MAGIC

    try:
        with open(path, "rb") as f:
            return f.read(len(ZIP_MAGIC)) == ZIP_MAGIC
    except OSError as exc:
        raise StoreError(f"{path}: cannot read ({exc.strerror or exc})") from None


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
    elif get(fmt).binary != _zipped(path):  # an unknown name is refused here too
        raise StoreError(f"{path}: {'not a zip' if get(fmt).binary else 'a zip'}, so not a {fmt} export")
    elif not get(fmt).binary:
        prefix(path)  # a binary or non-UTF-8 file is refused before it is read, whatever the format given
    report = ImportReport(source=str(path), format=fmt)
    try:
        with write(db):
            rec = Recorder(db, by, f"import {path.name}")
            applier = Applier(db, rec, report)
            for article_id, row, where in get(fmt).code().read(path, report, ArticleFinder(db, report), by):
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
