"""Bring a folder of article files into the database.

A file whose size and mtime are unchanged is not even read; one whose cleaned
text hashes the same only has its stat and what it says of itself (title, front
matter) refreshed. Changed text is segmented
again and its annotations re-anchored (see ``store.anchor``); files that have
gone are marked missing, never deleted, so their annotations stay; so are known
files that can no longer be imported (turned into a FIFO, emptied, binary now).
Files that cannot be imported are recorded with their reason in ``skipped``.

Sync stores only what opening and reading an article needs: its text and its
sentences (``store.sentences``). Speakers, the full-text search index and the
shingle index are derived later, when first needed (``store.derived``); for a
changed article sync removes what was derived from its old text.

The slow part (reading, cleaning, segmenting) happens outside any
transaction -- in a pool of worker processes when at least ``POOL_MIN_FILES``
files are waiting to be read and there is more than one CPU -- and the results
are written in short batches. Between batches the write lock is free, so a person
tagging in another pressmark process never waits long behind a big sync.
"""

from __future__ import annotations

import hashlib
import math
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from store.anchor import reanchor
from store.db import Database, StoreError, db_path, is_readonly, now, write
from store.derived import forget
from store.files import MAX_SIZE, ArticleText, Skipped, read_article, safe_name, walk_article_files
from store.processes import pool_context, start_method
from store.segment import Sentence, segment
from store.sentences import encode, save

if TYPE_CHECKING:
    import concurrent.futures

BATCH_SECONDS = 0.25  # prepare at most this much work, or as much as takes this long to write, per transaction
LOCK_GAP = 0.05  # leave the write lock free at least this long between transactions (a waiting tagger's retry)
# A pool of worker processes reads the files once this many are waiting to be read among the next
# POOL_LOOKAHEAD files of the walk; fewer are read in this process. The pool's start-up is worth the
# reading of about 70 of the bench corpus's files when its workers are forked (10-25 ms), about 900
# when they are spawned (0.2-0.4 s: each imports pressmark, and trafilatura for web pages), which it
# must be from a process that runs threads (the reader's background sync).
POOL_MIN_FILES = {"fork": 100, "spawn": 1000}
POOL_LOOKAHEAD = 2000  # files walked ahead of the one handed on (about 20 ms of walking): a bound on the
# delay before progress() hears of a file
POOL_CHUNK = 16  # files per task sent to a worker
MAX_WORKERS = 4
READ_AHEAD_BYTES = 64 * 1024 * 1024  # files read by the workers and not yet written, at most (about)
WAL_PAGES = 32768  # let the WAL grow to about 128 MB during a sync before it is checkpointed
MAX_SENTENCES = 50_000  # an article keeps at most this many sentences of its file (see _capped)
ORPHAN_CHECK_S = 0.5  # how often a worker process checks that the syncing process is still there


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    missing: list[str] = field(default_factory=list)
    orphaned: list[tuple[str, int]] = field(default_factory=list)  # (file, annotations orphaned)
    cut: list[tuple[str, str]] = field(default_factory=list)  # (file, note): kept MAX_SENTENCES sentences
    front_matter: list[tuple[str, str]] = field(default_factory=list)  # (file, why it was not read, or not as YAML)
    pages: list[tuple[str, str]] = field(default_factory=list)  # (file, extractor) of each web page read

    @property
    def seen(self) -> int:
        return len(self.added) + len(self.changed) + self.unchanged + len(self.skipped)


class _Known(NamedTuple):
    id: int
    size: int | None
    mtime_ns: int | None
    sha256: str
    status: str
    n_sentences: int


class _Header(NamedTuple):
    """What a file read again gives besides its text, when the text is the one stored (front matter
    edited, or only touched)."""

    title: str
    source: str | None
    date: str | None
    encoding: str
    meta: str | None
    extractor: str | None
    warning: str | None


class _Prepared(NamedTuple):
    """A file read and analysed outside the transaction, ready to write."""

    file: str
    article: ArticleText | _Header  # _Header: same text as stored
    n_sentences: int
    spans: str  # as store.sentences.encode gives them
    note: str | None  # what _capped says when it cut the article short
    stat: os.stat_result
    existing: _Known | None


Progress = Callable[[int, str], None]  # (files done, current file)

# What reading one file gives: the article, its number of sentences, their encoded spans and the note
# of _capped; a _Header (same text as ``known_sha``); or the reason it cannot be imported.
_Analysed = tuple[ArticleText, int, str, str | None] | _Header | str


