"""Shared helpers and fixtures for the Pilot tests of the full-screen app (tests/test_tui_*.py)."""
from __future__ import annotations

import asyncio
import functools
import io
import time
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import Static

from store.db import connect
from tui.app import PressmarkApp
from tui.compat import idle_wait, screen_render
from tui.screens.library import LibraryScreen
from tui.screens.reader import ReaderScreen
from tui.widgets.article_list import ArticleList
from tui.widgets.article_view import ArticleView

ME = "tester"
SIZE = (100, 30)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")



# --------------------------------------------------------------------------- helpers
def sync_test(fn):
    """Run an async test function with asyncio.run (no async pytest plugin is installed)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))
    return wrapper


def make_app(db_or_path, annotator: str = ME, db_path: Path | None = None) -> PressmarkApp:
    """An app on an open database, or on a new connection to the file ``db_or_path``. It never decides
    by the clock that the user paused: a test that wants that housekeeping calls ``app.user_paused()``."""
    if isinstance(db_or_path, (str, Path)):
        db_path, db = Path(db_or_path), connect(db_or_path)
    else:
        db = db_or_path
    assert db_path is not None
    return PressmarkApp(db, annotator=annotator, db_path=db_path, pause_after=None)


def screen_text(app: PressmarkApp) -> str:
    """The whole screen as plain text, rendered exactly as ``export_screenshot`` renders it."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False, safe_box=False)
    console.print(screen_render(app))
    return console.export_text(styles=False)


def view_lines(view: ArticleView) -> list[str]:
    """Every visible line of an article view, as rendered through the Line API."""
    return ["".join(seg.text for seg in view.render_line(y)) for y in range(view.size.height)]


def view_texts(view: ArticleView) -> list[str]:
    """Visible lines without the gutter, stripped: sentence text or note text."""
    return [line[view.gutter_width:].strip() for line in view_lines(view)]


def sentence_rows(view: ArticleView, n: int) -> list[int]:
    """The visible rows (y in the widget) that belong to sentence ``n``: its text, then its note."""
    top = int(view.scroll_offset.y)
    return [y for y in range(view.size.height) if view.sentence_at_line(top + y) == n]


def gutter(view: ArticleView, n: int) -> str:
    """The tag slots (one per codebook tag) plus the note mark of sentence ``n``'s first line."""
    rows = sentence_rows(view, n)
    assert rows and (rows[0] > 0 or view.sentence_at_line(int(view.scroll_offset.y) - 1) != n), \
        f"the first line of sentence {n} is not on screen"
    line = "".join(seg.text for seg in view.render_line(rows[0]))
    return line[1:len(view.codebook) + 2]


def cursor_lines(view: ArticleView) -> list[str]:
    """Visible lines drawn with the cursor bar."""
    return [line for line in view_lines(view) if line.startswith("▌")]


def record_repaints(widget, monkeypatch) -> list:
    """The regions ``widget`` is refreshed with from now on (it is still refreshed as usual)."""
    regions: list = []
    original = widget.refresh

    def refresh(*args, **kwargs):
        regions.extend(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(widget, "refresh", refresh)
    return regions


def status(screen) -> str:
    return str(screen.query_one("#status", Static).content)


def tag_rows(db, article_id: int | None = None) -> list[tuple]:
    """(article_id, sentence, tag, annotator) of every live tag row."""
    sql = "SELECT article_id, sentence, tag, annotator FROM annotations WHERE tag IS NOT NULL AND status = 'ok'"
    params: tuple = ()
    if article_id is not None:
        sql += " AND article_id = ?"
        params = (article_id,)
    return sorted(db.conn.execute(sql, params).fetchall())


def note_rows(db) -> list[tuple]:
    """(article_id, sentence, note, annotator) of every live note row."""
    return sorted(db.conn.execute(
        "SELECT article_id, sentence, note, annotator FROM annotations WHERE tag IS NULL AND status = 'ok'"
    ).fetchall())


async def type_text(pilot, text: str) -> None:
    await pilot.press(*text)
    await pilot.pause()


async def open_reader(pilot, row: int = 0) -> ArticleView:
    """From the library: highlight ``row`` and press enter."""
    app = pilot.app
    await library_ready(pilot)
    await pilot.press("g", *["j"] * row)
    assert app.screen.query_one(ArticleList).cursor == row
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, ReaderScreen)
    return app.screen.query_one(ArticleView)


WAIT_BOUND_S = 120  # only a broken app waits this long: a bound, never a timing the test relies on


async def wait_for(pilot, predicate) -> None:
    """Let the app run until ``predicate()`` holds (e.g. a worker's result is on screen)."""
    deadline = time.monotonic() + WAIT_BOUND_S
    while not predicate():
        assert time.monotonic() < deadline, "the app never got there"
        await pilot.pause(0.01)


async def library_ready(pilot) -> None:
    """Wait until the library screen is composed and filled."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, LibraryScreen) and app.screen.query(ArticleList)
                   and app.screen.query_one(ArticleList).articles)


def library(app) -> ArticleList:
    return app.screen.query_one(ArticleList)


def library_ids(app) -> list[int]:
    return [a.id for a in library(app).articles]


def library_row(app, article_id: int) -> str:
    """The rendered library line of an article."""
    lst = library(app)
    row = library_ids(app).index(article_id) - int(lst.scroll_offset.y)
    return "".join(seg.text for seg in lst.render_line(row))


def library_counts(app, article_id: int) -> list[str]:
    """The per-tag count cells of an article's library line ('·' for none)."""
    return library_row(app, article_id).split()[-1 - len(app.codebook):-1]


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(autouse=True)
def quicker_idle_wait(monkeypatch):
    """After every key, Pilot waits until the process looks idle by sleeping in 20 ms steps until a
    step used almost no CPU. 5 ms steps make the same check and halve the time of these key-by-key
    tests; every message is still processed first (Pilot drains the screen's queues on each press)."""
    monkeypatch.setattr(idle_wait, "SLEEP_GRANULARITY", 1 / 200)  # raises if Textual renames them (tui/compat.py)
    monkeypatch.setattr(idle_wait, "SLEEP_IDLE", 1 / 200 / 20)


@pytest.fixture
def app(db, db_path):
    """The app on the two real articles, synced into a private database, with an empty cue codebook:
    these tests read the tag gutter, where suggestions would also appear (tests/test_tui_team.py
    covers suggestions with the default cues)."""
    db.conn.execute("DELETE FROM cues")
    return make_app(db, db_path=db_path)


@pytest.fixture
def suggesting_app(db, db_path):
    """The app with the default cue codebook, so the reader shows suggestions."""
    return make_app(db, db_path=db_path)


@pytest.fixture
def ids(db) -> list[int]:
    """Article ids in library order (sorted by file)."""
    return [aid for (aid,) in db.conn.execute("SELECT id FROM articles ORDER BY file, id")]
