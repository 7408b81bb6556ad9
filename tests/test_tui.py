"""End-to-end tests of the full-screen app: real key presses and clicks through every flow.

Every test drives ``PressmarkApp`` with ``App.run_test`` and a ``Pilot``, then checks
what a user would care about: the rows in the database, the CSV on disk, and the
text actually rendered on screen. Nothing depends on how many sentences the real
articles have (the segmenter changes): expectations are derived from the view.
"""
from __future__ import annotations

import asyncio
import csv
import functools
import io
from pathlib import Path

import pytest
from rich.console import Console
from textual.command import CommandPalette
from textual.widgets import Button, Input, Select, Static, TextArea

from store import annotate
from store.db import connect
from store.sync import sync
from tui.app import PressmarkApp
from tui.screens.compare import CompareScreen
from tui.screens.export import ExportScreen
from tui.screens.help import HelpScreen
from tui.screens.library import LibraryScreen
from tui.screens.note import NoteScreen
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
    """An app on an open database, or on a new connection to the file ``db_or_path``."""
    if isinstance(db_or_path, (str, Path)):
        db_path, db = Path(db_or_path), connect(db_or_path)
    else:
        db = db_or_path
    assert db_path is not None
    return PressmarkApp(db, annotator=annotator, db_path=db_path)


