"""Issue 15 points 1 and 8: annotator names, tag names and descriptions, notes and cue notes that carry
terminal controls (or spreadsheet formulas) are refused where they enter, and shown as visible escapes
wherever they still come from (an old database, another database merged in).

Every hostile input is made here, in ``tmp_path``: the "old database" is a pressmark database whose rows
are then rewritten directly with SQL, as an older version or a crafted merge source could leave them.
"""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from store.annotate import set_note, set_tag
from store.db import StoreError, connect, write
from store.sync import sync
from tests.adversarial import forbidden_in
from tests.terminal import Terminal

ME = "tester"
# Each payload carries a different base64 word, so a test can tell which place was drawn.
OSC52_NAME = "ann\x1b]52;c;SGVsbG8=\x07"  # the clipboard write of the issue ("Hello")
C1_NAME = "bob\u009b31m\u202eevil\nx"  # an 8-bit CSI, a right-to-left override and a line break
EVIL_TAG = "tag\x1b]52;c;VGFn\x07\u009b\u202eX"  # "Tag"
EVIL_DESCRIPTION = "desc \x1b]52;c;RGVzYw==\x07 \u009b2J \u202eend"  # "Desc"
EVIL_NOTE = "note \x1b]52;c;Tm90ZQ==\x07 \u009b2J \u202eend"  # "Note"
EVIL_CUE_NOTE = "cue \x1b]52;c;Q3Vl\x07 \u009b2J \u202eend"  # "Cue"
FORMULA_TAG = '=HYPERLINK("x")'
ARTICLE = ("Hostile names in a database.\n\n"
           "The council found a serious problem in the report. The council will respond next week.\n")

# What must never reach a terminal from data: C0 controls but tab, line feed and carriage return (a
# terminal's own line ends), DEL, C1, bidi controls and invisible characters.
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def controls_in(text: str) -> list[str]:
    return sorted({f"U+{ord(c):04X}" for c in CONTROLS.findall(text)})


def hostile_db(tmp_path: Path, name: str = "h.db") -> Path:
    """A database with one article whose annotators, tag, notes and cue carry escape sequences."""
    folder = tmp_path / "src"
    folder.mkdir(exist_ok=True)
    (folder / "hostile.txt").write_text(ARTICLE, encoding="utf-8")
    path = tmp_path / name
    db = connect(path)
    sync(db, folder)
    (aid,) = db.conn.execute("SELECT id FROM articles").fetchone()
    with write(db):
        db.conn.execute("INSERT INTO tags (name, key, colour, description, position) VALUES (?, 'v', '#ff0000', ?, 9)",
                        (EVIL_TAG, EVIL_DESCRIPTION))
    set_tag(db, aid, 2, "finding", "placeholder-a")
    set_tag(db, aid, 2, EVIL_TAG, "placeholder-a")
    set_tag(db, aid, 2, "response", "placeholder-b")
    set_tag(db, aid, 3, "response", "placeholder-b")
    set_tag(db, aid, 3, EVIL_TAG, ME)
    set_note(db, aid, 2, "placeholder", ME)
    with write(db):
        db.conn.execute("UPDATE annotations SET annotator = ? WHERE annotator = 'placeholder-a'", (OSC52_NAME,))
        db.conn.execute("UPDATE annotations SET annotator = ? WHERE annotator = 'placeholder-b'", (C1_NAME,))
        db.conn.execute("UPDATE annotations SET note = ? WHERE note = 'placeholder'", (EVIL_NOTE,))
        db.conn.execute("""INSERT INTO cues (tag, match, cue, "when", weight, note, position)
                           VALUES ('finding', 'phrase', 'serious', 'any', 1, ?, 99)""", (EVIL_CUE_NOTE,))
    db.conn.close()
    return path


def strings(data) -> set[str]:
    """Every string (keys and values) of parsed JSON."""
    if isinstance(data, dict):
        return {*data, *(s for v in data.values() for s in strings(v))}
    if isinstance(data, list):
        return {s for v in data for s in strings(v)}
    return {data} if isinstance(data, str) else set()


