"""Big and hostile imports (issue 15, point 5): time and peak memory of `pressmark import` and `cues --import`.

``python -m bench.bigimport [--mb 200] [--keep DIR]`` prints a table.  A database is synced from the
repository's ``articles/`` and one sentence tagged; its W3C export's Annotation is then written again
and again, each time by another annotator (so every one is imported as a new row), into files of
about ``--mb`` MB each:

* ``w3c``: as pressmark writes it (one Annotation per line inside ``first.items``);
* ``w3c-indented``: the same document pretty-printed (``indent=2``), as other tools write it;
* ``jsonl``: lines of 1,000 annotations each on that article;
* ``csv``: pressmark's CSV columns, one row per annotation;

and, for the refusals, a 1 GB file of NUL bytes (sparse) and a 100 MB line, imported and given to
``cues --import``.  Each command runs on a fresh copy of the database under ``/usr/bin/time``
(wall time, maximum resident set size).  Target: peak RSS independent of the file's size (the
baseline row imports one annotation).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
CLI = ["-c", "import sys; from tui.cli import main; sys.argv[0] = 'pressmark'; main()"]


def pressmark(args: list[str], cwd: Path) -> tuple[float, float, int, str]:
    """(seconds, peak RSS in MB, exit status, last line of its output: stderr when it failed) of one command."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PRESSMARK_ANNOTATOR": "bench"}
    report = cwd / "time.txt"
    proc = subprocess.run(["/usr/bin/time", "-o", str(report), "-f", "%e %M", PY, *CLI, *args], cwd=cwd, env=env,
                          capture_output=True, text=True)
    seconds, kb = report.read_text().split()[-2:]
    said = (proc.stderr if proc.returncode else proc.stdout).strip().splitlines() or [""]
    return float(seconds), int(kb) / 1024, proc.returncode, said[-1].strip()


def seed(top: Path) -> dict:
    """The seeded database, and its one annotation as W3C and as a CSV row (with the header)."""
    shutil.copytree(ROOT / "articles", top / "articles")
    for args in (["sync", "articles"], ["tag", sorted(os.listdir(top / "articles"))[0], "2", "finding"],
                 ["export", "--format", "w3c", "-o", "one.jsonld"], ["export", "-o", "one.csv"]):
        assert pressmark(args, top)[2] == 0, args
    item = json.loads((top / "one.jsonld").read_text(encoding="utf-8"))["first"]["items"][0]
    header, row = list(csv.reader((top / "one.csv").open(encoding="utf-8", newline="")))
    return {"item": item, "header": header, "row": row}


def write_inputs(top: Path, seeded: dict, size: int) -> dict[str, Path]:
    item, header, row = seeded["item"], seeded["header"], seeded["row"]
    count = size // len(json.dumps(item))

    def items():
        for i in range(count):
            yield {**item, "id": f"urn:bench:{i}", "creator": {"type": "Person", "name": f"coder{i:07d}"}}

    paths = {name: top / f"big.{name}" for name in ("w3c", "w3c-indented", "jsonl", "csv")}
    head = {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "AnnotationCollection"}
    with open(paths["w3c"], "w", encoding="utf-8") as f:
        f.write(json.dumps(head)[:-1] + ', "first": {"type": "AnnotationPage", "items": [')
        for i, annotation in enumerate(items()):
            f.write(("," if i else "") + "\n  " + json.dumps(annotation, ensure_ascii=False))
        f.write("\n]}}\n")
    with open(paths["w3c-indented"], "w", encoding="utf-8") as f:
        f.write('{\n  "@context": "http://www.w3.org/ns/anno.jsonld",\n  "type": "AnnotationCollection",\n'
                '  "first": {\n    "type": "AnnotationPage",\n    "items": [')
        for i, annotation in enumerate(items()):
            f.write(("," if i else "") + "\n" + json.dumps(annotation, ensure_ascii=False, indent=2))
        f.write("\n    ]\n  }\n}\n")
    text = (top / "articles" / row[0]).read_text(encoding="utf-8")
    start, end = int(row[header.index("start")]), int(row[header.index("end")])
    annotation = {"sentence": int(row[header.index("sentence")]), "start": start, "end": end,
                  "exact": text[start:end], "prefix": "", "suffix": "", "tag": "finding", "status": "ok",
                  "created_at": "2026-01-01T00:00:00.000Z", "updated_at": "2026-01-01T00:00:00.000Z"}
    rows = size // len(json.dumps({**annotation, "annotator": "coder0000000"}))
    with open(paths["jsonl"], "w", encoding="utf-8") as f:
        for first in range(0, rows, 1000):
            f.write(json.dumps({"file": row[0], "annotations": [{**annotation, "annotator": f"coder{i:07d}"}
                                                               for i in range(first, min(rows, first + 1000))]},
                               ensure_ascii=False) + "\n")
    with open(paths["csv"], "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        at = header.index("annotator")
        for i in range(size // len(",".join(row))):
            writer.writerow(row[:at] + [f"coder{i:07d}"] + row[at + 1:])
    with open(top / "nul.jsonl", "wb") as f:
        f.truncate(1024 ** 3)
    with open(top / "line.jsonl", "w", encoding="utf-8") as f:
        f.write('{"file": "' + "a" * (100 * 1024 * 1024) + '"}\n')
    return {"one annotation (baseline)": top / "one.jsonld", **paths,
            "1 GB of NUL bytes": top / "nul.jsonl", "a 100 MB line": top / "line.jsonl"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bigimport", description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=200, help="size of each big file (default 200)")
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep it")
    args = parser.parse_args(argv)
    top = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="pm-bigimport-"))
    top.mkdir(parents=True, exist_ok=True)
    try:
        inputs = write_inputs(top, seed(top), args.mb * 1024 * 1024)
        print(f"{'input':28} {'command':8} {'MB':>6} {'s':>7} {'peak MB':>8}  status, last line")
        for name, path in inputs.items():
            commands = [["import", path.name]]
            if path.name in ("nul.jsonl", "line.jsonl"):
                commands.append(["cues", "--import", path.name])
            for command in commands:
                shutil.copy(top / "pressmark.db", top / "work.db")
                seconds, peak, status, last = pressmark(["--db", "work.db", *command], top)
                print(f"{name:28} {command[0]:8} {path.stat().st_size / 1024 ** 2:6.0f} {seconds:7.1f} {peak:8.0f}"
                      f"  {status} {last[:90]}")
    finally:
        if not args.keep:
            shutil.rmtree(top, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