def screen_text(app: PressmarkApp) -> str:
    """The whole screen as plain text, rendered exactly as ``export_screenshot`` renders it."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True,
                      color_system="truecolor", record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
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


async def wait_for(pilot, predicate, tries: int = 500) -> None:
    for _ in range(tries):
        if predicate():
            return
        await pilot.pause(0.01)
    assert predicate()


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
    try:
        import textual._wait as wait
    except ImportError:  # a private module: if Textual moves it, the tests only get slower
        return
    monkeypatch.setattr(wait, "SLEEP_GRANULARITY", 1 / 200, raising=False)
    monkeypatch.setattr(wait, "SLEEP_IDLE", 1 / 200 / 20, raising=False)


@pytest.fixture
def app(db, db_path):
    """The app on the two real articles, synced into a private database."""
    return make_app(db, db_path=db_path)


@pytest.fixture
def ids(db) -> list[int]:
    """Article ids in library order (sorted by file)."""
    return [aid for (aid,) in db.conn.execute("SELECT id FROM articles ORDER BY file, id")]


# --------------------------------------------------------------------------- 1. library
@sync_test
async def test_library_lists_articles_opens_reader_and_quits(app, db, ids):
    titles = dict(db.conn.execute("SELECT id, title FROM articles"))
    async with app.run_test(size=SIZE) as pilot:
        await library_ready(pilot)
        assert isinstance(app.screen, LibraryScreen)
        assert library_ids(app) == ids
        text = screen_text(app)
        for aid in ids:
            assert titles[aid][:30] in library_row(app, aid)
            assert titles[aid][:30] in text
            assert library_counts(app, aid) == ["·"] * len(app.codebook)
        assert "2 articles" in text and f"annotator: {ME}" in text
        # enter opens the highlighted row, whichever it is
        await pilot.press("down")
        await pilot.pause()
        assert library(app).current.id == ids[1]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        assert app.screen.article_id == ids[1]
        assert app.screen.query_one(ArticleView).article.id == ids[1]
        assert titles[ids[1]][:30] in screen_text(app)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        assert library(app).current.id == ids[1]  # the highlight stays on the article just read
        await pilot.press("k", "enter")
        await pilot.pause()
        assert app.screen.article_id == ids[0]
        await pilot.press("escape")  # escape is "back" as well
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        assert app.is_running
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0
        assert not app.is_running


@sync_test
async def test_library_filter_and_sort(app, db, ids):
    async with app.run_test(size=SIZE) as pilot:
        await library_ready(pilot)
        screen = app.screen
        # a word only the second article's sentences contain
        only_second = next(
            w for (t,) in db.conn.execute("SELECT text FROM sentences WHERE article_id = ?", (ids[1],))
            for w in t.split() if w.isalpha() and len(w) > 6
            and not db.conn.execute("SELECT 1 FROM sentences WHERE article_id = ? AND text LIKE ?",
                                    (ids[0], f"%{w}%")).fetchone()
            and w.lower() not in db.conn.execute("SELECT lower(title) FROM articles WHERE id = ?",
                                                 (ids[0],)).fetchone()[0])
        await pilot.press("slash")
        await pilot.pause()
        assert screen.focused is screen.query_one("#filter", Input)
        await type_text(pilot, only_second)
        await pilot.press("enter")
        await pilot.pause()
        assert library_ids(app) == [ids[1]]
        assert f"filter: {only_second}" in screen_text(app)
        assert screen.focused is library(app)
        await pilot.press("escape")  # escape clears the filter
        await pilot.pause()
        assert library_ids(app) == ids
        await pilot.press("slash")
        await type_text(pilot, "zqzq")
        await pilot.press("enter")
        await pilot.pause()
        assert library_ids(app) == []
        assert "No articles match the filter" in screen_text(app)
        await pilot.press("enter", "space", "s")  # nothing to open, mark or compare: no crash
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert library_ids(app) == ids
        # a click picks a row; G and g go to the ends
        lst = library(app)
        await pilot.click(ArticleList, offset=(5, 1))
        assert lst.cursor == 1
        await pilot.press("g")
        assert lst.cursor == 0
        await pilot.press("G")
        assert lst.cursor == len(ids) - 1
        # o cycles file -> title -> progress -> file
        by_title = [aid for aid, _ in sorted(db.conn.execute("SELECT id, title FROM articles"),
                                             key=lambda r: (r[1].casefold(), r[0]))]
        for expected, order in (("title", by_title), ("progress", ids), ("file", ids)):
            await pilot.press("o")
            await pilot.pause()
            assert f"sorted by {expected}" in screen_text(app)
            assert library_ids(app) == order


# --------------------------------------------------------------------------- 2. reader
@sync_test
async def test_reader_movement_keys(app, ids):
    async with app.run_test(size=(80, 20)) as pilot:
        view = await open_reader(pilot)
        count, sentences = view.count, view.article.sentences
        assert count >= 4
        assert view.cursor == 1
        for key, expected in (("j", 2), ("j", 3), ("k", 2), ("down", 3), ("up", 2), ("k", 1), ("k", 1), ("up", 1)):
            await pilot.press(key)
            assert view.cursor == expected, key
        await pilot.press("G")
        assert view.cursor == count
        await pilot.press("j")
        assert view.cursor == count  # clamped at the end
        await pilot.press("g")
        assert view.cursor == 1
        await pilot.press("end")
        assert view.cursor == count
        await pilot.press("home")
        assert view.cursor == 1

        # } and { walk paragraph starts
        starts = [s.n for i, s in enumerate(sentences) if i == 0 or s.para != sentences[i - 1].para]
        assert len(starts) >= 2
        for expected in starts[1:]:
            await pilot.press("right_curly_bracket")
            assert view.cursor == expected
        await pilot.press("right_curly_bracket")
        assert view.cursor == count  # past the last paragraph start: the last sentence
        await pilot.press("G")
        for expected in [s for s in reversed(starts) if s < count]:  # from a start, { goes to the one before
            await pilot.press("left_curly_bracket")
            assert view.cursor == expected
        await pilot.press("left_curly_bracket")
        assert view.cursor == 1
        # { in the middle of a paragraph goes to that paragraph's start
        multi = next((s for s in starts if sum(x.para == sentences[s - 1].para for x in sentences) > 1), None)
        if multi:
            view.cursor = multi + 1
            await pilot.press("left_curly_bracket")
            assert view.cursor == multi

        # pagedown: a later sentence, and it is on screen; pageup back at the top is sentence 1
        await pilot.press("g")
        await pilot.pause()
        assert view.virtual_size.height > view.size.height, "the test needs an article longer than one screen"
        seen = [1]
        while seen[-1] < count and len(seen) < 50:
            await pilot.press("pagedown")
            await pilot.pause()
            assert view.cursor > seen[-1]
            assert cursor_lines(view), "the cursor sentence must be visible after pagedown"
            seen.append(view.cursor)
        assert seen[-1] == count
        while view.cursor > 1 and len(seen) < 100:
            before = view.cursor
            await pilot.press("pageup")
            await pilot.pause()
            assert view.cursor < before
            assert cursor_lines(view)
            seen.append(view.cursor)
        assert view.cursor == 1
        assert "Sentence 1 of" in status(app.screen)

        # after a resize the cursor sentence is still on screen
        await pilot.press("G", "k")
        for size in ((50, 12), (120, 20)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            assert view.cursor == count - 1
            assert cursor_lines(view)


@sync_test
async def test_reader_tag_keys_write_rows_and_gutter(app, db, ids):
    async with app.run_test(size=SIZE) as pilot:
        view = await open_reader(pilot)
        aid = ids[0]
        assert view.count >= 8
        await pilot.press("f")
        await pilot.pause()
        assert tag_rows(db) == [(aid, 1, "finding", ME)]
        assert gutter(view, 1) == "F   "
        assert "Saved: sentence 1 tagged finding" in screen_text(app)
        assert "F finding 1" in screen_text(app)  # header count
        await pilot.press("j", "r")
        await pilot.pause()
        await pilot.press("j", "c")
        await pilot.pause()
        assert tag_rows(db) == [(aid, 1, "finding", ME), (aid, 2, "response", ME), (aid, 3, "commitment", ME)]
        assert (gutter(view, 1), gutter(view, 2), gutter(view, 3)) == ("F   ", " R  ", "  C ")
        assert view_lines(view)[sentence_rows(view, 1)[0]].startswith(" F")  # no cursor bar any more
        # rows carry the sentence's anchor
        for n, start, end, exact in db.conn.execute(
                'SELECT sentence, start, "end", exact FROM annotations ORDER BY sentence'):
            s = view.article.sentences[n - 1]
            assert (start, end, exact) == (s.start, s.end, view.article.sentence_text(n))

        # F R C: tag and move on
        await pilot.press("j")
        assert view.cursor == 4
        await pilot.press("F")
        assert view.cursor == 5
        await pilot.press("R")
        assert view.cursor == 6
        await pilot.press("C")
        assert view.cursor == 7
        await pilot.pause()
        assert tag_rows(db)[3:] == [(aid, 4, "finding", ME), (aid, 5, "response", ME), (aid, 6, "commitment", ME)]
        assert (gutter(view, 4), gutter(view, 5), gutter(view, 6)) == ("F   ", " R  ", "  C ")

        # f twice: tagged then untagged, nothing left
        before = tag_rows(db)
        await pilot.press("f")
        assert (aid, 7, "finding", ME) in tag_rows(db)
        await pilot.press("f")
        await pilot.pause()
        assert tag_rows(db) == before
        assert gutter(view, 7) == "    "
        assert "Saved: sentence 7 untagged finding" in status(app.screen)

        # two tags on one sentence, then x clears both
        await pilot.press("g", "r")
        await pilot.pause()
        assert gutter(view, 1) == "FR  "
        await pilot.press("x")
        await pilot.pause()
        assert [r for r in tag_rows(db) if r[1] == 1] == []
        assert gutter(view, 1) == "    "
        await pilot.press("x")
        assert "no tags to clear" in status(app.screen)

        # ] and [ jump between tagged sentences (2..6 are tagged now)
        assert sorted(view.article.tags) == [2, 3, 4, 5, 6]
        await pilot.press("right_square_bracket")
        assert view.cursor == 2
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert view.cursor == 4
        await pilot.press("left_square_bracket")
        assert view.cursor == 3
        await pilot.press("G", "left_square_bracket")
        assert view.cursor == 6
        await pilot.press("right_square_bracket")
        assert view.cursor == 6
        assert "No more tagged sentences below" in status(app.screen)
        await pilot.press("g", "left_square_bracket")
        assert view.cursor == 1
        assert "No more tagged sentences above" in status(app.screen)

        # the library shows the counts after going back
        await pilot.press("q")
        await pilot.pause()
        assert library_counts(app, aid) == ["1", "2", "2"]  # 4 | 2, 5 | 3, 6
        assert library_row(app, aid).split()[-1] == f"{5 / view.count:.0%}"  # 5 tagged sentences
        # every row belongs to this annotator and passes the schema's uniqueness
        assert {r[3] for r in tag_rows(db)} == {ME}


@sync_test
async def test_other_annotators_rows_are_not_shown_or_touched(db, db_path, ids):
    app = make_app(db, db_path=db_path, annotator="alice")
    async with app.run_test(size=SIZE) as pilot:
        view = await open_reader(pilot)
        await pilot.press("f")
    app = make_app(db, db_path=db_path, annotator="bob")
    async with app.run_test(size=SIZE) as pilot:
        view = await open_reader(pilot)
        assert gutter(view, 1) == "    "  # alice's tag is not bob's
        await pilot.press("f", "x", "u")  # tag, clear, undo the clear
        await pilot.pause()
    assert tag_rows(db) == [(ids[0], 1, "finding", "alice"), (ids[0], 1, "finding", "bob")]


# --------------------------------------------------------------------------- 3. notes
@sync_test
async def test_note_editor_save_cancel_remove_and_hide(app, db, ids):
    aid = ids[0]
    async with app.run_test(size=SIZE) as pilot:
        view = await open_reader(pilot)
        await pilot.press("j", "j", "n")
        await pilot.pause()
        assert isinstance(app.screen, NoteScreen)
        assert view.article.sentence_text(3)[:40] in screen_text(app)  # the dialog shows the sentence
        await type_text(pilot, "date?")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        assert note_rows(db) == [(aid, 3, "date?", ME)]
        assert tag_rows(db) == []
        assert gutter(view, 3) == "   ✎"
        assert "date?" in view_texts(view)
        assert "Saved: note on sentence 3" in status(app.screen)

        # n + escape: nothing changes
        await pilot.press("n")
        await pilot.pause()
        assert app.screen.query_one(TextArea).text == "date?"
        await type_text(pilot, "x")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        assert note_rows(db) == [(aid, 3, "date?", ME)]
        assert "Note unchanged" in status(app.screen)

        # editing changes the same row
        await pilot.press("n", "end")
        await type_text(pilot, "!")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert note_rows(db) == [(aid, 3, "date?!", ME)]
        assert db.conn.execute("SELECT count(*) FROM annotations").fetchone()[0] == 1

        # a note and a tag on the same sentence are separate rows
        await pilot.press("f")
        await pilot.pause()
        assert gutter(view, 3) == "F  ✎"

        # N hides notes (the mark stays), N shows them again
        await pilot.press("N")
        await pilot.pause()
        assert view.show_notes is False
        assert not any("date?!" in line for line in view_lines(view))
        assert gutter(view, 3) == "F  ✎"
        assert "Notes hidden" in status(app.screen)
        await pilot.press("N")
        await pilot.pause()
        assert any("date?!" in line for line in view_lines(view))

        # editing to empty removes the note
        await pilot.press("n", "f7", "backspace")
        await pilot.pause()
        assert app.screen.query_one(TextArea).text == ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert note_rows(db) == []
        assert tag_rows(db) == [(aid, 3, "finding", ME)]
        assert gutter(view, 3) == "F   "
        assert not any("date?" in line for line in view_lines(view))
        assert "note on sentence 3 removed" in status(app.screen)

        # a multi-line note is shown line by line under its sentence
        await pilot.press("n")
        await type_text(pilot, "one")
        await pilot.press("enter")
        await type_text(pilot, "two")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert note_rows(db) == [(aid, 3, "one\ntwo", ME)]
        lines = view_texts(view)
        assert lines.index("two") == lines.index("one") + 1


@sync_test
async def test_new_note_on_bottom_sentence_is_scrolled_into_view(app, db, ids):
    async with app.run_test(size=(80, 20)) as pilot:
        view = await open_reader(pilot)
        await pilot.press("G", "n")
        await type_text(pilot, "z")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert note_rows(db) == [(ids[0], view.count, "z", ME)]
        assert gutter(view, view.count) == "   ✎"
        assert "z" in view_texts(view)


# --------------------------------------------------------------------------- 4. undo / redo
@sync_test
async def test_undo_redo_in_reader(app, db, ids):
    aid = ids[0]
    async with app.run_test(size=SIZE) as pilot:
        view = await open_reader(pilot)
        await pilot.press("j", "j", "f")
        await pilot.pause()
        assert tag_rows(db) == [(aid, 3, "finding", ME)]
        await pilot.press("j", "j")
        assert view.cursor == 5
        await pilot.press("u")
        await pilot.pause()
        assert tag_rows(db) == []
        assert view.cursor == 3  # undo shows where it happened
        assert gutter(view, 3) == "    "
        assert "Undid: tag finding, sentence 3" in status(app.screen)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert tag_rows(db) == [(aid, 3, "finding", ME)]
        assert gutter(view, 3) == "F   "
        assert "Redid: tag finding, sentence 3" in status(app.screen)
        await pilot.press("ctrl+r")
        assert "Nothing to redo" in status(app.screen)

        # undo of x restores every tag it cleared; undo of a note edit restores the old text
        await pilot.press("r", "x")
        await pilot.pause()
        assert tag_rows(db) == []
        await pilot.press("u")
        await pilot.pause()
        assert tag_rows(db) == [(aid, 3, "finding", ME), (aid, 3, "response", ME)]
        assert gutter(view, 3) == "FR  "
        await pilot.press("n")
        await type_text(pilot, "v1")
        await pilot.press("ctrl+s", "n")
        await type_text(pilot, "v2")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert note_rows(db) == [(aid, 3, "v1v2", ME)]
        await pilot.press("u")
        await pilot.pause()
        assert note_rows(db) == [(aid, 3, "v1", ME)]
        assert "v1" in view_texts(view)
        for _ in range(4):  # note, response, finding... back to nothing
            await pilot.press("u")
        await pilot.pause()
        assert tag_rows(db) == [] and note_rows(db) == []
        await pilot.press("u")
        assert "Nothing to undo" in status(app.screen)


@sync_test
async def test_undo_redo_across_screens_and_restarts(app, db, db_path, ids):
    async with app.run_test(size=SIZE) as pilot:
        view = await open_reader(pilot, row=1)
        await pilot.press("j", "c")
        await pilot.pause()
        assert tag_rows(db) == [(ids[1], 2, "commitment", ME)]
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        assert library_counts(app, ids[1]) == ["·", "·", "1"]
        await pilot.press("u")  # undo from the library
        await pilot.pause()
        assert tag_rows(db) == []
        assert library_counts(app, ids[1]) == ["·", "·", "·"]
        assert "Undid: tag commitment, sentence 2" in screen_text(app)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert tag_rows(db) == [(ids[1], 2, "commitment", ME)]
        assert library_counts(app, ids[1]) == ["·", "·", "1"]
        await pilot.press("q")
    assert app.return_code == 0

    # a new process (new app, new connection) can undo what the old one did
    app2 = make_app(db_path)
    try:
        async with app2.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("u")
            await pilot.pause()
            assert tag_rows(db) == []
            view = await open_reader(pilot, row=1)
            assert view.cursor == 2  # the position was remembered
            assert gutter(view, 2) == "    "
            await pilot.press("ctrl+r")
            await pilot.pause()
            assert gutter(view, 2) == "  C "
            assert tag_rows(db) == [(ids[1], 2, "commitment", ME)]
            # undo while the reader of *another* article is open refreshes nothing wrongly
            await pilot.press("q")
            view = await open_reader(pilot, row=0)
            await pilot.press("u")
            await pilot.pause()
            assert tag_rows(db) == []
            assert view.article.tags == {}
    finally:
        app2.db.conn.close()


# --------------------------------------------------------------------------- 5. search
def _search_word(view: ArticleView) -> tuple[str, list[int]]:
    """A word found in at least three sentences (but not all), and those sentences."""
    counts: dict[str, list[int]] = {}
    for s in view.article.sentences:
        for w in set(view.article.sentence_text(s.n).split()):
            if w.isalpha() and len(w) >= 5:
                counts.setdefault(w.lower(), []).append(s.n)
    word, where = max(((w, ns) for w, ns in counts.items() if 3 <= len(ns) < view.count),
                      key=lambda item: (len(item[1]), item[0]))
    hits = [s.n for s in view.article.sentences if word in view.article.sentence_text(s.n).lower()]
    return word, hits


@sync_test
async def test_search_highlights_and_moves_between_matches(app, db):
    async with app.run_test(size=SIZE) as pilot:
        view = await open_reader(pilot)
        word, hits = _search_word(view)
        assert hits[0] > 1 or len(hits) > 1
        await pilot.press("slash")
        await pilot.pause()
        assert app.screen.focused is app.screen.query_one("#search", Input)
        await type_text(pilot, "qfx")  # keys that mean back, tag and clear in the reader
        assert isinstance(app.screen, ReaderScreen) and tag_rows(db) == []
        await pilot.press("backspace", "backspace", "backspace")
        await type_text(pilot, word.upper())  # case-insensitive
        assert app.screen.query_one("#search", Input).value == word.upper()
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.focused is view
        assert not app.screen.query_one("#search", Input).display
        assert view.cursor == hits[0]
        assert view.match_sentences() == hits
        assert f"matches for “{word.upper()}”" in status(app.screen)
        # the hit is drawn with the match style in the cursor sentence
        strips = [view.render_line(y) for y in sentence_rows(view, view.cursor)]
        match_style = view.get_component_rich_style("article-view--match")
        highlighted = [seg.text for strip in strips for seg in strip
                       if seg.text.lower() == word and seg.style and seg.style.underline]
        assert highlighted and match_style.underline
        for expected in hits[1:]:
            await pilot.press("full_stop")
            assert view.cursor == expected
        await pilot.press("full_stop")
        assert view.cursor == hits[0]  # wraps round
        await pilot.press("comma")
        assert view.cursor == hits[-1]
        await pilot.press("comma")
        assert view.cursor == hits[-2]
        assert f"({len(hits) - 1} of {len(hits)} sentences)" in status(app.screen)

        # searching from the middle starts at the cursor
        view.cursor = hits[1]
        await pilot.press("slash")
        await type_text(pilot, word)
        await pilot.press("enter")
        assert view.cursor == hits[1]

        # no match
        await pilot.press("slash")
        await type_text(pilot, "zqz")
        await pilot.press("enter")
        await pilot.pause()
        assert view.matches == []
        assert "No matches for “zqz”" in status(app.screen)
        await pilot.press("full_stop")
        assert "No search" in status(app.screen)


@sync_test
async def test_escape_in_search_box_cancels_search(app, db):
    async with app.run_test(size=SIZE) as pilot:
        view = await open_reader(pilot)
        await pilot.press("j")
        await pilot.press("slash")
        await type_text(pilot, "the")
        await pilot.press("escape")
        await pilot.pause()
        # Escape should only close the search box; the reader stays open on the same sentence.
        assert isinstance(app.screen, ReaderScreen)
        assert not app.screen.query_one("#search", Input).display
        assert app.screen.focused is view
        assert view.cursor == 2
        assert view.matches == []


# --------------------------------------------------------------------------- 6. compare
@sync_test
async def test_compare_marks_panes_cursors_and_tagging(app, db, ids):
    async with app.run_test(size=(120, 30)) as pilot:
        await library_ready(pilot)
        lst = library(app)
        assert not library_row(app, ids[0]).startswith("●")
        await pilot.press("space")
        await pilot.pause()
        assert library_row(app, ids[0]).startswith("●")
        assert "1 marked" in screen_text(app)
        assert lst.cursor == 1  # space moves on, ready to mark the next one
        await pilot.press("space")
        await pilot.pause()
        assert library_row(app, ids[1]).startswith("●")
        assert "2 marked" in screen_text(app)
        assert screen_text(app).count("●") == 2
        # space again unmarks, and again marks
        await pilot.press("k", "space")
        await pilot.pause()
        assert not library_row(app, ids[0]).startswith("●")
        assert "1 marked" in screen_text(app)
        await pilot.press("k", "space")
        await pilot.pause()
        assert library_row(app, ids[0]).startswith("●")

        await pilot.press("s")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        left, right = screen.query_one("#view-left", ArticleView), screen.query_one("#view-right", ArticleView)
        assert {left.article.id, right.article.id} == set(ids)
        assert not screen.query_one("#panes").has_class("-stacked")
        assert left.region.y == right.region.y and left.region.right <= right.region.x  # side by side
        assert screen.focused is left
        assert "Left pane · Sentence 1 of" in status(screen)

        await pilot.press("j", "j", "f")
        await pilot.pause()
        assert tag_rows(db) == [(left.article.id, 3, "finding", ME)]
        await pilot.press("tab")
        await pilot.pause()
        assert screen.focused is right
        assert "Right pane · Sentence 1 of" in status(screen)
        await pilot.press("j", "r", "C")
        await pilot.pause()
        assert (left.cursor, right.cursor) == (3, 3)
        assert tag_rows(db, right.article.id) == [(right.article.id, 2, "commitment", ME),
                                                  (right.article.id, 2, "response", ME)]
        assert tag_rows(db, left.article.id) == [(left.article.id, 3, "finding", ME)]
        assert gutter(right, 2) == " RC " and gutter(left, 3) == "F   "
        await pilot.press("G")
        assert right.cursor == right.count and left.cursor == 3
        await pilot.press("tab", "k")
        assert left.cursor == 2 and right.cursor == right.count
        # undo from the left pane undoes the right pane's last change, and the right pane shows it
        await pilot.press("u")
        await pilot.pause()
        assert tag_rows(db, right.article.id) == [(right.article.id, 2, "response", ME)]
        assert right.article.tags == {2: {"response"}}
        assert left.cursor == 2  # the active pane did not move
        await pilot.press("tab", "g")
        await pilot.pause()
        assert gutter(right, 2) == " R  "
        await pilot.press("G")
        # a note in the active (right) pane goes to the right article
        await pilot.press("n")
        await type_text(pilot, "rn")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert note_rows(db) == [(right.article.id, right.count, "rn", ME)]
        assert right.article.notes == {right.count: "rn"} and not left.article.notes
        # search works on the active pane only
        word = min((w for w in right.article.sentence_text(2).split() if w.isalpha() and len(w) >= 4), key=len)
        await pilot.press("slash")
        await type_text(pilot, word)
        await pilot.press("enter")
        await pilot.pause()
        assert right.matches and not left.matches and screen.focused is right
        assert 2 in right.match_sentences()
        await pilot.press("full_stop")
        assert right.cursor in right.match_sentences() and left.cursor == 2
        await pilot.press("G")
        # both cursors are remembered
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        view = await open_reader(pilot, row=ids.index(right.article.id))
        assert view.cursor == right.count


@sync_test
async def test_compare_search_in_right_pane_jumps_to_first_match(app, ids):
    async with app.run_test(size=(120, 30)) as pilot:
        await library_ready(pilot)
        await pilot.press("s")
        await pilot.pause()
        screen = app.screen
        left, right = screen.query_one("#view-left", ArticleView), screen.query_one("#view-right", ArticleView)
        first = right.article.sentence_text(1).lower()
        word = min((w for w in right.article.sentence_text(2).split()
                    if w.isalpha() and len(w) >= 4 and w.lower() not in first), key=len)
        await pilot.press("tab", "slash")
        await type_text(pilot, word)
        await pilot.press("enter")
        await pilot.pause()
        assert right.match_sentences() and right.match_sentences()[0] > 1
        assert left.cursor == 1
        assert right.cursor == right.match_sentences()[0]


@pytest.mark.parametrize("width, stacked", [(99, True), (100, False)])
@sync_test
async def test_compare_layout_by_width(app, ids, width, stacked):
    async with app.run_test(size=(width, 30)) as pilot:
        await library_ready(pilot)
        await pilot.press("s")  # nothing marked: the highlighted article and the next
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CompareScreen) and screen.ids == (ids[0], ids[1])
        left, right = screen.query_one("#view-left", ArticleView), screen.query_one("#view-right", ArticleView)
        assert screen.query_one("#panes").has_class("-stacked") is stacked
        if stacked:
            assert left.region.x == right.region.x and left.region.bottom <= right.region.y
            assert left.region.height >= 3 and right.region.height >= 3
            assert "Top pane" in status(screen)
        else:
            assert left.region.y == right.region.y and left.region.right <= right.region.x
            assert left.region.width >= 40 and right.region.width >= 40
            assert "Left pane" in status(screen)
        # resizing across the threshold switches layouts
        await pilot.resize_terminal(140 if stacked else 80, 30)
        await pilot.pause()
        assert screen.query_one("#panes").has_class("-stacked") is not stacked
        assert (left.region.y == right.region.y) is stacked
        # both panes still render their articles
        text = screen_text(app)
        assert left.article.sentence_text(1)[:15] in text and right.article.sentence_text(1)[:15] in text


# --------------------------------------------------------------------------- 7. export
def _neutral(value) -> str:
    if value is None:
        return ""
    value = str(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def expected_csv(db, article_id: int | None = None, tag: str | None = None) -> list[list[str]]:
    """Independently built from the annotations table: one row per (sentence, tag, annotator),
    each carrying that annotator's note on the sentence, plus note-only rows."""
    rows = db.conn.execute(
        'SELECT a.article_id, ar.file, ar.title, a.sentence, a.start, a."end", a.tag, a.exact, a.note,'
        " a.annotator, a.created_at, a.updated_at, a.status"
        " FROM annotations a JOIN articles ar ON ar.id = a.article_id").fetchall()
    notes = {(r[0], r[3], r[9], r[12]): r[8] for r in rows if r[6] is None}
    tagged = {(r[0], r[3], r[9], r[12]) for r in rows if r[6] is not None}
    out = []
    for (aid, file, title, n, start, end, t, exact, note, who, created, updated, status_) in rows:
        key = (aid, n, who, status_)
        if t is None and key in tagged:
            continue
        if article_id is not None and aid != article_id:
            continue
        if tag is not None and t != tag:
            continue
        out.append((aid, status_, n, who, t or "", [
            file, title, n, start, end, t, exact, notes.get(key) if t else note, who, created, updated, status_]))
    out.sort(key=lambda r: r[:5])
    return [[_neutral(v) for v in r[5]] for r in out]


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows; the rows are checked to come grouped by article, sentences ascending."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    files = [r[0] for r in body]
    assert files == sorted(files, key=files.index), "rows of one article must be together"
    for file in set(files):
        numbers = [int(r[2]) for r in body if r[0] == file]
        assert numbers == sorted(numbers), "sentences in reading order"
    return header, body


