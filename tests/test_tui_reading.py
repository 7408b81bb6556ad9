"""Pilot tests of the library and the reader: real key presses through every reading and tagging flow.

Every test drives ``PressmarkApp`` with ``App.run_test`` and a ``Pilot``, then checks
what a user would care about: the rows in the database, the CSV on disk, and the
text actually rendered on screen. Nothing depends on how many sentences the real
articles have (the segmenter changes): expectations are derived from the view.
"""
from __future__ import annotations

from textual import events
from textual.widgets import Input, TextArea
from tui_helpers import (  # noqa: F401 (fixtures are used by name)
    FORMULA_STARTS,
    ME,
    SIZE,
    app,
    cursor_lines,
    gutter,
    ids,
    library,
    library_counts,
    library_ids,
    library_ready,
    library_row,
    make_app,
    note_rows,
    open_reader,
    quicker_idle_wait,
    record_repaints,
    screen_text,
    sentence_rows,
    status,
    sync_test,
    tag_rows,
    type_text,
    view_lines,
    view_texts,
    wait_for,
)

from tui.app import PressmarkApp
from tui.screens.library import LibraryScreen
from tui.screens.note import NoteScreen
from tui.screens.reader import ReaderScreen
from tui.widgets.article_list import ArticleList
from tui.widgets.article_view import ArticleView


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
        await app.workers.wait_for_complete()  # the first search indexes the articles, in a thread
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
async def test_a_tag_repaints_its_rows_in_a_scrolled_view(app, db, ids, monkeypatch):
    """The rows a tag keypress marks for repainting are where the sentence is on screen, not where it
    would be if the view were not scrolled (only those rows reach the terminal)."""
    async with app.run_test(size=SIZE) as pilot:
        view = await open_reader(pilot)
        await pilot.press("G")
        await pilot.pause()
        assert view.scroll_offset.y > 0
        repainted = record_repaints(view, monkeypatch)
        await pilot.press("f")
        await pilot.pause()
        rows = sentence_rows(view, view.cursor)
        assert any(region.y <= rows[0] and rows[-1] < region.bottom for region in repainted), repainted
        assert gutter(view, view.cursor) == "F   "
        assert "F" in screen_text(app).splitlines()[2 + rows[0]][:len(app.codebook) + 2]


@sync_test
async def test_the_wal_is_copied_into_the_database_when_the_user_pauses_not_in_a_keypress(app, db, db_path,
                                                                                           monkeypatch):
    """A commit that takes the WAL past wal_autocheckpoint pages copies it into the database file
    itself (most of a second in a big database). The app's connection leaves that to a thread that
    runs once the user pauses (here said by the test: make_app's apps never decide it by the clock)."""
    import hashlib
    import threading

    import tui.app

    def digest() -> str:
        return hashlib.sha256(db_path.read_bytes()).hexdigest()

    threads = []
    real_checkpoint = tui.app.checkpoint
    monkeypatch.setattr(tui.app, "checkpoint", lambda path: (threads.append(threading.current_thread()),
                                                             real_checkpoint(path))[1])
    async with app.run_test(size=SIZE) as pilot:
        assert db.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == tui.app.CHECKPOINT_BACKSTOP_PAGES
        await open_reader(pilot)
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = digest()
        await pilot.press("f", "j", "r")
        await app.workers.wait_for_complete()
        assert tag_rows(db) and digest() == before and not threads  # committed, to the WAL only
        app.user_paused()
        await app.workers.wait_for_complete()
        assert digest() != before and threads and threading.main_thread() not in threads
        threads.clear()
        app.user_paused()  # nothing written since: no checkpoint
        await app.workers.wait_for_complete()
        assert not threads


@sync_test
async def test_input_restarts_the_countdown_to_the_pause(db, db_path):
    """Every key (re)arms one timer for the housekeeping; the housekeeping disarms it."""
    app = PressmarkApp(db, annotator=ME, db_path=db_path, pause_after=3600)  # never fires in this test
    async with app.run_test(size=SIZE) as pilot:
        await open_reader(pilot)
        timer = app.pause_timer
        assert timer is not None
        await pilot.press("j")
        assert app.pause_timer is timer  # the same countdown, started again
        app.user_paused()
        assert app.pause_timer is None
        await pilot.press("j")
        assert app.pause_timer is not None and app.pause_timer is not timer


@sync_test
async def test_other_annotators_rows_are_not_shown_or_touched(db, db_path, ids):
    db.conn.execute("DELETE FROM cues")  # no suggestions in the gutter: this test reads tags
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
async def test_a_note_typed_in_one_burst_with_ctrl_s_is_saved_whole(app, db, ids):
    """A terminal hands over keys typed fast (or pasted) together; ctrl+s read with them must not overtake
    the editor, which has yet to insert the letters before it (it did, as a priority binding: the note was
    saved empty). The keys are posted at once, as the driver does, not one per pilot step."""
    async with app.run_test(size=SIZE) as pilot:
        await open_reader(pilot)
        await pilot.press("n")
        await pilot.pause()
        for key, character in [*((c, c) for c in "abc"), ("space", " "), ("d", "d"), ("ctrl+s", "\x13")]:
            app.post_message(events.Key(key, character))
        await pilot.pause()
        assert isinstance(app.screen, ReaderScreen)
        assert note_rows(db) == [(ids[0], 1, "abc d", ME)]


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
