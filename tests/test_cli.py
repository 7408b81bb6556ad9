"""The `pressmark` command line: help, sync, list, show, tag/untag, ARTICLE resolution, errors, env vars."""
from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from importlib.metadata import version

import pytest
from conftest import REAL_ARTICLES

from store.segment import segment
from tui.cli import cli

SUBCOMMANDS = cli.list_commands(None)  # includes the commands whose modules load on first use


def one_error_line(result) -> str:
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert "Traceback" not in result.err
    return lines[0]


@pytest.fixture
def synced(run_cli, corpus):
    """run_cli, after `pressmark sync articles` into ./pressmark.db."""
    result = run_cli("sync", corpus)
    assert result.code == 0, result.err
    return run_cli


def show_json(run, article: str, *extra: str) -> dict:
    result = run(*extra, "show", article, "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def export_rows(run, *extra: str) -> list[dict]:
    result = run(*extra, "export", "-o", "-")
    assert result.code == 0, result.err
    return list(csv.DictReader(io.StringIO(result.out, newline="")))


# --------------------------------------------------------------------------- help and version


def test_expected_commands_exist():
    assert {"open", "sync", "list", "show", "tag", "untag", "export"} <= set(SUBCOMMANDS)


def test_lazy_command_table_matches_what_the_modules_define():
    """LAZY_COMMANDS must name exactly the commands each cli_* module adds, or a command goes missing."""
    import importlib

    from tui.cli import LAZY_COMMANDS

    for module in set(LAZY_COMMANDS.values()):
        importlib.import_module(module)
    defined = {name: cmd.callback.__module__ for name, cmd in cli.commands.items()
               if cmd.callback.__module__ != "tui.cli"}
    assert defined == LAZY_COMMANDS


@pytest.mark.parametrize("args", [["--help"], ["-h"], *([c, "--help"] for c in SUBCOMMANDS)])
def test_help_exits_zero(run_cli, tmp_path, args):
    result = run_cli(*args)
    assert result.code == 0, result.err
    assert result.out.startswith("Usage: pressmark") and result.err == ""
    assert not (tmp_path / "pressmark.db").exists()  # asking for help creates no database


def test_version(run_cli):
    result = run_cli("--version")
    assert result.code == 0
    assert result.out.strip() == f"pressmark, version {version('pressmark')}"


# --------------------------------------------------------------------------- sync


def test_sync_prints_counts(run_cli, corpus):
    first = run_cli("sync", corpus)
    assert (first.code, first.out) == (0, "2 added, 0 changed, 0 unchanged, 0 skipped\n")
    second = run_cli("sync", corpus)
    assert (second.code, second.out) == (0, "0 added, 0 changed, 2 unchanged, 0 skipped\n")


def test_sync_prints_skip_reasons_and_missing(run_cli, corpus):
    assert run_cli("sync", corpus).code == 0
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "logo.txt").write_bytes(b"GIF89a" + bytes(64))
    (corpus / REAL_ARTICLES[0]).unlink()
    result = run_cli("sync", corpus)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[-1] == "0 added, 0 changed, 1 unchanged, 2 skipped, 1 missing"
    assert any(line.startswith("skipped empty.txt: ") and "empty" in line for line in lines)
    assert any(line.startswith("skipped logo.txt: ") and "binary" in line for line in lines)
    assert f"missing {REAL_ARTICLES[0]}: file has gone; its annotations are kept" in lines


def test_sync_of_a_missing_folder_is_a_usage_error(run_cli, tmp_path):
    result = run_cli("sync", tmp_path / "nope")
    assert result.code == 2 and "no such folder" in result.err and "Traceback" not in result.err


def test_a_word_that_is_neither_a_command_nor_a_folder_is_named_with_the_nearest_command(run_cli, tmp_path):
    result = run_cli("exprot")
    assert result.code == 2 and "no such command or folder: 'exprot'; did you mean 'export'?" in result.err
    result = run_cli("frobnicate")
    assert result.code == 2 and "no such command or folder: 'frobnicate'; the commands are: agree," in result.err
    (tmp_path / "exprot").write_text("", encoding="utf-8")  # a path that exists is meant as the folder to open
    assert "is a file" in run_cli("exprot").err


# --------------------------------------------------------------------------- list