async def _export(pilot, path: Path | str, *, scope: str | None = None, tag: str | None = None,
                  by_typing: bool = False) -> str:
    """In the open export modal: set the path (and filters), press Export, wait, return the result."""
    screen = pilot.app.screen
    assert isinstance(screen, ExportScreen)
    path_input = screen.query_one("#path", Input)
    if by_typing:
        assert screen.focused is path_input
        await pilot.press("end", "ctrl+u")
        await type_text(pilot, str(path))
    else:
        path_input.value = str(path)
    if scope is not None:
        screen.query_one("#scope", Select).value = scope
    if tag is not None:
        screen.query_one("#tag", Select).value = tag
    result = screen.query_one("#result", Static)
    result.update("")  # so that this export's result can be told from the last one's
    await pilot.pause()
    if by_typing:
        await pilot.press("enter")  # Enter in the path box exports too
    else:
        # a Button ignores clicks while it still shows the last press (-active, 0.2 s)
        button = screen.query_one("#export", Button)
        await wait_for(pilot, lambda: not button.has_class("-active"))
        await pilot.click("#export")
    await wait_for(pilot, lambda: str(result.content) not in ("", "Exporting…"))
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    assert not screen.query_one("#export", Button).disabled
    return str(result.content)


async def _tag_some(pilot, db) -> None:
    """Tags and notes in both articles, through the keys."""
    await open_reader(pilot, row=0)
    await pilot.press("f", "j", "r", "c", "n")
    await type_text(pilot, 'a, "q"')
    await pilot.press("ctrl+s", "j", "j", "n")
    await type_text(pilot, "=n")
    await pilot.press("ctrl+s", "j", "C")
    await pilot.pause()
    await pilot.press("q")
    await open_reader(pilot, row=1)
    await pilot.press("j", "f", "n")
    await type_text(pilot, "s2")
    await pilot.press("ctrl+s", "q")
    await pilot.pause()


