"""Bring a folder of article files into the database.

A file whose size and mtime are unchanged is not even read; one whose cleaned
text hashes the same only has its stat refreshed. Changed text is segmented
again and its annotations re-anchored (see ``store.anchor``); files that have
gone are marked missing, never deleted, so their annotations stay.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from sqlite_utils import Database

from store.align import index_article
from store.anchor import reanchor
from store.db import StoreError, db_path, is_readonly, now
from store.files import MAX_SIZE, ArticleText, Skipped, find_article_files, read_article
from store.segment import segment

BATCH_SECONDS = 0.5  # commit at least this often during a long sync


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


Progress = Callable[[int, str], None]  # (files done, current file)


def _store_sentences(db: Database, article_id: int, text: str) -> int:
    sentences = segment(text)
    db.conn.execute("DELETE FROM sentences WHERE article_id = ?", (article_id,))
    db.conn.executemany(
        'INSERT INTO sentences (article_id, n, para, start, "end", text) VALUES (?, ?, ?, ?, ?, ?)',
        [(article_id, i, s.para, s.start, s.end, text[s.start:s.end]) for i, s in enumerate(sentences, 1)],
    )
    return len(sentences)


def _save(db: Database, root: str, file: str, art: ArticleText, st: os.stat_result, existing: _Known | None) -> int:
    fields = {"title": art.title, "source": art.source, "date": art.date, "encoding": art.encoding,
              "text": art.text, "sha256": art.sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns,
              "status": "ok", "synced_at": now()}
    if existing is None:
        cols = ["root", "file", *fields]
        article_id = db.conn.execute(
            f"INSERT INTO articles ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
            [root, file, *fields.values()],
        ).lastrowid
    else:
        article_id = existing.id
        db.conn.execute(f"UPDATE articles SET {', '.join(f'{c} = ?' for c in fields)} WHERE id = ?",
                        [*fields.values(), article_id])
    n = _store_sentences(db, article_id, art.text)
    index_article(db, article_id)
    db.conn.execute("UPDATE articles SET n_sentences = ? WHERE id = ?", (n, article_id))
    return article_id


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
    last_commit = time.monotonic()
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        for i, (path, problem) in enumerate(find_article_files(root_path)):
            file = path.relative_to(root_path).as_posix()
            if progress:
                progress(i, file)
            if problem:
                report.skipped.append((file, problem))
                continue
            existing = known.get(file)
            try:
                st = path.stat()
                if existing and (existing.size, existing.mtime_ns, existing.status) == (st.st_size, st.st_mtime_ns, "ok"):
                    seen.add(file)
                    report.unchanged += 1
                    continue
                art = read_article(path, max_size)
            except Skipped as exc:
                report.skipped.append((file, exc.reason))
                continue
            except OSError as exc:
                report.skipped.append((file, f"cannot read: {exc.strerror or exc}"))
                continue
            seen.add(file)
            if existing and existing.sha256 == art.sha256:
                db.conn.execute("UPDATE articles SET size = ?, mtime_ns = ?, status = 'ok' WHERE id = ?",
                                (st.st_size, st.st_mtime_ns, existing.id))
                report.unchanged += 1
                continue
            article_id = _save(db, root, file, art, st, existing)
            if existing:
                report.changed.append(file)
                lost = reanchor(db, article_id)
                if lost:
                    report.orphaned.append((file, lost))
            else:
                report.added.append(file)
            if time.monotonic() - last_commit > BATCH_SECONDS:
                db.conn.execute("COMMIT")
                db.conn.execute("BEGIN IMMEDIATE")
                last_commit = time.monotonic()
        report.missing = sorted(set(known) - seen - {f for f, _ in report.skipped})
        db.conn.executemany("UPDATE articles SET status = 'missing' WHERE root = ? AND file = ?",
                            [(root, f) for f in report.missing])
        db.conn.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    return report
