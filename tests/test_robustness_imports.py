"""Hostile files given to `pressmark import` and `pressmark cues --import` (issue 15, point 5).

Every input is built here, in code. Each one either imports its good rows and lists every row it
could not use with its line, or fails as one line with status 1 and leaves the database as it was.
"""
from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REAL_ARTICLES

import store.untrusted
from store.formats.importing import detect_format

A = REAL_ARTICLES[0]
DEEP = 100_000


def dump(db_path: Path) -> list[str]:
    """Every row of the database, as SQL: equal dumps, nothing written."""
    conn = sqlite3.connect(db_path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture
def pm(run_cli, corpus, tmp_path):
    """A synced database with alice's tag on sentence 2 of A, and its W3C, JSONL and CSV exports."""
    assert run_cli("sync", corpus).code == 0
    assert run_cli("--annotator", "alice", "tag", A, 2, "finding").code == 0
    for fmt, name in (("w3c", "one.jsonld"), ("jsonl", "one.jsonl"), ("csv", "one.csv")):
        assert run_cli("export", "--format", fmt, "-o", name).code == 0
    return run_cli


def w3c_item(tmp_path: Path, **changes) -> dict:
    """alice's exported Annotation, with ``changes`` (a new annotator by default, so it would be added)."""
    item = json.loads((tmp_path / "one.jsonld").read_text(encoding="utf-8"))["first"]["items"][0]
    return {**item, "creator": {"type": "Person", "name": "carol"}, **changes}


def jsonl_record(tmp_path: Path, annotations: list) -> dict:
    return {**json.loads((tmp_path / "one.jsonl").read_text(encoding="utf-8")), "annotations": annotations}


def csv_rows(tmp_path: Path) -> list[list[str]]:
    """The header and alice's row of the CSV export."""
    with open(tmp_path / "one.csv", encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def collection(items: list) -> str:
    return json.dumps({"type": "AnnotationCollection", "first": {"type": "AnnotationPage", "items": items}})


def refused(result, *fragments: str) -> None:
    """One line on stderr, status 1, naming what is wrong."""
    assert result.code == 1, result
    assert result.err.startswith("pressmark: ") and result.err.count("\n") == 1, result.err
    for fragment in fragments:
        assert fragment in result.err, result.err


def peak_rss_mb(args: list[str], cwd: Path, address_space_mb: int = 2048) -> tuple[int, str, float]:
    """(status, stderr, peak RSS in MB) of pressmark run as a process of its own, under a cap on its address
    space (so a version that reads the whole input stops with MemoryError instead of taking the machine).

    The peak is the process's own high-water mark (VmHWM), which it writes as it exits: the rusage a parent
    gets would also count the memory of this pytest worker, which the child shared until it became pressmark."""
    report = cwd / ".peak-rss"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent), "PEAK_RSS_FILE": str(report)}
    env.pop("PRESSMARK_DB", None)
    code = ("import atexit, os, re\n"
            "def peak():\n"
            "    kb = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)\n"
            "    open(os.environ['PEAK_RSS_FILE'], 'w').write(kb)\n"
            "atexit.register(peak)\n"
            "from tui.cli import main\n"
            "main()\n")
    command = ["sh", "-c", f'ulimit -v {address_space_mb * 1024} && exec "$0" "$@"', sys.executable, "-c", code, *args]
    proc = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          timeout=600)
    return proc.returncode, proc.stderr, int(report.read_text()) / 1024


# --------------------------------------------------------------------------- file-level: one line, nothing written


def test_json_nested_a_hundred_thousand_deep_is_refused(pm, tmp_path):
    files = {
        "deep.jsonld": "[" * DEEP + "]" * DEEP,
        "deep-item.jsonld": collection([]).replace("[]", "[" + '{"a": ' * DEEP + "1" + "}" * DEEP + "]"),
        "deep.jsonl": json.dumps(jsonl_record(tmp_path, [])).replace('"annotations": []',
                                                                      '"annotations": ' + "[" * DEEP + "]" * DEEP),
    }
    before = dump(tmp_path / "pressmark.db")
    for name, text in files.items():
        (tmp_path / name).write_text(text + "\n", encoding="utf-8")
        refused(pm("import", name), f"{name}, line 1: nested more than 32 deep")
    assert dump(tmp_path / "pressmark.db") == before


