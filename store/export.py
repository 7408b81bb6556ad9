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
from store.names import FORMULA_STARTS

# Every column the CSV can have: name -> (SQL on an annotation row, SQL on a sentence with no row (only with
# ``sentences="all"``), whether it is text a spreadsheet could run as a formula). Annotation rows read ``a``
# (annotations), ``ar`` (articles), ``sp`` (sentence_speakers), ``pa`` (paragraphs) and ``n`` (the notes
# aggregate); sentence rows read ``s`` (a sentence: article_id, n, start, end, para), ``ar`` and ``sp``.
COLUMNS = {
    "article": ("ar.file", "ar.file", True),
    "title": ("ar.title", "ar.title", True),
    "sentence": ("a.sentence", "s.n", False),
    "start": ("a.start", "s.start", False),
    "end": ('a."end"', 's."end"', False),
    "tag": ("a.tag", "NULL", True),
    "speaker": ("sp.speaker", "sp.speaker", True),
    "text": ("a.exact", 'substr(ar.text, s.start + 1, s."end" - s.start)', True),
    "note": ("CASE WHEN a.tag IS NULL THEN a.note ELSE n.note END", "NULL", True),
    "annotator": ("a.annotator", "NULL", True),
    "created_at": ("a.created_at", "NULL", True),
    "updated_at": ("a.updated_at", "NULL", True),
    "status": ("CASE WHEN ar.status = 'missing' THEN 'missing' ELSE a.status END",
               "CASE WHEN ar.status = 'missing' THEN 'missing' ELSE 'ok' END", True),
    "article_id": ("a.article_id", "s.article_id", False),
    "paragraph": ("pa.para", "s.para", False),
    "speaker_role": ("sp.role", "sp.role", True),
    "source": ("ar.source", "ar.source", True),
    "date": ("ar.date", "ar.date", True),
    "sha256": ("ar.sha256", "ar.sha256", False),
}
# What the CSV has unless asked otherwise: the columns of pressmark 0.1 first, in their order, so scripts
# that read them by name or by position keep working, then the new ones -- but not sha256, 64 characters
# a row (a fifth of a typical file) for a key that only matters across databases (JSONL and W3C carry it).
CSV_COLUMNS = tuple(c for c in COLUMNS if c != "sha256")
PROGRESS_EVERY = 10_000  # rows between progress callbacks
SENTENCES = ("tagged", "all")  # rows for the sentences with annotations only, or for every sentence


@dataclass(frozen=True, slots=True)
class ExportFilter:
    articles: tuple[int, ...] = ()  # article ids; none: every article
    tag: str | None = None
    annotator: str | None = None

    def article_sql(self, column: str) -> str:
        """`` AND column IN (ids)`` for the articles asked for (ids are ints: nothing to quote), else ``""``."""
        return f" AND {column} IN ({', '.join(str(int(i)) for i in self.articles)})" if self.articles else ""


@dataclass(frozen=True, slots=True)
class CsvOptions:
    columns: tuple[str, ...] = CSV_COLUMNS
    sentences: str = "tagged"
    raw: bool = False  # no formula guard

    def __post_init__(self):
        unknown = [c for c in self.columns if c not in COLUMNS]
        if unknown or not self.columns or len(set(self.columns)) < len(self.columns):
            raise StoreError(f"columns: {', '.join(unknown) or 'each once, at least one'}: choose from "
                             f"{', '.join(COLUMNS)}")
        if self.sentences not in SENTENCES:
            raise StoreError(f"sentences: {self.sentences}: choose from {', '.join(SENTENCES)}")


