"""Streaming CSV export: one row per (sentence, tag, annotator), in constant memory.

Files are written to a temporary file beside the target and renamed into place,
so a crash or a full disk never leaves half an export under the final name.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from store.db import Database, StoreError, db_path, is_readonly
from store.files import ARTICLE_SUFFIXES, safe_name

CSV_COLUMNS = ("article", "title", "sentence", "start", "end", "tag", "speaker", "text", "note",
               "annotator", "created_at", "updated_at", "status")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PROGRESS_EVERY = 10_000  # rows between progress callbacks


@dataclass(frozen=True, slots=True)
class ExportFilter:
    article_id: int | None = None
    tag: str | None = None
    annotator: str | None = None


# Tag rows, plus note rows for sentences the annotator did not tag; each tag
# row carries the annotator's note on that sentence, and the sentence's speaker
# (store.speakers; empty for narration and for orphans, whose sentence is gone).
_EXPORT_SQL = """
SELECT ar.file, ar.title, a.sentence, a.start, a."end", a.tag, sp.speaker, a.exact,
       CASE WHEN a.tag IS NULL THEN a.note ELSE (
           SELECT n.note FROM annotations n
           WHERE n.article_id = a.article_id AND n.sentence = a.sentence
             AND n.annotator = a.annotator AND n.tag IS NULL AND n.status = a.status) END,
       a.annotator, a.created_at, a.updated_at,
       CASE WHEN ar.status = 'missing' THEN 'missing' ELSE a.status END
FROM annotations a JOIN articles ar ON ar.id = a.article_id
LEFT JOIN tags tg ON tg.name = a.tag
LEFT JOIN sentence_speakers sp ON sp.article_id = a.article_id AND sp.n = a.sentence AND a.status = 'ok'
WHERE (a.tag IS NOT NULL OR NOT EXISTS (
          SELECT 1 FROM annotations t
          WHERE t.article_id = a.article_id AND t.sentence = a.sentence
            AND t.annotator = a.annotator AND t.tag IS NOT NULL AND t.status = a.status))
  {filters}
ORDER BY ar.file, ar.id, a.status, a.sentence, a.annotator, ifnull(tg.position, -1), a.tag
"""


def neutralise(value: object) -> object:
    """OWASP CSV-injection guard: a text field a spreadsheet would run as a formula gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _umask() -> int:
    """The process umask, read without changing it where the OS allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def export_rows(db: Database, flt: ExportFilter = ExportFilter()) -> Iterator[tuple]:
    """The export rows, streamed from SQLite in ``CSV_COLUMNS`` order.

    Speakers are attributed lazily (``store.derived``): every annotated article not yet attributed is
    attributed (and stored) first; in a read-only database such articles get theirs computed here."""
    from store.derived import ensure_speakers, has_table, sentence_speakers, speakers_current

    filters, params = [], []
    for column, value in (("a.article_id", flt.article_id), ("a.tag", flt.tag), ("a.annotator", flt.annotator)):
        if value is not None:
            filters.append(f"AND {column} = ?")
            params.append(value)
    ensure_speakers(db, None if flt.article_id is None else [flt.article_id], annotated=True)
    sql = _EXPORT_SQL.format(filters=" ".join(filters))
    if not is_readonly(db) or not has_table(db, "speaker_state"):
        yield from db.conn.execute(sql, params)
        return
    sql = sql.replace("SELECT ar.file,", "SELECT a.article_id, a.status, ar.file,", 1)
    fresh: dict[int, dict | None] = {}  # article id -> computed speakers, None when the stored ones are current
    for article_id, status, *row in db.conn.execute(sql, params):
        if article_id not in fresh:
            fresh.clear()  # rows come article by article
            fresh[article_id] = None if speakers_current(db, article_id) else sentence_speakers(db, article_id)
        if (computed := fresh[article_id]) is not None and status == "ok":
            speaker = computed.get(row[2])
            row[6] = speaker.name if speaker else None
        yield tuple(row)


def write_csv(db: Database, out: IO[str], flt: ExportFilter = ExportFilter(), *, raw: bool = False,
              progress: Callable[[int], None] | None = None) -> int:
    """Write the header and rows to ``out``; return the number of data rows."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for count, row in enumerate(export_rows(db, flt), 1):
        writer.writerow(row if raw else [neutralise(v) for v in row])
        if progress and count % PROGRESS_EVERY == 0:
            progress(count)
    return count


def _refuse_precious(db: Database, target: Path) -> None:
    """Never let an export overwrite the database or an article file it was made from."""
    resolved = target.resolve()
    database = Path(db_path(db)).resolve()
    if resolved in {database, *(database.with_name(database.name + s) for s in ("-wal", "-shm", "-journal"))}:
        raise StoreError(f"{target}: that is the pressmark database; choose another file name")
    # Any existing article-type file inside a synced folder, imported or not (a skipped one is still
    # someone's article), plus anything the database holds as an article.
    if resolved.is_file():
        for (root,) in db.conn.execute("SELECT DISTINCT root FROM articles").fetchall():
            if resolved.is_relative_to(root) and (resolved.suffix.lower() in ARTICLE_SUFFIXES or db.conn.execute(
                    "SELECT 1 FROM articles WHERE root = ? AND file = ?",
                    (root, safe_name(resolved.relative_to(root).as_posix()))).fetchone()):
                raise StoreError(f"{target}: that is an article file in {root}; choose another file name")


def write_atomically(db: Database, target: str | Path, write_to: Callable[[IO[str]], int],
                     example: str = "annotations.csv") -> int:
    """Write through ``write_to`` into a temporary file beside ``target``, then rename it into
    place; return what ``write_to`` returned. Refuses the database and article files."""
    target = Path(target)
    _refuse_precious(db, target)
    if target.is_dir():
        raise StoreError(f"{target}: is a folder; give a file name such as {target / example}")
    folder = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise StoreError(f"{target}: cannot write there ({exc.strerror or exc})") from None
    try:
        # mkstemp makes the file private; give it the mode a plain open() would have.
        os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            count = write_to(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count


def export_csv(db: Database, target: str | Path, flt: ExportFilter = ExportFilter(), *, raw: bool = False,
               progress: Callable[[int], None] | None = None) -> int:
    """Export atomically to the file ``target``; return the number of rows written."""
    return write_atomically(db, target, lambda out: write_csv(db, out, flt, raw=raw, progress=progress))
