"""store.export and `pressmark export`: CSV shape, quoting, formula neutralisation, filters, atomic writes."""
from __future__ import annotations

import csv
import io
import os
import stat
import subprocess

import pytest

import store.export
from store import formats
from store.annotate import set_note, set_tag
from store.db import StoreError, connect
from store.export import CSV_COLUMNS, FORMULA_STARTS, ExportFilter, neutralise, write_csv
from store.queries import resolve_article
from store.segment import segment
from store.sync import sync

HEADER = ("article,title,sentence,start,end,tag,speaker,text,note,annotator,created_at,updated_at,status,"
          "article_id,paragraph,speaker_role,source,date")

TRICKY_TITLE = 'Budget, "cuts" and more'
TRICKY = (
    "---\n"
    "title: 'Budget, \"cuts\" and more'\n"
    "---\n"
    "- Cuts of ten percent were announced by the treasurer.\n\n"
    'Officials said "no comment, for now" about the plan.\n\n'
    "@Council tweeted that more news would follow later.\n\n"
    "+44 callers were told to wait for an answer.\n\n"
    "=SUM(A1:A2) appeared in the leaked spreadsheet, oddly.\n"
)


def parse(data: str) -> tuple[list[str], list[dict]]:
    rows = list(csv.reader(io.StringIO(data, newline="")))
    return rows[0], [dict(zip(rows[0], r)) for r in rows[1:]]


def export_file(db, path, flt: ExportFilter = ExportFilter(), **kw) -> tuple[int, list[str], list[dict]]:
    count = formats.export(db, "csv", path, flt, **kw)
    with open(path, encoding="utf-8", newline="") as f:
        header, rows = parse(f.read())
    return count, header, rows


def export_text(db, flt: ExportFilter = ExportFilter(), **kw) -> list[dict]:
    out = io.StringIO(newline="")
    write_csv(db, out, flt, **kw)
    header, rows = parse(out.getvalue())
    assert header == list(CSV_COLUMNS)
    return rows


def article_text(db, article_id: int) -> str:
    return db.conn.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()[0]


@pytest.fixture
def tricky(db, make_articles):
    """An article whose title and sentences need quoting or neutralising; returns (id, {first char: n})."""
    folder = make_articles({"tricky.txt": TRICKY}, folder="tricky")
    sync(db, folder)
    aid = resolve_article(db, "tricky.txt")
    text = article_text(db, aid)
    starts = {}
    for n, s in enumerate(segment(text), 1):
        starts.setdefault(text[s.start], n)
    assert {"-", "@", "+", "=", "O"} <= set(starts), starts
    return aid, starts


# --------------------------------------------------------------------------- shape


def test_header_only_when_nothing_is_annotated(db, tmp_path):
    path = tmp_path / "out.csv"
    count, header, rows = export_file(db, path)
    assert count == 0 and rows == []
    assert path.read_bytes().decode("utf-8").splitlines() == [HEADER]
    assert ",".join(CSV_COLUMNS) == HEADER


def test_one_row_per_sentence_tag_and_annotator(db, tmp_path, article_ids, sentences, annotation_rows, real_article):
    aid = article_ids[real_article]
    rows = sentences(aid)
    n = rows[1][0]
    set_tag(db, aid, n, "finding", "alice")
    set_tag(db, aid, n, "response", "alice")
    set_tag(db, aid, n, "finding", "bob")
    set_tag(db, aid, rows[-1][0], "commitment", "bob")
    count, header, exported = export_file(db, tmp_path / "out.csv")
    assert header == HEADER.split(",")
    assert count == len(exported) == 4
    title = db.conn.execute("SELECT title FROM articles WHERE id = ?", (aid,)).fetchone()[0]
    text = article_text(db, aid)
    by_key = {(r["sentence"], r["tag"], r["annotator"]): r for r in exported}
    assert set(by_key) == {(str(n), "finding", "alice"), (str(n), "response", "alice"), (str(n), "finding", "bob"),
                           (str(rows[-1][0]), "commitment", "bob")}
    for ann in annotation_rows():
        row = by_key[(str(ann["sentence"]), ann["tag"], ann["annotator"])]
        assert row["article"] == real_article and row["title"] == title
        assert (int(row["start"]), int(row["end"])) == (ann["start"], ann["end"])
        assert row["text"] == text[ann["start"]:ann["end"]] == ann["exact"]
        assert (row["created_at"], row["updated_at"]) == (ann["created_at"], ann["updated_at"])
        assert row["created_at"].endswith("Z") and row["note"] == "" and row["status"] == "ok"


