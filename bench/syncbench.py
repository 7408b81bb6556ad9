"""Sync throughput against bare segmentation, and re-sync of unchanged files.

Worker for ``bench.run`` (``python -m bench.syncbench FOLDER --new DB --resync DB``);
prints one JSON object.

* **sync new**: ``store.sync.sync`` into a new database (``store.db.connect``)
  of every article under FOLDER, timed end to end.  Throughput is the
  characters of cleaned article text (``ArticleText.text``, what sync stores
  and segments) per second.  So that a slow sync cannot take the whole
  benchmark budget, the run stops after ``--cap`` seconds: the progress
  callback sync calls before each file raises, sync rolls back, and the
  throughput is that of the files finished before the cap, over the time
  taken until then (reported: how many files that was).  Before the clock
  starts every file is read once and ``os.sync`` flushes pending writes (the
  harness copies a 370 MB database just before): the figure is about
  pressmark's work, not this VM's disk, which otherwise decides it.  Best of
  3 new databases, as the baseline is best of 3 (unless the cap stopped one).
  A sync of that many files reads them in worker processes (one per CPU, at
  most 4) besides this one; its CPU seconds (all of them) are reported with
  the baseline's, which runs in one process.
* **baseline**: ``store.segment.segment`` alone over the same texts (the files
  sync finished), best of 3, after reading and cleaning them outside the clock.
* **re-sync**: ``sync`` again over FOLDER into a database that already holds
  it, files untouched (every one is skipped on size and mtime): median of 3.
  Its floor, reported as the baseline: walking the folder and ``stat``-ing
  every file (``store.files.find_article_files`` plus ``Path.stat``).
* **web pages**: milliseconds per ``.html`` file for ``read_article`` (trafilatura,
  as sync reads them) and for ``store.html.extract_html`` (the whole page, what
  sync read before), on up to 300 of them, best of 2, after one page has been
  read (trafilatura's import is not in it).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

from store.db import connect
from store.files import find_article_files, read_article
from store.segment import segment
from store.sync import MAX_WORKERS, sync


class _Cap(Exception):
    pass


def _cpu() -> float:
    """CPU seconds of this process and of its children that have ended (a sync's workers, once it returns)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _timed_sync(folder: Path, db_path: Path, files: int, cap: float) -> tuple[int, float, bool, float]:
    """One sync into a new database: (files done, seconds, whether the cap stopped it, CPU seconds)."""
    for p in (db_path, db_path.with_name(db_path.name + "-wal"), db_path.with_name(db_path.name + "-shm")):
        p.unlink(missing_ok=True)
    db = connect(db_path)
    os.sync()  # the writes of what came before (the harness's 370 MB database copy, the last round) are not ours
    done, stopped = files, None
    cpu = _cpu()
    t0 = time.perf_counter()

    def progress(i: int, file: str) -> None:
        nonlocal done, stopped
        if time.perf_counter() - t0 > cap:
            done, stopped = i, time.perf_counter() - t0
            raise _Cap

    try:
        sync(db, folder, progress=progress)
        seconds = time.perf_counter() - t0
    except _Cap:
        seconds = stopped
    cpu = _cpu() - cpu
    db.conn.close()
    return done, seconds, stopped is not None, cpu


def sync_new(folder: Path, db_path: Path, cap: float, rounds: int = 3) -> dict:
    files = [p for p, problem in find_article_files(folder) if problem is None]
    texts = [read_article(p).text for p in files]  # also puts the files in the page cache, as after copying them in
    runs = []
    for _ in range(rounds):
        done, seconds, capped, cpu = _timed_sync(folder, db_path, len(files), cap)
        runs.append((sum(map(len, texts[:done])) / seconds, done, seconds, capped, cpu))
        if capped:
            break  # too slow to repeat within the budget
    chars_per_s, done, seconds, capped, cpu = max(runs)
    chars = sum(map(len, texts[:done]))
    best = best_cpu = float("inf")
    for _ in range(3):
        t, c = time.perf_counter(), time.process_time()
        for text in texts[:done]:
            segment(text)
        best, best_cpu = min(best, time.perf_counter() - t), min(best_cpu, time.process_time() - c)
    return {"files": len(files), "done": done, "capped": capped, "seconds": seconds, "chars": chars,
            "chars_per_s": chars_per_s, "segment_seconds": best, "segment_chars_per_s": chars / best,
            "all_seconds": [r[2] for r in runs], "cpu_seconds": cpu, "segment_cpu_seconds": best_cpu,
            "workers": min(MAX_WORKERS, os.cpu_count() or 1)}


def web_pages(folder: Path, most: int = 300) -> dict:
    from store.files import decode
    from store.html import extract_html

    pages = [p for p, problem in find_article_files(folder) if problem is None
             and p.suffix.lower() in (".html", ".htm")][:most]
    if not pages:
        return {"pages": 0}
    read_article(pages[0])
    htmls = [decode(p.read_bytes())[0] for p in pages]
    times = {"trafilatura": float("inf"), "whole": float("inf")}
    for _ in range(2):
        t = time.perf_counter()
        for p in pages:
            read_article(p)
        times["trafilatura"] = min(times["trafilatura"], time.perf_counter() - t)
        t = time.perf_counter()
        for html in htmls:
            extract_html(html)
        times["whole"] = min(times["whole"], time.perf_counter() - t)
    return {"pages": len(pages), **{k: v / len(pages) * 1000 for k, v in times.items()}}


def resync(folder: Path, db_path: Path, repeat: int = 3) -> dict:
    db = connect(db_path)
    times, report = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        report = sync(db, folder)
        times.append(time.perf_counter() - t)
    db.conn.close()
    walks = []
    for _ in range(repeat):
        t = time.perf_counter()
        for path, problem in find_article_files(folder):
            path.stat()
        walks.append(time.perf_counter() - t)
    return {"seconds": statistics.median(times), "all": times, "unchanged": report.unchanged,
            "added": len(report.added), "walk_stat_seconds": statistics.median(walks)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", type=Path)
    ap.add_argument("--new", type=Path, help="database to create for the new-articles sync")
    ap.add_argument("--resync", type=Path, help="database already holding FOLDER")
    ap.add_argument("--cap", type=float, default=60.0)
    a = ap.parse_args(argv)
    out = {}
    if a.resync:
        out["resync"] = resync(a.folder, a.resync)
    if a.new:
        out["new"] = sync_new(a.folder, a.new, a.cap)
        out["pages"] = web_pages(a.folder)
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