# Tag rows, plus note rows for sentences the annotator did not tag; each tag
# row carries the annotator's note on that sentence, and the sentence's speaker
# (store.speakers; empty for narration and for orphans, whose sentence is gone).
# The notes and the tagged sentences are gathered once each (two passes over the
# annotations) rather than looked up row by row: on 1,000,000 annotations that is
# 12 s instead of 17 s. {scope} narrows both to the article and annotator asked for.
# With sentences="all", the sentences that have no row (with the filters) get one, with an empty tag
# and annotator: the query is then a union, sorted on keys carried beside the columns.
_EXPORT_SQL = """
WITH notes AS {materialized} (
    SELECT article_id, sentence, annotator, status, max(note) AS note FROM annotations
    WHERE tag IS NULL {scope} GROUP BY article_id, sentence, annotator, status),
tagged AS {materialized} (
    SELECT DISTINCT article_id, sentence, annotator, status FROM annotations WHERE tag IS NOT NULL {scope}){ctes}
SELECT {columns}
FROM annotations a JOIN articles ar ON ar.id = a.article_id
LEFT JOIN tags tg ON tg.name = a.tag{joins}
LEFT JOIN notes n ON a.tag IS NOT NULL AND n.article_id = a.article_id AND n.sentence = a.sentence
     AND n.annotator = a.annotator AND n.status = a.status
LEFT JOIN tagged t ON a.tag IS NULL AND t.article_id = a.article_id AND t.sentence = a.sentence
     AND t.annotator = a.annotator AND t.status = a.status
WHERE (a.tag IS NOT NULL OR t.article_id IS NULL) {filters}
"""
_ORDER = "ORDER BY ar.file, ar.id, a.status, a.sentence, a.annotator, ifnull(tg.position, -1), a.tag"
_KEYS = ("ar.file", "ar.id", "a.status", "a.sentence", "a.annotator", "ifnull(tg.position, -1)", "a.tag")
_SENTENCE_KEYS = ("ar.file", "ar.id", "'ok'", "s.n", "NULL", "-1", "NULL")
# A sentence with no row: every sentence of the articles in the export (those asked for, else those with
# annotations passing the annotator filter) that no annotation row of the export is on.
_SENTENCE_ROWS = """
SELECT {columns}
FROM sentence_rows s JOIN articles ar ON ar.id = s.article_id{joins}
WHERE NOT EXISTS (SELECT 1 FROM annotations x WHERE x.article_id = s.article_id AND x.sentence = s.n
                  AND x.status = 'ok'{covered})
"""
_SENTENCE_CTE = """,
sentence_rows AS (
    SELECT sp.article_id, j.key + 1 AS n, json_extract(j.value, '$[0]') AS start,
           json_extract(j.value, '$[1]') AS "end", json_extract(j.value, '$[2]') AS para
    FROM sentence_spans sp, json_each(sp.spans) j WHERE sp.article_id IN ({articles}))"""
# Each annotated sentence's paragraph, read from the articles' spans once (not the spans of a long article
# decoded again for each of its rows), keyed by one number, article id * 2**24 + sentence: SQLite's
# automatic index on the pair used the article alone, and a row then scanned its article's sentences
# (10x slower on 1,000,000 annotations); one key makes it 1.8 s of SQLite's time.
_PARAGRAPH_CTE = """,
paragraphs AS {materialized} (
    SELECT (sp.article_id << 24) + j.key + 1 AS k, json_extract(j.value, '$[2]') AS para
    FROM sentence_spans sp, json_each(sp.spans) j
    WHERE sp.article_id IN (SELECT DISTINCT article_id FROM annotations WHERE status = 'ok' {scope}))"""
SPEAKER = CSV_COLUMNS.index("speaker")
FETCH_ROWS = 1000  # rows fetched from SQLite at a time
PARALLEL_MIN_ROWS = 200_000  # annotations from which an export is written by several processes
MAX_EXPORT_WORKERS = 4


def _neutralised(sql: str) -> str:
    """``neutralise`` in SQL, so that rows go from SQLite to the csv module without a Python loop."""
    starts = ", ".join(f"char({ord(c)})" for c in FORMULA_STARTS)
    return f"CASE WHEN substr({sql}, 1, 1) IN ({starts}) THEN '''' || ({sql}) ELSE {sql} END"


# The columns a read-only export computes speakers for (with the article, status and sentence in front).
_HIDDEN = (("a.article_id", "a.status", "a.sentence"), ("s.article_id", "'ok'", "s.n"))