def test_rows_are_ordered_by_article_then_sentence(db, article_ids, sentences):
    ids = sorted(article_ids.values())
    plan = []
    for aid in reversed(ids):  # tag the later article first, and sentences backwards
        numbers = [r[0] for r in sentences(aid)]
        for n in (numbers[-1], numbers[0], numbers[len(numbers) // 2]):
            plan.append((aid, n))
    for aid, n in plan:
        set_tag(db, aid, n, "finding", "alice")
        set_tag(db, aid, n, "commitment", "bob")
    rows = export_text(db)
    order = {file: i for i, file in enumerate(sorted(article_ids))}
    keys = [(order[r["article"]], int(r["sentence"])) for r in rows]
    assert keys == sorted(keys)
    assert len(rows) == 2 * len(plan)


def test_note_without_tag_and_note_repeated_on_tag_rows(db, article_ids, real_article):
    aid = article_ids[real_article]
    set_note(db, aid, 2, "bob's own note", "bob")  # bob has a note on 2 but no tag
    set_note(db, aid, 1, "just a note", "alice")
    set_tag(db, aid, 2, "finding", "alice")
    set_tag(db, aid, 2, "response", "alice")
    set_note(db, aid, 2, "shared note", "alice")  # only alice's note goes on alice's tag rows
    rows = export_text(db)
    got = sorted((r["sentence"], r["tag"], r["annotator"], r["note"]) for r in rows)
    assert got == [
        ("1", "", "alice", "just a note"),
        ("2", "", "bob", "bob's own note"),
        ("2", "finding", "alice", "shared note"),
        ("2", "response", "alice", "shared note"),
    ]


def test_start_and_end_index_the_article_text(db, article_ids, sentences):
    for aid in article_ids.values():
        for n, *_ in sentences(aid):
            set_tag(db, aid, n, "finding", "alice")
    rows = export_text(db, raw=True)
    assert len(rows) == sum(len(sentences(a)) for a in article_ids.values())
    texts = {file: article_text(db, aid) for file, aid in article_ids.items()}
    for r in rows:
        assert texts[r["article"]][int(r["start"]):int(r["end"])] == r["text"]


# --------------------------------------------------------------------------- quoting and formulas


def test_quoting_round_trips_commas_quotes_and_newlines(db, tmp_path, tricky):
    aid, starts = tricky
    n = starts["O"]  # the sentence with a quoted, comma'd phrase
    note = 'Line one, with "quotes".\nLine two; still, the same note.\n\n"Line three",'
    set_tag(db, aid, n, "response", "Smith, J.")
    set_note(db, aid, n, note, "Smith, J.")
    _, _, [row] = export_file(db, tmp_path / "out.csv")
    assert row["title"] == TRICKY_TITLE
    assert row["text"] == 'Officials said "no comment, for now" about the plan.'
    assert row["note"] == note
    assert row["annotator"] == "Smith, J."
    raw = (tmp_path / "out.csv").read_bytes().decode("utf-8")
    assert '"Budget, ""cuts"" and more"' in raw


def test_formula_fields_are_neutralised_and_raw_keeps_them(db, tricky):
    aid, starts = tricky
    for ch in "-@+=":
        set_tag(db, aid, starts[ch], "finding", "alice")
    set_note(db, aid, starts["O"], '=HYPERLINK("http://evil.example","click")', "alice")
    set_tag(db, aid, starts["O"], "response", "@mallory")

    rows = {r["sentence"] + r["annotator"]: r for r in export_text(db)}
    for ch in "-@+=":
        text = rows[f"{starts[ch]}alice"]["text"]
        assert text.startswith("'" + ch), text
    assert rows[f"{starts['O']}alice"]["note"] == '\'=HYPERLINK("http://evil.example","click")'
    assert rows[f"{starts['O']}'@mallory"]["annotator"] == "'@mallory"
    assert rows[f"{starts['O']}'@mallory"]["text"].startswith("Officials")  # safe text untouched
    assert all(r["start"].isdigit() and r["sentence"].isdigit() for r in rows.values())

    raw = {r["sentence"] + r["annotator"]: r for r in export_text(db, raw=True)}
    text = article_text(db, aid)
    for key, r in raw.items():
        assert text[int(r["start"]):int(r["end"])] == r["text"]
    assert raw[f"{starts['O']}alice"]["note"].startswith("=HYPERLINK")
    assert raw[f"{starts['O']}@mallory"]["annotator"] == "@mallory"


def test_file_names_are_neutralised_too(db, make_articles):
    folder = make_articles({"=cmd.txt": "An ordinary sentence in an oddly named file.\n",
                            "@sum.txt": "Another ordinary sentence in an oddly named file.\n"}, folder="names")
    sync(db, folder)
    for name in ("=cmd.txt", "@sum.txt"):
        [(aid,)] = db.conn.execute("SELECT id FROM articles WHERE file = ?", (name,)).fetchall()
        set_tag(db, aid, 1, "finding", "alice")
    assert sorted(r["article"] for r in export_text(db)) == ["'=cmd.txt", "'@sum.txt"]
    assert sorted(r["article"] for r in export_text(db, raw=True)) == ["=cmd.txt", "@sum.txt"]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_neutralise_each_dangerous_start(start):
    assert neutralise(start + "1+1") == "'" + start + "1+1"
    assert neutralise("x" + start) == "x" + start


def test_neutralise_leaves_other_values_alone():
    assert set(FORMULA_STARTS) == {"=", "+", "-", "@", "\t", "\r"}
    for value in (None, 0, -5, 3.5, "", "plain", " =not at start", "'=already quoted"):
        assert neutralise(value) == value


# --------------------------------------------------------------------------- filters


def test_filters(db, article_ids, tricky):
    aid_t, starts = tricky
    a, b = sorted(article_ids.values())
    set_tag(db, a, 1, "finding", "alice")
    set_tag(db, a, 2, "response", "bob")
    set_note(db, a, 3, "alice note", "alice")
    set_tag(db, b, 1, "finding", "bob")
    set_tag(db, aid_t, starts["O"], "commitment", "alice")

    def keys(flt):
        return sorted((r["article"], r["sentence"], r["tag"], r["annotator"]) for r in export_text(db, flt))

    files = {v: k for k, v in article_ids.items()}
    assert keys(ExportFilter(articles=(a,))) == [
        (files[a], "1", "finding", "alice"), (files[a], "2", "response", "bob"), (files[a], "3", "", "alice")]
    assert keys(ExportFilter(tag="finding")) == [(files[a], "1", "finding", "alice"), (files[b], "1", "finding", "bob")]
    assert keys(ExportFilter(annotator="bob")) == [(files[a], "2", "response", "bob"), (files[b], "1", "finding", "bob")]
    assert keys(ExportFilter(articles=(a,), annotator="alice", tag="finding")) == [(files[a], "1", "finding", "alice")]
    assert keys(ExportFilter(tag="commitment")) == [("tricky.txt", str(starts["O"]), "commitment", "alice")]
    assert keys(ExportFilter(annotator="nobody")) == []
    assert len(keys(ExportFilter())) == 5


# --------------------------------------------------------------------------- writing files


def test_export_into_a_named_pipe_writes_into_it_and_leaves_it_a_pipe(db, tmp_path):
    """A target that is not a file (a pipe; /dev/null or /dev/stdout alike) is written into, never renamed
    over: as root, an export to /dev/null used to leave a plain file in its place."""
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    reader = subprocess.Popen(["cat", str(pipe)], stdout=subprocess.PIPE)
    try:
        formats.export(db, "csv", pipe)
        out, _ = reader.communicate(timeout=60)
    finally:
        reader.kill()
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    assert out.decode("utf-8").splitlines()[0] == ",".join(CSV_COLUMNS)


def test_failed_export_leaves_no_file_and_keeps_the_old_one(db, tmp_path, article_ids, monkeypatch):
    for aid in article_ids.values():
        set_tag(db, aid, 1, "finding", "alice")
        set_tag(db, aid, 2, "finding", "alice")
    monkeypatch.setattr(store.export, "PROGRESS_EVERY", 1)
    out = tmp_path / "exports"
    out.mkdir()
    calls = []

    def boom(count):
        calls.append(count)
        if count == 2:
            raise RuntimeError("disk full, say")

    with pytest.raises(RuntimeError):
        formats.export(db, "csv", out / "new.csv", progress=boom)
    assert calls == [1, 2]
    assert list(out.iterdir()) == []

    (out / "old.csv").write_text("previous export\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        formats.export(db, "csv", out / "old.csv", progress=boom)
    assert [p.name for p in out.iterdir()] == ["old.csv"]
    assert (out / "old.csv").read_text(encoding="utf-8") == "previous export\n"

    assert formats.export(db, "csv", out / "old.csv", progress=calls.append) == 4  # and a good export replaces it
    assert [p.name for p in out.iterdir()] == ["old.csv"]
    assert (out / "old.csv").read_text(encoding="utf-8").splitlines()[0] == HEADER


def test_export_into_a_missing_folder_or_onto_a_folder(db, tmp_path):
    target = tmp_path / "no" / "such" / "dir" / "out.csv"
    with pytest.raises(StoreError) as info:
        formats.export(db, "csv", target)
    assert str(target) in str(info.value) and "\n" not in str(info.value)
    assert not (tmp_path / "no").exists()
    with pytest.raises(StoreError, match="folder"):
        formats.export(db, "csv", tmp_path)


def test_exported_file_has_ordinary_permissions(db, tmp_path):
    old = os.umask(0o022)
    try:
        formats.export(db, "csv", tmp_path / "out.csv")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out.csv").stat().st_mode) == 0o644


# --------------------------------------------------------------------------- through the CLI


@pytest.fixture
def cli_db(run_cli, corpus):
    """A database at ./pressmark.db (cwd = tmp_path) with the corpus synced and two tags."""
    assert run_cli("sync", corpus).code == 0
    assert run_cli("--annotator", "alice", "tag", "1", "1", "finding", "--note", "=1+1").code == 0
    assert run_cli("--annotator", "bob", "tag", "2", "2", "response").code == 0
    return run_cli


def test_cli_export_to_stdout(cli_db):
    result = cli_db("export", "-o", "-")
    assert result.code == 0, result.err
    header, rows = parse(result.out)
    assert header == HEADER.split(",")
    assert sorted((r["annotator"], r["tag"], r["note"]) for r in rows) == [
        ("alice", "finding", "'=1+1"), ("bob", "response", "")]
    raw = cli_db("export", "-o", "-", "--raw")
    assert "=1+1" in [r["note"] for r in parse(raw.out)[1]]


def test_cli_export_to_default_file_and_filters(cli_db, tmp_path):
    result = cli_db("export")
    assert result.code == 0 and "2 rows written to annotations.csv" in result.err and result.out == ""
    with open(tmp_path / "annotations.csv", encoding="utf-8", newline="") as f:
        assert len(parse(f.read())[1]) == 2
    only = cli_db("export", "-o", "-", "--annotator", "bob")
    assert [r["annotator"] for r in parse(only.out)[1]] == ["bob"]
    tagged = cli_db("export", "-o", "-", "--tag", "finding", "--article", "1")
    assert [(r["annotator"], r["tag"]) for r in parse(tagged.out)[1]] == [("alice", "finding")]
    assert parse(cli_db("export", "-o", "-", "--article", "2", "--tag", "finding").out)[1] == []


def test_cli_export_errors(cli_db):
    missing = cli_db("export", "-o", "nowhere/out.csv")
    assert missing.code == 1 and missing.err.startswith("pressmark: ") and "nowhere" in missing.err
    assert len(missing.err.strip().splitlines()) == 1
    bad_tag = cli_db("export", "-o", "-", "--tag", "findings")
    assert bad_tag.code == 1 and "unknown tag 'findings'" in bad_tag.err and bad_tag.out == ""
    ambiguous = cli_db("export", "-o", "-", "--article", "0")
    assert ambiguous.code == 1 and "matches 2 articles" in ambiguous.err


# --------------------------------------------------------------------------- speed paths (issue 6)
def _python_reference(db, flt: ExportFilter, raw: bool) -> str:
    """What the export must write, made the slow obvious way: raw rows, ``neutralise`` and csv in Python."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in store.export.export_rows(db, flt):
        writer.writerow(row if raw else [neutralise(v) for v in row])
    return out.getvalue()


def _annotate_everything(db, tricky) -> None:
    aid, starts = tricky
    for n in starts.values():
        set_tag(db, aid, n, "finding", "=alice")  # an annotator name that is a formula too
        set_note(db, aid, n, '-1, "quoted"\nsecond line', "bob")
    for (other,) in db.conn.execute("SELECT id FROM articles WHERE id != ?", (aid,)).fetchall():
        for n in range(1, 6):
            set_tag(db, other, n, "response", "bob")
            set_tag(db, other, n, "commitment", "carol")
            set_note(db, other, n, "@note", "carol")


@pytest.mark.parametrize("raw", [False, True])
def test_neutralising_in_sql_matches_python(db, tricky, raw):
    _annotate_everything(db, tricky)
    out = io.StringIO(newline="")
    write_csv(db, out, raw=raw)
    assert out.getvalue() == _python_reference(db, ExportFilter(), raw)
    assert ("'=SUM" in out.getvalue()) is not raw


@pytest.mark.parametrize("flt", [ExportFilter(), ExportFilter(tag="finding"), ExportFilter(annotator="carol")])
def test_export_in_parallel_parts_is_byte_identical(db, tricky, tmp_path, monkeypatch, flt):
    _annotate_everything(db, tricky)
    monkeypatch.setattr(store.export, "PARALLEL_MIN_ROWS", 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    parts = store.export._parts(db, flt)
    assert len(parts) == 2  # really split, so this compares the parallel path with the reference
    folder = tmp_path / "exports"
    folder.mkdir()
    count = formats.export(db, "csv", folder / "parallel.csv", flt)
    written = (folder / "parallel.csv").read_bytes().decode("utf-8")
    assert written == _python_reference(db, flt, raw=False)
    assert count == len(parse(written)[1])
    assert [p.name for p in folder.iterdir()] == ["parallel.csv"]  # the parts were beside it, and are gone


def test_a_commit_during_a_parallel_export_makes_it_again_from_one_snapshot(db, db_path, tricky, tmp_path,
                                                                            monkeypatch):
    """Workers read with their own connections: someone tags while they run (on the first progress
    report, so at least the reporting worker's query was already under way) in every part's range.
    Joined as they are, the parts would miss a tag; the export must instead be the state after it."""
    _annotate_everything(db, tricky)
    monkeypatch.setattr(store.export, "PARALLEL_MIN_ROWS", 1)
    monkeypatch.setattr(store.export, "PROGRESS_EVERY", 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert len(store.export._parts(db, ExportFilter())) == 2
    ids = [aid for (aid,) in db.conn.execute("SELECT id FROM articles ORDER BY file, id")]
    other = connect(db_path)

    def tag_meanwhile(done: int) -> None:
        if not other.conn.execute("SELECT 1 FROM annotations WHERE annotator = 'late'").fetchone():
            for article_id in (ids[0], ids[-1]):  # the first and the last part
                set_tag(other, article_id, 2, "finding", "late")

    formats.export(db, "csv", tmp_path / "out.csv", progress=tag_meanwhile)
    written = (tmp_path / "out.csv").read_bytes().decode("utf-8")
    assert written.count(",late,") == 2
    assert written == _python_reference(db, ExportFilter(), raw=False)


def test_a_failing_export_part_is_one_error_line(db, tricky, tmp_path):
    _annotate_everything(db, tricky)
    parts = [(None, ("m", 0)), (("m", 0), None)]
    with pytest.raises(StoreError, match="^export: "):
        store.export._write_in_parts(str(tmp_path / "gone.db"), ExportFilter(), False, parts, io.StringIO(), None)


def test_small_exports_stay_in_process(db, tricky):
    _annotate_everything(db, tricky)
    assert store.export._parts(db, ExportFilter()) == []  # far below PARALLEL_MIN_ROWS