def test_nan_and_infinity_are_not_json(pm, tmp_path):
    item = json.dumps(w3c_item(tmp_path))
    files = {
        "inf.jsonld": collection([]).replace("[]", "[\n" + item.replace('"start": ', '"start": Infinity, "x": ')
                                             + "\n]"),
        "nan.jsonl": json.dumps(jsonl_record(tmp_path, [{"sentence": 2}])).replace('"sentence": 2', '"sentence": NaN'),
        "minus.jsonld": item.replace('"end": ', '"end": -Infinity, "x": '),
        "digits.jsonld": item.replace('"end": ', '"end": 1' + "0" * 5000 + ', "x": '),
    }
    before = dump(tmp_path / "pressmark.db")
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    refused(pm("import", "inf.jsonld"), "inf.jsonld, line 2: not valid JSON (Infinity is not a number in JSON)")
    refused(pm("import", "nan.jsonl"), "nan.jsonl, line 1: not valid JSON (NaN is not a number in JSON)")
    refused(pm("import", "minus.jsonld"), "-Infinity is not a number in JSON")
    refused(pm("import", "digits.jsonld"), "not valid JSON (an integer of 5001 digits)")
    assert dump(tmp_path / "pressmark.db") == before


def test_a_gigabyte_of_nul_bytes_is_refused_at_once(pm, tmp_path):
    """Sparse, so the test writes nothing; before, reading its 'first line' took 6.3 GB."""
    with open(tmp_path / "nul.jsonl", "wb") as f:
        f.truncate(1024 ** 3)
    before = dump(tmp_path / "pressmark.db")
    for args in (["import", "nul.jsonl"], ["import", "--format", "csv", "nul.jsonl"]):
        status, err, peak = peak_rss_mb(args, tmp_path)
        assert status == 1 and err.startswith("pressmark: nul.jsonl: a binary file") and err.count("\n") == 1, err
        assert peak < 150, (args, peak)
    assert dump(tmp_path / "pressmark.db") == before


def test_w3c_import_holds_one_annotation_at_a_time(pm, tmp_path):
    """200 MB of white space between two annotations: read a piece at a time, never as one document."""
    item = json.dumps(w3c_item(tmp_path))
    with open(tmp_path / "spaced.jsonld", "w", encoding="utf-8") as f:
        f.write('{"type": "AnnotationPage", "items": [' + item + ",")
        for _ in range(200):
            f.write(" " * (1024 * 1024))
        f.write(json.dumps(w3c_item(tmp_path, creator={"type": "Person", "name": "dave"})) + "]}")
    status, err, peak = peak_rss_mb(["import", "spaced.jsonld"], tmp_path, address_space_mb=1024)
    assert status == 0, err
    assert peak < 150, peak
    assert pm("annotators", "--format", "json").out.count('"annotator"') == 3  # alice, carol, dave


def test_a_first_line_over_128_kb(pm, tmp_path):
    """csv's default field limit is 128 KB: a longer sentence or note is read; a longer header is no export."""
    header, row = csv_rows(tmp_path)
    row[header.index("note")], row[header.index("annotator")] = "A long note. " * 16_000, "carol"  # 208,000 characters
    write_csv(tmp_path / "long-note.csv", [header, row])
    result = pm("import", "long-note.csv")
    assert result.code == 0, result.err
    assert "2 added" in result.out  # carol's tag and note
    (tmp_path / "long-header.csv").write_text("article," + "x" * 200_000 + "\n", encoding="utf-8")
    refused(pm("import", "long-header.csv"), "not a pressmark CSV, JSONL, W3C, Label Studio or Prodigy export")


