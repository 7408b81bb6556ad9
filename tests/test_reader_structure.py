"""Why the reader stays fast on a 1 MB article (bench/ measures the times; these check the reasons).

* the layout counts lines up front and wraps a sentence only when it is drawn, and its lines are
  exactly those of wrapping every sentence eagerly;
* PgDn repaints the view once, through ``render_line``, from strips built ahead (after the previous
  PgDn was shown) or, on a revisit, kept from before;
* the view and its scrollbar hand the compositor strips they keep (the lines Textual's own pipeline
  would draw, segment for segment), so a line shown before is the same strip again;
* a tag keypress runs only indexed statements (no scan of annotations, however many there are);
* full garbage collections wait for a pause in the input, and a PgDn's young garbage is collected
  once the next page is drawn ahead, not in the next keypress.
"""
from __future__ import annotations

import gc
import re

import pytest
from textual.filter import DimFilter
from textual.widget import Widget
from tui_helpers import (  # noqa: F401 (fixtures are used by name)
    app,
    library_ready,
    make_app,
    open_reader,
    quicker_idle_wait,
    suggesting_app,
    sync_test,
    view_lines,
    wait_for,
)

from store import annotate
from store.db import connect
from store.queries import article_view
from store.sync import sync
from tui import app as app_module
from tui.compat import CachedScrollBar, Finish, add_line_filter, watch_paints
from tui.screens.compare import CompareScreen
from tui.widgets.article_view import ArticleView
from tui.widgets.layout import BLANK, NOTE, TEXT, Layout, note_chunks, wrap

SIZE = (100, 30)


def _long_text(paragraphs: int = 150) -> str:
    words = ("council inspectors found that the service had improved since the last visit and that "
             "managers had acted on every recommendation made in the previous report").split()
    out = []
    for p in range(paragraphs):
        sentences = []
        for s in range(1 + p % 4):
            n = 6 + (p * 7 + s * 5) % 40  # some sentences wrap over two or three lines
            sentences.append(" ".join(words[(p + s + i) % len(words)] for i in range(n)).capitalize() + ".")
        out.append(" ".join(sentences))
    return "\n\n".join(out) + "\n"


@pytest.fixture
def long_db(make_articles, tmp_path):
    folder = make_articles({"long.txt": "A long report\n\n" + _long_text()})
    db = connect(tmp_path / "long.db")
    sync(db, folder)
    return db


@pytest.fixture
def long_id(long_db) -> int:
    return long_db.conn.execute("SELECT id FROM articles").fetchone()[0]


@pytest.fixture
def long_app(long_db, tmp_path):
    return make_app(long_db, db_path=tmp_path / "long.db")


# --------------------------------------------------------------------------- layout
def _eager(text, sentences, width, extras) -> list[tuple]:
    """The display lines as the reader used to build them: every sentence wrapped up front."""
    lines, para = [], None
    for s in sentences:
        if para is not None and s.para != para:
            lines.append((BLANK, 0, 0, 0))
        para = s.para
        lines.extend((TEXT, s.n, a, b) for a, b in wrap(text, s.start, s.end, width))
        lines.extend(extras(s.n))
    return lines


@pytest.mark.parametrize("width", [10, 37, 80, 200])
def test_layout_is_the_eager_wrap_done_lazily(long_db, long_id, width):
    article = article_view(long_db, long_id, None)
    note = "a note\nover two lines"
    notes = {3: note, 40: note}

    def extras(n):
        return [(NOTE, n, a, b) for c, d in note_chunks(notes[n]) for a, b in wrap(notes[n], c, d, width - 2)] \
            if n in notes else []

    layout = Layout(article.text, article.sentences, width, extras, set(notes))
    assert len(layout._wrapped) == len(notes)  # counting wrapped only the sentences with extra lines
    expected = _eager(article.text, article.sentences, width, extras)
    assert len(layout) == len(expected)
    assert [layout[y] for y in range(len(layout))] == expected
    assert [layout.sentence_at(y) for y in range(len(layout))] == [line[1] for line in expected]
    for n in (1, 3, len(article.sentences)):
        first = next(y for y, line in enumerate(expected) if line[1] == n)
        assert layout.first[n] == first
        assert layout.stop[n] == first + sum(1 for line in expected if line[1] == n)
    # a note that grows moves every later sentence down by as many lines as it gained
    notes[3] = note + "\nand a third"
    grown = len(extras(3)) - sum(1 for line in expected if line[0] == NOTE and line[1] == 3)
    before = [layout.first[n] for n in range(1, len(article.sentences) + 1)]
    assert grown > 0 and layout.rewrap(3) == grown
    assert [layout.first[n] for n in range(1, len(article.sentences) + 1)] == \
        [y + grown * (n > 3) for n, y in enumerate(before, 1)]
    assert [layout[y] for y in range(len(layout))] == _eager(article.text, article.sentences, width, extras)


