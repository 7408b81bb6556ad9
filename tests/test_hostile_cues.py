"""Issue 15 point 3: a cue expression cannot freeze the suggester, the CLI or the reader.

The hostile input is a cue with nested quantifiers, ``(a+)+$``, and a sentence of ``a``s that
does not end the way it wants: a backtracking engine tries 2^n ways before failing (with 60
``a``s, longer than anyone waits), RE2 takes one pass; ``(.*a){20}b`` is the polynomial kind (n^20). Every wait below is bounded against a
hang (``TIMEOUT``); none measures speed.
"""
from __future__ import annotations

import subprocess
import sys

import pytest

from store.db import connect
from store.errors import StoreError
from store.suggest import Cue, compile_cues, default_cues, load_cues, parse_cues, propose, save_cues, unusable_cues
from store.sync import sync
from tests.terminal import TIMEOUT, Terminal

HOSTILE_CUES = "tag,match,cue\nfinding,regex,(a+)+$\ncommitment,regex,(.*a){20}b\nresponse,speaker,(x+x+)+y\n"
HOSTILE_SENTENCE = "a" * 60 + "!"


def pressmark(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from tui.cli import main; main()", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=TIMEOUT)


@pytest.fixture
def hostile(tmp_path):
    """A folder with one article whose first sentence is the hostile one, synced, with the hostile cues."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text(f"{HOSTILE_SENTENCE}\n\nInspectors found that it was too slow.\n",
                                  encoding="utf-8")
    assert pressmark("--db", "h.db", "sync", "articles", cwd=tmp_path).returncode == 0
    (tmp_path / "cues.csv").write_text(HOSTILE_CUES + "finding,phrase,too slow\n", encoding="utf-8")
    imported = pressmark("--db", "h.db", "cues", "--import", "cues.csv", cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    return tmp_path


def test_suggest_finishes_with_a_catastrophic_cue(hostile):
    result = pressmark("--db", "h.db", "suggest", "a.txt", "--format", "json", cwd=hostile)
    assert result.returncode == 0, result.stderr
    assert '"finding"' in result.stdout  # the ordinary cue still works beside the hostile ones


def test_the_reader_keeps_answering_keys_with_a_catastrophic_cue(hostile):
    """The reader computes the article's suggestions in a worker as it opens; keys must still work."""
    term = Terminal(["--db", "h.db", "open", "articles"], hostile, env={"PRESSMARK_ANNOTATOR": "t"})
    try:
        term.wait_for("articles synced")
        term.press("\r")
        term.wait_for("Inspectors found")
        since = term.mark()
        term.press("q")
        term.wait_for("Done", since)  # the library's header again
        term.press("q")
        assert term.wait_exit() == 0
    finally:
        term.kill()


@pytest.mark.parametrize("cue, why", [
    (r"\bwill\b(?! be inspected)", "look-ahead"),
    (r"(?<=ofsted )said", "look-ahead, look-behind"),
    (r"(\w+) \1", "back-references"),
    ("(", "missing"),
    ("a" * 1001, "at most 1000"),
])
def test_an_expression_re2_refuses_is_refused_on_entry_with_the_reason(cue, why):
    with pytest.raises(StoreError, match="line 2") as caught:
        parse_cues(f"tag,match,cue\nfinding,regex,{cue}\n")
    assert why in str(caught.value)


def test_re2_prints_nothing_of_its_own(tmp_path):
    """RE2 logs parse errors to stderr by default: on a full-screen terminal that would garble the screen."""
    code = "from store.suggest import expression\ntry:\n    expression('(?!x)')\nexcept Exception:\n    pass\n"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0 and result.stderr == ""


def test_a_stored_expression_re2_refuses_is_left_out_and_reported(tmp_path):
    db = connect(tmp_path / "c.db")
    bad = Cue("finding", "regex", r"found(?= that)")
    save_cues(db, [bad, Cue("finding", "phrase", "too slow")])  # as an old pressmark would have stored it
    assert [c for c, _ in compile_cues(load_cues(db))] == [Cue("finding", "phrase", "too slow")]
    assert [(c, "look-ahead" in why) for c, why in unusable_cues(load_cues(db))] == [(bad, True)]
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("It was too slow.\n", encoding="utf-8")
    sync(db, folder)
    db.close()
    result = pressmark("--db", "c.db", "suggest", cwd=tmp_path)
    assert result.returncode == 0
    assert "cue left out (finding, regex)" in result.stderr and "look-ahead" in result.stderr
    assert "1 suggestion in 1 article" in result.stderr


def test_the_default_lookahead_cue_is_rewritten_by_the_migration(tmp_path):
    old = connect(tmp_path / "old.db", target=10)  # before schema 11, which rewrites the cue
    will, unwill = (i for i, c in enumerate(default_cues()) if c.cue.startswith(r"\bwill"))
    as_seeded = default_cues()  # the codebook as schema 5 seeded it, before expressions went to RE2
    as_seeded[will:unwill + 1] = [Cue("commitment", "regex", r"\bwill\b(?! be (?:re-?)?inspected)", note="will")]
    save_cues(old, as_seeded)
    old.close()
    cues = load_cues(connect(tmp_path / "old.db"))
    assert cues == default_cues() and unusable_cues(cues) == []
