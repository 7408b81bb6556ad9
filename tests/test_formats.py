"""store.formats and `pressmark export --format jsonl|w3c` / `pressmark import`: the shape of each
format, offsets, round trips (export, import into a fresh database, export again: identical), re-anchoring."""
from __future__ import annotations

import csv
import hashlib
import io
import json

import pytest
from conftest import REAL_ARTICLES

from store import formats
from store.annotate import set_note, set_tag
from store.db import StoreError, connect
from store.export import ExportFilter, write_csv
from store.formats.importing import detect_format, import_file
from store.formats.w3c import ANNO_CONTEXT
from store.segment import segment
from store.speakers import ALGORITHM
from store.sync import sync

A, B = REAL_ARTICLES


def aid(database, file: str) -> int:
    return database.conn.execute("SELECT id FROM articles WHERE file = ?", (file,)).fetchone()[0]


@pytest.fixture
def annotated(db, corpus):
    """Two coders, notes with and without tags, text a spreadsheet would run, and one orphan."""
    a, b = aid(db, A), aid(db, B)
    for n, tag in [(1, "finding"), (2, "finding"), (2, "response"), (5, "commitment"), (9, "finding")]:
        set_tag(db, a, n, tag, "alice")
    for n, tag in [(1, "finding"), (3, "response"), (5, "commitment"), (11, "response")]:
        set_tag(db, a, n, tag, "bøb")
    set_tag(db, b, 4, "response", "alice")
    set_note(db, a, 2, '=SUM(A1) "quoted", with commas\nand a second line', "alice")
    set_note(db, a, 7, "-just a note, no tag", "bøb")
    set_note(db, b, 4, "@council: check", "alice")
    # Tags made within one millisecond share created_at: identity must not rest on it alone.
    db.conn.execute("UPDATE annotations SET created_at = '2026-01-02T03:04:05.678Z' WHERE annotator = 'alice'"
                    " AND tag = 'finding'")
    # Edit the article so that the tags on its sentences 9 and 11 lose their place: orphans.
    path = corpus / A
    text = path.read_text(encoding="utf-8")
    sentences = [text[s.start:s.end] for s in segment(text)]
    path.write_text(text.replace(sentences[10], "").replace(
        sentences[8], "An entirely new sentence replaces the old one here."), encoding="utf-8")
    report = sync(db, corpus)
    assert report.orphaned == [(A, 2)]
    return db


def fresh(tmp_path, corpus, name="fresh"):
    database = connect(tmp_path / f"{name}.db")
    sync(database, corpus)
    return database


# --------------------------------------------------------------------------- JSONL


def test_jsonl_one_line_per_article_with_doccano_spans(annotated):
    out = io.StringIO()
    assert formats.write(annotated, "jsonl", out) == 2
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["file"] for r in lines] == sorted([A, B])
    first = next(r for r in lines if r["file"] == A)
    text = first["text"]
    assert hashlib.sha256(text.encode()).hexdigest() == first["sha256"]
    assert first["annotators"] == ["alice", "bøb"]
    # doccano: [start, end, label], distinct, placed tags only, in text order
    assert all(isinstance(s, list) and len(s) == 3 for s in first["label"])
    assert [s[0] for s in first["label"]] == sorted(s[0] for s in first["label"])
    assert len(first["label"]) == len({tuple(s) for s in first["label"]}) == 5
    for start, end, tag in first["label"]:
        assert text[start:end].strip() and tag in {"finding", "response", "commitment"}
    for item in first["annotations"]:
        if item["status"] == "ok":
            assert text[item["start"]:item["end"]] == item["exact"]
    assert [a["status"] for a in first["annotations"]].count("orphan") == 2
    notes = {(n["sentence"], n["annotator"]): n["note"] for n in first["notes"]}
    assert notes == {(2, "alice"): '=SUM(A1) "quoted", with commas\nand a second line',
                     (7, "bøb"): "-just a note, no tag"}
    has_speakers = annotated.conn.execute(
        "SELECT 1 FROM sqlite_master WHERE name = 'sentence_speakers'").fetchone() is not None
    assert ("speakers" in first) == has_speakers  # present once the database attributes speakers


