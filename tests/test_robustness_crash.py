"""Two processes writing one database, and SIGKILL at random points: no failure, nothing lost.

Run with ``-s`` to see the counts (processes, operations, kills survived, acknowledged, lost).
"""
from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from store.db import connect
from store.sync import sync

TAGS = ("finding", "response", "commitment")
OPS_PER_WRITER = 1000
CLI_TAGS_PER_WRITER = 20
KILLS = 30
SEED = 20240605


def long_article(sentences: int) -> str:
    paragraphs = [" ".join(f"Sentence number {i} of paragraph {p} says something of its own."
                           for i in range(p * 10 + 1, p * 10 + 11)) for p in range(sentences // 10)]
    return "\n\n".join(paragraphs) + "\n"


@pytest.fixture
def big_db(tmp_path: Path) -> tuple[Path, int, int]:
    """A database holding one generated 400-sentence article: (path, article id, sentences)."""
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "long.txt").write_text(long_article(400))
    db = connect(tmp_path / "p.db")
    sync(db, tmp_path / "articles")
    article_id, n = db.conn.execute("SELECT id, n_sentences FROM articles").fetchone()
    db.conn.close()
    assert n == 400
    return tmp_path / "p.db", article_id, n


def python(code: str, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


def wait_for_files(paths: list[Path], procs: list[subprocess.Popen], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not all(p.exists() for p in paths):
        for proc in procs:
            assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "writers never got ready"
        time.sleep(0.01)


# --------------------------------------------------------------------------- two writers
WRITER = r"""
import os, sys, time
from store.annotate import set_tag, toggle_tag
from store.db import connect
db_path, article_id, annotator, mode, barrier, ops = sys.argv[1:]
db = connect(db_path)
open(barrier + "." + annotator, "w").close()  # ready
while not os.path.exists(barrier):
    time.sleep(0.001)
tags = ("finding", "response", "commitment")
for i in range(int(ops)):
    n, tag = i // 3 + 1, tags[i % 3]
    if mode == "set":
        assert set_tag(db, int(article_id), n, tag, annotator) is not None
    else:
        toggle_tag(db, int(article_id), n, tag, annotator)
print(int(ops))
"""


def test_two_processes_each_doing_1000_tag_operations(big_db, tmp_path):
    path, article_id, _ = big_db
    barrier = tmp_path / "go"
    writers = [("w-set", "set"), ("w-toggle", "toggle")]
    procs = [python(WRITER, path, article_id, name, mode, barrier, OPS_PER_WRITER) for name, mode in writers]
    try:
        wait_for_files([Path(f"{barrier}.{name}") for name, _ in writers], procs)
        barrier.touch()  # both start together
        results = [proc.communicate(timeout=300) for proc in procs]
    finally:
        for proc in procs:
            proc.kill()
    for proc, (out, err) in zip(procs, results):
        assert "database is locked" not in err
        assert proc.returncode == 0, err
        assert out.strip() == str(OPS_PER_WRITER)
    conn = sqlite3.connect(path)
    count = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    assert count("SELECT count(*) FROM annotations") == 2 * OPS_PER_WRITER
    assert count("SELECT count(*) FROM actions") == 2 * OPS_PER_WRITER
    assert count("SELECT count(*) FROM events") == 2 * OPS_PER_WRITER
    assert conn.execute("SELECT annotator, count(*) FROM annotations GROUP BY annotator ORDER BY 1").fetchall() \
        == [("w-set", OPS_PER_WRITER), ("w-toggle", OPS_PER_WRITER)]
    assert count("SELECT count(DISTINCT sentence || tag || annotator) FROM annotations") == 2 * OPS_PER_WRITER
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # How often the lock passed from one writer to the other. Usually once: SQLite's busy
    # handler polls, and a writer committing back to back nearly always wins the lock again
    # (see test_a_long_sync_does_not_starve_a_concurrent_tagger).
    order = [a for (a,) in conn.execute("SELECT annotator FROM actions ORDER BY id")]
    switches = sum(x != y for x, y in zip(order, order[1:]))
    conn.close()
    print(f"\nconcurrency: 2 processes x {OPS_PER_WRITER} tag operations: {2 * OPS_PER_WRITER} annotations, "
          f"{2 * OPS_PER_WRITER} actions, 0 failures, writers alternated {switches} times")


CLI_WRITER = r"""
import os, subprocess, sys, time
db_path, annotator, barrier, count = sys.argv[1:]
env = {k: v for k, v in os.environ.items() if not k.startswith("PRESSMARK_")}
env["PRESSMARK_ANNOTATOR"] = annotator
open(barrier + "." + annotator, "w").close()
while not os.path.exists(barrier):
    time.sleep(0.001)
failures = 0
for n in range(1, int(count) + 1):
    proc = subprocess.run([sys.executable, "-c", "from tui.cli import main; main()", "--db", db_path,
                           "tag", "long", str(n), "finding"], capture_output=True, text=True, env=env)
    if proc.returncode != 0 or proc.stdout.strip() != f"sentence {n}: tagged finding":
        failures += 1
        print(proc.returncode, proc.stdout, proc.stderr, file=sys.stderr)
print(failures)
"""


def test_two_cli_processes_tagging_concurrently(big_db, tmp_path):
    path, _, _ = big_db
    barrier = tmp_path / "go-cli"
    names = ["cli-a", "cli-b"]
    procs = [python(CLI_WRITER, path, name, barrier, CLI_TAGS_PER_WRITER) for name in names]
    try:
        wait_for_files([Path(f"{barrier}.{name}") for name in names], procs)
        barrier.touch()
        results = [proc.communicate(timeout=300) for proc in procs]
    finally:
        for proc in procs:
            proc.kill()
    for proc, (out, err) in zip(procs, results):
        assert proc.returncode == 0 and out.strip() == "0", err
        assert "locked" not in err and "Traceback" not in err
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT annotator, count(*) FROM annotations GROUP BY annotator ORDER BY 1").fetchall() \
        == [(name, CLI_TAGS_PER_WRITER) for name in names]
    conn.close()


SYNC_WITH_PROGRESS = r"""
import sys
from store.db import connect
from store.sync import sync
db = connect(sys.argv[1])
sync(db, sys.argv[2], progress=lambda i, f: print(i, flush=True))
print("done", flush=True)
"""
SYNC_UNTIL_STOPPED = r"""
import sys
from pathlib import Path
from store.db import connect
from store.sync import sync
db = connect(sys.argv[1])
stop, roots, done = Path(sys.argv[2]), sys.argv[3:], 0
while not stop.exists():  # the folders hold the same file names with other texts: every pass rewrites them all
    for root in roots:
        sync(db, root, progress=lambda i, f: print(done + i, flush=True))
        done += 1000000
print("done", flush=True)
"""
IMPATIENT_TAGGER = r"""
import sys, time
import store.db
store.db.BUSY_TIMEOUT_S = float(sys.argv[2])  # stands for the real 30 s, to keep the test short
from store.annotate import set_tag
from store.db import connect
db = connect(sys.argv[1])
try:
    set_tag(db, 1, 1, "finding", "tui")
    print("saved", flush=True)
except Exception as exc:
    print(type(exc).__name__, exc, flush=True)
"""


def test_a_long_sync_does_not_starve_a_concurrent_tagger(tmp_path):
    roots = [tmp_path / "articles", tmp_path / "other"]
    for n, root in enumerate(roots):
        root.mkdir()
        for i in range(1500):
            (root / f"{i:04}.txt").write_text(" ".join(f"Article {i} version {n} sentence {j} is here."
                                                       for j in range(100)))
    (tmp_path / "first").mkdir()
    (tmp_path / "first" / "a.txt").write_text("One sentence here. Two sentences there.\n")
    path, stop = tmp_path / "s.db", tmp_path / "stop"
    db = connect(path)
    sync(db, tmp_path / "first")
    db.conn.close()
    # The sync runs until told to stop, so the tagger always meets it, however fast or slow the machine.
    syncer = python(SYNC_UNTIL_STOPPED, path, stop, *roots)
    try:
        for line in syncer.stdout:
            if int(line) >= 1_000_030:  # in the second pass: every file it reads is written again
                break
        # A fair lock lets the tagger in at the sync's next commit (every 0.5 s); it waits up to 1 s.
        tagger = subprocess.run([sys.executable, "-c", IMPATIENT_TAGGER, str(path), "1.0"],
                                capture_output=True, text=True, timeout=60)
        assert syncer.poll() is None  # still syncing when the tagger finished
        stop.touch()
        rest = syncer.stdout.read()
        syncer.wait(timeout=120)
    finally:
        syncer.kill()
    assert syncer.returncode == 0 and rest.endswith("done\n")
    assert tagger.stdout.strip() == "saved", tagger.stdout + tagger.stderr


def test_tui_survives_a_tag_that_cannot_be_saved(big_db, monkeypatch):
    import asyncio

    import store.db
    from tui.app import PressmarkApp
    from tui.screens.reader import ReaderScreen

    path, article_id, _ = big_db
    monkeypatch.setattr(store.db, "BUSY_TIMEOUT_S", 0.2)  # the real 30 s would only make the test slow
    db = connect(path)
    blocker = sqlite3.connect(path, isolation_level=None)

    async def run() -> None:
        # No idle timer (its housekeeping and retraining write too): only the key's own write may meet the lock.
        app = PressmarkApp(db, annotator="tui", db_path=path, pause_after=None)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("enter")
            await pilot.pause()
            # Opening the article stores its speakers, suggestions and reading position in workers: let them
            # finish, or one of them could hold the lock when the blocker asks for it, or the tag after it.
            await app.workers.wait_for_complete()
            blocker.execute("BEGIN IMMEDIATE")  # another process is writing, for longer than the timeout
            await pilot.press("f")
            await pilot.pause()
            assert app.is_running and app.return_code is None
            assert isinstance(app.screen, ReaderScreen)
            await app.workers.wait_for_complete()  # whatever the failed key started gives up on the lock first
            blocker.execute("ROLLBACK")
            await pilot.press("f")  # once the lock is free, the same key works
            await pilot.pause()

    try:
        asyncio.run(run())
    finally:
        blocker.close()
    rows = db.conn.execute("SELECT sentence, tag FROM annotations WHERE annotator = 'tui'").fetchall()
    db.conn.close()
    assert rows == [(1, "finding")]


# --------------------------------------------------------------------------- SIGKILL
TAGGER = r"""
import sys
from store.annotate import set_tag
from store.db import connect
db_path, article_id, sentences, start = sys.argv[1:]
db = connect(db_path)
tags = ("finding", "response", "commitment")
combos = [(n, t) for n in range(1, int(sentences) + 1) for t in tags]
for i in range(int(start), len(combos)):
    n, tag = combos[i]
    set_tag(db, int(article_id), n, tag, "crash")  # returns after COMMIT
    sys.stdout.write(f"{i} {n} {tag}\n")  # acknowledged only now, in one write
    sys.stdout.flush()
print("done", flush=True)
"""


def test_sigkill_at_random_points_loses_no_acknowledged_tag(big_db):
    path, article_id, sentences = big_db
    rng = random.Random(SEED)
    acked: set[tuple[int, str]] = set()
    next_index, kills = 0, 0
    for _ in range(KILLS):
        proc = python(TAGGER, path, article_id, sentences, next_index)
        target = rng.randint(0, 40)  # acknowledgements to wait for; 0 kills it while starting up
        seen = 0
        while seen < target:
            line = proc.stdout.readline()
            assert line.endswith("\n") and line != "done\n", proc.stderr.read()
            i, n, tag = line.split()
            acked.add((int(n), tag))
            next_index, seen = int(i) + 1, seen + 1
        time.sleep(rng.random() * 0.004)  # land anywhere: inside a transaction, between two, in a print
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL
        kills += 1
        # Whole lines written before the kill are acknowledged too; a line cut short by the
        # kill is not (with PYTHONUNBUFFERED=1 a line can be cut).
        for line in proc.stdout.read().splitlines(keepends=True):
            if line.endswith("\n") and line != "done\n":
                i, n, tag = line.split()
                acked.add((int(n), tag))
                next_index = int(i) + 1
        proc.stdout.close()
        proc.stderr.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    present = set(conn.execute("SELECT sentence, tag FROM annotations WHERE annotator = 'crash'").fetchall())
    lost = acked - present
    # Every action committed whole: one action and one event per annotation, never half of one.
    counts = [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("annotations", "actions", "events")]
    conn.close()
    print(f"\ncrash safety: {kills} SIGKILLs survived, {len(acked)} annotations acknowledged, "
          f"{len(present)} present, {len(lost)} lost")
    assert kills == KILLS
    assert len(acked) > 100
    assert not lost, sorted(lost)[:10]
    assert counts[0] == counts[1] == counts[2] == len(present)
    # ... and only what was asked for: the store holds a prefix of the combinations.
    assert len(present) - len(acked) <= 1
    db = connect(path)  # the database opens and takes writes after all that
    assert db.conn.execute("SELECT count(*) FROM articles").fetchone() == (1,)
    db.conn.close()


def test_sigkill_during_sync_then_resync(tmp_path):
    root = tmp_path / "articles"
    root.mkdir()
    for i in range(300):
        (root / f"{i:03}.txt").write_text(f"Article {i} begins here. {long_article(20)}")
    path = tmp_path / "s.db"
    connect(path).conn.close()
    rng = random.Random(SEED)
    for _ in range(3):
        proc = python(SYNC_WITH_PROGRESS, path, root)
        target = rng.randint(1, 250)
        for line in proc.stdout:
            if line == "done\n" or int(line) >= target:
                break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    db = connect(path)
    assert db.conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    report = sync(db, root)
    assert report.skipped == [] and report.missing == []
    assert db.conn.execute("SELECT count(*) FROM articles WHERE status = 'ok'").fetchone() == (300,)
    assert db.conn.execute("SELECT count(*) FROM sentences").fetchone()[0] == 300 * 21
    db.conn.close()


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    out = set()
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == pid:
            out.add(int(stat_file.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the worker processes through /proc")
def test_sync_workers_do_not_outlive_a_killed_sync(tmp_path):
    """A sync killed outright (SIGKILL, a closed terminal) cannot stop its worker processes; they
    notice and leave instead of waiting for work forever."""
    root = tmp_path / "articles"
    root.mkdir()
    for i in range(600):  # the pool starts after the first 200 files
        (root / f"{i:03}.txt").write_text(f"Article {i} begins here. {long_article(20)}")
    path = tmp_path / "s.db"
    connect(path).conn.close()
    proc = python(SYNC_WITH_PROGRESS, path, root)
    workers: set[int] = set()
    for line in proc.stdout:
        workers = _children(proc.pid)
        if workers or line == "done\n":
            break
    assert workers, "the sync finished without starting its pool"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    proc.stderr.close()
    deadline = time.monotonic() + 30  # a bound, not a timing: they check every 0.5 s
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(_alive, workers)), "worker processes were left behind"