def _capped(art: ArticleText) -> tuple[ArticleText, list[Sentence], str | None]:
    """The article and its sentences; past ``MAX_SENTENCES`` sentences, the text cut after the last one
    kept and ended by a paragraph that says so, and that note (which sync's report repeats).

    Without a cap a file inside the size limit could be 9 million one-letter sentences, and
    ``show``, ``suggest`` and the reader would need gigabytes for it; 50,000 sentences is a
    long book (about 4 MB of news prose), far more than a press release or a news story."""
    sentences = segment(art.text, MAX_SENTENCES + 1)  # the segmenter stops there: the rest is not looked at
    if len(sentences) <= MAX_SENTENCES:
        return art, sentences, None
    del sentences[MAX_SENTENCES:]
    end = sentences[-1].end
    share = min(100 * end / len(art.text), 99.9)
    note = f"only the first {MAX_SENTENCES:,} sentences imported ({share:.1f}% of its text)"
    text = f"{art.text[:end]}\n\n[pressmark: {note}.]"
    sentences.append(Sentence(end + 2, len(text), sentences[-1].para + 1))
    return replace(art, text=text, sha256=hashlib.sha256(text.encode("utf-8")).hexdigest()), sentences, note


def _analyse(path: str, root: str, max_size: int, known_sha: str | None) -> _Analysed:
    """Read (beneath ``root``, following no link), clean and segment one file (in a worker process for
    a big sync)."""
    try:
        art = read_article(Path(path), max_size, root=Path(root))
    except Skipped as exc:
        return exc.reason
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    if art.sha256 == known_sha:
        return _header(art)
    art, sentences, note = _capped(art)
    if note and art.sha256 == known_sha:
        return _header(art)
    return art, len(sentences), encode(sentences), note


def _header(art: ArticleText) -> _Header:
    return _Header(art.title, art.source, art.date, art.encoding, art.meta, art.extractor, art.warning)


def _analyse_chunk(items: list[tuple[str, str | None]], root: str, max_size: int) -> list[_Analysed]:
    return [_analyse(path, root, max_size, sha) for path, sha in items]


def _header_columns(db: Database) -> tuple[str, ...]:
    """The columns of what a file says of itself (no meta or extractor in a database still on a schema
    before 12: tests make such)."""
    columns = {row[1] for row in db.conn.execute("PRAGMA table_info(articles)")}
    return tuple(c for c in ("title", "source", "date", "encoding", "meta", "extractor") if c in columns)


def _save(db: Database, root: str, item: _Prepared, tables: set[str], header: tuple[str, ...]) -> int:
    art, st = item.article, item.stat
    fields = {**{c: getattr(art, c) for c in header}, "text": art.text, "sha256": art.sha256, "size": st.st_size,
              "mtime_ns": st.st_mtime_ns, "n_sentences": item.n_sentences, "status": "ok", "synced_at": now()}
    if item.existing is None:
        cols = ["root", "file", *fields]
        article_id = db.conn.execute(
            f"INSERT INTO articles ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            [root, item.file, *fields.values()],
        ).lastrowid
    else:
        article_id = item.existing.id
        db.conn.execute(f"UPDATE articles SET {', '.join(f'{c} = ?' for c in fields)} WHERE id = ?",
                        [*fields.values(), article_id])
        forget(db, article_id, tables)
    save(db, article_id, item.spans)
    return article_id


def _write(db: Database, root: str, batch: list[_Prepared], report: SyncReport, tables: set[str],
           header: tuple[str, ...]) -> None:
    with write(db):
        for item in batch:
            if isinstance(item.article, _Header):
                fields = {**{c: getattr(item.article, c) for c in header}, "size": item.stat.st_size,
                          "mtime_ns": item.stat.st_mtime_ns, "status": "ok"}
                db.conn.execute(f"UPDATE articles SET {', '.join(f'{c} = ?' for c in fields)} WHERE id = ?",
                                [*fields.values(), item.existing.id])
                continue
            article_id = _save(db, root, item, tables, header)
            if item.note:
                report.cut.append((item.file, item.note))
            if item.existing is None:
                report.added.append(item.file)
                continue
            report.changed.append(item.file)
            if lost := reanchor(db, article_id):
                report.orphaned.append((item.file, lost))


class _Entry(NamedTuple):
    i: int  # position in the walk, for progress()
    file: str
    stat: os.stat_result | None  # None: skipped before reading, or unchanged (size and mtime)
    existing: _Known | None
    problem: str | None  # the reason it is skipped, found before reading it


_Job = tuple[str, str | None]  # what a file to read needs: its path and its stored sha256