@sync_test
async def test_export_modal_writes_csv_matching_database(app, db, ids, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a relative path typed into the box is relative to where pressmark runs
    async with app.run_test(size=(110, 40)) as pilot:
        await _tag_some(pilot, db)
        assert len(tag_rows(db)) == 5 and len(note_rows(db)) == 3
        await open_reader(pilot, row=0)
        await pilot.press("e")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        assert screen.query_one("#scope", Select).value == "article"  # from a reader: this article
        assert "This article" in screen_text(app)

        # this article, path typed into the box
        out = tmp_path / "out" / "this.csv"
        out.parent.mkdir()
        result = await _export(pilot, "out/this.csv", by_typing=True)
        header, rows = read_csv(out)
        assert header == ["article", "title", "sentence", "start", "end", "tag", "text", "note",
                          "annotator", "created_at", "updated_at", "status"]
        assert sorted(rows) == sorted(expected_csv(db, article_id=ids[0]))
        assert len(rows) == 5  # f, r, c on 1-2, the note-only sentence, C
        by_kind = {(r[2], r[5]): r for r in rows}
        assert by_kind[("2", "response")][7] == by_kind[("2", "commitment")][7] == 'a, "q"'
        assert by_kind[("1", "finding")][7] == ""
        assert by_kind[("4", "")][7] == "'=n"  # a formula is neutralised
        assert result.startswith("5 rows written to") and str(out.resolve()) in result.replace("\n", "")
        assert not list(out.parent.glob(".*.tmp"))  # no temporary file left behind

        # all articles, via the Select widget's keys
        await pilot.click("#scope")
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert screen.query_one("#scope", Select).value == "all"
        out_all = tmp_path / "all.csv"
        await _export(pilot, out_all)
        _, rows_all = read_csv(out_all)
        assert sorted(rows_all) == sorted(expected_csv(db))
        assert {r[0] for r in rows_all} == {file for (file,) in db.conn.execute("SELECT file FROM articles")}
        assert len(rows_all) == 6

        # one tag only
        out_tag = tmp_path / "findings.csv"
        await _export(pilot, out_tag, tag="finding")
        _, rows_tag = read_csv(out_tag)
        assert sorted(rows_tag) == sorted(expected_csv(db, tag="finding"))
        assert {r[5] for r in rows_tag} == {"finding"} and len(rows_tag) == 2

        # an unwritable target says so and does not crash
        result = await _export(pilot, tmp_path / "no" / "such" / "dir" / "x.csv")
        assert result.startswith("Export failed")
        result = await _export(pilot, tmp_path)
        assert "is a folder" in result

        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)


