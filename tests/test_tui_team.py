"""Pilot tests of team work in the TUI: others' tags, the agreement screen and adjudication."""
from __future__ import annotations

from store.annotate import set_tag
from tui.screens.agreement import AgreementScreen
from tui.screens.reader import ReaderScreen
from tui.widgets.article_view import ArticleView
from tui_helpers import (  # noqa: F401 (fixtures are used by name)
    ME,
    app,
    ids,
    library_ready,
    quicker_idle_wait,
    screen_text,
    sync_test,
    tag_rows,
    view_texts,
)


def code_two_coders(db, article_id: int) -> None:
    """alice and bob both code the article; they disagree on sentence 2 only."""
    for who in ("alice", "bob"):
        set_tag(db, article_id, 1, "finding", who)
    set_tag(db, article_id, 2, "finding", "alice")
    set_tag(db, article_id, 2, "response", "bob")


@sync_test
async def test_others_tags_are_hidden_until_asked_for(app, db, ids):
    code_two_coders(db, ids[0])
    async with app.run_test(size=(120, 35)) as pilot:
        await library_ready(pilot)
        await pilot.press("enter")
        await pilot.pause()
        view = app.screen.query_one(ArticleView)
        assert not any(t.startswith("others:") for t in view_texts(view))
        await pilot.press("O")
        await pilot.pause()
        lines = [t for t in view_texts(view) if t.startswith("others:")]
        assert "others: alice F · bob R" in lines and "others: alice F · bob F" in lines
        assert tag_rows(db, ids[0]) and all(row[3] != ME for row in tag_rows(db))  # nothing written


@sync_test
async def test_agreement_screen_and_adjudication(app, db, ids):
    code_two_coders(db, ids[0])
    async with app.run_test(size=(120, 35)) as pilot:
        await library_ready(pilot)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AgreementScreen)
        text = screen_text(app)
        assert "alice, bob" in text and "1 disagreements" in text
        await pilot.press("enter")
        await pilot.pause()
        reader = app.screen
        assert isinstance(reader, ReaderScreen) and reader.annotator == "adjudicated"
        view = reader.query_one(ArticleView)
        assert view.cursor == 2
        assert "tagging as adjudicated" in screen_text(app)
        await pilot.press("r")
        await pilot.pause()
        assert (ids[0], 2, "response", "adjudicated") in tag_rows(db)
        await pilot.press("u")  # undo acts for the adjudicator here
        await pilot.pause()
        assert (ids[0], 2, "response", "adjudicated") not in tag_rows(db)