def _look(i: int, path: Path, st: os.stat_result | None, problem: str | None, root_path: Path,
          known: dict[str, _Known]) -> tuple[_Entry, _Job | None]:
    """One file of the walk (with the stat the walk took), and what reading it needs if it must be
    read (new, or another size or mtime than stored)."""
    file = safe_name(path.relative_to(root_path).as_posix())
    existing = known.get(file)
    if problem:
        return _Entry(i, file, None, existing, problem), None
    if existing and existing.n_sentences > MAX_SENTENCES + 1:  # synced before the cap: cut it now
        return _Entry(i, file, st, existing, None), (str(path), None)
    if existing and (existing.size, existing.mtime_ns, existing.status) == (st.st_size, st.st_mtime_ns, "ok"):
        return _Entry(i, file, None, existing, None), None
    return _Entry(i, file, st, existing, None), (str(path), existing.sha256 if existing else None)


def _files(root_path: Path, known: dict[str, _Known], max_size: int, progress: Progress | None
           ) -> Iterator[tuple[_Entry, _Analysed]]:
    """Every file under the folder in order, with what reading it gave (None if it was not read).

    The walk goes up to ``POOL_LOOKAHEAD`` files ahead. Files are read here, one at a time, right
    after ``progress`` is told, until ``POOL_MIN_FILES`` of the files walked ahead have to be read
    (a big sync): those and the rest are read by worker processes."""
    looked = (_look(i, path, st, problem, root_path, known)
              for i, (path, st, problem) in enumerate(walk_article_files(root_path)))
    workers = min(MAX_WORKERS, os.cpu_count() or 1)
    pool_at = POOL_MIN_FILES[start_method()] if workers > 1 else math.inf
    ahead: deque[tuple[_Entry, _Job | None]] = deque()
    waiting = 0  # files in ``ahead`` to read
    while True:
        while len(ahead) < POOL_LOOKAHEAD and waiting < pool_at and (nxt := next(looked, None)):
            ahead.append(nxt)
            waiting += nxt[1] is not None
        if waiting >= pool_at:
            yield from _pooled(chain(ahead, looked), root_path, max_size, progress, workers)
            return
        if not ahead:
            return
        entry, job = ahead.popleft()
        if progress:
            progress(entry.i, entry.file)
        if job is None:
            yield entry, None
            continue
        waiting -= 1
        yield entry, _analyse(job[0], str(root_path), max_size, job[1])


