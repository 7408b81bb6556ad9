"""Streaming CSV export: one row per (sentence, tag, annotator), in constant memory.

Files are written to a temporary file beside the target and renamed into place,
so a crash or a full disk never leaves half an export under the final name.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import os
import queue
import shutil
import signal
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from store.db import Database, db_path, is_readonly
from store.errors import DISK_FULL, StoreError, disk_full
from store.files import ARTICLE_SUFFIXES, safe_name

CSV_COLUMNS = ("article", "title", "sentence", "start", "end", "tag", "speaker", "text", "note",
               "annotator", "created_at", "updated_at", "status")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PROGRESS_EVERY = 10_000  # rows between progress callbacks


@dataclass(frozen=True, slots=True)
class ExportFilter:
    articles: tuple[int, ...] = ()  # article ids; none: every article
    tag: str | None = None
    annotator: str | None = None

    def article_sql(self, column: str) -> str:
        """`` AND column IN (ids)`` for the articles asked for (ids are ints: nothing to quote), else ``""``."""
        return f" AND {column} IN ({', '.join(str(int(i)) for i in self.articles)})" if self.articles else ""


# Tag rows, plus note rows for sentences the annotator did not tag; each tag
# row carries the annotator's note on that sentence, and the sentence's speaker
# (store.speakers; empty for narration and for orphans, whose sentence is gone).
# The notes and the tagged sentences are gathered once each (two passes over the
# annotations) rather than looked up row by row: on 1,000,000 annotations that is
# 12 s instead of 17 s. {scope} narrows both to the article and annotator asked for.
_EXPORT_SQL = """
WITH notes AS {materialized} (
    SELECT article_id, sentence, annotator, status, max(note) AS note FROM annotations
    WHERE tag IS NULL {scope} GROUP BY article_id, sentence, annotator, status),
tagged AS {materialized} (
    SELECT DISTINCT article_id, sentence, annotator, status FROM annotations WHERE tag IS NOT NULL {scope})
SELECT {columns}
FROM annotations a JOIN articles ar ON ar.id = a.article_id
LEFT JOIN tags tg ON tg.name = a.tag
LEFT JOIN sentence_speakers sp ON sp.article_id = a.article_id AND sp.n = a.sentence AND a.status = 'ok'
LEFT JOIN notes n ON a.tag IS NOT NULL AND n.article_id = a.article_id AND n.sentence = a.sentence
     AND n.annotator = a.annotator AND n.status = a.status
LEFT JOIN tagged t ON a.tag IS NULL AND t.article_id = a.article_id AND t.sentence = a.sentence
     AND t.annotator = a.annotator AND t.status = a.status
WHERE (a.tag IS NOT NULL OR t.article_id IS NULL) {filters}
ORDER BY ar.file, ar.id, a.status, a.sentence, a.annotator, ifnull(tg.position, -1), a.tag
"""
# CSV_COLUMNS as SQL, each with whether it is text (the only kind a spreadsheet could run as a formula).
_COLUMNS = (("ar.file", True), ("ar.title", True), ("a.sentence", False), ("a.start", False),
            ('a."end"', False), ("a.tag", True), ("sp.speaker", True), ("a.exact", True),
            ("CASE WHEN a.tag IS NULL THEN a.note ELSE n.note END", True), ("a.annotator", True),
            ("a.created_at", True), ("a.updated_at", True),
            ("CASE WHEN ar.status = 'missing' THEN 'missing' ELSE a.status END", True))
SPEAKER = CSV_COLUMNS.index("speaker")
FETCH_ROWS = 1000  # rows fetched from SQLite at a time
PARALLEL_MIN_ROWS = 200_000  # annotations from which an export is written by several processes
MAX_EXPORT_WORKERS = 4


def _neutralised(sql: str) -> str:
    """``neutralise`` in SQL, so that rows go from SQLite to the csv module without a Python loop."""
    starts = ", ".join(f"char({ord(c)})" for c in FORMULA_STARTS)
    return f"CASE WHEN substr({sql}, 1, 1) IN ({starts}) THEN '''' || ({sql}) ELSE {sql} END"


def _export_sql(flt: ExportFilter, neutralised: bool, with_article: bool, part: tuple = (None, None)
                ) -> tuple[str, dict]:
    """The export query and its parameters; ``part`` limits it to articles from one (file, id) up to another."""
    params = {"tag": flt.tag, "annotator": flt.annotator}
    wanted = [name for name, value in params.items() if value is not None]
    scope = flt.article_sql("article_id") + "".join(f" AND {name} = :{name}" for name in wanted if name != "tag")
    filters = flt.article_sql("a.article_id") + "".join(f" AND a.{name} = :{name}" for name in wanted)
    ranges = []
    for bound, op, key in (("from", ">=", part[0]), ("to", "<", part[1])):
        if key is not None:
            ranges.append(f"(file, id) {op} (:{bound}_file, :{bound}_id)")
            params[f"{bound}_file"], params[f"{bound}_id"] = key
    if ranges:
        in_part = f"IN (SELECT id FROM articles WHERE {' AND '.join(ranges)})"
        scope += f" AND article_id {in_part}"
        filters += f" AND a.article_id {in_part}"
    columns = [_neutralised(sql) if neutralised and text else sql for sql, text in _COLUMNS]
    if with_article:
        columns = ["a.article_id", "a.status", *columns]
    materialized = "MATERIALIZED" if sqlite3.sqlite_version_info >= (3, 35) else ""  # the hint is 3.35+
    return _EXPORT_SQL.format(materialized=materialized, scope=scope, columns=", ".join(columns),
                              filters=filters), params


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


def export_rows(db: Database, flt: ExportFilter = ExportFilter(), *, neutralised: bool = False) -> Iterator[tuple]:
    """The export rows, streamed from SQLite in ``CSV_COLUMNS`` order (text fields ``neutralise``d if asked).

    Speakers are attributed lazily (``store.derived``): every annotated article not yet attributed is
    attributed (and stored) first; in a read-only database such articles get theirs computed here."""
    return _rows(db, flt, neutralised, _speakers_ready(db, flt))


def _speakers_ready(db: Database, flt: ExportFilter) -> set[int]:
    """Attribute the export's stale articles where that can be stored; return those it could not."""
    from store.derived import ensure_speakers, stale_speakers

    scope = list(flt.articles) or None
    ensure_speakers(db, scope, annotated=True)
    return stale_speakers(db, scope, annotated=True) if is_readonly(db) else set()


