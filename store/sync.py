"""Bring a folder of article files into the database.

A file whose size and mtime are unchanged is not even read; one whose cleaned
text hashes the same only has its stat refreshed. Changed text is segmented
again and its annotations re-anchored (see ``store.anchor``); files that have
gone are marked missing, never deleted, so their annotations stay. Files that
cannot be imported are recorded with their reason in ``skipped``.

The slow part (reading, cleaning, segmenting, hashing shingles) happens
outside any transaction; the results are written in short batches. Between
batches the write lock is free, so a person tagging in another pressmark
process never waits long behind a big sync.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from store.align import index_article, shingle_hashes
from store.anchor import reanchor
from store.db import Database, StoreError, db_path, is_readonly, now, write
from store.files import MAX_SIZE, ArticleText, Skipped, find_article_files, read_article, safe_name
from store.segment import Sentence, segment
from store.speakers import Speaker, attribute, store_speakers

BATCH_SECONDS = 0.25  # prepare at most this much work before writing it in one transaction


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    missing: list[str] = field(default_factory=list)
    orphaned: list[tuple[str, int]] = field(default_factory=list)  # (file, annotations orphaned)

    @property
    def seen(self) -> int:
        return len(self.added) + len(self.changed) + self.unchanged + len(self.skipped)


class _Known(NamedTuple):
    id: int
    size: int | None
    mtime_ns: int | None
    sha256: str
    status: str


class _Prepared(NamedTuple):
    """A file read and analysed outside the transaction, ready to write."""

    file: str
    article: ArticleText | None  # None: same text as stored, only the stat changed
    sentences: list[Sentence]
    shingles: set[int]
    stat: os.stat_result
    existing: _Known | None
    speakers: tuple[Speaker | None, ...] = ()  # one per sentence


Progress = Callable[[int, str], None]  # (files done, current file)


def _save(db: Database, root: str, item: _Prepared) -> int:
    art, st = item.article, item.stat
    fields = {"title": art.title, "source": art.source, "date": art.date, "encoding": art.encoding,
              "text": art.text, "sha256": art.sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns,
              "n_sentences": len(item.sentences), "status": "ok", "synced_at": now()}
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
        db.conn.execute("DELETE FROM sentences WHERE article_id = ?", (article_id,))
    text = art.text
    db.conn.executemany(
        'INSERT INTO sentences (article_id, n, para, start, "end", text) VALUES (?, ?, ?, ?, ?, ?)',
        [(article_id, i, s.para, s.start, s.end, text[s.start:s.end]) for i, s in enumerate(item.sentences, 1)],
    )
    store_speakers(db, article_id, item.speakers)
    index_article(db, article_id, item.shingles)
    return article_id


def _prepare(path: Path, file: str, existing: _Known | None, max_size: int) -> _Prepared | None:
    """Read and analyse one file; None when its size and mtime say it is unchanged."""
    st = path.stat()
    if existing and (existing.size, existing.mtime_ns, existing.status) == (st.st_size, st.st_mtime_ns, "ok"):
        return None
    art = read_article(path, max_size)
    if existing and existing.sha256 == art.sha256:
        return _Prepared(file, None, [], set(), st, existing)
    sentences = segment(art.text)
    return _Prepared(file, art, sentences, shingle_hashes(art.text), st, existing,
                     tuple(attribute(art.text, sentences)))


def _write(db: Database, root: str, batch: list[_Prepared], report: SyncReport) -> None:
    with write(db):
        for item in batch:
            if item.article is None:
                db.conn.execute("UPDATE articles SET size = ?, mtime_ns = ?, status = 'ok' WHERE id = ?",
                                (item.stat.st_size, item.stat.st_mtime_ns, item.existing.id))
                continue
            article_id = _save(db, root, item)
            if item.existing is None:
                report.added.append(item.file)
                continue
            report.changed.append(item.file)
            if lost := reanchor(db, article_id):
                report.orphaned.append((item.file, lost))


def sync(db: Database, folder: str | Path, *, max_size: int = MAX_SIZE, progress: Progress | None = None) -> SyncReport:
    """Sync every article file under ``folder``; see the module docstring."""
    root_path = Path(folder).resolve()
    if not root_path.is_dir():
        raise StoreError(f"{folder}: not a folder")
    root = str(root_path)
    if is_readonly(db):
        raise StoreError(f"{db_path(db)}: the database is read-only, so {folder} cannot be synced into it")
    known = {file: _Known(*rest) for file, *rest in db.conn.execute(
        "SELECT file, id, size, mtime_ns, sha256, status FROM articles WHERE root = ?", (root,))}
    report = SyncReport()
    seen: set[str] = set()
    batch: list[_Prepared] = []
    started = time.monotonic()
    for i, (path, problem) in enumerate(find_article_files(root_path)):
        file = safe_name(path.relative_to(root_path).as_posix())
        if progress:
            progress(i, file)
        if problem:
            report.skipped.append((file, problem))
            continue
        try:
            item = _prepare(path, file, known.get(file), max_size)
        except Skipped as exc:
            report.skipped.append((file, exc.reason))
            continue
        except OSError as exc:
            report.skipped.append((file, f"cannot read: {exc.strerror or exc}"))
            continue
        seen.add(file)
        if item is None:
            report.unchanged += 1
            continue
        if item.article is None:
            report.unchanged += 1
        batch.append(item)
        if time.monotonic() - started > BATCH_SECONDS:
            _write(db, root, batch, report)
            batch, started = [], time.monotonic()
    _write(db, root, batch, report)
    report.missing = sorted(set(known) - seen - {f for f, _ in report.skipped})
    with write(db):
        db.conn.executemany("UPDATE articles SET status = 'missing' WHERE root = ? AND file = ?",
                            [(root, f) for f in report.missing])
        if db["skipped"].exists():  # not in a database still on an older schema (tests make such)
            db.conn.execute("DELETE FROM skipped WHERE root = ?", (root,))
            db.conn.executemany("INSERT INTO skipped (root, file, reason, at) VALUES (?, ?, ?, ?)",
                                [(root, f, reason, now()) for f, reason in report.skipped])
    return report
