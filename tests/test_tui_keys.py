"""Issue 19: every key of a screen is in its command palette, found by its words; the README's key table is the
bindings' own (issue 19, Done when)."""
from __future__ import annotations

from textual.command import CommandPalette
from textual.screen import Screen
from tui_helpers import (  # noqa: F401 (fixtures are used by name)
    SIZE,
    app,
    ids,
    library_ready,
    open_reader,
    quicker_idle_wait,
    sync_test,
    type_text,
    wait_for,
)

from tui.screens.agreement import AgreementScreen
from tui.screens.compare import CompareScreen
from tui.screens.library import LibraryScreen
from tui.screens.reader import ReaderScreen
from tui.widgets.article_view import ArticleView


def own_bindings(screen) -> dict[str, str]:
    """action -> description of every key the screen itself binds (not Textual's focus and copy keys)."""
    textuals = {b.action for b in Screen.BINDINGS}
    return {active.binding.action: active.binding.description for active in screen.active_bindings.values()
            if active.node is screen and active.binding.action not in textuals}


def palette_titles(app, screen) -> set[str]:
    return {str(command.title) for command in app.get_system_commands(screen)}


async def search_palette(pilot, query: str) -> str:
    """ctrl+p, type ``query``: the title of the top hit (the palette is left open)."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    palette = pilot.app.screen
    assert isinstance(palette, CommandPalette)
    await type_text(pilot, query)
    results = palette.query_one("CommandList")
    await wait_for(pilot, lambda: results.option_count > 0 and results.highlighted is not None)
    return str(results.get_option_at_index(results.highlighted).prompt).split("\n")[0]


@sync_test
async def test_every_key_of_every_screen_is_a_palette_command(app, ids):
    seen = []

    def check() -> None:
        screen = app.screen
        seen.append(type(screen))
        bindings = own_bindings(screen)
        assert len(bindings) >= 4
        titles = palette_titles(app, screen)
        missing = {action: description for action, description in bindings.items() if description not in titles}
        assert not missing, (type(screen).__name__, missing)

    async with app.run_test(size=SIZE) as pilot:
        await library_ready(pilot)
        check()
        for keys in (["enter"], ["q", "s"], ["q", "a"]):
            await pilot.press(*keys)
            await pilot.pause()
            check()
    assert seen == [LibraryScreen, ReaderScreen, CompareScreen, AgreementScreen]


@sync_test
async def test_the_palette_finds_reader_and_side_by_side_keys_by_their_words(app, ids):
    async with app.run_test(size=SIZE) as pilot:
        await library_ready(pilot)
        for query, title in (("agreement", "Agreement"), ("best source", "Best source"), ("side by", "Side by side")):
            assert await search_palette(pilot, query) == title
            await pilot.press("escape")
        await pilot.press("s")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        for query, title in (("copy to pane", "Copy tags to other pane"), ("dismiss", "Dismiss suggestion"),
                             ("accept suggestion", "Accept suggestion"), ("hide suggestions", "Show/hide suggestions"),
                             ("others", "Show/hide others' tags"), ("next tagged", "Next tagged"),
                             ("previous tagged", "Previous tagged"), ("notes", "Show/hide notes"),
                             ("link", "Link or unlink panes")):
            assert await search_palette(pilot, query) == title, query
            await pilot.press("escape")
        left, right = screen.query(ArticleView)
        assert screen.focused is left
        assert await search_palette(pilot, "switch pane") == "Switch pane"
        await pilot.press("enter")  # run as the key: the other pane has the focus
        await pilot.pause()
        assert screen.focused is right
        linked = screen.sync
        assert await search_palette(pilot, "link or unlink") == "Link or unlink panes"
        await pilot.press("enter")
        await pilot.pause()
        assert screen.sync is not linked


@sync_test
async def test_a_tag_added_by_another_process_works_in_the_open_reader(app, db, db_path, ids):
    """Issue 19 point 8: `pressmark tags add quote --key z` while the reader was open; z did nothing."""
    from tui_helpers import gutter, tag_rows

    from store.codebook import add_tag
    from store.db import connect

    async with app.run_test(size=(120, 35)) as pilot:
        view = await open_reader(pilot)
        app.poll_database()  # what the app's timer does: nothing changed yet
        await pilot.press("z")
        await pilot.pause()
        assert tag_rows(db) == []
        other = connect(db_path)  # another process's connection
        try:
            add_tag(other, "quote", "z")
        finally:
            other.close()
        app.poll_database()
        await pilot.pause()
        await pilot.press("z")
        await pilot.pause()
        assert tag_rows(db) == [(ids[0], 1, "quote", "tester")]
        assert len(view.codebook) == 4 and gutter(view, 1).strip() == "Z"
        assert "quote 1" in str(app.screen.query_one("#header").content)
        await pilot.press("Z")  # its capital tags and moves on
        await pilot.pause()
        assert tag_rows(db) == [] and view.cursor == 2


@sync_test
async def test_cues_changed_by_another_process_give_suggestions_in_the_open_reader(app, db, db_path, ids):
    """Issue 19 point 8, the cues: the app fixture starts with none, so the reader suggests nothing."""
    from store.db import connect
    from store.suggest import Cue, save_cues

    async with app.run_test(size=(120, 35)) as pilot:
        view = await open_reader(pilot)
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.poll_database()
        assert view.article.suggestions == {}
        other = connect(db_path)
        try:
            save_cues(other, [Cue("finding", "phrase", "Ofsted", note="names the inspector")])
        finally:
            other.close()
        app.poll_database()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        reasons = [s.reason for found in view.article.suggestions.values() for s in found]
        assert reasons and all("names the inspector" in reason for reason in reasons)


@sync_test
async def test_a_resize_keeps_the_other_pane_on_the_aligned_sentence(app, ids):
    """Issue 19 point 11: after a resize the right pane jumped back to its own cursor (sentence 1)."""
    from tui_helpers import sentence_rows

    async with app.run_test(size=(160, 30)) as pilot:
        await library_ready(pilot)
        await pilot.press("s")
        screen = app.screen
        await wait_for(pilot, lambda: isinstance(screen, CompareScreen) and screen.alignment is not None)
        left, right = screen.query(ArticleView)
        far = [p.a for p in screen.alignment.pairs if min(screen.alignment.partners_of_a(p.a)) >= 12]
        assert far, "the release's later sentences are used late in the story"
        left.cursor = far[0]
        await pilot.pause()
        partner = min(right.highlighted)
        assert sentence_rows(right, partner) and not sentence_rows(right, 1) and right.cursor == 1
        for size in ((120, 40), (90, 40), (200, 50), (160, 30)):  # wider, stacked, and back
            await pilot.resize_terminal(*size)
            await pilot.pause()
            await pilot.pause()
            assert right.highlighted == frozenset(screen.alignment.partners_of_a(far[0])), size
            assert sentence_rows(right, partner), size
            assert sentence_rows(left, far[0]), size


@sync_test
async def test_the_cursor_highlight_covers_copied_and_cut_text(app, ids):
    """Issue 19 point 12: copied (bold) and cut (dim) words kept the pane's background under the cursor."""
    async with app.run_test(size=(160, 40)) as pilot:
        await library_ready(pilot)
        await pilot.press("s")
        screen = app.screen
        await wait_for(pilot, lambda: isinstance(screen, CompareScreen) and screen.alignment is not None)
        left, _ = screen.query(ArticleView)
        copied = screen.alignment.pairs[0].a
        cut = screen.alignment.unaligned_a[0]
        for n, what in ((copied, "bold"), (cut, "cut")):
            left.cursor = n
            await pilot.pause()
            top = int(left.scroll_offset.y)
            rows = [y for y in range(left.size.height) if left.sentence_at_line(top + y) == n]
            assert rows
            text = []
            for y in rows:
                segments = list(left.render_line(y).crop(0, left.scrollable_content_region.width))  # no padding
                cursor = left.get_component_rich_style("article-view--cursor").bgcolor
                assert segments[0].text == "▌" and cursor != left.rich_style.bgcolor
                assert [s.text for s in segments if s.style.bgcolor != cursor] == [], (what, y)
                text += [s for s in left.render_line(y).crop(left.gutter_width, left.scrollable_content_region.width)
                         if s.text.strip()]
            assert any(s.style.bold for s in text) == (what == "bold")