def in_terminal(args: list[str], cwd: Path, size=(200, 50)) -> Terminal:
    """``Terminal`` of ``size``: COLUMNS and LINES (pytest-xdist sets them to 80 and 24 in its workers,
    and they win over the terminal's own size) say the same."""
    return Terminal(args, cwd, env={"COLUMNS": str(size[0]), "LINES": str(size[1])}, size=size)


def run_in_terminal(tmp_path: Path, args: list[str], size=(200, 50)) -> tuple[int, str]:
    term = in_terminal(args, tmp_path, size)
    try:
        code = term.wait_exit()
    finally:
        term.kill()
    return code, term.output.decode("utf-8", errors="surrogateescape")


# --------------------------------------------------------------------------- names refused on entry
BAD_ANNOTATORS = {
    "OSC 52": OSC52_NAME,
    "line break": "ann\nx",
    "C1 CSI": "ann\u009b31m",
    "RLO": "ann\u202eevil",
    "zero width": "a\u200bnn",
    "too long": "a" * 65,
}


@pytest.mark.parametrize("how", ["option", "env"])
@pytest.mark.parametrize("name", BAD_ANNOTATORS.values(), ids=BAD_ANNOTATORS.keys())
def test_tag_refuses_a_hostile_annotator(run_cli, db, article_ids, name, how):
    file = sorted(article_ids)[0]
    args = ["--annotator", name] if how == "option" else []
    result = run_cli(*args, "tag", file, "1", "finding", env={"PRESSMARK_ANNOTATOR": name} if how == "env" else None)
    assert result.code == 1
    assert result.err.startswith("pressmark: ") and result.err.count("\n") == 1 and "Traceback" not in result.err
    assert "annotator" in result.err and controls_in(result.err) == []
    assert db.conn.execute("SELECT count(*) FROM annotations").fetchone()[0] == 0


def test_store_refuses_a_hostile_annotator(db, article_ids):
    aid = article_ids[sorted(article_ids)[0]]
    for name in BAD_ANNOTATORS.values():
        for action in (lambda: set_tag(db, aid, 1, "finding", name), lambda: set_note(db, aid, 1, "a note", name)):
            with pytest.raises(StoreError, match="annotator"):
                action()
    assert db.conn.execute("SELECT count(*) FROM annotations").fetchone()[0] == 0


def test_a_long_printable_annotator_is_fine(run_cli, db, article_ids):
    name = "Ana María Núñez-O'Brien (desk 2) " + "x" * 30  # 63 characters, spaces and accents
    result = run_cli("--annotator", name, "tag", sorted(article_ids)[0], "1", "finding")
    assert result.code == 0, result.err
    assert db.conn.execute("SELECT DISTINCT annotator FROM annotations").fetchall() == [(name,)]


BAD_TAGS = {
    **{k: v for k, v in BAD_ANNOTATORS.items() if k != "too long"},
    "too long": "t" * 41,
    "tag character": "a\U000e0041b",
    "no-break space": "a\u00a0b",
    "formula =": FORMULA_TAG,
    "formula +": "+1",
    "formula -": "-cmd",
    "formula @": "@SUM(A1)",
}


@pytest.mark.parametrize("name", BAD_TAGS.values(), ids=BAD_TAGS.keys())
def test_tags_add_and_rename_refuse_a_hostile_tag_name(run_cli, db, name):
    for args in (["tags", "add", "--key", "v", "--", name], ["tags", "rename", "--", "finding", name]):
        result = run_cli(*args)
        assert result.code == 1, args
        assert result.err.startswith("pressmark: ") and result.err.count("\n") == 1 and controls_in(result.err) == []
    assert {n for (n,) in db.conn.execute("SELECT name FROM tags")} == {"finding", "response", "commitment"}
    assert db.conn.execute("SELECT count(*) FROM annotations WHERE tag != 'finding'").fetchone()[0] == 0