@sync_test
async def test_opening_wraps_only_what_is_drawn(long_app):
    async with long_app.run_test(size=SIZE) as pilot:
        view = await open_reader(pilot)
        assert view.count > 300
        assert any(line.strip() for line in view_lines(view))
        assert len(view._lines._wrapped) < SIZE[1], "every sentence was wrapped up front"


# --------------------------------------------------------------------------- PgDn
@sync_test
async def test_pagedown_repaints_the_view_once_from_strips_drawn_ahead(long_app, monkeypatch):
    renders, built, ahead = [], [], []
    original_render, original_build, original_ahead = ArticleView.render_line, ArticleView._render, \
        ArticleView._draw_ahead
    monkeypatch.setattr(ArticleView, "render_line", lambda self, y: renders.append(y) or original_render(self, y))
    monkeypatch.setattr(ArticleView, "_render", lambda self, *a: built.append(a[0]) or original_build(self, *a))
    monkeypatch.setattr(ArticleView, "_draw_ahead", lambda self, d: original_ahead(self, d) or ahead.append(d))
    app = long_app
    async with app.run_test(size=SIZE) as pilot:
        view = await open_reader(pilot)
        await app.workers.wait_for_complete()  # the suggestions worker repaints when it ends: not during the presses
        await pilot.pause()
        height = view.scrollable_content_region.height
        paints = []  # (view lines drawn, strips built) as each paint went out
        watch_paints(app, lambda: paints.append((len(renders), len(built))))

        async def press(key: str) -> tuple[list[int], list[int]]:
            """Lines whose strips were built for the key's paint, and built after it."""
            renders.clear(), paints.clear(), built.clear(), ahead.clear()
            top = view.scroll_offset.y
            await pilot.press(key)
            await wait_for(pilot, lambda: renders and ahead)  # the frame (the screen's update timer), then the drawing ahead
            await pilot.pause(0.05)  # long enough for a second paint, if the key caused one
            assert view.scroll_offset.y != top
            assert sorted(renders) == list(range(height)), "each visible line drawn exactly once"
            per_paint = [b[0] - a[0] for a, b in zip([(0, 0), *paints], paints)]  # view lines drawn for each paint
            assert [n for n in per_paint if n] == [height], "the view's lines all went out in one paint"
            in_paint = next(count for lines, count in paints if lines)
            return built[:in_paint], built[in_paint:]

        in_paint, after = await press("pagedown")
        assert height - 2 <= len(in_paint) <= height  # opening draws nothing ahead (one line overlaps)
        assert height - 2 <= len(after) <= height, "the next page is drawn ahead once this one is shown"
        for _ in range(2):
            in_paint, after = await press("pagedown")
            assert not in_paint, "a PgDn draws from the strips built ahead of it"
            assert height - 2 <= len(after) <= height
            bar = view.vertical_scrollbar
            assert len({id(strip) for strip in bar.render_lines(bar.region.reset_offset)}) <= 5, \
                "the scrollbar's cells (above, below and the thumb's) are kept strips"
        in_paint, _ = await press("pageup")
        cursor_lines = {y for y in range(len(view._lines)) if view._lines.sentence_at(y) == view.cursor}
        assert set(in_paint) <= cursor_lines, "a revisited page is drawn from cached strips (bar the cursor)"


# --------------------------------------------------------------------------- lines as Textual draws them
def _lines(widget: Widget) -> list[list]:
    """What the compositor gets from ``widget`` for its whole region, as lists of segments."""
    return [list(strip) for strip in widget.render_lines(widget.region.reset_offset)]


def _textual_lines(widget: Widget) -> list[list]:
    """The same lines drawn by Textual's own ``Widget.render_lines`` (StylesCache, filters)."""
    if isinstance(widget, ArticleView):
        widget._finish, widget._generation = None, widget._generation + 1  # render_line gives content only
    widget.refresh()  # nothing from Textual's line cache
    return [list(strip) for strip in Widget.render_lines(widget, widget.region.reset_offset)]


def _assert_drawn_as_textual_would(app) -> None:
    views = list(app.screen.query(ArticleView))
    assert views
    for view in views:
        for widget in (view, view.vertical_scrollbar):
            ours = _lines(widget)
            assert ours == _textual_lines(widget), f"{widget!r} draws other lines than Textual would"
            assert _lines(widget) == ours


