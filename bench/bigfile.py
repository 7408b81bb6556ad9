"""Big inputs inside the size limit (issue 15, point 9): time and peak memory of every command on them.

``python -m bench.bigfile [--keep DIR]`` prints a table; ``run()`` returns the records for
``python -m bench run`` (group ``big``).  Each input is an 18 MB file, in a folder of its own,
synced into a database of its own:

* ``lines``: ``a\\n`` 9,000,000 times (9 million one-letter sentences: before the cap ``show``
  took 124 s and 4.4 GB here, ``suggest`` 73 s and 2 GB, ``sync`` 35 s and 2.5 GB);
* ``prose``: realistic news prose (``bench.textgen.NewsWriter``), about 214,000 sentences;
* ``letterless``: ``|\\n`` 9,000,000 times (no sentence at all: the segmenter goes through it all);
* ``one-paragraph``: ``Ab. `` 4,500,000 times on one line (millions of sentences in one paragraph);
* ``front-matter``: ``---`` and 9,000,000 lines of ``a`` (an unterminated front matter).

For each: ``pressmark sync``, ``show``, ``show --format json`` and ``suggest`` as subprocesses
under ``/usr/bin/time`` (wall time and maximum resident set size), and opening the article in
the reader (a worker process under ``App.run_test``: Enter in the library to the reader's first
text, then ``G`` to the last sentence; its peak RSS the same way).  Target: no command over
300 MB (a few hundred MB, as the issue asks); times are for information.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
TIME = "/usr/bin/time"
RSS_TARGET_MB = 300
N = 9_000_000


def write_inputs(top: Path) -> dict[str, Path]:
    """Each input in a folder of its own (written a piece at a time: the harness stays small)."""
    from bench.textgen import NewsWriter

    pieces = {
        "lines": ("a\n", N), "letterless": ("|\n", N), "one-paragraph": ("Ab. ", N // 2),
        "front-matter": ("a\n", N),
    }
    folders = {}
    for name, (unit, count) in pieces.items():
        folder = top / name
        folder.mkdir(parents=True)
        with open(folder / f"{name}.txt", "w", encoding="utf-8") as f:
            if name == "front-matter":
                f.write("---\n")
            for _ in range(100):
                f.write(unit * (count // 100))
        folders[name] = folder
    folder = top / "prose"
    folder.mkdir()
    writer = NewsWriter(15)
    with open(folder / "prose.txt", "w", encoding="utf-8") as f:
        f.write(writer.headline() + "\n\n")
        size = 0
        while size < 2 * N:
            paragraph = writer.paragraph() + "\n\n"
            f.write(paragraph)
            size += len(paragraph.encode("utf-8"))
    folders["prose"] = folder
    return dict(sorted(folders.items()))


def timed(args: list[str], cwd: Path, output: Path) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, exit status) of one command, its output written to ``output``."""
    with open(output, "wb") as out:
        if Path(TIME).exists():
            report = output.with_suffix(".time")
            proc = subprocess.run([TIME, "-o", str(report), "-f", "%e %M", *args], cwd=cwd, stdout=out,
                                  stderr=subprocess.DEVNULL)
            seconds, kb = report.read_text().split()[-2:]
            return float(seconds), int(kb) / 1024, proc.returncode
        t = time.perf_counter()
        proc = subprocess.Popen(args, cwd=cwd, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        return time.perf_counter() - t, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def pressmark(*args: str) -> list[str]:
    return [PY, "-c", "from tui.cli import main; main()", *args]


def measure(top: Path) -> list[dict]:
    rows = []
    for name, folder in write_inputs(top).items():
        db = top / f"{name}.db"
        article = f"{name}.txt"
        commands = {
            "sync": pressmark("--db", str(db), "sync", str(folder)),
            "show": pressmark("--db", str(db), "show", article),
            "show --format json": pressmark("--db", str(db), "show", article, "--format", "json"),
            "suggest": pressmark("--db", str(db), "suggest", article),
            "reader: open, then G": [PY, "-m", "bench.bigfile", "--open", str(db)],
        }
        for command, args in commands.items():
            output = top / "output"
            seconds, mb, code = timed(args, ROOT, output)
            note = f"{seconds:.2f} s"
            if command == "sync":
                note += "; " + output.read_text().splitlines()[-1]
            elif command.startswith("reader"):
                opened = json.loads(output.read_text() or "{}")
                note += f"; {opened.get('open_s')} s to the reader, {opened.get('lines')} lines"
            rows.append({"input": name, "command": command, "seconds": round(seconds, 2), "rss_mb": round(mb),
                         "exit": code, "note": note})
            print(f"[bigfile] {name}: {command}: {note}, {mb:.0f} MB, exit {code}", file=sys.stderr, flush=True)
    return rows


def run() -> list[dict]:
    from bench.run import record

    with tempfile.TemporaryDirectory(prefix="pm-bigfile-") as tmp:
        rows = measure(Path(tmp))
    return [record(f"big input {r['input']}: {r['command']}, peak RSS", r["rss_mb"], None,
                   f"<= {RSS_TARGET_MB} MB", r["rss_mb"] <= RSS_TARGET_MB and r["exit"] == 0, "MB",
                   r["note"] + (f", exit {r['exit']}" if r["exit"] else ""))
            for r in rows]


async def _open(db_path: str) -> None:
    """Open the database's one article in the reader, then go to its last sentence."""
    from store.db import connect
    from tui.app import PressmarkApp
    from tui.screens.reader import ReaderScreen
    from tui.widgets.article_list import ArticleList
    from tui.widgets.article_view import ArticleView

    async def until(condition, timeout: float = 300) -> None:
        end = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > end:
                raise TimeoutError("the app never got there")
            await asyncio.sleep(0.02)

    app = PressmarkApp(connect(db_path), annotator="bench", db_path=Path(db_path), pause_after=None)
    async with app.run_test(size=(160, 45)) as pilot:
        await until(lambda: app.screen.query(ArticleList) and app.screen.query_one(ArticleList).articles)
        t = time.perf_counter()
        await pilot.press("enter")
        await until(lambda: isinstance(app.screen, ReaderScreen) and app.screen.query(ArticleView))
        await pilot.pause()
        opened = time.perf_counter() - t
        view = app.screen.query_one(ArticleView)
        if view.count:
            await pilot.press("G")
            await until(lambda: view.cursor == view.count)
        await pilot.pause()
        await app.workers.wait_for_complete()
        print(json.dumps({"open_s": round(opened, 2), "sentences": view.count, "lines": len(view._lines)}))


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bigfile", description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, metavar="DIR", help="write the inputs and databases here and keep them")
    parser.add_argument("--open", metavar="DB", help=argparse.SUPPRESS)  # the reader worker
    args = parser.parse_args()
    if args.open:
        asyncio.run(_open(args.open))
        return 0
    if args.keep:
        shutil.rmtree(args.keep, ignore_errors=True)
        rows = measure(args.keep)
    else:
        with tempfile.TemporaryDirectory(prefix="pm-bigfile-") as tmp:
            rows = measure(Path(tmp))
    print(f"{'input':<14} {'command':<21} {'seconds':>8} {'peak MB':>8} {'exit':>4}  note")
    for r in rows:
        print(f"{r['input']:<14} {r['command']:<21} {r['seconds']:>8.2f} {r['rss_mb']:>8} {r['exit']:>4}  {r['note']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