def test_jsonl_filters(annotated):
    out = io.StringIO()
    formats.write(annotated, "jsonl", out, ExportFilter(tag="commitment"))
    (line,) = [json.loads(x) for x in out.getvalue().splitlines()]
    assert {a["tag"] for a in line["annotations"]} == {"commitment"} and line["notes"] == []
    out = io.StringIO()
    formats.write(annotated, "jsonl", out, ExportFilter(annotator="bøb"))
    (line,) = [json.loads(x) for x in out.getvalue().splitlines()]
    assert line["annotators"] == ["bøb"]


def test_jsonl_includes_speakers_when_the_database_has_them(annotated):
    conn = annotated.conn
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sentence_speakers'").fetchone() is None:
        # Before speaker attribution's schema: make its table as it will be (issue 8).
        conn.execute("CREATE TABLE sentence_speakers (article_id INTEGER NOT NULL, n INTEGER NOT NULL,"
                     " speaker TEXT NOT NULL, role TEXT, quoted INTEGER NOT NULL DEFAULT 0,"
                     " PRIMARY KEY (article_id, n))")
    conn.execute("DELETE FROM sentence_speakers")
    conn.execute("INSERT INTO sentence_speakers (article_id, n, speaker, role, quoted)"
                 " VALUES (?, 3, 'Mark Douglas', 'Strategic Director', 1)", (aid(annotated, A),))
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'speaker_state'").fetchone():
        conn.execute("INSERT OR REPLACE INTO speaker_state (article_id, sha256, algorithm)"
                     " SELECT id, sha256, ? FROM articles", (ALGORITHM,))  # planted: current
    out = io.StringIO()
    formats.write(annotated, "jsonl", out)
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    start, end = conn.execute('SELECT start, "end" FROM sentences WHERE article_id = ? AND n = 3',
                              (aid(annotated, A),)).fetchone()
    assert first["speakers"] == [{"sentence": 3, "start": start, "end": end, "speaker": "Mark Douglas",
                                  "speaker_role": "Strategic Director", "quoted": True}]
    assert second["speakers"] == []


# --------------------------------------------------------------------------- W3C


def test_w3c_collection_shape(annotated):
    out = io.StringIO()
    count = formats.write(annotated, "w3c", out)
    data = json.loads(out.getvalue())
    assert data["@context"] == ANNO_CONTEXT == "http://www.w3.org/ns/anno.jsonld"
    assert data["type"] == "AnnotationCollection" and data["total"] == count
    assert data["id"].startswith("urn:uuid:") and data["first"]["id"].startswith("urn:uuid:")
    items = data["first"]["items"]
    assert data["first"]["type"] == "AnnotationPage" and len(items) == count
    tag_rows = annotated.conn.execute("SELECT count(*) FROM annotations WHERE tag IS NOT NULL").fetchone()[0]
    assert count == tag_rows + 1  # plus bøb's note on an untagged sentence
    assert len({i["id"] for i in items}) == count
    texts = {f"urn:sha256:{sha}": text for sha, text in annotated.conn.execute("SELECT sha256, text FROM articles")}
    for item in items:
        assert item["type"] == "Annotation"
        assert set(item) >= {"id", "creator", "created", "modified", "body", "target", "motivation"}
        assert item["creator"]["type"] == "Person" and item["creator"]["name"] in {"alice", "bøb"}
        quote, position = item["target"]["selector"]
        assert quote["type"] == "TextQuoteSelector" and position["type"] == "TextPositionSelector"
        text = texts[item["target"]["source"]]
        purposes = [b["purpose"] for b in item["body"]]
        assert all(b["type"] == "TextualBody" for b in item["body"])
        assert purposes in (["tagging"], ["tagging", "commenting"], ["commenting"])
        assert item["motivation"] == purposes[0]
        if text[position["start"]:position["end"]] == quote["exact"]:
            assert text[max(0, position["start"] - len(quote["prefix"])):position["start"]] == quote["prefix"]
            assert text[position["end"]:position["end"] + len(quote["suffix"])] == quote["suffix"]
        else:  # the orphan: its quote is no longer in the text
            assert quote["exact"] not in text
    noted = [i for i in items if len(i["body"]) == 2]
    assert {i["body"][1]["value"] for i in noted} == {'=SUM(A1) "quoted", with commas\nand a second line',
                                                      "@council: check"}
    assert all({"created", "modified", "format"} <= set(i["body"][1]) for i in noted)


