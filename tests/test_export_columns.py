"""The CSV's columns (issue 18): the new ones and --columns, --sentences all (a row for every sentence),
--excel (a byte order mark) and --raw for pandas, checked by running the README's own example."""
from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import pytest
from conftest import REAL_ARTICLES

import store.export
from store import formats
from store.annotate import set_note, set_tag
from store.derived.speakers import sentence_speakers
from store.export import COLUMNS, CSV_COLUMNS, ExportFilter, write_csv
from store.formats.importing import import_file
from store.sync import sync

A, B = REAL_ARTICLES
README = Path(__file__).resolve().parent.parent / "README.md"


def rows_of(text: str) -> tuple[list[str], list[dict]]:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows[0], [dict(zip(rows[0], r)) for r in rows[1:]]


def exported(db, flt: ExportFilter = ExportFilter(), **options) -> tuple[list[str], list[dict]]:
    out = io.StringIO(newline="")
    write_csv(db, out, flt, **options)
    return rows_of(out.getvalue())


@pytest.fixture
def coded(db, article_ids):
    """alice and bob code A (two tags on one sentence, a note alone, a formula-like note); bob one sentence of B."""
    a, b = article_ids[A], article_ids[B]
    for n, tag in [(2, "finding"), (2, "response"), (12, "response"), (5, "commitment")]:
        set_tag(db, a, n, tag, "alice")
    set_tag(db, a, 2, "finding", "bob")
    set_note(db, a, 7, "-only a note", "bob")
    set_tag(db, b, 3, "response", "bob")
    return db


def paragraphs(db, article_id: int) -> dict[int, int]:
    return dict(db.conn.execute("SELECT n, para FROM sentences WHERE article_id = ?", (article_id,)).fetchall())


def test_default_columns_keep_the_old_ones_first(coded):
    old = "article,title,sentence,start,end,tag,speaker,text,note,annotator,created_at,updated_at,status".split(",")
    header, _ = exported(coded)
    assert header[:len(old)] == old and header == list(CSV_COLUMNS)
    assert header[len(old):] == ["article_id", "paragraph", "speaker_role", "source", "date"]
    assert set(COLUMNS) - set(CSV_COLUMNS) == {"sha256"}


def test_new_columns_hold_the_article_the_paragraph_and_the_speaker(coded, article_ids):
    header, rows = exported(coded, columns=tuple(COLUMNS), raw=True)
    assert header == list(COLUMNS)
    articles = {file: coded.conn.execute("SELECT id, sha256, source, date FROM articles WHERE file = ?",
                                         (file,)).fetchone() for file in (A, B)}
    roles = 0
    for r in rows:
        article_id, sha, source, date = articles[r["article"]]
        assert (int(r["article_id"]), r["sha256"]) == (article_id, sha)
        assert (r["source"], r["date"]) == (source or "", date or "")
        assert int(r["paragraph"]) == paragraphs(coded, article_id)[int(r["sentence"])]
        speaker = sentence_speakers(coded, article_id).get(int(r["sentence"]))
        assert (r["speaker"], r["speaker_role"]) == ((speaker.name, speaker.role or "") if speaker else ("", ""))
        roles += bool(r["speaker_role"])
    assert roles >= 1  # sentence 12 of A: "Mark Douglas, Strategic Director of Children's Services, said"
    assert {r["paragraph"] for r in rows} != {"1"}


def test_columns_chooses_which_and_in_what_order(coded, tmp_path):
    header, rows = exported(coded, columns=("sha256", "text", "article"))
    assert header == ["sha256", "text", "article"] and all(len(r) == 3 for r in rows)
    with pytest.raises(store.export.StoreError, match="choose from"):
        exported(coded, columns=("text", "nonsense"))


def test_sentences_all_adds_one_row_for_each_sentence_without_one(coded, article_ids):
    _, tagged = exported(coded)
    _, every = exported(coded, sentences="all")
    blank = [r for r in every if not r["annotator"]]
    assert [r for r in every if r["annotator"]] == tagged  # the same rows, in the same order, among the others
    for file in (A, B):
        count = len(paragraphs(coded, article_ids[file]))
        covered = {int(r["sentence"]) for r in tagged if r["article"] == file}
        assert sorted(int(r["sentence"]) for r in blank if r["article"] == file) == \
            sorted(set(range(1, count + 1)) - covered)
    keys = [(r["article"], int(r["sentence"])) for r in every]
    assert keys == sorted(keys)
    text = coded.conn.execute("SELECT text FROM articles WHERE file = ?", (A,)).fetchone()[0]
    for r in blank:
        assert r["tag"] == r["note"] == r["created_at"] == "" and r["status"] == "ok"
        if r["article"] == A:
            assert r["text"] == text[int(r["start"]):int(r["end"])] or r["text"].startswith("'")


def test_sentences_all_follows_the_filters(coded, article_ids):
    """--tag finding: every sentence not tagged finding is a negative, also one tagged response;
    --annotator bob: the articles bob coded, and what bob did not tag."""
    _, rows = exported(coded, ExportFilter(tag="finding"), sentences="all")
    assert {(r["sentence"], r["annotator"]) for r in rows if r["tag"]} == {("2", "alice"), ("2", "bob")}
    a_rows = [r for r in rows if r["article"] == A]
    assert len(a_rows) == len(paragraphs(coded, article_ids[A])) + 1  # sentence 2 twice, every other once
    assert {r["article"] for r in rows} == {A, B}  # B has annotations (a response): its sentences are negatives
    _, bobs = exported(coded, ExportFilter(annotator="bob"), sentences="all")
    assert {r["annotator"] for r in bobs} == {"bob", ""}
    assert not any(r["sentence"] == "12" and r["annotator"] for r in bobs)
    only = exported(coded, ExportFilter(articles=(article_ids[B],)), sentences="all")[1]
    assert {r["article"] for r in only} == {B}