@sync_test
async def test_reader_lines_are_the_lines_textual_would_draw(suggesting_app):
    app = suggesting_app
    async with app.run_test(size=SIZE) as pilot:
        view = await open_reader(pilot)
        await app.workers.wait_for_complete()  # suggestions: dim letters, which the colour filter turns into colours
        await pilot.pause()
        assert isinstance(view.vertical_scrollbar, CachedScrollBar)
        assert Finish.of(view) is not None and Finish.of(view.vertical_scrollbar) is not None
        assert any(view.article.suggestions.get(n) for n in range(1, 12)), "no suggestion on the first page"
        _assert_drawn_as_textual_would(app)
        await pilot.press("j", "pagedown", "pagedown", "j")  # scrolled, the thumb moved
        _assert_drawn_as_textual_would(app)
        await pilot.press("slash", *"the", "enter")  # search hits: overlays
        await pilot.pause()
        _assert_drawn_as_textual_would(app)
        view.vertical_scrollbar.mouse_over = True  # the bar's hover colours
        await pilot.pause()
        _assert_drawn_as_textual_would(app)
        add_line_filter(app, DimFilter())  # what TEXTUAL_FILTERS=dim adds
        app.refresh()
        await pilot.pause()
        _assert_drawn_as_textual_would(app)


@sync_test
async def test_compare_lines_are_the_lines_textual_would_draw(app):
    async with app.run_test(size=(140, 40)) as pilot:
        await library_ready(pilot)
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, CompareScreen)
        await pilot.press("j", "j", "tab", "j")  # a cursor in each pane; partners highlighted in the other
        assert any(view.highlighted for view in app.screen.query(ArticleView))
        _assert_drawn_as_textual_would(app)


@pytest.mark.parametrize("style", ["border: round red", "tint: red 20%", "padding: 1 1 0 0", "opacity: 0.5",
                                   "outline: heavy blue"])
@sync_test
async def test_looks_beyond_side_padding_are_drawn_by_textual(long_app, style):
    async with long_app.run_test(size=SIZE) as pilot:
        view = await open_reader(pilot)
        view.set_styles(style + ";")
        await pilot.pause()
        assert Finish.of(view) is None
        _assert_drawn_as_textual_would(long_app)


# --------------------------------------------------------------------------- tag keypress SQL
def test_tag_keypress_statements_use_indexes(long_db, long_id):
    db = long_db
    # enough other rows that a scan would be the planner's last resort, not a shortcut
    for n in range(1, 200):
        annotate.set_tag(db, long_id, n, "finding", "someone")
    db.conn.execute("ANALYZE")
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        annotate.toggle_tag(db, long_id, 5, "response", "me")  # on
        annotate.toggle_tag(db, long_id, 5, "response", "me")  # off
        from store.queries import sentence_annotations
        sentence_annotations(db, long_id, 5, "me")
    finally:
        db.conn.set_trace_callback(None)
    plans = {}
    for sql in statements:
        if re.match(r"\s*(SELECT|UPDATE|DELETE|INSERT)", sql, re.IGNORECASE):
            plans[sql] = " | ".join(r[3] for r in db.conn.execute("EXPLAIN QUERY PLAN " + sql))
    assert len(plans) >= 6
    scans = {sql: plan for sql, plan in plans.items() if re.search(r"\bSCAN (annotations|events|actions|progress)\b", plan)}
    assert not scans
    # the triggers' lookups (store/db.py _count_in/_count_out), which the trace does not show
    for sql in ("SELECT 1 FROM annotations WHERE article_id = 1 AND sentence = 5 AND annotator = 'me'"
                " AND status = 'ok' AND tag IS NOT NULL AND id != 7",
                "UPDATE progress SET sentences = sentences - 1 WHERE article_id = 1 AND annotator = 'me' AND tag = ''"):
        plan = " | ".join(r[3] for r in db.conn.execute("EXPLAIN QUERY PLAN " + sql))
        assert plan.startswith("SEARCH"), plan


# --------------------------------------------------------------------------- garbage collection
@sync_test
async def test_full_collections_wait_for_a_pause(long_app, monkeypatch):
    collected = []
    monkeypatch.setattr(app_module.gc, "collect", lambda *a: collected.append(a) or 0)
    app = long_app
    async with app.run_test(size=SIZE) as pilot:
        await open_reader(pilot)
        assert gc.get_threshold()[2] == app_module.FULL_COLLECT_BACKSTOP  # no automatic full pass per 10
        await app.workers.wait_for_complete()
        collected.clear()
        await pilot.press("pagedown")
        assert () not in collected, "a full collection inside the keypress"
        # the young collection follows the drawing ahead, once the page is shown
        await wait_for(pilot, lambda: collected)
        assert collected == [(1,)], "the young generations not collected once the next page was drawn ahead"
        app.user_paused()
        assert collected[1:] == [()], "no full collection once input paused"
    assert gc.get_threshold()[2] != app_module.FULL_COLLECT_BACKSTOP  # restored when the app ends