@sync_test
async def test_export_from_library_is_all_articles(app, db, ids, tmp_path):
    # the same annotations as _tag_some, made through the store API (the keys are tested above)
    for aid, n, tag in ((ids[0], 1, "finding"), (ids[0], 2, "response"), (ids[0], 2, "commitment"),
                        (ids[0], 5, "commitment"), (ids[1], 2, "finding")):
        annotate.toggle_tag(db, aid, n, tag, ME)
    for aid, n, note in ((ids[0], 2, 'a, "q"'), (ids[0], 4, "=n"), (ids[1], 2, "s2")):
        annotate.set_note(db, aid, n, note, ME)
    async with app.run_test(size=(110, 40)) as pilot:
        await library_ready(pilot)
        await pilot.press("e")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ExportScreen)
        assert screen.query_one("#scope", Select).value == "all"
        out = tmp_path / "lib.csv"
        result = await _export(pilot, out)
        _, rows = read_csv(out)
        assert sorted(rows) == sorted(expected_csv(db)) and len(rows) == 6
        assert result.startswith("6 rows written")
        await pilot.click("#close")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)


# --------------------------------------------------------------------------- 8. positions
@sync_test
async def test_reopening_returns_to_last_position(app, db, db_path, ids):
    async with app.run_test(size=(80, 14)) as pilot:
        view = await open_reader(pilot)
        await pilot.press("G")
        await pilot.pause()
        last = view.count
        await pilot.press("q")
        await pilot.pause()
        view = await open_reader(pilot)
        assert view.cursor == last
        assert cursor_lines(view), "the remembered sentence must be scrolled into view"
        await pilot.press("g", "j", "j", "q")
        await pilot.pause()
        # the other article keeps its own position
        other = await open_reader(pilot, row=1)
        assert other.cursor == 1
        await pilot.press("q")
        view = await open_reader(pilot)
        assert view.cursor == 3
    app2 = make_app(db_path)
    try:
        async with app2.run_test(size=(80, 14)) as pilot:
            view = await open_reader(pilot)
            assert view.cursor == 3
            assert cursor_lines(view)
    finally:
        app2.db.conn.close()