def _worker_init(parent: int) -> None:
    """Ctrl-C reaches every process of the terminal's group: only the syncing process handles it
    (it stops the workers), instead of each worker dying with a traceback. And a worker leaves when
    the syncing process is gone without stopping it (killed, or its terminal closed): waiting for
    work that will never come, it would stay forever."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True).start()


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK_S)
    os._exit(1)


class _Chunk:
    """Up to ``POOL_CHUNK`` files read by one worker task."""

    def __init__(self) -> None:
        self.jobs: list[_Job] = []
        self.size = 0  # bytes of its files
        self.future: concurrent.futures.Future | None = None
        self.results: list[_Analysed] | None = None


def _pooled(looked: Iterator[tuple[_Entry, _Job | None]], root_path: Path, max_size: int, progress: Progress | None,
            workers: int) -> Iterator[tuple[_Entry, _Analysed]]:
    """``_files`` for the rest of the walk (each file as ``_look`` gives it), read ahead by a pool of
    worker processes (up to about ``READ_AHEAD_BYTES`` of files not yet handed on); results come back
    in walk order, ``progress`` is told as each file is handed on."""
    import concurrent.futures  # here: about 15 ms of imports that a small sync never needs

    pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=pool_context(), initializer=_worker_init,
                                                  initargs=(os.getpid(),))
    queue: deque[tuple[_Entry, _Chunk | None, int]] = deque()  # files walked, not yet handed on
    # Read ahead far enough that the workers keep going while this process writes a batch.
    chunk, in_flight, walked_all = _Chunk(), 0, False  # in_flight: bytes submitted, not yet handed on

    def submit(c: _Chunk) -> None:
        nonlocal in_flight
        c.future = pool.submit(_analyse_chunk, c.jobs, str(root_path), max_size)
        in_flight += c.size

    try:
        while True:
            while not walked_all and in_flight < READ_AHEAD_BYTES and len(queue) < 256 * POOL_CHUNK * workers:
                entry, job = next(looked, (None, None))
                if entry is None:
                    walked_all = True
                    if chunk.jobs:
                        submit(chunk)
                        chunk = _Chunk()
                    break
                if job is None:
                    queue.append((entry, None, 0))
                    continue
                chunk.jobs.append(job)
                chunk.size += entry.stat.st_size
                queue.append((entry, chunk, len(chunk.jobs) - 1))
                if len(chunk.jobs) == POOL_CHUNK:
                    submit(chunk)
                    chunk = _Chunk()
            if not queue:
                return
            entry, c, k = queue.popleft()
            if progress:
                progress(entry.i, entry.file)
            if c is None:
                yield entry, None
                continue
            if c.future is None:  # the chunk still being filled is needed now
                submit(c)
                chunk = _Chunk()
            if c.results is None:
                c.results = c.future.result()
            if k == len(c.jobs) - 1:
                in_flight -= c.size
            yield entry, c.results[k]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def sync(db: Database, folder: str | Path, *, max_size: int = MAX_SIZE, progress: Progress | None = None) -> SyncReport:
    """Sync every article file under ``folder``; see the module docstring.

    ``progress(i, file)`` is called before each file is taken into account, in walk order (for
    a big sync, worker processes may already have read it)."""
    root_path = Path(folder).resolve()
    if not root_path.is_dir():
        raise StoreError(f"{folder}: not a folder")
    root = str(root_path)
    if is_readonly(db):
        raise StoreError(f"{db_path(db)}: the database is read-only, so {folder} cannot be synced into it")
    tables = set(db.table_names())
    header = _header_columns(db)  # written for every file read
    known = {file: _Known(*rest) for file, *rest in db.conn.execute(
        "SELECT file, id, size, mtime_ns, sha256, status, n_sentences FROM articles WHERE root = ?", (root,))}
    report = SyncReport()
    seen: set[str] = set()
    batch: list[_Prepared] = []
    chars, per_char = 0, 1e-7  # the batch's text; seconds to write a character, measured as batches are written
    started = time.monotonic()
    files = _files(root_path, known, max_size, progress)
    # Checkpoint the WAL once at the end instead of every ~4 MB (each checkpoint waits for two fsyncs),
    # and do not fsync every batch: on this kind of disk one fsync now and then takes most of a second.
    # The batches stay atomic; an OS crash or power cut during the sync can only lose its latest
    # batches (no annotation a user made: another connection's commit fsyncs all the WAL before it),
    # and the next sync reads those files again. The last batch and the checkpoint are fsync'd.
    autocheckpoint = db.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    synchronous = db.conn.execute("PRAGMA synchronous").fetchone()[0]
    db.conn.execute(f"PRAGMA wal_autocheckpoint = {max(autocheckpoint, WAL_PAGES)}")
    db.conn.execute("PRAGMA synchronous = NORMAL")
    try:
        for entry, result in files:
            if entry.problem or isinstance(result, str):
                report.skipped.append((entry.file, entry.problem or result))
                continue
            seen.add(entry.file)
            if entry.stat is None:
                report.unchanged += 1
                continue
            if isinstance(result, _Header):
                report.unchanged += 1
                batch.append(_Prepared(entry.file, result, 0, "", None, entry.stat, entry.existing))
            else:
                batch.append(_Prepared(entry.file, *result, entry.stat, entry.existing))
                chars += len(result[0].text)
            read = result if isinstance(result, _Header) else result[0]
            if read.warning:
                report.front_matter.append((entry.file, read.warning))
            if read.extractor:
                report.pages.append((entry.file, read.extractor))
            # Worker processes prepare faster than this process writes: then the batch is cut by
            # how long it will take to write, and the lock still gets a break between transactions.
            waited = time.monotonic() - started
            if waited > BATCH_SECONDS or chars * per_char > BATCH_SECONDS:
                if waited < LOCK_GAP:
                    time.sleep(LOCK_GAP - waited)
                t = time.monotonic()
                _write(db, root, batch, report, tables, header)
                if chars:
                    per_char = max((time.monotonic() - t) / chars, 1e-9)
                batch, chars, started = [], 0, time.monotonic()
    finally:
        files.close()  # stops the worker processes, also when progress() raised
        db.conn.execute(f"PRAGMA wal_autocheckpoint = {autocheckpoint}")
        db.conn.execute(f"PRAGMA synchronous = {synchronous}")
    _write(db, root, batch, report, tables, header)
    # A known file skipped this time (it became a FIFO, empty, binary, unreadable, a link...) is missing
    # too: its stored text is not what the folder holds any more.
    report.missing = sorted(set(known) - seen)
    with write(db):
        db.conn.executemany("UPDATE articles SET status = 'missing' WHERE root = ? AND file = ?",
                            [(root, f) for f in report.missing])
        if "skipped" in tables:  # not in a database still on an older schema (tests make such)
            db.conn.execute("DELETE FROM skipped WHERE root = ?", (root,))
            db.conn.executemany("INSERT INTO skipped (root, file, reason, at) VALUES (?, ?, ?, ?)",
                                [(root, f, reason, now()) for f, reason in report.skipped])
    if report.added or report.changed:
        db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    return report