def _export_sql(flt: ExportFilter, options: CsvOptions, hidden: bool, part: tuple = (None, None)
                ) -> tuple[str, dict]:
    """The export query and its parameters; ``hidden``: the article, status and sentence come first;
    ``part`` limits it to articles from one (file, id) up to another."""
    params = {"tag": flt.tag, "annotator": flt.annotator}
    wanted = [name for name, value in params.items() if value is not None]
    scope = flt.article_sql("article_id") + "".join(f" AND {name} = :{name}" for name in wanted if name != "tag")
    filters = flt.article_sql("a.article_id") + "".join(f" AND a.{name} = :{name}" for name in wanted)
    ranges = []
    for bound, op, key in (("from", ">=", part[0]), ("to", "<", part[1])):
        if key is not None:
            ranges.append(f"(file, id) {op} (:{bound}_file, :{bound}_id)")
            params[f"{bound}_file"], params[f"{bound}_id"] = key
    in_part = f" IN (SELECT id FROM articles WHERE {' AND '.join(ranges)})" if ranges else ""
    if in_part:
        scope += f" AND article_id{in_part}"
        filters += f" AND a.article_id{in_part}"
    materialized = "MATERIALIZED" if sqlite3.sqlite_version_info >= (3, 35) else ""  # the hint is 3.35+
    chosen = options.columns
    speakers = "speaker" in chosen or "speaker_role" in chosen

    def columns(which: int) -> list[str]:
        out = [_neutralised(COLUMNS[c][which]) if not options.raw and COLUMNS[c][2] else COLUMNS[c][which]
               for c in chosen]
        return [*_HIDDEN[which], *out] if hidden else out

    ctes, joins = "", ""
    if "paragraph" in chosen:
        ctes += _PARAGRAPH_CTE.format(materialized=materialized, scope=scope)
        joins += "\nLEFT JOIN paragraphs pa ON pa.k = (a.article_id << 24) + a.sentence AND a.status = 'ok'"
    if speakers:
        joins += ("\nLEFT JOIN sentence_speakers sp ON sp.article_id = a.article_id AND sp.n = a.sentence"
                  " AND a.status = 'ok'")
    if options.sentences == "tagged":
        sql = _EXPORT_SQL.format(materialized=materialized, scope=scope, ctes=ctes, columns=", ".join(columns(0)),
                                 joins=joins, filters=filters) + _ORDER
        return sql, params
    articles = (", ".join(str(int(i)) for i in flt.articles) if flt.articles else
                "SELECT article_id FROM annotations WHERE 1 = 1" + "".join(
                    f" AND {name} = :{name}" for name in wanted if name != "tag"))
    if in_part:
        articles = f"SELECT id FROM articles WHERE id IN ({articles}) AND id{in_part}"
    keys = [f"k{i}" for i in range(len(_KEYS))]
    width = len(columns(0))
    rows = _EXPORT_SQL.format(materialized=materialized, scope=scope, ctes=ctes + _SENTENCE_CTE.format(
        articles=articles), columns=", ".join([*(f"{c} AS c{i}" for i, c in enumerate(columns(0))),
                                               *(f"{k} AS {n}" for k, n in zip(_KEYS, keys))]),
        joins=joins, filters=filters)
    sentence_joins = ("\nLEFT JOIN sentence_speakers sp ON sp.article_id = s.article_id AND sp.n = s.n"
                      if speakers else "")
    covered = "".join(f" AND x.{name} = :{name}" for name in wanted)
    blanks = _SENTENCE_ROWS.format(columns=", ".join([*columns(1), *_SENTENCE_KEYS]), joins=sentence_joins,
                                   covered=covered)
    outer = ", ".join(f"c{i}" for i in range(width))
    return f"SELECT {outer} FROM ({rows} UNION ALL {blanks}) ORDER BY {', '.join(keys)}", params


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


def export_rows(db: Database, flt: ExportFilter = ExportFilter(), options: CsvOptions = CsvOptions(raw=True)
                ) -> Iterator[tuple]:
    """The export rows, streamed from SQLite in the order of ``options.columns`` (text fields guarded against
    spreadsheets unless ``options.raw``).

    Speakers are attributed lazily (``store.derived``): every annotated article not yet attributed is
    attributed (and stored) first; in a read-only database such articles get theirs computed here."""
    return _rows(db, flt, options, _speakers_ready(db, flt, options))


def _speakers_ready(db: Database, flt: ExportFilter, options: CsvOptions) -> set[int]:
    """Attribute the export's stale articles where that can be stored; return those it could not (none when
    the export has no speaker column)."""
    from store.derived.speakers import ensure_speakers, stale_speakers

    if "speaker" not in options.columns and "speaker_role" not in options.columns:
        return set()
    scope = list(flt.articles) or None
    annotated = not (flt.articles and options.sentences == "all")  # then every sentence of those asked for
    ensure_speakers(db, scope, annotated=annotated)
    return stale_speakers(db, scope, annotated=annotated) if is_readonly(db) else set()


def _rows(db: Database, flt: ExportFilter, options: CsvOptions, stale: set[int]) -> Iterator[tuple]:
    sql, params = _export_sql(flt, options, hidden=bool(stale))
    rows = db.conn.execute(sql, params)
    return _with_computed_speakers(db, rows, stale, options) if stale else rows


def _with_computed_speakers(db: Database, rows: Iterator[tuple], stale: set[int], options: CsvOptions
                            ) -> Iterator[tuple]:
    """Rows of a read-only database, with speakers computed for the articles it holds none current for."""
    from store.derived.speakers import sentence_speakers

    at = {c: options.columns.index(c) for c in ("speaker", "speaker_role") if c in options.columns}
    computed: dict[int, dict] = {}  # rows come article by article: only the current one is kept
    for article_id, status, sentence, *row in rows:
        if article_id in stale and status == "ok":
            if article_id not in computed:
                computed = {article_id: sentence_speakers(db, article_id)}
            speaker = computed[article_id].get(sentence)
            for column, value in (("speaker", speaker and speaker.name), ("speaker_role", speaker and speaker.role)):
                if column in at:
                    row[at[column]] = value if options.raw else neutralise(value)
        yield tuple(row)