def _rows(db: Database, flt: ExportFilter, neutralised: bool, stale: set[int]) -> Iterator[tuple]:
    sql, params = _export_sql(flt, neutralised, with_article=bool(stale))
    rows = db.conn.execute(sql, params)
    return _with_computed_speakers(db, rows, stale, neutralised) if stale else rows


def _with_computed_speakers(db: Database, rows: Iterator[tuple], stale: set[int], neutralised: bool
                            ) -> Iterator[tuple]:
    """Rows of a read-only database, with speakers computed for the articles it holds none current for."""
    from store.derived import sentence_speakers

    computed: dict[int, dict] = {}  # rows come article by article: only the current one is kept
    for article_id, status, *row in rows:
        if article_id in stale and status == "ok":
            if article_id not in computed:
                computed = {article_id: sentence_speakers(db, article_id)}
            speaker = computed[article_id].get(row[2])
            name = speaker.name if speaker else None
            row[SPEAKER] = neutralise(name) if neutralised else name
        yield tuple(row)


def write_csv(db: Database, out: IO[str], flt: ExportFilter = ExportFilter(), *, raw: bool = False,
              progress: Callable[[int], None] | None = None, scratch: str | Path | None = None) -> int:
    """Write the header and rows to ``out``; return the number of data rows.

    A big export of a database file is split by article into contiguous parts written by worker
    processes side by side (SQLite and the csv module each take about half of the time, and
    neither lets a thread run beside it) into a folder in ``scratch`` (default: the system's
    temporary folder), then joined in order.

    Each worker reads with its own connection, so the parts agree only if nothing was committed
    meanwhile (a sync, someone tagging); otherwise the export is made again in this process, from
    one snapshot, like a small one."""
    out.write(",".join(CSV_COLUMNS) + "\r\n")  # what csv.writer writes for the header
    stale = _speakers_ready(db, flt)
    parts = [] if stale else _parts(db, flt)  # decided before the query runs: it would be work thrown away
    if len(parts) >= 2:
        before = _data_version(db)
        written = _write_in_parts(db_path(db), flt, raw, parts, out, progress, scratch,
                                  unchanged=lambda: _data_version(db) == before)
        if written is not None:
            return written
        stale = _speakers_ready(db, flt)  # a sync may have replaced articles since
    return _write_rows(_rows(db, flt, not raw, stale), out, progress)


def _data_version(db: Database) -> int:
    """Changes when another connection commits (SQLite's PRAGMA data_version)."""
    return db.conn.execute("PRAGMA data_version").fetchone()[0]


def _write_rows(rows, out: IO[str], progress: Callable[[int], None] | None, done: int = 0) -> int:
    writer = csv.writer(out)
    count = 0
    size = min(FETCH_ROWS, PROGRESS_EVERY)
    fetch = rows.fetchmany if hasattr(rows, "fetchmany") else lambda n: list(itertools.islice(rows, n))
    while batch := fetch(size):
        writer.writerows(batch)
        count += len(batch)
        if progress and count % PROGRESS_EVERY < len(batch):
            progress(done + count - count % PROGRESS_EVERY)
    return count


