"""Pilot tests of team work in the TUI: others' tags, the agreement screen and adjudication."""
from __future__ import annotations

from tui_helpers import (  # noqa: F401 (fixtures are used by name)
    ME,
    app,
    ids,
    library_ready,
    quicker_idle_wait,
    screen_text,
    suggesting_app,
    sync_test,
    tag_rows,
    view_texts,
)

from store.annotate import set_tag
from tui.screens.agreement import AgreementScreen
from tui.screens.reader import ReaderScreen
from tui.widgets.article_view import ArticleView


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
        assert "alice, bob" in text and "1 disagreement, 0 adjudicated" in text and "1 article" in text
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
        await pilot.press("q")  # back: the disagreement shows as settled, with its final tags
        await pilot.pause()
        assert isinstance(app.screen, AgreementScreen)
        text = screen_text(app)
        assert "✓ final: R" in text and "1 disagreement, 1 adjudicated" in text and "R  open" not in text
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("u")  # undo acts for the adjudicator here
        await pilot.pause()
        assert (ids[0], 2, "response", "adjudicated") not in tag_rows(db)
        await pilot.press("q")
        await pilot.pause()
        assert "bob: R  open" in screen_text(app) and "0 adjudicated" in screen_text(app)


@sync_test
async def test_agreement_screen_moves_with_j_and_k_and_its_help_lists_its_own_keys(app, db, ids):
    code_two_coders(db, ids[0])
    set_tag(db, ids[1], 1, "finding", "alice")
    set_tag(db, ids[1], 1, "commitment", "bob")
    async with app.run_test(size=(120, 35)) as pilot:
        await library_ready(pilot)
        await pilot.press("a")
        await pilot.pause()
        found = app.screen.query_one("#disagreements")
        assert found.highlighted == 0
        await pilot.press("j")
        assert found.highlighted == 1
        await pilot.press("k")
        assert found.highlighted == 0
        await pilot.press("question_mark")
        await pilot.pause()
        text = screen_text(app)
        assert "Adjudicate" in text and "Next" in text and "Previous" in text and "Back" in text
        assert "Page Down" not in text and "Last" not in text  # the list widget's own keys are Textual's


@sync_test
async def test_suggestions_accept_dismiss_accept_all_and_undo(suggesting_app, db, ids):
    app = suggesting_app
    async with app.run_test(size=(120, 35)) as pilot:
        await library_ready(pilot)
        await pilot.press("enter")
        await app.workers.wait_for_complete()  # suggestions are computed in a worker
        await pilot.pause()
        view = app.screen.query_one(ArticleView)
        suggested = sorted(view.article.suggestions)
        assert len(suggested) >= 3, "the press release has cue phrases"
        first = view.article.suggestions[suggested[0]][0]
        view.cursor = suggested[0]
        await pilot.pause()
        assert "suggested:" in str(app.screen.query_one("#status").content)
        assert tag_rows(db) == []  # a suggestion is never an annotation by itself
        await pilot.press("a")
        await pilot.pause()
        assert (ids[0], suggested[0], first.tag, ME) in tag_rows(db)
        view.cursor = suggested[1]
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        assert suggested[1] not in view.article.suggestions and len(tag_rows(db)) == 1
        await pilot.press("u")  # issue 19 point 3: undoes the dismissal, not the accept before it
        await pilot.pause()
        assert suggested[1] in view.article.suggestions and len(tag_rows(db)) == 1
        assert "Undid: dismiss suggestion" in str(app.screen.query_one("#status").content)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert suggested[1] not in view.article.suggestions and len(tag_rows(db)) == 1
        await pilot.press("A")
        await pilot.pause()
        accepted = tag_rows(db)
        assert len(accepted) > 1 and all(row[1] != suggested[1] for row in accepted)
        await pilot.press("u")  # accept-all is one action
        await pilot.pause()
        assert tag_rows(db) == [(ids[0], suggested[0], first.tag, ME)]
        assert suggested[2] in view.article.suggestions  # open again after the undo


@sync_test
async def test_reader_names_the_speaker_of_quoted_speech(app, ids):
    async with app.run_test(size=(140, 60)) as pilot:
        await library_ready(pilot)
        await pilot.press("enter")
        await pilot.pause()
        view = app.screen.query_one(ArticleView)
        quoted = [n for n, s in view.article.speakers.items() if s.quoted and s.name == "Mark Douglas"]
        assert quoted, "the press release quotes Mark Douglas"
        view.cursor = quoted[0]
        await pilot.pause()
        assert any(t.startswith("“ Mark Douglas") for t in view_texts(view))
        status = str(app.screen.query_one("#status").content)  # who, and the words that said so
        assert "speaker: Mark Douglas (Strategic Director of Children’s Services) — “Mark Douglas … said:”" in status


@sync_test
async def test_the_status_line_reveals_controls_in_a_stored_speaker_and_its_evidence(app, db, ids):
    """Stored speakers are data like any other (a database written by another tool): the name, role and
    evidence reach the status line with every control shown as a visible escape."""
    from store.derived.speakers import sentence_speakers
    from store.speakers import ALGORITHM

    sentence_speakers(db, ids[0])  # attributed and stored now; then overwritten as another tool might
    with db.conn:
        db.conn.execute("DELETE FROM sentence_speakers WHERE article_id = ?", (ids[0],))
        db.conn.execute("INSERT INTO sentence_speakers (article_id, n, speaker, role, quoted, evidence)"
                        " VALUES (?, 1, 'Jo\u202eBell', 'chair\x1b[2J', 1, '\x1b]52;c;SGk=\x07Jo … said:')", (ids[0],))
        db.conn.execute("UPDATE speaker_state SET algorithm = ? WHERE article_id = ?", (ALGORITHM, ids[0]))
    async with app.run_test(size=(160, 35)) as pilot:
        await library_ready(pilot)
        await pilot.press("enter")
        await pilot.pause()
        status = str(app.screen.query_one("#status").content)
    assert "speaker: Jo\\u202eBell (chair\\u001b[2J) — “\\u001b]52;c;SGk=\\u0007Jo … said:”" in status
    assert not any(ch in status for ch in "\x1b\x07\u202e")