@sync_test
async def test_footer_and_hint_line_show_a_e_and_b(app, ids):
    """Issue 19 point 13: the footer and hint line left out a (agreement, accept), e (export) and b (best source)."""
    from tui_helpers import screen_text, status

    async with app.run_test(size=(120, 35)) as pilot:
        await library_ready(pilot)
        await wait_for(pilot, lambda: "Read" in screen_text(app).splitlines()[-1])  # the footer is drawn
        footer = screen_text(app).splitlines()[-1]
        for words in ("b Best source", "a Agreement", "e Export"):
            assert words in footer and words.lower() in status(app.screen), words
        await pilot.press("enter")
        await pilot.pause()
        assert "a accept" in status(app.screen) and "e export" in status(app.screen)


def test_the_readme_key_table_is_made_from_the_bindings():
    """Issue 19, Done when: the README's key table and the help screen come from the same bindings. If this
    fails, run `python -m tui.key_table` (it rewrites the table) and commit the README."""
    from tui.key_table import README, default_codebook, key_table, readme_with_table

    readme = README.read_text(encoding="utf-8")
    assert readme_with_table(readme, key_table(default_codebook())) == readme


@sync_test
async def test_every_key_of_the_help_screen_is_in_the_readme_table(app, ids):
    from tui.key_table import README
    from tui.screens.help import HelpScreen

    readme = README.read_text(encoding="utf-8")
    cells = [[cell.strip() for cell in line.strip("|").split(" | ")] for line in readme.splitlines()
             if line.startswith("| `")]
    rows = {about.split(":")[0].removeprefix("(side by side) "): keys for keys, about in cells}
    async with app.run_test(size=SIZE) as pilot:
        await library_ready(pilot)
        for keys in (["enter"], ["q", "s"]):
            await pilot.press(*keys)
            await pilot.pause()
            assert isinstance(app.screen, (ReaderScreen, CompareScreen))
            await pilot.press("question_mark")
            await pilot.pause()
            help_screen = app.screen
            assert isinstance(help_screen, HelpScreen)
            table = help_screen._keys()
            described = list(table.columns[1].cells)
            shown = list(table.columns[0].cells)
            assert len(described) > 20
            for description, key in zip(described, shown):
                assert str(description) in rows, description
                assert all(f"`{k}`" in rows[str(description)] for k in str(key).split()), (description, key)
            await pilot.press("escape")
            await pilot.pause()


@sync_test
async def test_a_hostile_tag_written_by_another_process_is_shown_revealed_in_the_reader_and_palette(app, db, db_path, ids):
    """A crafted database (another tool, an old version) renames a tag while the reader is open: the name reaches
    the header, the help and the palette revealed and as text, never as markup or a terminal control."""
    from tui_helpers import screen_text

    from store.db import connect

    hostile = "[/]\x1b]52;c;SGk=\x07[@click=app.quit]x\u202e"
    async with app.run_test(size=(160, 40)) as pilot:
        await open_reader(pilot)
        other = connect(db_path)
        try:
            with other.conn:  # straight SQL, past store.codebook's checks
                other.conn.execute("UPDATE tags SET name = ? WHERE name = 'finding'", (hostile,))
        finally:
            other.close()
        app.poll_database()
        await pilot.pause()
        header = str(app.screen.query_one("#header").content)
        assert "[/]\\u001b]52;c;SGk=\\u0007[@click=app.quit]x\\u202e 0" in header
        title = await search_palette(pilot, "click=app")
        assert title.startswith("[/]\\u001b]52")  # shown as it is, not as markup
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running and not any(ch in screen_text(app) for ch in "\x1b\x07\u202e")