def test_w3c_ids_are_stable(annotated):
    first, second = io.StringIO(), io.StringIO()
    formats.write(annotated, "w3c", first)
    formats.write(annotated, "w3c", second)
    assert first.getvalue() == second.getvalue()


def test_w3c_positions_count_code_points(db, make_articles):
    folder = make_articles({"emoji.txt": "Emoji 🎉 come first. The council said 😀 it would act.\n"}, "emoji")
    sync(db, folder)
    article = aid(db, "emoji.txt")
    set_tag(db, article, 2, "response", "alice")
    out = io.StringIO()
    formats.write(db, "w3c", out, ExportFilter(articles=(article,)))
    (item,) = json.loads(out.getvalue())["first"]["items"]
    text = db.conn.execute("SELECT text FROM articles WHERE id = ?", (article,)).fetchone()[0]
    _, position = item["target"]["selector"]
    assert text[position["start"]:position["end"]] == "The council said 😀 it would act."


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "w3c"])
def test_round_trip_is_identical(annotated, tmp_path, corpus, fmt):
    first = tmp_path / f"first.{fmt}"
    formats.export(annotated, fmt, first)
    target = fresh(tmp_path, corpus)
    report = import_file(target, first, by="importer")
    assert report.format == fmt and report.articles_unknown == [] and report.skipped == {}
    assert report.orphans == {A: 2}
    second = tmp_path / f"second.{fmt}"
    formats.export(target, fmt, second)
    assert second.read_bytes() == first.read_bytes()
    again = import_file(target, first, by="importer")  # importing twice adds nothing
    assert (again.added, again.updated, again.conflicts) == (0, 0, [])


def test_csv_round_trip_raw(annotated, tmp_path, corpus):
    first = tmp_path / "raw.csv"
    formats.export(annotated, "csv", first, raw=True)
    target = fresh(tmp_path, corpus)
    import_file(target, first, by="importer")
    second = tmp_path / "raw2.csv"
    formats.export(target, "csv", second, raw=True)
    assert second.read_bytes() == first.read_bytes()


def test_csv_with_extra_columns_imports(annotated, tmp_path, corpus):
    """A CSV with a column this version does not write (speaker, after tag) still imports by header name."""
    out = io.StringIO(newline="")
    write_csv(annotated, out)
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    at = rows[0].index("tag") + 1
    extra = "speaker" if "speaker" not in rows[0] else "a_later_column"
    widened = [r[:at] + ([extra] if i == 0 else [""]) + r[at:] for i, r in enumerate(rows)]
    path = tmp_path / "wide.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(widened)
    target = fresh(tmp_path, corpus)
    report = import_file(target, path, by="importer")
    assert report.added > 0 and report.skipped == {}
    again = io.StringIO(newline="")
    write_csv(target, again)
    assert again.getvalue() == out.getvalue()


def test_import_reanchors_into_a_slightly_different_text(annotated, tmp_path, corpus, make_articles):
    jsonl, w3c = tmp_path / "a.jsonl", tmp_path / "a.jsonld"
    formats.export(annotated, "jsonl", jsonl)
    formats.export(annotated, "w3c", w3c)
    text = (corpus / A).read_text(encoding="utf-8")
    sentences = [text[s.start:s.end] for s in segment(text)]
    # Another copy of the corpus with a sentence inserted at the top: every number shifts by one.
    edited = text.replace(sentences[1], "A brand new opening line was added. " + sentences[1], 1)
    folder = make_articles({A: edited, B: (corpus / B).read_text(encoding="utf-8")}, "edited")
    before = annotated.conn.execute(
        "SELECT sentence, annotator, tag, exact FROM annotations WHERE status = 'ok' AND tag IS NOT NULL"
        " AND article_id = ?", (aid(annotated, A),)).fetchall()
    expected = {(n + 1 if n >= 2 else n, ann, tag): exact for n, ann, tag, exact in before}
    for path in (jsonl, w3c):
        target = connect(tmp_path / f"edited-{path.suffix[1:]}.db")
        sync(target, folder)
        report = import_file(target, path, by="importer")
        assert report.articles_unknown == [], path
        placed = dict(((n, ann, tag), exact) for n, ann, tag, exact in target.conn.execute(
            "SELECT sentence, annotator, tag, exact FROM annotations WHERE status = 'ok' AND tag IS NOT NULL"
            " AND article_id = ?", (aid(target, A),)))
        assert placed == expected, path
        assert report.orphans == {A: 2}
        target.conn.close()