def test_sentences_all_rows_are_not_imported_and_not_reported(coded, tmp_path, corpus):
    path = tmp_path / "all.csv"
    formats.export(coded, "csv", path, sentences="all")
    target = tmp_path / "target.db"
    from store.db import connect

    fresh = connect(target)
    sync(fresh, corpus)
    report = import_file(fresh, path, by="x")
    assert report.skipped == {} and report.added == coded.conn.execute("SELECT count(*) FROM annotations").fetchone()[0]


@pytest.mark.parametrize("options", [{"columns": tuple(COLUMNS)}, {"sentences": "all"},
                                     {"sentences": "all", "columns": ("paragraph", "speaker_role", "text")}])
def test_parallel_parts_write_what_one_process_writes(coded, tmp_path, monkeypatch, options):
    alone = io.StringIO(newline="")
    write_csv(coded, alone, **options)
    monkeypatch.setattr(store.export, "PARALLEL_MIN_ROWS", 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert len(store.export._parts(coded, ExportFilter())) == 2
    formats.export(coded, "csv", tmp_path / "parallel.csv", **options)
    assert (tmp_path / "parallel.csv").read_bytes().decode("utf-8") == alone.getvalue()


def test_excel_starts_with_a_byte_order_mark_and_imports_back(coded, tmp_path, corpus):
    formats.export(coded, "csv", tmp_path / "excel.csv", excel=True)
    formats.export(coded, "csv", tmp_path / "plain.csv")
    data = (tmp_path / "excel.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data[3:] == (tmp_path / "plain.csv").read_bytes()
    with pytest.raises(store.export.StoreError, match="formulas"):
        formats.export(coded, "csv", tmp_path / "x.csv", excel=True, raw=True)
    from store.db import connect

    fresh = connect(tmp_path / "fresh.db")
    sync(fresh, corpus)
    assert import_file(fresh, tmp_path / "excel.csv", by="x").added > 0


def _readme_block(after: str, language: str) -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index(after):]
    return re.search(rf"```{language}\n(.*?)```", section, re.S).group(1)


FORMULA_LIKE = "- Cuts of ten percent were announced.\n\n+44 callers waited for an answer.\n\n" \
    "=SUM(A1) appeared in the leaked sheet.\n\n@Council said more would follow.\n"


def test_the_readme_pandas_example_keeps_text_equal_to_the_article_slice(run_cli, corpus, tmp_path):
    """The README's command and pandas code, as written: every row's text is its article's text[start:end],
    also for sentences that start with - + = @, which the spreadsheet CSV prefixes with '."""
    (corpus / "formula.txt").write_text(FORMULA_LIKE, encoding="utf-8")
    assert run_cli("sync", corpus).code == 0
    for n in range(1, 5):
        assert run_cli("--annotator", "alice", "tag", "formula.txt", n, "finding").code == 0
    for n in range(1, 20):
        run_cli("--annotator", "alice", "tag", A, n, "response")
    commands = [line.split("#")[0].split() for line in _readme_block("## The CSV export", "sh").splitlines()
                if line.startswith("pressmark export")]
    (command,) = [c for c in commands if "--raw" in c]
    assert run_cli(*command[1:]).code == 0
    scope: dict = {}
    exec(_readme_block("## The CSV export", "python"), scope)  # noqa: S102 -- the README's example as written
    df = scope["df"]
    from store.db import connect

    db = connect(tmp_path / "pressmark.db")
    texts = dict(db.conn.execute("SELECT file, text FROM articles"))
    db.close()
    assert len(df) >= 20 and {t[:1] for t in df["text"]} >= {"-", "+", "=", "@"}
    assert all(t == texts[a][s:e] for a, t, s, e in zip(df["article"], df["text"], df["start"], df["end"]))
    # The spreadsheet CSV breaks exactly that: the README's choice of --raw is what keeps it.
    default = rows_of(run_cli("export", "-o", "-").out)[1]
    assert {r["text"][:2] for r in default if r["article"] == "formula.txt"} == {"'-", "'+", "'=", "'@"}


def test_cli_columns_sentences_excel_and_their_errors(run_cli, corpus):
    assert run_cli("sync", corpus).code == 0
    assert run_cli("--annotator", "alice", "tag", A, 2, "finding").code == 0
    result = run_cli("export", "-o", "-", "--columns", "text,sha256,article_id")
    assert result.code == 0, result.err
    assert rows_of(result.out)[0] == ["text", "sha256", "article_id"]
    assert rows_of(run_cli("export", "-o", "-", "--columns", "all").out)[0] == list(COLUMNS)
    every = run_cli("export", "-o", "-", "--sentences", "all")
    assert len(rows_of(every.out)[1]) > 10
    assert run_cli("export", "-o", "x.csv", "--excel").code == 0
    for args, word in [(("--columns", "text,bogus"), "bogus"), (("--columns", "text,text"), "once"),
                       (("--raw", "--excel"), "formulas"), (("--format", "jsonl", "--columns", "text"), "csv"),
                       (("--format", "w3c", "--sentences", "all"), "csv"), (("--format", "jsonl", "--excel"), "csv")]:
        bad = run_cli("export", "-o", "-", *args)
        assert bad.code == 2 and word in bad.err and bad.out == "", args