def test_a_formula_tag_name_says_why(run_cli, db):
    result = run_cli("tags", "add", FORMULA_TAG, "--key", "v")
    assert result.code == 1 and "formula" in result.err


def test_tag_descriptions_are_cleaned_on_entry(run_cli, db):
    assert run_cli("tags", "add", "background", "--key", "h", "--description", EVIL_DESCRIPTION).code == 0
    assert run_cli("tags", "edit", "finding", "--description", EVIL_DESCRIPTION).code == 0
    for (description,) in db.conn.execute("SELECT description FROM tags WHERE name IN ('background', 'finding')"):
        assert controls_in(description) == [] and "RGVzYw==" not in description and "end" in description


def test_merge_and_import_create_no_formula_tag(run_cli, tmp_path):
    """A tag named like a formula, in another database or an exported file, never enters the codebook."""
    source = hostile_db(tmp_path, "other.db")
    other = connect(source)
    (aid,) = other.conn.execute("SELECT id FROM articles").fetchone()
    with write(other):
        other.conn.execute("INSERT INTO tags (name, key, colour, description, position) VALUES (?, 'w', '#00ff00', '', 10)",
                           (FORMULA_TAG,))
    set_tag(other, aid, 1, FORMULA_TAG, "alice")
    other.conn.close()
    mine = connect(tmp_path / "mine.db")
    sync(mine, tmp_path / "src")
    mine.conn.close()
    merged = run_cli("--db", "mine.db", "merge", "other.db")
    assert "Traceback" not in merged.err
    assert run_cli("--db", "other.db", "export", "-o", "other.csv").code == 0
    imported = run_cli("--db", "mine.db", "import", "other.csv")
    assert "Traceback" not in imported.err
    names = {n for (n,) in connect(tmp_path / "mine.db").conn.execute("SELECT name FROM tags")}
    assert FORMULA_TAG not in names and "'" + FORMULA_TAG not in names


# --------------------------------------------------------------------------- point 8: the CSV header
def test_list_csv_header_is_neutralised(run_cli, tmp_path):
    db = connect(tmp_path / "f.db")
    with write(db):
        db.conn.execute("INSERT INTO tags (name, key, colour, description, position) VALUES (?, 'v', '#ff0000', '', 9)",
                        (FORMULA_TAG,))
    db.conn.close()
    result = run_cli("--db", "f.db", "list", "--format", "csv")
    assert result.code == 0
    header = next(csv.reader(io.StringIO(result.out)))
    assert "'" + FORMULA_TAG in header
    assert not [cell for cell in header if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]


# --------------------------------------------------------------------------- the CLI, shown
JSON_COMMANDS = {
    "annotators": (["annotators"], {OSC52_NAME, C1_NAME}),
    "agree": (["agree"], {OSC52_NAME, C1_NAME, EVIL_TAG}),
    "suggest": (["suggest"], {EVIL_CUE_NOTE}),
    "list": (["list"], {EVIL_TAG}),
    "tags": (["tags"], {EVIL_TAG, EVIL_DESCRIPTION}),
    "show": (["show", "hostile"], {EVIL_NOTE, EVIL_TAG}),
}


@pytest.mark.parametrize("command", JSON_COMMANDS)
def test_json_output_escapes_controls_and_keeps_the_data(run_cli, tmp_path, command):
    args, wanted = JSON_COMMANDS[command]
    hostile_db(tmp_path)
    result = run_cli("--db", "h.db", "--annotator", ME, *args, "--format", "json")
    assert result.code == 0, result.err
    assert controls_in(result.out) == []
    found = strings(json.loads(result.out))
    for value in wanted:  # the same data once parsed: a whole string, or inside one (a reason)
        assert value in found or any(value in s for s in found), value


TABLE_COMMANDS = {"annotators": ["annotators"], "agree": ["agree", "--disagreements"], "suggest": ["suggest"],
                  "cues": ["cues"], "tags": ["tags"], "show": ["show", "hostile"], "list": ["list"]}