# --------------------------------------------------------------------------- 9. mouse
@sync_test
async def test_click_on_sentence_moves_cursor(app, ids):
    async with app.run_test(size=SIZE) as pilot:
        view = await open_reader(pilot)
        lines = view_lines(view)
        target = 3
        y = next(i for i, line in enumerate(lines) if view.article.sentence_text(target)[:20] in line)
        await pilot.click(ArticleView, offset=(view.gutter_width + 3, y))
        await pilot.pause()
        assert view.cursor == target
        assert "Sentence 3 of" in status(app.screen)
        # a click on the second line of a wrapped sentence picks that sentence too
        long = next((s.n for s in view.article.sentences if len(sentence_rows(view, s.n)) > 1), None)
        if long:
            await pilot.click(ArticleView, offset=(view.gutter_width + 1, sentence_rows(view, long)[1]))
            assert view.cursor == long
        # a blank separator line leaves the cursor alone
        blank = next((i for i, line in enumerate(view_lines(view)) if not line.strip()), None)
        if blank is not None:
            before = view.cursor
            await pilot.click(ArticleView, offset=(10, blank))
            assert view.cursor == before
        # after scrolling, clicks still map to the right sentence
        await pilot.press("G")
        await pilot.pause()
        lines = view_lines(view)
        n = view.count - 1
        y = next(i for i, line in enumerate(lines) if view.article.sentence_text(n)[:20] in line)
        await pilot.click(ArticleView, offset=(view.gutter_width + 2, y))
        assert view.cursor == n