def test_a_field_or_line_over_the_limit_is_refused_with_its_line(pm, tmp_path, monkeypatch):
    """The limit (64 MiB) made small, so the file stays small: one line, status 1, nothing written."""
    monkeypatch.setattr(store.untrusted, "MAX_RECORD", 100_000)
    header, row = csv_rows(tmp_path)
    at = header.index("note")
    write_csv(tmp_path / "field.csv", [header, row, row[:at] + ["x\n" * 60_000] + row[at + 1:]])
    write_csv(tmp_path / "line.csv", [header, row, row[:at] + ["x" * 150_000] + row[at + 1:]])
    before = dump(tmp_path / "pressmark.db")
    refused(pm("import", "field.csv"), "field.csv, line 3: a field is longer than 100,000 characters")
    refused(pm("import", "line.csv"), "line.csv, line 3: longer than 100,000 characters")
    long_note = {"type": "TextualBody", "purpose": "commenting", "value": "x" * 150_000}
    item = json.dumps(w3c_item(tmp_path, body=[long_note]))
    (tmp_path / "item.jsonld").write_text(collection([]).replace("[]", f"[\n{item}\n]"), encoding="utf-8")
    refused(pm("import", "item.jsonld"), "item.jsonld, line 2: a value longer than 100,000 characters")
    assert dump(tmp_path / "pressmark.db") == before
    # A JSONL line is its own record: one too long is listed, and the others are read.
    record = json.dumps(jsonl_record(tmp_path, [{**json.loads((tmp_path / "one.jsonl").read_text())["annotations"][0],
                                                 "annotator": "carol"}]))
    padded = f'{record[:-1]}, "pad": "{"x" * 150_000}"}}'
    (tmp_path / "lines.jsonl").write_text(f"{record}\n{padded}\n", encoding="utf-8")
    result = pm("import", "lines.jsonl")
    assert result.code == 0 and "1 added" in result.out
    assert "  skipped line 2: longer than 100,000 characters" in result.err.splitlines()


# --------------------------------------------------------------------------- rows: every one listed with its line