@pytest.mark.parametrize("command", TABLE_COMMANDS)
def test_tables_and_text_carry_no_control(run_cli, tmp_path, command):
    hostile_db(tmp_path)
    result = run_cli("--db", "h.db", "--annotator", ME, *TABLE_COMMANDS[command])
    assert result.code == 0, result.err
    assert controls_in(result.out.replace("\n", "")) == [] and controls_in(result.err.replace("\n", "")) == []


STREAMS = {  # command, a payload's printable part that must be shown
    "export csv": (["export", "-o", "-"], "SGVsbG8="),
    "export jsonl": (["export", "--format", "jsonl", "-o", "-"], "SGVsbG8="),
    "export w3c": (["export", "--format", "w3c", "-o", "-"], "SGVsbG8="),
    "cues": (["cues", "--export", "-"], "Q3Vl"),
    "list csv": (["list", "--format", "csv"], "VGFn"),
}


@pytest.mark.parametrize("stream", STREAMS)
def test_data_written_to_a_terminal_carries_no_control(tmp_path, stream):
    args, shown = STREAMS[stream]
    hostile_db(tmp_path)
    code, text = run_in_terminal(tmp_path, ["--db", "h.db", *args])
    assert code == 0
    assert shown in text  # the data is there, as visible text
    assert forbidden_in(text) == [] and controls_in(text) == []


def test_jsonl_to_a_terminal_is_still_the_same_json(tmp_path):
    hostile_db(tmp_path)
    code, text = run_in_terminal(tmp_path, ["--db", "h.db", "export", "--format", "jsonl", "-o", "-"])
    assert code == 0
    records = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert {OSC52_NAME, C1_NAME, EVIL_TAG, EVIL_NOTE} <= set().union(*map(strings, records))


def test_data_written_to_a_file_or_a_pipe_is_kept_exactly(run_cli, run_pressmark, tmp_path):
    hostile_db(tmp_path)
    for fmt in ("csv", "jsonl", "w3c"):
        assert run_cli("--db", "h.db", "export", "--format", fmt, "-o", f"out.{fmt}").code == 0
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {r["annotator"] for r in rows} == {OSC52_NAME, C1_NAME, ME}
    assert EVIL_NOTE in {r["note"] for r in rows} and EVIL_TAG in {r["tag"] for r in rows}
    jsonl = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {OSC52_NAME, C1_NAME, EVIL_TAG, EVIL_NOTE} <= set().union(*map(strings, jsonl))
    w3c = json.loads((tmp_path / "out.w3c").read_text(encoding="utf-8"))
    assert {OSC52_NAME, C1_NAME, EVIL_TAG, EVIL_NOTE} <= strings(w3c)
    piped = run_pressmark("--db", "h.db", "export", "-o", "-")  # standard output is a pipe here
    assert piped.code == 0
    assert {r["annotator"] for r in csv.DictReader(io.StringIO(piped.out))} == {OSC52_NAME, C1_NAME, ME}
    cues = run_pressmark("--db", "h.db", "cues", "--export", "-")
    assert EVIL_CUE_NOTE in {r["note"] for r in csv.DictReader(io.StringIO(cues.out))}


