"""Synthetic corpora for the benchmarks: article files, a synced database, annotations.

* ``write_articles(folder, n, seed)`` writes ``n`` article files (``YYYY/MM/NNNNN-slug.txt``,
  one in ten a ``.md`` with ``title:``/``source:``/``date:`` front matter, one in ten a saved
  web page ``.html`` with its site's furniture, ``bench.textgen.web_page``) made by
  ``bench.textgen.NewsWriter``; lengths are log-normal around 3 KB, and ``big``
  of them are about 1 MB (about 10,000 sentences).  A hidden stamp file records
  the parameters, so an existing folder is reused, not rewritten (file mtimes
  stay, so a re-sync finds them unchanged).
* ``sync_folder(db_path, folder)`` creates the database with ``store.db.connect``
  and fills it with ``store.sync.sync``: pressmark's own code, unchanged.
* ``add_annotations(db_path, m, seed)`` adds ``m`` annotations spread uniformly
  over every sentence of every article, by five annotators, 3/4 tags
  (finding/response/commitment) and 1/4 notes.  For speed this is one
  transaction of ``executemany`` inserts, *not* ``store.annotate.set_tag``
  one action at a time (that is one fsync'd transaction each: hours for
  1,000,000).  The rows are shaped exactly as ``store.annotate`` writes them:
  anchor fields from the sentence's span and ``ANCHOR_CONTEXT`` characters
  of the article text either side (as ``store.annotate._anchor`` reads them),
  ``created_at == updated_at`` in ``store.db.now()`` format, status ``ok``, one
  ``actions`` row per annotation (label ``tag <name>`` or ``note``, as
  ``set_tag``/``set_note`` label them) and one ``events`` row with
  ``before`` NULL and ``after`` the JSON image ``_Recorder.insert`` logs (same
  keys, same order, ``id`` last).  Then every annotated article's speakers are
  attributed (``store.derived.speakers.ensure_speakers``), as opening it in the reader to
  tag it would have done.  ``generate`` ends with ``PRAGMA integrity_check``,
  and ``--check`` also runs ``pressmark export`` and compares its row count.

``cached_corpus(n, m, seed)`` is what ``python -m bench run`` uses: everything
under ``bench/.cache/``, keyed by the parameters and ``GENERATOR``.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.textgen import NOTES as NOTE_TEXTS
from bench.textgen import SITES, NewsWriter, web_page

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
GENERATOR = 2  # bump when generated text or annotations change, to invalidate the cache
SEED = 6
ANNOTATORS = ("alice", "bob", "chen", "dana", "emeka")
KINDS = ("finding", "response", "commitment", None)  # None: a note
STAMP = ".bench-corpus.json"
BIG_CHARS = 1_000_000


def _log(msg: str) -> None:
    print(f"[bench] {msg}", flush=True)


# --------------------------------------------------------------------------- article files

def default_big(n: int) -> int:
    return 3 if n >= 1000 else (1 if n >= 100 else 0)


def write_articles(folder: Path, n: int, seed: int = SEED, big: int | None = None) -> Path:
    """Write ``n`` article files under ``folder`` (reused when its stamp matches)."""
    folder = Path(folder)
    big = default_big(n) if big is None else big
    params = {"generator": GENERATOR, "articles": n, "seed": seed, "big": big}
    stamp = folder / STAMP
    if stamp.exists():
        try:
            if json.loads(stamp.read_text()) == params:
                return folder
        except ValueError:
            pass
        raise SystemExit(f"{folder}: holds a different generated corpus; choose another --dir")
    if folder.exists() and any(folder.iterdir()):
        raise SystemExit(f"{folder}: not empty; choose another --dir")
    w = NewsWriter(seed)
    big_at = set(random.Random(seed + 1).sample(range(n), big)) if n else set()
    day0 = datetime(2015, 1, 1)
    for i in range(n):
        when = day0 + timedelta(days=i * 3500 // max(n, 1))
        if i in big_at:
            head, text = w.article(BIG_CHARS)
        else:
            head, text = w.article(w.article_size(), blank_lines=w.rng.random() < 0.7)
        slug = "-".join(head.lower().replace("’", "").replace("‘", "").split()[:6])
        slug = "".join(c for c in slug if c.isalnum() or c == "-")[:48]
        sub = folder / f"{when:%Y}" / f"{when:%m}"
        sub.mkdir(parents=True, exist_ok=True)
        if i % 10 == 7 and i not in big_at:  # a saved web page: the article among the site's furniture
            site, host = SITES[i % len(SITES)]
            page = web_page(w.rng, head, [p for p in text.split("\n")[1:] if p], site=site, host=host,
                            author=w.person(), date=f"{when:%Y-%m-%d}", slug=slug)
            (sub / f"{i:05}-{slug}.html").write_text(page, encoding="utf-8")
        elif i % 10 == 5 and i not in big_at:
            body = text.split("\n", 1)[1].lstrip("\n")
            text = (f"---\ntitle: \"{head}\"\nsource: {w.pick(('Telegraph & Argus', 'Bradford Council press office', 'BBC Yorkshire', 'Yorkshire Post'))}\n"
                    f"date: {when:%Y-%m-%d}\n---\n\n{body}")
            (sub / f"{i:05}-{slug}.md").write_text(text, encoding="utf-8")
        else:
            (sub / f"{i:05}-{slug}.txt").write_text(text, encoding="utf-8")
    stamp.write_text(json.dumps(params))
    return folder


# --------------------------------------------------------------------------- database

def sync_folder(db_path: Path, folder: Path):
    """A new pressmark database at ``db_path`` with ``folder`` synced into it (pressmark's own sync)."""
    from store.db import connect
    from store.sync import sync

    db = connect(db_path)
    report = sync(db, folder)
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return report


def _stamp(i: int, t0: datetime) -> str:
    return (t0 + timedelta(milliseconds=i)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def add_annotations(db_path: Path, m: int, seed: int = SEED) -> dict:
    """Add ``m`` annotations (see the module docstring); returns counts."""
    from store.anchor import ANCHOR_CONTEXT
    from store.db import connect, write
    from store.sentences import spans

    db = connect(db_path)
    conn = db.conn
    conn.execute("PRAGMA cache_size = -262144")  # 256 MB page cache for the index builds (this connection only)
    rng = random.Random(seed * 7919 + m)
    texts: dict[int, str] = dict(conn.execute("SELECT id, text FROM articles"))
    sentences = [(article_id, n, start, end, texts[article_id][start:end])
                 for (article_id,) in conn.execute("SELECT id FROM articles WHERE status = 'ok' ORDER BY id").fetchall()
                 for n, (start, end, _) in enumerate(spans(db, article_id), 1)]
    per_sentence = len(ANNOTATORS) * len(KINDS)
    total = len(sentences) * per_sentence
    taken = {(a, n, who, tag) for a, n, who, tag in conn.execute(
        "SELECT article_id, sentence, annotator, tag FROM annotations WHERE status = 'ok'")}
    if m > total - len(taken):
        raise SystemExit(f"{m} annotations do not fit: {len(sentences)} sentences x {per_sentence} slots")
    slots = rng.sample(range(total), m + len(taken))
    next_ann = (conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'annotations'").fetchone() or (0,))[0] + 1
    next_act = (conn.execute("SELECT max(id) FROM actions").fetchone()[0] or 0) + 1
    next_evt = (conn.execute("SELECT max(id) FROM events").fetchone()[0] or 0) + 1
    t0 = datetime(2021, 1, 4, 9, 0, tzinfo=timezone.utc)
    counts = {"annotations": 0, "tags": 0, "notes": 0, "export_rows": 0}

    def rows():
        ms = 0
        done = 0
        for slot in slots:
            if done == m:
                return
            s_idx, rest = divmod(slot, per_sentence)
            who_i, kind_i = divmod(rest, len(KINDS))
            article_id, n, start, end, exact = sentences[s_idx]
            who, tag = ANNOTATORS[who_i], KINDS[kind_i]
            if (article_id, n, who, tag) in taken:
                continue
            text = texts[article_id]
            ms += rng.randint(500, 30_000)
            stamp = _stamp(ms, t0)
            note = None if tag else NOTE_TEXTS[rng.randrange(len(NOTE_TEXTS))]
            row = {"article_id": article_id, "sentence": n, "start": start, "end": end, "exact": exact,
                   "prefix": text[max(start - ANCHOR_CONTEXT, 0):start], "suffix": text[end:end + ANCHOR_CONTEXT],
                   "annotator": who, "created_at": stamp, "updated_at": stamp, "status": "ok"}
            if tag:
                row["tag"] = tag
            else:
                row["note"] = note
            ann_id, act_id, evt_id = next_ann + done, next_act + done, next_evt + done
            done += 1
            yield row, ann_id, act_id, evt_id

    batch_a, batch_c, batch_e = [], [], []

    def flush():
        conn.executemany(
            'INSERT INTO annotations (id, article_id, sentence, start, "end", exact, prefix, suffix, tag, note,'
            " annotator, created_at, updated_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch_a)
        conn.executemany("INSERT INTO actions (id, annotator, label, at) VALUES (?, ?, ?, ?)", batch_c)
        conn.executemany("INSERT INTO events (id, action_id, annotation_id, before, after) VALUES (?, ?, ?, NULL, ?)",
                         batch_e)
        batch_a.clear()
        batch_c.clear()
        batch_e.clear()

    with write(db):
        for row, ann_id, act_id, evt_id in rows():
            tag, note = row.get("tag"), row.get("note")
            batch_a.append((ann_id, row["article_id"], row["sentence"], row["start"], row["end"], row["exact"],
                            row["prefix"], row["suffix"], tag, note, row["annotator"], row["created_at"],
                            row["updated_at"], "ok"))
            batch_c.append((act_id, row["annotator"], f"tag {tag}" if tag else "note", row["created_at"]))
            batch_e.append((evt_id, act_id, ann_id, json.dumps({**row, "id": ann_id})))
            counts["annotations"] += 1
            counts["tags" if tag else "notes"] += 1
            if len(batch_a) >= 20_000:
                flush()
        flush()
    # Rows `pressmark export` writes: every tag row, plus note rows on sentences their annotator did not tag.
    # Counted in Python: the same test in SQL is a correlated scan per note (quadratic, see bench/README.md).
    tagged, notes = set(), []
    for article_id, n, who, tag in conn.execute("SELECT article_id, sentence, annotator, tag FROM annotations"
                                                " WHERE status = 'ok'"):
        (tagged.add if tag is not None else notes.append)((article_id, n, who))
    counts["export_rows"] = conn.execute(
        "SELECT count(*) FROM annotations WHERE tag IS NOT NULL").fetchone()[0] + sum(k not in tagged for k in notes)
    # Whoever tagged an article opened it first, and opening attributes its speakers (store.derived):
    # do that here too, outside the insert transaction, so the database is as the reader leaves it.
    from store.derived.speakers import ensure_speakers

    counts["attributed"] = ensure_speakers(db, annotated=True)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return counts


def integrity_check(db_path: Path) -> str:
    conn = sqlite3.connect(db_path)
    try:
        return "; ".join(r[0] for r in conn.execute("PRAGMA integrity_check"))
    finally:
        conn.close()


def export_check(db_path: Path, expected: int | None = None) -> int:
    """Run ``pressmark export`` on the database; return its row count (raises if it fails or differs)."""
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "check.csv"
        proc = subprocess.run([sys.executable, "-c", "from tui.cli import main; main()", "--db", str(db_path),
                               "export", "-o", str(out)], capture_output=True, text=True, cwd=tmp)
        if proc.returncode != 0:
            raise RuntimeError(f"pressmark export failed: {proc.stderr.strip()}")
        count = int(proc.stderr.split()[0])
    if expected is not None and count != expected:
        raise RuntimeError(f"pressmark export wrote {count} rows, expected {expected}")
    return count


def _remove_db(path: Path) -> None:
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        p.unlink(missing_ok=True)


def generate(n: int, m: int, db_path: Path, folder: Path, seed: int = SEED, check: bool = False,
             big: int | None = None) -> dict:
    """The ``python -m bench generate`` command: files, sync, annotations, integrity check."""
    db_path, folder = Path(db_path), Path(folder)
    if db_path.exists():
        raise SystemExit(f"{db_path}: exists; remove it first (generate never overwrites a database)")
    t = time.perf_counter()
    write_articles(folder, n, seed, big)
    _log(f"{n} articles in {folder} ({time.perf_counter() - t:.1f} s)")
    t = time.perf_counter()
    tmp = db_path.with_name(db_path.name + ".generating")
    _remove_db(tmp)
    report = sync_folder(tmp, folder)
    _log(f"synced: {len(report.added)} added, {len(report.skipped)} skipped ({time.perf_counter() - t:.1f} s)")
    t = time.perf_counter()
    counts = add_annotations(tmp, m, seed) if m else {"annotations": 0, "export_rows": 0}
    _log(f"{counts['annotations']} annotations added ({time.perf_counter() - t:.1f} s)")
    t = time.perf_counter()
    result = integrity_check(tmp)
    if result != "ok":
        raise RuntimeError(f"integrity_check: {result}")
    _log(f"integrity_check ok ({time.perf_counter() - t:.1f} s)")
    os.replace(tmp, db_path)
    if check:
        t = time.perf_counter()
        rows = export_check(db_path, counts["export_rows"])
        _log(f"pressmark export: {rows} rows, as expected ({time.perf_counter() - t:.1f} s)")
    return counts


# --------------------------------------------------------------------------- the run's cache

def corpus_folder(n: int, seed: int = SEED) -> Path:
    return write_articles(CACHE / f"articles-g{GENERATOR}-n{n}-s{seed}", n, seed)


def base_db(n: int, seed: int = SEED) -> Path:
    """The folder of ``n`` articles synced into a database with no annotations (cached)."""
    path = CACHE / f"pm-g{GENERATOR}-n{n}-m0-s{seed}.db"
    if not path.exists():
        folder = corpus_folder(n, seed)
        tmp = path.with_name(path.name + ".tmp")
        _remove_db(tmp)
        t = time.perf_counter()
        sync_folder(tmp, folder)
        _log(f"synced {n} articles into {path.name} ({time.perf_counter() - t:.1f} s)")
        os.replace(tmp, path)
    return path


def annotated_db(n: int, m: int, seed: int = SEED) -> tuple[Path, dict]:
    """``base_db(n)`` plus ``m`` annotations (cached, with its counts beside it)."""
    if m == 0:
        return base_db(n, seed), {"annotations": 0, "export_rows": 0}
    path = CACHE / f"pm-g{GENERATOR}-n{n}-m{m}-s{seed}.db"
    meta = path.with_suffix(".json")
    if not (path.exists() and meta.exists()):
        base = base_db(n, seed)
        tmp = path.with_name(path.name + ".tmp")
        _remove_db(tmp)
        shutil.copyfile(base, tmp)
        t = time.perf_counter()
        counts = add_annotations(tmp, m, seed)
        _log(f"added {m} annotations to {path.name} ({time.perf_counter() - t:.1f} s)")
        t = time.perf_counter()
        result = integrity_check(tmp)
        if result != "ok":
            raise RuntimeError(f"{tmp}: integrity_check: {result}")
        _log(f"integrity_check ok ({time.perf_counter() - t:.1f} s)")
        os.replace(tmp, path)
        meta.write_text(json.dumps(counts))
    return path, json.loads(meta.read_text())


def two_articles_db() -> Path:
    """The repository's own ``articles/`` synced into a database (cached; re-synced when they change)."""
    path = CACHE / "pm-two-articles.db"
    CACHE.mkdir(parents=True, exist_ok=True)
    from store.db import connect
    from store.sync import sync

    db = connect(path)
    sync(db, ROOT / "articles")
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return path


def working_copy(path: Path, name: str) -> Path:
    """A fresh copy of a cached database for measurements that write to it."""
    work = CACHE / "work"
    work.mkdir(parents=True, exist_ok=True)
    dst = work / name
    _remove_db(dst)
    shutil.copyfile(path, dst)
    # On disk before anything is measured: otherwise the copy (up to 1.2 GB) is written out while the
    # figures run, and every fsync they make (a tag's commit, a checkpoint) waits behind it.
    os.sync()
    return dst