def test_rows_that_cannot_be_used_are_listed_with_their_line(pm, tmp_path):
    target = w3c_item(tmp_path)["target"]
    quote, position = target["selector"]
    items = [
        w3c_item(tmp_path),  # good: carol's, added
        w3c_item(tmp_path, body=5),
        "an annotation",
        w3c_item(tmp_path, body=[{"type": "TextualBody", "purpose": "tagging", "value": "=SUM(A1)"},
                                 {"type": "TextualBody", "purpose": "describing", "value": "x"}]),
        w3c_item(tmp_path, target={**target, "selector": [quote, {**position, "start": 987654321, "end": 10 ** 25}]}),
        w3c_item(tmp_path, type="AnnotationPage"),
        w3c_item(tmp_path, target={**target, "selector": [{**quote, "exact": "\ud800"}, position]}),
    ]
    (tmp_path / "mixed.jsonld").write_text(collection([]).replace("[]", "[\n" + ",\n".join(map(json.dumps, items))
                                                                  + "\n]").replace("987654321", "1e400"),
                                           encoding="utf-8")
    result = pm("import", "mixed.jsonld")
    assert result.code == 0, result.err
    assert "1 added" in result.out
    assert result.err.splitlines() == [
        "  skipped line 3: body is not an object",
        "  skipped line 4: not an object",
        "  skipped line 5: tag '=SUM(A1)': tag name '=SUM(A1)' starts with '=', which a spreadsheet would run as a "
        "formula",
        "  skipped line 5: body[1] has purpose 'describing', not tagging or commenting",
        "  skipped line 6: start is not a whole number",
        "  skipped line 7: not an Annotation (its type is 'AnnotationPage')",
        "  skipped line 8: exact has an unpaired surrogate",
    ]

    exported = json.loads((tmp_path / "one.jsonl").read_text(encoding="utf-8"))["annotations"][0]
    good = {**exported, "annotator": "dave"}
    annotations = [good, 7, ["a", "list"], {**good, "start": True}, {**good, "start": "3"}, {**good, "sentence": 0},
                   {**good, "end": 10 ** 12}, {**good, "start": 50, "end": 40}, {**good, "tag": "\ud800"},
                   {**good, "tag": None}, {**good, "exact": ["not", "text"]}, {**good, "annotator": 5}]
    (tmp_path / "mixed.jsonl").write_text(f"{json.dumps(jsonl_record(tmp_path, annotations))}\n[1, 2]\n",
                                          encoding="utf-8")
    result = pm("import", "mixed.jsonl")
    assert result.code == 0, result.err
    assert "1 added" in result.out
    assert result.err.splitlines() == [
        "  skipped line 1: annotations[1] is not an object",
        "  skipped line 1: annotations[2] is not an object",
        "  skipped line 1, annotations[3]: start is not a whole number",
        "  skipped line 1, annotations[4]: start is not a whole number",
        f"  skipped line 1, annotations[5]: sentence is out of range (1 to {2 ** 31 - 1})",
        f"  skipped line 1, annotations[6]: end is out of range (0 to {2 ** 31 - 1})",
        "  skipped line 1, annotations[7]: end is before start",
        "  skipped line 1, annotations[8]: tag has an unpaired surrogate",
        "  skipped line 1, annotations[9]: neither a tag nor a note",
        "  skipped line 1, annotations[10]: exact is not a string",
        "  skipped line 1, annotations[11]: annotator is not a string",
        "  skipped line 2: not a JSON object",
    ]

    header, row = csv_rows(tmp_path)
    changed = [dict(zip(header, row), **change) for change in ({"annotator": "erin"}, {"sentence": "two"},
                                                               {"start": "-1"}, {"tag": ""})]
    write_csv(tmp_path / "mixed.csv", [header, *([r[h] for h in header] for r in changed[:3]), row + ["extra"], [],
                                       [changed[3][h] for h in header]])
    result = pm("import", "mixed.csv")
    assert result.code == 0, result.err
    assert "1 added" in result.out
    assert result.err.splitlines() == [
        "  skipped line 3: sentence is not a whole number",
        "  skipped line 4: start is not a whole number",
        f"  skipped line 5: {len(header) + 1} fields where the header has {len(header)}",
        "  skipped line 7: neither a tag nor a note",
    ]


def test_the_list_is_capped_but_every_row_counted(pm, tmp_path):
    items = [w3c_item(tmp_path)] + [w3c_item(tmp_path, body=n) for n in range(30)]
    (tmp_path / "many.jsonld").write_text(collection([]).replace("[]", "[\n" + ",\n".join(map(json.dumps, items))
                                                                 + "\n]"), encoding="utf-8")
    result = pm("import", "many.jsonld")
    assert result.code == 0
    lines = result.err.splitlines()
    assert lines[:20] == [f"  skipped line {n}: body is not an object" for n in range(3, 23)]
    assert lines[20:] == ["  ... and 10 more row(s) skipped"]


def test_a_file_with_nothing_usable_fails_and_writes_nothing(pm, tmp_path):
    before = dump(tmp_path / "pressmark.db")
    (tmp_path / "bodies.jsonld").write_text(collection([w3c_item(tmp_path, body=n) for n in range(3)]),
                                            encoding="utf-8")
    refused(pm("import", "bodies.jsonld"),
            "bodies.jsonld: nothing imported: 3 row(s) cannot be used (line 1: body is not an object; …)")
    formula = w3c_item(tmp_path, body={"type": "TextualBody", "purpose": "tagging", "value": "@danger"})
    (tmp_path / "formula.jsonld").write_text(collection([formula]), encoding="utf-8")
    refused(pm("import", "formula.jsonld"), "formula.jsonld: nothing imported: 1 row(s) cannot be used")
    (tmp_path / "elsewhere.jsonl").write_text('{"file": "x.txt", "annotations": []}\n', encoding="utf-8")
    refused(pm("import", "elsewhere.jsonl"),
            "elsewhere.jsonl: nothing imported: 1 article(s) not in this database (x.txt)")
    assert dump(tmp_path / "pressmark.db") == before
    # A file that holds no annotation at all is legitimately empty.
    (tmp_path / "empty.jsonld").write_text(collection([]), encoding="utf-8")
    result = pm("import", "empty.jsonld")
    assert result.code == 0 and "0 added" in result.out