# --------------------------------------------------------------------------- the TUI, as a terminal receives it
def test_tui_bytes_carry_no_control_from_names_notes_and_cues(tmp_path):
    """Library (progress line), reader (header, note, status line with a cue's reason), O (others' tags),
    help (tag description), the agreement screen and an undo's label: each drawn, none sends a control
    to the terminal."""
    hostile_db(tmp_path)
    term = in_terminal(["--db", "h.db", "--annotator", ME, "open"], tmp_path, size=(200, 100))  # no ./articles
    try:
        term.wait_for("nothing was synced")  # no ./articles
        term.wait_for("SGVsbG8=")  # the library's progress line names the annotators
        mark = term.mark()
        term.press("\r")
        term.wait_for("VGFn", since=mark)  # the reader's header lists the tag
        term.wait_for("Tm90ZQ==", since=mark)  # my note, under sentence 2
        mark = term.mark()
        term.press("j")
        term.wait_for("Q3Vl", since=mark)  # the status line gives the suggestion's reason
        mark = term.mark()
        term.press("O")
        term.wait_for("others:", since=mark)
        term.wait_for("SGVsbG8=", since=mark)
        mark = term.mark()
        term.press("?")
        term.wait_for("RGVzYw==", since=mark)  # the help lists the tag's description
        term.press("?")
        mark = term.mark()
        term.press("q")
        term.wait_for("Enter read", since=mark)
        mark = term.mark()
        term.press("a")
        term.wait_for("disagreements", since=mark)
        term.wait_for("SGVsbG8=", since=mark)
        mark = term.mark()
        term.press("uu")  # undo my note, then my tag: the second label names the tag
        term.wait_for("Undid: tag tag", since=mark)
        term.press("q")
        term.press("q")
        assert term.wait_exit() == 0
    finally:
        term.kill()
    text = term.output.decode("utf-8", errors="surrogateescape")
    assert forbidden_in(text) == []
    assert "\u009b" not in text and "\u202e" not in text and "\x1b]52" not in text


MARKUP_TAG = "[/]x [@click=app.quit]q[/]"  # a closing tag alone raises MarkupError; @click runs an action


def test_command_palette_shows_a_markup_tag_name_as_typed(tmp_path):
    """The palette parses its titles as markup: a tag name from an old database must not crash it or run."""
    import asyncio

    from tests.tui_helpers import make_app, open_reader, screen_text, wait_for
    from tui.screens.reader import ReaderScreen

    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "a.txt").write_text("One sentence here. Two sentences there.\n", encoding="utf-8")
    db = connect(tmp_path / "m.db")
    sync(db, folder)
    with write(db):
        db.conn.execute("INSERT INTO tags (name, key, colour, description, position) VALUES (?, 'v', '#ff0000', '', 9)",
                        (MARKUP_TAG,))
    db.conn.close()

    async def run() -> None:
        app = make_app(tmp_path / "m.db", annotator=ME)
        async with app.run_test(size=(160, 40)) as pilot:
            await open_reader(pilot)
            await pilot.press("ctrl+p")
            await pilot.press(*"click")
            await wait_for(pilot, lambda: MARKUP_TAG in screen_text(app))
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, ReaderScreen))
            assert app.is_running

    asyncio.run(run())


@pytest.mark.parametrize("key, colour", [("\x1b", "#00ff00"), ("v", "red on [bold"), ("\u009b", "not a colour")])
def test_a_crafted_tag_key_or_colour_neither_crashes_nor_reaches_the_terminal(tmp_path, key, colour):
    """A tag's key and colour only enter through check_key/free_key and check_colour; one written
    straight into the database (an old or crafted file) must not break a style or reach the gutter."""
    import asyncio

    from tests.tui_helpers import make_app, open_reader, screen_text, wait_for

    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "a.txt").write_text("One sentence here. Two sentences there.\n", encoding="utf-8")
    db = connect(tmp_path / "k.db")
    sync(db, folder)
    with write(db):
        db.conn.execute("INSERT INTO tags (name, key, colour, description, position) VALUES ('odd', ?, ?, '', 9)",
                        (key, colour))
    (aid,) = db.conn.execute("SELECT id FROM articles").fetchone()
    set_tag(db, aid, 1, "odd", ME)
    db.conn.close()

    async def run() -> None:
        app = make_app(tmp_path / "k.db", annotator=ME)
        async with app.run_test(size=(160, 40)) as pilot:
            await open_reader(pilot)
            await wait_for(pilot, lambda: "One sentence here." in screen_text(app))
            await pilot.press("?")
            await wait_for(pilot, lambda: "odd" in screen_text(app))
            assert controls_in(screen_text(app)) == []
            assert app.is_running

    asyncio.run(run())