def test_list_json_has_per_tag_counts(synced):
    synced("--annotator", "alice", "tag", "1", "1", "finding")
    synced("--annotator", "alice", "tag", "1", "2", "finding")
    synced("--annotator", "bob", "tag", "1", "2", "finding")      # same sentence: counted once
    synced("--annotator", "bob", "tag", "1", "2", "commitment")
    synced("--annotator", "alice", "tag", "1", "3", "--note", "n", "response")
    result = synced("list", "--format", "json")
    assert result.code == 0
    rows = json.loads(result.out)
    assert [r["file"] for r in rows] == REAL_ARTICLES
    for r in rows:
        assert set(r) == {"id", "file", "title", "sentences", "finding", "response", "commitment", "annotated",
                          "status"}
        assert r["sentences"] == len(show_json(synced, str(r["id"]))["sentences"])
        assert r["status"] == "ok"
    first, second = rows
    assert (first["finding"], first["response"], first["commitment"], first["annotated"]) == (2, 1, 1, 3)
    assert (second["finding"], second["response"], second["commitment"], second["annotated"]) == (0, 0, 0, 0)


def test_list_csv_and_table(synced):
    synced("--annotator", "alice", "tag", "2", "1", "commitment")
    result = synced("list", "--format", "csv")
    assert result.code == 0
    rows = list(csv.DictReader(io.StringIO(result.out, newline="")))
    assert list(rows[0]) == ["id", "file", "title", "sentences", "finding", "response", "commitment", "annotated",
                             "status"]
    assert [(r["file"], r["commitment"]) for r in rows] == [(REAL_ARTICLES[0], "0"), (REAL_ARTICLES[1], "1")]

    table = synced("list")
    assert table.code == 0
    lines = table.out.splitlines()
    assert lines[0].split() == ["id", "file", "title", "sentences", "finding", "response", "commitment", "status"]
    assert len(lines) == 3
    assert all(name in table.out for name in REAL_ARTICLES)


def test_list_with_no_articles_says_so(run_cli):
    result = run_cli("list")
    assert result.code == 0 and result.out == "" and "pressmark sync" in result.err
    assert json.loads(run_cli("list", "--format", "json").out) == []


# --------------------------------------------------------------------------- show


def test_show_json_shape(synced, real_article, tmp_path):
    synced("--annotator", "alice", "tag", real_article, "2", "commitment")
    synced("--annotator", "alice", "tag", real_article, "2", "finding", "--note", "both")
    synced("--annotator", "bob", "tag", real_article, "1", "response")  # not alice's: not shown
    data = show_json(synced, real_article, "--annotator", "alice")
    assert list(data) == ["article", "title", "sentences"]
    assert data["article"] == real_article and data["title"]
    text = (tmp_path / "articles" / real_article).read_text(encoding="utf-8")
    for i, s in enumerate(data["sentences"], 1):
        assert list(s) == ["n", "para", "start", "end", "text", "tags", "note", "speaker", "speaker_role"]
        assert s["n"] == i and s["para"] >= 1 and s["end"] > s["start"]
    # Offsets index the stored text; the sentences are the segmenter's.
    from store.files import read_article
    stored = read_article(tmp_path / "articles" / real_article).text
    assert [(s["start"], s["end"]) for s in data["sentences"]] == [(x.start, x.end) for x in segment(stored)]
    assert all(stored[s["start"]:s["end"]] == s["text"] and s["text"] in text for s in data["sentences"])
    by_n = {s["n"]: s for s in data["sentences"]}
    assert by_n[2]["tags"] == ["finding", "commitment"]  # codebook order
    assert by_n[2]["note"] == "both"
    assert by_n[1]["tags"] == [] and by_n[1]["note"] is None
    assert show_json(synced, real_article, "--annotator", "bob")["sentences"][0]["tags"] == ["response"]


def test_show_text(synced):
    synced("--annotator", "alice", "tag", "1", "2", "response", "--note", "said so")
    data = show_json(synced, "1", "--annotator", "alice")
    result = synced("--annotator", "alice", "show", "1")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0] == f"{data['title']}  ({data['article']}, {len(data['sentences'])} sentences)"
    second = data["sentences"][1]
    assert f"   2 [response] {second['text']}" in lines
    assert "      note: said so" in lines
    assert f"   1 {data['sentences'][0]['text']}" in lines


