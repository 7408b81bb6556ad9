"""The real program in a pseudo-terminal: a tag shown as saved survives ``kill -9``."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from terminal import Terminal

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("keys, expected", [("f", "finding"), ("R", "response")])
def test_tag_survives_sigkill_right_after_saved(tmp_path, keys, expected):
    corpus = tmp_path / "articles"
    corpus.mkdir()
    for src in (ROOT / "articles").iterdir():
        (corpus / src.name).write_bytes(src.read_bytes())
    term = Terminal(["--db", "k.db", "open", "articles"], tmp_path, env={"PRESSMARK_ANNOTATOR": "killtest"})
    try:
        term.wait_for("articles synced")  # the sync runs after the library is up
        term.press("\r")
        term.wait_for("sentences")
        term.press("j")
        term.press(keys)
        term.wait_for("Saved")
    finally:
        term.kill()
    rows = sqlite3.connect(tmp_path / "k.db").execute(
        "SELECT sentence, tag, annotator FROM annotations").fetchall()
    assert rows == [(2, expected, "killtest")]