def write_csv(db: Database, out: IO[str], flt: ExportFilter = ExportFilter(), *, raw: bool = False,
              columns: tuple[str, ...] = CSV_COLUMNS, sentences: str = "tagged", excel: bool = False,
              progress: Callable[[int], None] | None = None, scratch: str | Path | None = None) -> int:
    """Write the header and rows to ``out``; return the number of data rows. ``columns``: which, in that
    order; ``sentences``: "all" adds a row for every sentence no annotation row is on (empty tag and
    annotator); ``excel``: UTF-8 with a byte order mark first, which Excel needs to read UTF-8 (and never
    ``raw``: Excel is a spreadsheet).

    A big export of a database file is split by article into contiguous parts written by worker
    processes side by side (SQLite and the csv module each take about half of the time, and
    neither lets a thread run beside it) into a folder in ``scratch`` (default: the system's
    temporary folder), then joined in order.

    Each worker reads with its own connection, so the parts agree only if nothing was committed
    meanwhile (a sync, someone tagging); otherwise the export is made again in this process, from
    one snapshot, like a small one."""
    if excel and raw:
        raise StoreError("a CSV for Excel keeps the guard against formulas: leave out raw")
    options = CsvOptions(tuple(columns), sentences, raw)
    out.write(("\ufeff" if excel else "") + ",".join(options.columns) + "\r\n")  # csv.writer's header
    stale = _speakers_ready(db, flt, options)
    parts = [] if stale else _parts(db, flt)  # decided before the query runs: it would be work thrown away
    if len(parts) >= 2:
        before = _data_version(db)
        written = _write_in_parts(db_path(db), flt, options, parts, out, progress, scratch,
                                  unchanged=lambda: _data_version(db) == before)
        if written is not None:
            return written
        stale = _speakers_ready(db, flt, options)  # a sync may have replaced articles since
    return _write_rows(_rows(db, flt, options, stale), out, progress)


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


def _write_in_parts(path: str, flt: ExportFilter, options: CsvOptions, parts: list[tuple], out: IO[str],
                    progress: Callable[[int], None] | None, scratch: str | Path | None = None,
                    unchanged: Callable[[], bool] = lambda: True) -> int | None:
    """Write the parts, then (if ``unchanged()`` still holds) join them into ``out``; None, with
    nothing written, if it does not."""
    from store.processes import pool_context

    context = pool_context()
    messages = context.Queue()
    folder = tempfile.mkdtemp(prefix=".pressmark-export-", dir=scratch)
    files = [os.path.join(folder, f"part{i}.csv") for i in range(len(parts))]
    workers = [context.Process(target=_write_part, args=(path, flt, options, part, file, messages), daemon=True)
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


def _write_part(path: str, flt: ExportFilter, options: CsvOptions, part: tuple, file: str, messages) -> None:
    """One worker process: its range of articles, to ``file``; progress and the outcome to ``messages``."""
    from store.db import connect

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it stops the workers
    index = int(Path(file).stem.removeprefix("part"))
    try:
        db = connect(path, readonly=True)
        sql, params = _export_sql(flt, options, hidden=False, part=part)
        with open(file, "w", encoding="utf-8", newline="") as out:
            count = _write_rows(db.conn.execute(sql, params), out,
                                lambda n: messages.put((index, "progress", n)))
        messages.put((index, "done", count))
    except Exception as exc:  # reported to the parent, which raises it as one line
        messages.put((index, "error", f"NOT SAVED: {DISK_FULL}" if disk_full(exc) else f"{type(exc).__name__}: {exc}"))


def refuse_precious(db: Database, target: Path) -> None:
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


def write_atomically(db: Database, target: str | Path, write_to: Callable[[IO], int],
                     example: str = "annotations.csv", binary: bool = False) -> int:
    """Write through ``write_to`` into a temporary file beside ``target``, then rename it into
    place; return what ``write_to`` returned. Refuses the database and article files. A target that
    exists and is not a file (``/dev/null``, ``/dev/stdout``, a named pipe) is written into, never
    replaced: a rename would put a file where the device was. ``binary``: ``write_to`` gets a binary
    stream, else UTF-8 text."""
    target = Path(target)
    mode = {"mode": "wb"} if binary else {"mode": "w", "encoding": "utf-8", "newline": ""}
    refuse_precious(db, target)
    if target.is_dir():
        raise StoreError(f"{target}: is a folder; give a file name such as {target / example}")
    if target.exists() and not target.is_file():
        try:
            with open(target, **mode) as out:
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
        with os.fdopen(fd, **mode) as out:
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