# --------------------------------------------------------------------------- tag / untag


def test_tag_untag_round_trip_with_note(synced):
    run = synced
    first = run("--annotator", "alice", "tag", "1", "3", "finding", "--note", "key claim, \"quoted\"")
    assert (first.code, first.out) == (0, "sentence 3: tagged finding (note saved)\n")
    again = run("--annotator", "alice", "tag", "1", "3", "finding")
    assert (again.code, again.out) == (0, "sentence 3: already tagged finding\n")
    run("--annotator", "alice", "tag", "1", "3", "response")
    rows = export_rows(run)
    assert sorted((r["sentence"], r["tag"], r["note"]) for r in rows) == [
        ("3", "finding", 'key claim, "quoted"'), ("3", "response", 'key claim, "quoted"')]

    untag = run("--annotator", "alice", "untag", "1", "3", "finding")
    assert (untag.code, untag.out) == (0, "sentence 3: untagged\n")
    assert run("--annotator", "alice", "untag", "1", "3", "finding").out == "sentence 3: had no such tag\n"
    clear = run("--annotator", "alice", "untag", "1", "3")
    assert (clear.code, clear.out) == (0, "sentence 3: untagged\n")
    # The note outlives the tags and is exported on its own row.
    assert [(r["tag"], r["note"]) for r in export_rows(run)] == [("", 'key claim, "quoted"')]
    assert show_json(run, "1", "--annotator", "alice")["sentences"][2]["tags"] == []


# --------------------------------------------------------------------------- ARTICLE resolution


@pytest.fixture
def nested(run_cli, corpus):
    (corpus / "regional").mkdir()
    (corpus / "regional" / "leeds-report.txt").write_text("Leeds published a report today.\n", encoding="utf-8")
    (corpus / "archive").mkdir()
    (corpus / "archive" / "leeds-report.txt.md").write_text("An older Leeds report.\n", encoding="utf-8")
    assert run_cli("sync", corpus).code == 0
    return run_cli


def test_article_resolution(nested, corpus):
    rows = {r["file"]: r["id"] for r in json.loads(nested("list", "--format", "json").out)}
    first = REAL_ARTICLES[0]
    expected = {
        str(rows[first]): first,                                  # id
        first: first,                                             # file name
        f"articles/{first}": first,                               # a path ending in the file name
        "regional/leeds-report.txt": "regional/leeds-report.txt",  # relative file name
        "leeds-report.txt": "regional/leeds-report.txt",          # basename (also a prefix of another)
        "leeds-report.txt.": "archive/leeds-report.txt.md",       # unique basename prefix
        "archive/leeds-report.txt.md": "archive/leeds-report.txt.md",
        first[:4]: first,                                         # unique file prefix
        REAL_ARTICLES[1][:5]: REAL_ARTICLES[1],
    }
    for ref, file in expected.items():
        assert show_json(nested, ref)["article"] == file, ref
    ambiguous = nested("show", "leeds")
    assert ambiguous.code == 1 and "matches 2 articles" in ambiguous.err
    assert "regional/leeds-report.txt" in ambiguous.err and "archive/leeds-report.txt.md" in ambiguous.err


@pytest.mark.parametrize("ref, needle", [
    ("0", "matches 2 articles"),
    ("zzz", "no article matches 'zzz'"),
])
def test_ambiguous_or_unknown_article_is_one_clear_line(synced, ref, needle):
    for args in (["show", ref], ["tag", ref, "1", "finding"], ["untag", ref, "1"], ["export", "--article", ref]):
        result = synced(*args)
        assert result.code == 1 and result.out == ""
        line = one_error_line(result)
        assert line.startswith("pressmark: ") and needle in line
        assert all(name in line for name in REAL_ARTICLES)  # the candidates are listed


def test_unknown_article_before_any_sync(run_cli):
    result = run_cli("show", "anything")
    assert result.code == 1 and "pressmark sync" in one_error_line(result)


# --------------------------------------------------------------------------- bad input


