"""Pilot tests of positions, the mouse, untrusted text, help and the command palette.

Every test drives ``PressmarkApp`` with ``App.run_test`` and a ``Pilot``, then checks
what a user would care about: the rows in the database, the CSV on disk, and the
text actually rendered on screen. Nothing depends on how many sentences the real
articles have (the segmenter changes): expectations are derived from the view.
"""
from __future__ import annotations

from textual.command import CommandPalette
from tui_helpers import (  # noqa: F401 (fixtures are used by name)
    FORMULA_STARTS,
    ME,
    SIZE,
    app,
    cursor_lines,
    gutter,
    ids,
    library,
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

from store.db import connect
from store.sync import sync
from tui.screens.compare import CompareScreen
from tui.screens.help import HelpScreen
from tui.screens.library import LibraryScreen
from tui.screens.reader import ReaderScreen
from tui.widgets.article_list import ArticleList
from tui.widgets.article_view import ArticleView


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

@sync_test
async def test_a_cursor_move_repaints_its_rows_in_a_scrolled_library(make_articles, tmp_path, monkeypatch):
    """The rows a cursor move marks for repainting are where they are on screen in a scrolled list
    (refresh_lines takes list rows; only those screen rows reach the terminal)."""
    folder = make_articles({f"story{i:03}.txt": f"Story {i}\n\nSomething happened, number {i}.\n" for i in range(80)})
    db = connect(tmp_path / "many.db")
    sync(db, folder)
    app = make_app(db, db_path=tmp_path / "many.db")
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: len(library_ids(app)) == 80)
        articles = library(app)
        await pilot.press("G")
        await pilot.pause()
        top = int(articles.scroll_offset.y)
        assert top > 0
        repainted = record_repaints(articles, monkeypatch)
        await pilot.press("k")
        await pilot.pause()
        for row in (79, 78):  # the old cursor row and the new one
            assert any(region.y <= row - top < region.bottom for region in repainted), (row - top, repainted)


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
            await app.workers.wait_for_complete()  # the first search indexes the articles, in a thread
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
        await _palette(pilot, "finding", "Finding")
        assert isinstance(app.screen, ReaderScreen)
        assert tag_rows(db) == [(ids[0], 3, "finding", ME)]
        assert gutter(view, 3) == "F   "
        await _palette(pilot, "commitment", "Commitment")
        assert tag_rows(db) == [(ids[0], 3, "commitment", ME), (ids[0], 3, "finding", ME)]
        await _palette(pilot, "undo", "Undo")
        assert tag_rows(db) == [(ids[0], 3, "finding", ME)]
        await pilot.press("q")
        await pilot.pause()
        await _palette(pilot, "side", "Side by side")
        assert isinstance(app.screen, CompareScreen)


@sync_test
async def test_a_library_message_stays_until_the_next_key_or_leaving(app, db, ids):
    """Issue 19: messages lingered after they stopped being true; the hints came back over fresh ones."""
    from tui.screens.library import HINTS

    async with app.run_test(size=SIZE) as pilot:
        await library_ready(pilot)
        app.report("Something happened")
        assert status(app.screen) == "Something happened"
        app.screen.reload()  # a re-read (say, after indexing) keeps it
        assert status(app.screen) == "Something happened"
        await pilot.press("j")
        assert status(app.screen) == HINTS
        app.report("Something else")
        await pilot.press("enter")  # into the reader and back: the library shows its keys again
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        assert status(app.screen) == HINTS