@sync_test
async def test_click_in_compare_focuses_that_pane(app, ids):
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        screen = app.screen
        right = screen.query_one("#view-right", ArticleView)
        y = next(i for i, line in enumerate(view_lines(right)) if right.article.sentence_text(2)[:15] in line)
        await pilot.click("#view-right", offset=(right.gutter_width + 2, y))
        await pilot.pause()
        assert screen.focused is right and right.cursor == 2
        await pilot.press("f")
        assert tag_rows(app.db) == [(right.article.id, 2, "finding", ME)]


# --------------------------------------------------------------------------- 10. untrusted text
EVIL_TITLE = "Evil [bold red]x[/] [@click=app.quit]q[/] [link=https://example.com]l[/link] title"
EVIL_BODY = ("First [@click=app.quit]quit[/] sentence here. Second [bold red]red[/] one "
             "[link=https://example.com]link[/link] now.\n\nA closing [/] stray [b] tag.\n")


@sync_test
async def test_untrusted_markup_is_shown_literally(make_articles, tmp_path):
    folder = make_articles({"evil.txt": f"{EVIL_TITLE}\n\n{EVIL_BODY}", "plain.txt": "Plain title\n\nJust text.\n"})
    db_file = tmp_path / "evil.db"
    db = connect(db_file)
    try:
        sync(db, folder)
        title = db.conn.execute("SELECT title FROM articles WHERE file = 'evil.txt'").fetchone()[0]
        assert "[@click=app.quit]" in title
        app = make_app(db, db_path=db_file)
        async with app.run_test(size=(160, 30)) as pilot:
            await pilot.pause()
            text = screen_text(app)
            assert "[@click=app.quit]q[/]" in text
            assert "[bold red]x[/]" in text and "[link=https://example.com]l[/link]" in text
            evil_id = db.conn.execute("SELECT id FROM articles WHERE file = 'evil.txt'").fetchone()[0]
            row = library_ids(app).index(evil_id)
            line = library_row(app, evil_id)
            assert "[@click=app.quit]q[/]" in line
            # clicking right on the would-be link selects the row, it does not run the action
            await pilot.click(ArticleList, offset=(line.index("[@click") + 3, row))
            await pilot.pause()
            assert app.is_running and library(app).cursor == row
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, ReaderScreen)
            view = app.screen.query_one(ArticleView)
            lines = "\n".join(view_lines(view))
            assert "[@click=app.quit]quit[/]" in lines
            assert "[bold red]red[/]" in lines and "[link=https://example.com]link[/link]" in lines
            assert "[/] stray [b]" in lines
            text = screen_text(app)
            assert "[@click=app.quit]q[/]" in text  # header title
            # click right on the would-be link
            y = next(i for i, line in enumerate(view_lines(view)) if "[@click=app.quit]" in line)
            x = view_lines(view)[y].index("[@click=app.quit]") + 3
            await pilot.click(ArticleView, offset=(x, y))
            await pilot.pause()
            assert app.is_running and isinstance(app.screen, ReaderScreen)
            # a note with markup ("[/]" alone raises MarkupError if parsed)
            await pilot.press("n")
            await type_text(pilot, "[/][b]n")
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert note_rows(db) == [(evil_id, 1, "[/][b]n", ME)]
            assert "[/][b]n" in view_texts(view)
            assert "[/][b]n" in screen_text(app)
            # the note dialog shows the sentence literally as well
            await pilot.press("n")
            await pilot.pause()
            assert "[@click=app.quit]" in screen_text(app)
            await pilot.press("escape")
            # export and help show the title without breaking
            await pilot.press("e")
            await pilot.pause()
            assert "This article: Evil [bold red]x[/]" in screen_text(app)
            await pilot.press("escape", "question_mark")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape", "q")
            await pilot.pause()
            assert isinstance(app.screen, LibraryScreen) and app.is_running
            # the filter box takes markup too
            await pilot.press("slash")
            await type_text(pilot, "[/]")
            await pilot.press("enter")
            await pilot.pause()
            assert app.is_running
            assert "filter: [/]" in screen_text(app)
    finally:
        db.conn.close()