def test_bad_sentence_number_is_a_usage_error(synced):
    count = len(show_json(synced, "1")["sentences"])
    for n in ("0", str(count + 1)):
        result = synced("tag", "1", n, "finding")
        assert result.code == 2, (n, result.err)
        assert f"1 to {count}" in result.err and "Usage:" in result.err
    for args in (["tag", "1", "two", "finding"], ["untag", "1", str(count + 1)], ["tag", "1", "-1", "finding"],
                 ["tag", "1", "--", "-1", "finding"]):
        result = synced(*args)
        assert result.code == 2 and "Traceback" not in result.err
    assert export_rows(synced) == []


def test_unknown_tag_is_an_error_listing_the_codebook(synced):
    for args in (["tag", "1", "1", "findings"], ["untag", "1", "1", "findings"]):
        result = synced(*args)
        assert result.code == 1
        line = one_error_line(result)
        assert "findings" in line and all(t in line for t in ("finding", "response", "commitment"))
    assert export_rows(synced) == []


# --------------------------------------------------------------------------- --db / --annotator


def test_db_option_and_env(run_cli, corpus, tmp_path):
    assert run_cli("sync", corpus, env={"PRESSMARK_DB": "from-env.db"}).code == 0
    assert (tmp_path / "from-env.db").exists() and not (tmp_path / "pressmark.db").exists()
    assert run_cli("--db", "from-flag.db", "sync", corpus, env={"PRESSMARK_DB": "from-env.db"}).code == 0
    assert (tmp_path / "from-flag.db").exists()
    run_cli("--annotator", "a", "tag", "1", "1", "finding", env={"PRESSMARK_DB": "from-env.db"})
    assert len(export_rows(lambda *a: run_cli(*a, env={"PRESSMARK_DB": "from-env.db"}))) == 1
    assert export_rows(lambda *a: run_cli("--db", "from-flag.db", *a)) == []
    assert not (tmp_path / "pressmark.db").exists()


def test_annotator_option_and_env(synced):
    assert synced("tag", "1", "1", "finding", env={"PRESSMARK_ANNOTATOR": "env-person"}).code == 0
    assert synced("--annotator", "flag-person", "tag", "1", "2", "finding",
                  env={"PRESSMARK_ANNOTATOR": "env-person"}).code == 0
    assert synced("--annotator", "  spaced  ", "tag", "1", "3", "finding").code == 0
    rows = {r["sentence"]: r["annotator"] for r in export_rows(synced)}
    assert rows["1"] == "env-person" and rows["2"] == "flag-person" and rows["3"] == "spaced"
    # Show and untag act as the given annotator only.
    assert show_json(synced, "1", "--annotator", "flag-person")["sentences"][0]["tags"] == []
    assert synced("tag", "1", "1", "finding", env={"PRESSMARK_ANNOTATOR": "other"}).out.endswith("tagged finding\n")
    assert synced("untag", "1", "1", env={"PRESSMARK_ANNOTATOR": "other"}).code == 0
    assert [r["annotator"] for r in export_rows(synced) if r["sentence"] == "1"] == ["env-person"]


def test_an_unknown_tag_is_a_data_problem_in_every_command(synced):
    """Issue 19 point 13: `tag 000 5 bogus` exited 1 but `export --tag nosuch` 2; one message and exit 1 in all."""
    for args in (["tag", "1", "1", "nosuch"], ["untag", "1", "1", "nosuch"], ["export", "--tag", "nosuch", "-o", "-"],
                 ["tags", "edit", "nosuch", "--key", "z"], ["tags", "rename", "nosuch", "other"],
                 ["tags", "remove", "nosuch"]):
        result = synced(*args)
        assert result.code == 1 and result.out == "", args
        assert one_error_line(result).startswith("pressmark: unknown tag 'nosuch' (the codebook has: finding,"), args


def test_export_help_names_every_csv_column(synced):
    from store.export import COLUMNS

    text = " ".join(synced("export", "--help").out.split())
    assert [c for c in COLUMNS if c != "sha256" and f" {c}," not in text and f" {c} " not in text] == []


def test_blank_annotator_falls_back_to_a_name(synced):
    assert synced("--annotator", "   ", "tag", "1", "1", "finding").code == 0
    [row] = export_rows(synced)
    assert row["annotator"].strip() and row["annotator"] == row["annotator"].strip()


# --------------------------------------------------------------------------- real processes: no tracebacks


