"""`pressmark stats`: the overview's numbers on the command line (issue 19, "Beyond the fix list")."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

from store.annotate import set_tag
from store.db import connect
from store.stats import CHARTS
from store.sync import sync

HOSTILE = "ev\x1b]52;c;SGVsbG8=\x07il\u202e"  # an imported coder's name: an OSC clipboard write and a bidi override


def _tagged(tmp_path, corpus) -> tuple:
    db = connect(tmp_path / "pressmark.db")
    sync(db, corpus)
    press, story = (r[0] for r in db.conn.execute("SELECT id FROM articles ORDER BY file"))
    set_tag(db, press, 2, "finding", "ann")
    set_tag(db, press, 3, "response", "ann")
    set_tag(db, story, 1, "commitment", "bob")
    return db, press, story


def test_stats_json_gives_every_chart_by_name(tmp_path, corpus, run_cli):
    _tagged(tmp_path, corpus)
    result = run_cli("stats", "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert list(data) == list(CHARTS)
    assert [(r["file"][:3], r["tags"], r["total"]) for r in data["articles"]] == [
        ("000", {"finding": 1, "response": 1, "commitment": 0}, 2), ("004", {"finding": 0, "response": 0,
                                                                             "commitment": 1}, 1)]
    assert [(r["tag"], r["sentences"], r["coders"]) for r in data["tags"]] == [
        ("finding", 1, 1), ("response", 1, 1), ("commitment", 1, 1)]
    assert sorted((r["annotator"], r["annotations"]) for r in data["progress"]) == [("ann", 2), ("bob", 1)]
    assert sum(r["total"] for r in data["speakers"]) == 3
    assert {r["file"][:3]: r["source"][:3] for r in data["reuse"]} == {"000": "004", "004": "000"}


def test_stats_csv_gives_one_chart_with_formulas_neutralised(tmp_path, make_articles, run_cli):
    db = connect(tmp_path / "pressmark.db")
    sync(db, make_articles({"sheet.txt": "=HYPERLINK(\"http://x\")\n\nThe council said the plan was late.\n"}))
    set_tag(db, 1, 2, "finding", "ann")
    result = run_cli("stats", "--format", "csv", "--chart", "articles")
    assert result.code == 0, result.err
    rows = list(csv.reader(io.StringIO(result.out)))
    assert rows == [["file", "title", "finding", "response", "commitment", "total"],
                    ["sheet.txt", "'=HYPERLINK(\"http://x\")", "1", "0", "0", "1"]]


def test_stats_csv_without_a_chart_is_a_usage_error(tmp_path, corpus, run_cli):
    _tagged(tmp_path, corpus)
    result = run_cli("stats", "--format", "csv")
    assert result.code == 2 and result.out == ""
    assert "add --chart with one of articles, tags, speakers, progress, reuse" in result.err


def test_stats_table_shows_each_chart_and_no_control_character(tmp_path, corpus, run_cli):
    db, press, _ = _tagged(tmp_path, corpus)
    day = "2026-01-02T00:00:00Z"
    db.conn.execute("""INSERT INTO annotations (article_id, sentence, start, "end", exact, tag, annotator, created_at,
                       updated_at) VALUES (?, 4, 0, 1, 'x', 'finding', ?, ?, ?)""", (press, HOSTILE, day, day))
    db.conn.commit()
    result = run_cli("stats")
    assert result.code == 0, result.err
    for title in CHARTS.values():
        assert title in result.out
    assert "\x1b" not in result.out and "\x07" not in result.out and "\u202e" not in result.out
    assert "ev\\x1b]52;c;SGVsbG8=\\x07il" in result.out  # shown, as escapes
    as_json = run_cli("stats", "--format", "json", "--chart", "progress")
    assert "\x1b" not in as_json.out and "\u202e" not in as_json.out
    assert HOSTILE in {r["annotator"] for r in json.loads(as_json.out)}  # the escapes parse back to the name


def test_stats_on_an_empty_database_says_nothing_yet(run_cli):
    result = run_cli("stats", "--chart", "speakers")
    assert result.code == 0, result.err
    assert result.out == "Tags by speaker (speakers)\n  nothing yet\n"


def test_stats_does_not_import_textual(tmp_path, corpus):
    _tagged(tmp_path, corpus)
    code = ("import sys; from tui.cli import main; sys.argv = ['pressmark', 'stats', '--format', 'json'];\n"
            "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
            "print('UI', sorted(m for m in sys.modules if m.split('.')[0] == 'textual'), file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "UI []" in proc.stderr