# --------------------------------------------------------------------------- 11. help
async def help_text(pilot) -> str:
    """Everything the help dialog shows, scrolling it with the keyboard (it is taller than 24 rows)."""
    app = pilot.app
    dialog = app.screen.query_one("#help-dialog")
    assert app.screen.focused is dialog  # so the keys scroll it
    await pilot.press("home")
    seen = [screen_text(app)]
    while dialog.scroll_y < dialog.max_scroll_y and len(seen) < 20:
        await pilot.press("pagedown")
        seen.append(screen_text(app))
    return "\n".join(seen)


@sync_test
async def test_help_lists_keys_and_codebook(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await library_ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = await help_text(pilot)
        assert "Keys: Library" in text
        for words in ("Read", "Mark", "Side by side", "Filter", "Sort", "Export", "Quit", "Undo", "Redo",
                      "finding", "response", "commitment", "What someone promised", "escape closes"):
            assert words in text, words
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)

        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = await help_text(pilot)
        assert "Keys: Reader" in text
        for words in ("Next match", "Previous match", "Next tagged", "Show/hide notes", "Clear tags", "Note",
                      "Search", "Export", "Back", "Undo", "Redo", "Finding and next", "Commitment and next",
                      "finding", "response", "commitment", "What an inspection"):
            assert words in text, words
        await pilot.press("question_mark")  # ? closes it too
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        await pilot.press("question_mark", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)  # escape closed help, not the reader


# --------------------------------------------------------------------------- 12. command palette
async def _palette(pilot, query: str, expect: str | None = None) -> None:
    """ctrl+p, type ``query``, check the top hit is the command ``expect``, enter."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    palette = pilot.app.screen
    assert isinstance(palette, CommandPalette)
    await type_text(pilot, query)
    results = palette.query_one("CommandList")
    await wait_for(pilot, lambda: results.option_count > 0 and results.highlighted is not None
                   and str(results.get_option_at_index(results.highlighted).prompt).startswith(expect or query))
    await pilot.press("enter")
    await pilot.pause()


@sync_test
async def test_command_palette_tags_cursor_sentence(app, db, ids):
    async with app.run_test(size=SIZE) as pilot:
        view = await open_reader(pilot)
        await pilot.press("j", "j")
        await _palette(pilot, "Tag: finding")
        assert isinstance(app.screen, ReaderScreen)
        assert tag_rows(db) == [(ids[0], 3, "finding", ME)]
        assert gutter(view, 3) == "F   "
        await _palette(pilot, "tag c", "Tag: commitment")
        assert tag_rows(db) == [(ids[0], 3, "commitment", ME), (ids[0], 3, "finding", ME)]
        await _palette(pilot, "undo", "Undo")
        assert tag_rows(db) == [(ids[0], 3, "finding", ME)]
        await pilot.press("q")
        await pilot.pause()
        await _palette(pilot, "side", "Side by side")
        assert isinstance(app.screen, CompareScreen)