def test_a_one_object_jsonl_is_jsonl(pm, tmp_path):
    (tmp_path / "one-object.jsonl").write_text('{"file": "x.txt", "annotations": []}\n', encoding="utf-8")
    assert detect_format(tmp_path / "one-object.jsonl") == "jsonl"
    (tmp_path / "annotation.json").write_text(json.dumps(w3c_item(tmp_path)) + "\n", encoding="utf-8")
    assert detect_format(tmp_path / "annotation.json") == "w3c"
    (tmp_path / "page.json").write_text(json.dumps({"type": "AnnotationPage", "items": []}), encoding="utf-8")
    assert detect_format(tmp_path / "page.json") == "w3c"
    # A first line longer than what detection reads, naming no W3C type in it: JSONL.
    long = jsonl_record(tmp_path, [])
    (tmp_path / "long.jsonl").write_text(json.dumps({"title": "x" * 100_000, **long}) + "\n", encoding="utf-8")
    assert detect_format(tmp_path / "long.jsonl") == "jsonl"
    refused(pm("import", "one-object.jsonl"), "one-object.jsonl: nothing imported: 1 article(s) not in this database")


# --------------------------------------------------------------------------- cues --import


def test_cues_import_reads_a_bounded_file(pm, tmp_path):
    before = pm("cues", "--export", "-").out
    with open(tmp_path / "nul.csv", "wb") as f:
        f.truncate(1024 ** 3)
    status, err, peak = peak_rss_mb(["cues", "--import", "nul.csv"], tmp_path)
    assert status == 1 and err == "pressmark: nul.csv: larger than 1024 KiB, which no cue codebook is\n"
    assert peak < 150, peak
    (tmp_path / "zeros.csv").write_bytes(b"tag,match,cue\nfinding,phrase,x\0y\n")
    refused(pm("cues", "--import", "zeros.csv"), "zeros.csv: a binary file")
    (tmp_path / "long-header.csv").write_text("tag,match,cue," + "w" * 200_000 + "\n", encoding="utf-8")
    refused(pm("cues", "--import", "long-header.csv"),
            "long-header.csv, line 1: a field is longer than 10,000 characters")
    (tmp_path / "long-cue.csv").write_text('tag,match,cue\nfinding,phrase,"' + "w" * 200_000 + '"\n', encoding="utf-8")
    refused(pm("cues", "--import", "long-cue.csv"), "long-cue.csv, line 2: a field is longer than 10,000 characters")
    assert pm("cues", "--export", "-").out == before


def test_cue_weights_must_be_finite_and_sane(pm, tmp_path):
    before = pm("cues", "--export", "-").out
    for weight in ("nan", "inf", "-inf", "1e400", "-1e400", "101", "-100.5"):
        (tmp_path / "cues.csv").write_text(
            f"tag,match,cue,weight\nfinding,phrase,ofsted,1\nfinding,phrase,x,{weight}\n", encoding="utf-8")
        refused(pm("cues", "--import", "cues.csv"),
                f"cues.csv, line 3: weight must be from -100 to 100, not '{weight}'")
    assert pm("cues", "--export", "-").out == before
    (tmp_path / "cues.csv").write_text("tag,match,cue,weight\nfinding,phrase,x,-100\nfinding,phrase,y,1e2\n",
                                       encoding="utf-8")
    assert pm("cues", "--import", "cues.csv").code == 0