def _parts(db: Database, flt: ExportFilter) -> list[tuple]:
    """Article ranges ((file, id) from, (file, id) up to) of about equal annotations, one per worker;
    [] when the export is small, the database is not a file, or there is one CPU."""
    workers = min(os.cpu_count() or 1, MAX_EXPORT_WORKERS)
    if workers < 2 or flt.articles or db_path(db) == ":memory:":
        return []
    counts = db.conn.execute(
        """SELECT ar.file, ar.id, c.n FROM (SELECT article_id, count(*) AS n FROM annotations GROUP BY article_id) c
           JOIN articles ar ON ar.id = c.article_id ORDER BY ar.file, ar.id""").fetchall()
    total = sum(n for *_, n in counts)
    if total < PARALLEL_MIN_ROWS:
        return []
    bounds, seen = [None], 0
    for file, article_id, n in counts:
        if len(bounds) < workers and seen and seen >= total * len(bounds) / workers:
            bounds.append((file, article_id))
        seen += n
    bounds.append(None)
    return list(zip(bounds, bounds[1:]))


def _write_in_parts(path: str, flt: ExportFilter, raw: bool, parts: list[tuple], out: IO[str],
                    progress: Callable[[int], None] | None, scratch: str | Path | None = None,
                    unchanged: Callable[[], bool] = lambda: True) -> int | None:
    """Write the parts, then (if ``unchanged()`` still holds) join them into ``out``; None, with
    nothing written, if it does not."""
    from store.processes import pool_context

    context = pool_context()
    messages = context.Queue()
    folder = tempfile.mkdtemp(prefix=".pressmark-export-", dir=scratch)
    files = [os.path.join(folder, f"part{i}.csv") for i in range(len(parts))]
    workers = [context.Process(target=_write_part, args=(path, flt, raw, part, file, messages), daemon=True)
               for part, file in zip(parts, files)]
    try:
        for worker in workers:
            worker.start()
        written, finished, reported = [0] * len(parts), 0, 0
        while finished < len(parts):
            try:
                index, kind, value = messages.get(timeout=1.0)
            except queue.Empty:
                if any(w.exitcode not in (None, 0) for w in workers):
                    raise StoreError("export: a worker process failed") from None
                continue
            if kind == "error":
                raise StoreError(f"export: {value}")
            written[index] = value
            finished += kind == "done"
            if progress and sum(written) - reported >= PROGRESS_EVERY:
                reported = sum(written) - sum(written) % PROGRESS_EVERY
                progress(reported)
        if not unchanged():
            return None
        out.flush()
        # Bytes straight into a UTF-8 stream's buffer; through the text layer for any other encoding.
        utf8 = codecs.lookup(getattr(out, "encoding", None) or "ascii").name == "utf-8"
        target = getattr(out, "buffer", None) if utf8 else None
        for file in files:
            with open(file, "rb" if target else "r", **({} if target else {"newline": "", "encoding": "utf-8"})) as f:
                shutil.copyfileobj(f, target or out, 1 << 20)
        if target:
            target.flush()
        return sum(written)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()
        shutil.rmtree(folder, ignore_errors=True)


def _write_part(path: str, flt: ExportFilter, raw: bool, part: tuple, file: str, messages) -> None:
    """One worker process: its range of articles, to ``file``; progress and the outcome to ``messages``."""
    from store.db import connect

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the workers
    index = int(Path(file).stem.removeprefix("part"))
    try:
        db = connect(path, readonly=True)
        sql, params = _export_sql(flt, not raw, with_article=False, part=part)
        with open(file, "w", encoding="utf-8", newline="") as out:
            count = _write_rows(db.conn.execute(sql, params), out,
                                lambda n: messages.put((index, "progress", n)))
        messages.put((index, "done", count))
    except Exception as exc:  # reported to the parent, which raises it as one line
        messages.put((index, "error", f"NOT SAVED: {DISK_FULL}" if disk_full(exc) else f"{type(exc).__name__}: {exc}"))


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
    place; return what ``write_to`` returned. Refuses the database and article files. A target that
    exists and is not a file (``/dev/null``, ``/dev/stdout``, a named pipe) is written into, never
    replaced: a rename would put a file where the device was."""
    target = Path(target)
    _refuse_precious(db, target)
    if target.is_dir():
        raise StoreError(f"{target}: is a folder; give a file name such as {target / example}")
    if target.exists() and not target.is_file():
        try:
            with open(target, "w", encoding="utf-8", newline="") as out:
                return write_to(out)
        except OSError as exc:
            raise _not_written(target, exc) from None
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
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _not_written(target, exc) from None
        raise
    return count


def _not_written(target: Path, exc: OSError) -> StoreError:
    return StoreError(f"{target}: NOT SAVED: {DISK_FULL if disk_full(exc) else exc.strerror or exc}")
