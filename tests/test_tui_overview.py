"""The overview screen (`v` in the library): the corpus in charts (issue 19, "Beyond the fix list")."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from tui_helpers import ME, make_app, screen_text, status, sync_test

from store.annotate import set_note, set_tag
from store.db import connect
from store.stats import CHARTS
from store.sync import sync
from tui.screens.library import LibraryScreen
from tui.screens.overview import HINTS, OverviewScreen

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = "ev\x1b]52;c;SGVsbG8=\x07il"  # an imported coder's name that writes the clipboard if sent raw


def _tagged(tmp_path: Path, corpus: Path):
    db = connect(tmp_path / "pressmark.db")
    sync(db, corpus)
    press, story = (r[0] for r in db.conn.execute("SELECT id FROM articles ORDER BY file"))
    set_tag(db, press, 2, "finding", ME)
    set_tag(db, press, 3, "response", ME)
    set_tag(db, story, 1, "commitment", "bob")
    return db, press, story


async def _open(pilot) -> OverviewScreen:
    await pilot.press("v")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    assert isinstance(pilot.app.screen, OverviewScreen)
    return pilot.app.screen


@sync_test
async def test_v_opens_every_chart_by_its_title_and_q_goes_back(tmp_path, corpus):
    db, _, _ = _tagged(tmp_path, corpus)
    app = make_app(db, db_path=tmp_path / "pressmark.db")
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await _open(pilot)
        for name, title in CHARTS.items():
            text = screen_text(app)
            assert title in text, text
            assert [t for t in CHARTS.values() if t in text] == [title]  # one chart at a time
            if name == "speakers":  # narration is said, not drawn: its bar would flatten every speaker's
                assert "Ofsted┤" in text and "(no speaker)┤" not in text
                assert "2 tagged sentences with no speaker (narration, documents' findings) not drawn" in text
            await pilot.press("right")
            await pilot.pause()
        assert CHARTS["articles"] in screen_text(app)  # round again
        assert "000_946a8aef52dcef49.txt" in screen_text(app) and status(screen) == HINTS
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)
        await _open(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)


@sync_test
async def test_names_in_charts_reach_the_terminal_as_escapes(tmp_path, corpus):
    db, press, _ = _tagged(tmp_path, corpus)
    day = "2026-01-02T00:00:00Z"
    db.conn.execute("""INSERT INTO annotations (article_id, sentence, start, "end", exact, tag, annotator, created_at,
                       updated_at) VALUES (?, 4, 0, 1, 'x', 'finding', ?, ?, ?)""", (press, HOSTILE, day, day))
    db.conn.commit()
    app = make_app(db, db_path=tmp_path / "pressmark.db")
    async with app.run_test(size=(120, 35)) as pilot:
        await _open(pilot)
        for _ in range(3):
            await pilot.press("l")
        await pilot.pause()
        text = screen_text(app)
        assert CHARTS["progress"] in text
        assert "ev\\u001b]52" in text and "\x1b" not in text


@sync_test
async def test_the_computation_shows_its_progress_in_the_title_bar(tmp_path, corpus, monkeypatch):
    db, _, _ = _tagged(tmp_path, corpus)
    shown: list[str] = []
    original = OverviewScreen.show_state

    def show_state(self, state: str) -> None:
        shown.append(state)
        original(self, state)

    monkeypatch.setattr(OverviewScreen, "show_state", show_state)
    app = make_app(db, db_path=tmp_path / "pressmark.db")
    async with app.run_test(size=(120, 35)) as pilot:
        await _open(pilot)
        assert [s for s in shown if s.endswith("of 2 articles…")] == [
            "computing tags by speaker: 2 of 2 articles…",  # both annotated articles attributed, in one batch
            "computing reuse of each article's likeliest source: 1 of 2 articles…",
            "computing reuse of each article's likeliest source: 2 of 2 articles…"]
        assert shown[-1] == "" and screen_text(app).splitlines()[0].strip() == "Overview"


@sync_test
async def test_an_undo_from_the_overview_is_said_and_redrawn_and_the_message_goes_with_the_next_key(
        tmp_path, corpus, monkeypatch):
    db, press, _ = _tagged(tmp_path, corpus)
    set_note(db, press, 3, "second thoughts", ME)
    shown: list[str] = []
    original = OverviewScreen.show_state
    monkeypatch.setattr(OverviewScreen, "show_state", lambda self, state: (shown.append(state), original(self, state)))
    app = make_app(db, db_path=tmp_path / "pressmark.db")
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await _open(pilot)
        shown.clear()
        for _ in range(3):
            await pilot.press("right")
        await pilot.pause()
        assert CHARTS["progress"] in screen_text(app) and "3.00┤" in screen_text(app)  # two tags and the note
        await pilot.press("u")
        await app.workers.wait_for_complete()  # the numbers computed again
        await pilot.pause()
        assert status(screen).startswith("Undid: "), status(screen)
        assert "3.00┤" not in screen_text(app) and "2.00┤" in screen_text(app)
        assert "computing each coder's progress…" in shown
        assert not [s for s in shown if "reuse" in s]  # the slow one, which annotations do not change, is kept
        await pilot.press("right")
        await pilot.pause()
        assert status(screen) == HINTS


# --------------------------------------------------------------------------- snapshots


@pytest.fixture
def snap_app(tmp_path, monkeypatch):
    """The two real articles, tagged by two coders on fixed days (the progress chart would follow the clock)."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "articles", tmp_path / "articles")
    db = connect("snap.db")
    sync(db, "articles")
    first, second = (r[0] for r in db.conn.execute("SELECT id FROM articles ORDER BY file"))
    for n, tag in ((2, "finding"), (3, "finding"), (3, "response"), (7, "commitment")):
        set_tag(db, first, n, tag, "snap")
    for n, tag in ((1, "finding"), (4, "response")):
        set_tag(db, second, n, tag, "lead")
    db.conn.execute("UPDATE annotations SET created_at = CASE WHEN sentence < 3 THEN '2026-11-30T09:00:00.000Z'"
                    " ELSE '2026-12-02T09:00:00.000Z' END")
    db.conn.commit()
    return make_app(db, annotator="snap", db_path=Path("snap.db"))


@pytest.mark.parametrize("chart", ["articles", "progress"])
def test_overview_snapshot(snap_compare, snap_app, chart):
    async def open_and_settle(pilot):
        await pilot.press("v")
        await pilot.app.workers.wait_for_complete()
        for _ in range(list(CHARTS).index(chart)):
            await pilot.press("right")
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    assert snap_compare(snap_app, run_before=open_and_settle, terminal_size=(120, 35))
