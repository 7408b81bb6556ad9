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

from store.cues import (
    SENTENCE_WHENS,
    Cue,
    article_hits,
    compile_cues,
    default_cues,
    load_cues,
    parse_cues,
    save_cues,
    unusable_cues,
)
from store.db import connect
from store.errors import StoreError
from store.schema import MIGRATIONS, _v11_linear_cues
from store.speakers import Speaker
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
    code = "from store.cues import expression\ntry:\n    expression('(?!x)')\nexcept Exception:\n    pass\n"
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
    old = connect(tmp_path / "old.db", target=MIGRATIONS.index(_v11_linear_cues))
    # The codebook as schema 5 seeds it (its table takes no cue that reads the article), before expressions went
    # to RE2.
    as_seeded = [c for c in default_cues() if c.when in SENTENCE_WHENS]
    will, unwill = (i for i, c in enumerate(as_seeded) if c.cue.startswith(r"\bwill"))
    as_seeded[will:unwill + 1] = [Cue("commitment", "regex", r"\bwill\b(?! be (?:re-?)?inspected)", note="will")]
    save_cues(old, as_seeded)
    old.close()
    cues = load_cues(connect(tmp_path / "old.db"))
    assert cues == default_cues() and unusable_cues(cues) == []


def _calls(function, *args) -> int:
    """How many Python and C functions ``function(*args)`` calls: a count of work, not a clock."""
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        count += event in ("call", "c_call")

    sys.setprofile(profile)
    try:
        function(*args)
    finally:
        sys.setprofile(None)
    return count


def _crowd(n: int) -> tuple[list[str], list[Speaker]]:
    """An article of n bodies that each found something and n people whose long roles name bodies."""
    texts, speakers = [], []
    for i in range(n):
        acronym = "KRP" + "".join(chr(65 + i // 26 ** k % 26) for k in range(3))
        body = f"Kirkdale Review Panel Number {i} ({acronym})"
        texts.append(f"{body} found that records were poor.")
        speakers.append(Speaker(body, None, False, f"{body} … found"))
    for i in range(n):
        texts.append("“The work goes on.”")
        role = " and ".join(f"adviser to Kirkdale Review Panel Number {(i * 7 + k) % n}" for k in range(6))
        speakers.append(Speaker(f"Person {i}", role, True, f"said Person {i}"))
    return texts, speakers


def test_an_article_of_thousands_of_parties_naming_one_another_takes_linear_work():
    """Issue 16's cues read the article (store.cues.Scene): which speakers found something, and whose role
    names one of them. A role is looked up by its runs of words, never matched against every finder's name."""
    compiled = compile_cues(default_cues())
    small, large = _crowd(300), _crowd(1200)
    small_work, large_work = _calls(article_hits, *small, compiled), _calls(article_hits, *large, compiled)
    assert large_work < 6 * small_work  # linear: 4 times the work for 4 times the parties
    _, scene = article_hits(*large, compiled)
    assert {f"Person {i}" for i in range(1200)} <= scene.finders  # each is staff of a panel that found