def test_w3c_import_reads_every_shape_of_document(annotated, tmp_path, corpus):
    """Pretty-printed, members in any order, a page, an array, a lone Annotation: read a piece at a time."""
    out = io.StringIO()
    formats.write(annotated, "w3c", out)
    data = json.loads(out.getvalue())
    items = data["first"]["items"]
    (tmp_path / "ours.jsonld").write_text(out.getvalue(), encoding="utf-8")
    rows = import_file(fresh(tmp_path, corpus, "ours"), tmp_path / "ours.jsonld", by="importer").added
    collection = {"total": len(items), "first": {"items": items, "type": "AnnotationPage"},
                  "type": "AnnotationCollection", "@context": ANNO_CONTEXT}  # type after the items
    shapes = {"indented.jsonld": json.dumps(collection, indent=4), "page.jsonld": json.dumps(data["first"], indent=1),
              "array.jsonld": json.dumps(items, separators=(",", ":")),
              "bom.jsonld": "\ufeff" + json.dumps({"type": "AnnotationPage", "items": items})}
    for name, text in shapes.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        target = fresh(tmp_path, corpus, name)
        report = import_file(target, tmp_path / name, by="importer")
        assert (report.format, report.added, report.skipped) == ("w3c", rows, {}), name
        again = io.StringIO()
        formats.write(target, "w3c", again)
        assert again.getvalue() == out.getvalue(), name
    (tmp_path / "lone.jsonld").write_text(json.dumps(items[0], indent=2), encoding="utf-8")
    report = import_file(fresh(tmp_path, corpus, "lone"), tmp_path / "lone.jsonld", by="importer")
    assert report.added == len(items[0]["body"])


def test_import_reports_articles_it_does_not_have(annotated, tmp_path, corpus, make_articles):
    path = tmp_path / "all.jsonl"
    formats.export(annotated, "jsonl", path)
    target = connect(tmp_path / "other.db")
    sync(target, make_articles({B: (corpus / B).read_text(encoding="utf-8")}, "only-b"))
    report = import_file(target, path, by="importer")
    assert report.articles_unknown == [A] and report.unknown == 1 and report.added == 2  # B: a tag and a note
    # A file none of whose articles is here imports nothing, and says so.
    alone = connect(tmp_path / "alone.db")
    sync(alone, make_articles({"unrelated.txt": "Nothing to see. Nothing at all here.\n"}, "unrelated"))
    with pytest.raises(StoreError, match="nothing imported: 2 article"):
        import_file(alone, path, by="importer")
    assert alone.conn.execute("SELECT count(*) FROM actions").fetchone()[0] == 0


def test_import_is_one_logged_action_per_file(annotated, tmp_path, corpus):
    path = tmp_path / "x.w3c.json"
    formats.export(annotated, "w3c", path)
    target = fresh(tmp_path, corpus)
    report = import_file(target, path, by="importer")
    assert target.conn.execute("SELECT annotator, label FROM actions").fetchall() == [
        ("importer", "import x.w3c.json")]
    assert target.conn.execute("SELECT count(*) FROM events WHERE action_id = ?",
                               (report.action_id,)).fetchone()[0] == report.added


def test_import_plain_doccano_lines(db, tmp_path):
    text = db.conn.execute("SELECT text FROM articles WHERE file = ?", (A,)).fetchone()[0]
    first = segment(text)[1]
    path = tmp_path / "doccano.jsonl"
    path.write_text(json.dumps({"text": text, "label": [[first.start, first.end, "finding"]]}) + "\n",
                    encoding="utf-8")
    report = import_file(db, path, by="carol")
    assert report.added == 1
    assert db.conn.execute("SELECT sentence, tag, annotator FROM annotations").fetchall() == [(2, "finding", "carol")]


# --------------------------------------------------------------------------- detection and errors


def test_detect_format(annotated, tmp_path):
    for fmt in formats.FORMATS:
        path = tmp_path / f"x.{fmt}.txt"
        formats.export(annotated, fmt, path)
        assert detect_format(path) == fmt
    junk = tmp_path / "junk.txt"
    junk.write_text("hello, world\n", encoding="utf-8")
    with pytest.raises(StoreError, match="not a pressmark"):
        detect_format(junk)


