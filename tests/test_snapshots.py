"""Snapshot tests (pytest-textual-snapshot) of every screen at two terminal sizes.

Update deliberately after a visual change: ``.venv/bin/pytest tests/test_snapshots.py --snapshot-update``,
then look at the report before committing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from store.annotate import set_note, set_tag
from store.db import connect
from store.sync import sync
from tui.app import PressmarkApp

ROOT = Path(__file__).resolve().parent.parent
SIZES = [(100, 30), (160, 45)]
SCREENS = {
    "library": [],
    "reader": ["enter", "j", "j", "j"],
    "compare": ["s", "j", "tab", "j", "j"],
    "help": ["enter", "question_mark"],
    "library_help": ["question_mark"],
    "export": ["enter", "e"],
    "note": ["enter", "j", "j", "n"],
    "agreement": ["a"],  # one coder: the screen explains what it needs
}


@pytest.fixture
def app(tmp_path, monkeypatch):
    """The two real articles with a few tags and a note, opened from a relative db path."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "articles", tmp_path / "articles")
    db = connect("snap.db")
    sync(db, "articles")
    first, second = (r[0] for r in db.conn.execute("SELECT id FROM articles ORDER BY file"))
    set_tag(db, first, 2, "finding", "snap")
    set_tag(db, first, 3, "finding", "snap")
    set_tag(db, first, 3, "response", "snap")
    set_note(db, first, 3, "A note with [bold]markup[/bold] shown as typed.", "snap")
    set_tag(db, second, 1, "commitment", "snap")
    return PressmarkApp(db, annotator="snap", db_path="snap.db", pause_after=None)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(snap_compare, app, screen, size):
    async def press_and_settle(pilot):
        await pilot.press(*SCREENS[screen])
        await pilot.app.workers.wait_for_complete()  # compare aligns in a worker
        for box in pilot.app.screen.query("Input, TextArea"):
            box.cursor_blink = False  # a blinking cursor would be on or off by the clock
        await pilot.pause()

    assert snap_compare(app, run_before=press_and_settle, terminal_size=size)