def test_errors_in_a_real_process_never_show_a_traceback(run_pressmark, corpus, tmp_path):
    assert run_pressmark("sync", corpus).code == 0
    (tmp_path / "garbage.db").write_bytes(b"this is not sqlite at all" * 100)
    (tmp_path / "folder.db").mkdir()
    cases = [
        (["show", "0"], 1, "matches 2 articles"),
        (["show", "zzz"], 1, "no article matches"),
        (["tag", "1", "1", "bogus"], 1, "unknown tag 'bogus'"),
        (["tag", "1", "9999", "finding"], 2, "Usage:"),
        (["tag", "1"], 2, "Missing argument"),
        (["export", "-o", "missing/dir/out.csv"], 1, "cannot write there"),
        (["export", "-o", "."], 1, "is a folder"),
        (["--db", "garbage.db", "list"], 1, "garbage.db: not a usable database"),
        (["--db", "folder.db", "list"], 2, "is a directory"),
        (["--db", "nowhere/x.db", "list"], 1, "nowhere/x.db: there is no folder nowhere to make the database in"),
        (["list", "--format", "xml"], 2, "Invalid value"),
        (["frobnicate-nothing"], 2, "no such command or folder"),
    ]
    for args, code, needle in cases:
        result = run_pressmark(*args)
        assert result.code == code, (args, result.err)
        assert "Traceback" not in result.err and needle in result.err, (args, result.err)
        if code == 1:
            assert result.err.startswith("pressmark: ") and len(result.err.strip().splitlines()) == 1


def test_real_process_success_and_stdout(run_pressmark, corpus):
    assert run_pressmark("sync", corpus).out == "2 added, 0 changed, 0 unchanged, 0 skipped\n"
    tagged = run_pressmark("tag", "1", "1", "finding", env={"PRESSMARK_ANNOTATOR": "proc"})
    assert tagged.code == 0 and tagged.out == "sentence 1: tagged finding\n"
    exported = run_pressmark("export", "-o", "-")
    assert exported.code == 0 and exported.err == ""
    [row] = list(csv.DictReader(io.StringIO(exported.out, newline="")))
    assert (row["annotator"], row["tag"], row["sentence"]) == ("proc", "finding", "1")


def test_output_into_a_pipe_closed_early_stops_quietly(tmp_path, make_articles):
    """``pressmark show 1 | head -1``: the reader goes away after one line; pressmark must exit 0 with
    nothing on stderr (click on its own exits 1)."""
    long = "Long\n\n" + " ".join(f"Sentence number {i} is here." for i in range(20_000)) + "\n"
    folder = make_articles({"long.txt": long})
    env = {**os.environ, "PRESSMARK_DB": str(tmp_path / "pipe.db")}
    cmd = [sys.executable, "-c", "import sys; from tui.cli import main; sys.argv[0] = 'pressmark'; main()"]
    subprocess.run([*cmd, "sync", str(folder)], env=env, capture_output=True, check=True)
    proc = subprocess.Popen([*cmd, "show", "1"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline().startswith(b"Long")
    proc.stdout.close()  # as head does after its line; the rest (about 600 KB) cannot be written
    assert proc.wait(timeout=60) == 0
    assert proc.stderr.read() == b""


def test_export_for_someone_with_no_annotations_writes_nothing(synced, tmp_path):
    assert synced("--annotator", "alice", "tag", "000", "3", "finding").code == 0
    result = synced("export", "--annotator", "nobody", "-o", "nobody.csv")
    assert result.code == 1 and "no annotations by 'nobody' (annotators: alice); nothing written" in result.err
    assert not (tmp_path / "nobody.csv").exists()


def test_compare_refuses_an_article_with_itself(synced):
    result = synced("compare", "000", "000_946")
    assert result.code == 2 and "000 and 000_946 are the same article" in result.err


def test_show_prints_each_line_of_a_note_on_its_own(synced):
    assert synced("tag", "000", "3", "finding", "--note", "first line\nsecond line").code == 0
    out = synced("show", "000").out
    assert "      note: first line\n            second line\n" in out and "\\n" not in out


def test_open_without_an_articles_folder_says_so(tmp_path):
    """`pressmark` with no ./articles opens the library (empty, or the database's) and says why nothing synced."""
    from tests.terminal import Terminal

    term = Terminal([], tmp_path)
    try:
        term.wait_for("No ./articles folder here, so nothing was synced")
        term.press("q")
        assert term.wait_exit() == 0
    finally:
        term.kill()