def test_import_errors(db, tmp_path):
    with pytest.raises(StoreError, match="no such file"):
        import_file(db, tmp_path / "nope.csv", by="x")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "label": []}\n{not json\n', encoding="utf-8")
    with pytest.raises(StoreError, match="line 2"):
        import_file(db, bad, by="x")
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(StoreError):
        import_file(db, binary, by="x")
    broken = tmp_path / "broken.jsonld"
    broken.write_text('{"@context": "http://www.w3.org/ns/anno.jsonld", "type": "Annotation",', encoding="utf-8")
    with pytest.raises(StoreError, match="not valid JSON"):
        import_file(db, broken, by="x")


def test_malformed_rows_are_skipped_and_counted(db, tmp_path):
    text = db.conn.execute("SELECT text, sha256 FROM articles WHERE file = ?", (A,)).fetchone()
    record = {"file": A, "sha256": text[1], "text": text[0], "label": [],
              "annotations": [{"sentence": 1, "start": "x", "end": 3, "tag": "finding", "annotator": "a"},
                              {"sentence": 1, "start": 0, "end": 3, "tag": "finding", "annotator": ""},
                              "not a dict"],
              "notes": [{"sentence": 1, "start": 0, "end": 3, "note": "", "annotator": "a"},
                        {"sentence": 1, "start": 0, "end": 3, "note": "a good one", "annotator": "a"}]}
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    report = import_file(db, path, by="x")
    assert report.added == 1 and sum(report.skipped.values()) == 4
    assert report.rejected == [("line 1, annotations[0]", "start is not a whole number"),
                               ("line 1, annotations[1]", "no annotator"),
                               ("line 1", "annotations[2] is not an object"),
                               ("line 1, notes[0]", "neither a tag nor a note")]


def test_export_refuses_the_database(annotated, db_path):
    for fmt in formats.FORMATS:
        with pytest.raises(StoreError, match="pressmark database"):
            formats.export(annotated, fmt, db_path)


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def cli(run_cli, corpus):
    assert run_cli("sync", corpus).code == 0
    assert run_cli("--annotator", "alice", "tag", A, 2, "finding", "--note", "=1+1").code == 0
    assert run_cli("--annotator", "bob", "tag", A, 2, "response").code == 0
    return run_cli


def test_cli_export_formats_and_default_names(cli, tmp_path):
    result = cli("export", "--format", "jsonl")
    assert result.code == 0 and "1 article written to annotations.jsonl" in result.err
    result = cli("export", "--format", "w3c")
    assert result.code == 0 and "2 annotations written to annotations.jsonld" in result.err
    data = json.loads((tmp_path / "annotations.jsonld").read_text(encoding="utf-8"))
    assert data["@context"] == ANNO_CONTEXT and data["total"] == 2
    result = cli("export", "--format", "w3c", "-o", "-", "--annotator", "bob")
    assert json.loads(result.out)["total"] == 1
    result = cli("export", "--format", "jsonl", "-o", "-", "--tag", "finding")
    (line,) = result.out.splitlines()
    assert [s[2] for s in json.loads(line)["label"]] == ["finding"]
    result = cli("export", "--format", "xml")
    assert result.code == 2


def test_cli_import_round_trip(cli, tmp_path, corpus):
    for fmt in ("csv", "jsonl", "w3c"):
        assert cli("export", "--format", fmt, "-o", f"out.{fmt}").code == 0
        assert cli("--db", f"{fmt}.db", "sync", corpus).code == 0
        result = cli("--db", f"{fmt}.db", "import", f"out.{fmt}")
        assert result.code == 0, result.err
        assert f"out.{fmt} ({fmt}): 1 article(s) matched" in result.out
        assert "3 added" in result.out or "2 added" in result.out
        assert cli("--db", f"{fmt}.db", "export", "--format", fmt, "-o", f"back.{fmt}").code == 0
        assert (tmp_path / f"back.{fmt}").read_bytes() == (tmp_path / f"out.{fmt}").read_bytes()


def test_cli_import_errors(cli, tmp_path):
    (tmp_path / "junk.txt").write_text("nothing here\n", encoding="utf-8")
    result = cli("import", "junk.txt")
    assert result.code == 1 and "not a pressmark CSV, JSONL, W3C, Label Studio or Prodigy export" in result.err
    result = cli("import", "missing.csv")
    assert result.code == 1 and "no such file" in result.err
    assert cli("import").code == 2
