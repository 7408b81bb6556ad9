"""``python -m bench.hostile``: the crash and concurrency figures of issue 15, at the adversarial run's scale.

The test suite proves the same two guarantees quickly (tests/test_robustness_crash.py: 30 kills,
2 x 20 CLI tags); this script repeats them at the scale of the independent run that reported them
(200 SIGKILLs, about 600 concurrent commands), for the closing note of a change to the store.

1. Kills: a loop of real ``pressmark tag`` processes, each SIGKILLed after a random number of
   acknowledged tags (a tag is acknowledged when the CLI printed its line).  Then: integrity_check,
   acknowledged tags missing from the database (must be 0), actions and events per annotation.
2. Concurrency: WRITERS processes each run COMMANDS real CLI commands (tag, untag, note, list,
   export, annotators) on one database at once.  Then: commands that failed, "locked" errors,
   tags acknowledged but missing.
"""
from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PRESSMARK = [sys.executable, "-c", "from tui.cli import main; main()"]
TAGS = ("finding", "response", "commitment")


def _article(sentences: int) -> str:
    return "\n\n".join(" ".join(f"Sentence {p * 10 + i} of paragraph {p} says something of its own."
                                for i in range(1, 11)) for p in range(sentences // 10)) + "\n"


def _env(annotator: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESSMARK_")}
    env["PRESSMARK_ANNOTATOR"] = annotator
    return env


def _setup(work: Path, sentences: int) -> Path:
    (work / "articles").mkdir()
    (work / "articles" / "long.txt").write_text(_article(sentences))
    db = work / "p.db"
    subprocess.run([*PRESSMARK, "--db", str(db), "sync", str(work / "articles")], check=True,
                   capture_output=True, env=_env("setup"))
    return db


# A tagger that acknowledges each saved tag on one line, as the CLI does, but without a process per
# tag: the kill can land anywhere in the loop, inside or between transactions.
TAGGER = r"""
import sys
from store.annotate import set_tag
from store.db import connect
db_path, sentences, start = sys.argv[1:]
db = connect(db_path)
combos = [(n, t) for n in range(1, int(sentences) + 1) for t in ("finding", "response", "commitment")]
for i in range(int(start), len(combos)):
    n, tag = combos[i]
    set_tag(db, 1, n, tag, "crash")
    sys.stdout.write(f"{i} {n} {tag}\n")
    sys.stdout.flush()
"""


def kills(db: Path, count: int, sentences: int, rng: random.Random) -> str:
    acked: set[tuple[int, str]] = set()
    next_index = 0
    for _ in range(count):
        proc = subprocess.Popen([sys.executable, "-c", TAGGER, str(db), str(sentences), str(next_index)],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        for _ in range(rng.randint(0, 8)):
            line = proc.stdout.readline()
            if not line.endswith("\n"):
                break
            i, n, tag = line.split()
            acked.add((int(n), tag))
            next_index = int(i) + 1
        time.sleep(rng.random() * 0.004)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for line in proc.stdout.read().splitlines(keepends=True):
            if line.endswith("\n"):
                i, n, tag = line.split()
                acked.add((int(n), tag))
                next_index = int(i) + 1
        proc.stdout.close()
    conn = sqlite3.connect(db)
    integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    present = set(conn.execute("SELECT sentence, tag FROM annotations WHERE annotator = 'crash'"))
    counts = [conn.execute(f"SELECT count(*) FROM {t} WHERE annotator = 'crash'").fetchone()[0]
              for t in ("annotations", "actions")]
    conn.close()
    return (f"kills: {count} SIGKILLs, {len(acked)} tags acknowledged, {len(acked - present)} lost, "
            f"{len(present)} present, {counts[1]} actions, integrity_check {integrity}")


WRITER = r"""
import os, random, subprocess, sys
db, me, commands, sentences, seed = sys.argv[1:]
pressmark = [sys.executable, "-c", "from tui.cli import main; main()", "--db", db]
env = {k: v for k, v in os.environ.items() if not k.startswith("PRESSMARK_")}
env["PRESSMARK_ANNOTATOR"] = me
rng = random.Random(int(seed))
for i in range(int(commands)):
    n = rng.randint(1, int(sentences))
    kind = rng.choice(["tag", "tag", "tag", "untag", "note", "list", "export", "annotators"])
    args = {"tag": ["tag", "long", str(n), "finding"], "untag": ["untag", "long", str(n), "finding"],
            "note": ["tag", "long", str(n), "response", "--note", f"note {i}"], "list": ["list"],
            "export": ["export", "-o", "-"], "annotators": ["annotators"]}[kind]
    proc = subprocess.run(pressmark + args, capture_output=True, text=True, env=env)
    print(kind, n, proc.returncode, "locked" in proc.stderr.lower(), "Traceback" in proc.stderr, flush=True)
"""


def concurrency(db: Path, writers: int, commands: int, sentences: int) -> str:
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(db), f"w{w}", str(commands), str(sentences),
                               str(w)], stdout=subprocess.PIPE, text=True) for w in range(writers)]
    failed = locked = tracebacks = total = 0
    expected: dict[str, dict[int, bool]] = {}
    for w, proc in enumerate(procs):
        out, _ = proc.communicate()
        state = expected.setdefault(f"w{w}", {})
        for line in out.splitlines():
            kind, n, code, was_locked, traceback = line.split()
            total += 1
            failed += code != "0"
            locked += was_locked == "True"
            tracebacks += traceback == "True"
            if code == "0" and kind in ("tag", "untag"):
                state[int(n)] = kind == "tag"
    conn = sqlite3.connect(db)
    lost = 0
    for who, state in expected.items():
        have = {n for (n,) in conn.execute("SELECT sentence FROM annotations WHERE annotator = ? AND tag = "
                                           "'finding' AND status = 'ok'", (who,))}
        lost += sum((n in have) != tagged for n, tagged in state.items())
    integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
    conn.close()
    return (f"concurrency: {writers} processes, {total} CLI commands, {failed} failed, {locked} 'locked', "
            f"{tracebacks} tracebacks, {lost} tags whose saved state was lost, integrity_check {integrity}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile", description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--commands", type=int, default=150, help="CLI commands per writer")
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="pressmark-hostile-") as tmp:
        db = _setup(Path(tmp), 400)
        print(kills(db, args.kills, 400, rng), flush=True)
    with tempfile.TemporaryDirectory(prefix="pressmark-hostile-") as tmp:
        db = _setup(Path(tmp), 400)
        print(concurrency(db, args.writers, args.commands, 400), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
