"""Pilot tests of a browser session under `pressmark serve` (issue 20): the login screen, nothing before it, the
annotator who logged in, coder and lead permissions, the idle timeout, exports as downloads."""
from __future__ import annotations

import pytest
from textual import events
from textual.widgets import Input, Static
from tui_helpers import (  # noqa: F401 (fixtures are used by name)
    ids,
    library_ready,
    quicker_idle_wait,
    screen_text,
    status,
    sync_test,
    tag_rows,
    wait_for,
)

from store.annotate import set_tag
from store.users import add_user
from tui.app import PressmarkApp
from tui.screens.agreement import AgreementScreen
from tui.screens.export import ExportScreen, download_name
from tui.screens.library import LibraryScreen
from tui.screens.login import LoginScreen


@pytest.fixture
def served(db, db_path, monkeypatch):
    """A served session's app (from 198.51.100.7) on the synced corpus, with a coder and a lead."""
    import tui.screens.login

    monkeypatch.setattr(tui.screens.login, "REFUSED_PAUSE_S", 0)
    db.conn.execute("DELETE FROM cues")
    add_user(db, "carla", "carla's password", "coder")
    add_user(db, "leo", "leo's password", "lead")
    return PressmarkApp(db, annotator="", db_path=db_path, pause_after=None, served_from="198.51.100.7")


async def log_in(pilot, name: str, password: str) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, LoginScreen) and app.screen.query("#name"))
    app.screen.query_one("#name", Input).value = name
    app.screen.query_one("#password", Input).value = password
    app.screen.query_one("#password", Input).focus()
    await pilot.press("enter")


def message(app) -> str:
    return str(app.screen.query_one("#login-message", Static).content)


@sync_test
async def test_nothing_of_the_app_is_reachable_before_a_login(served, db):
    async with served.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(served.screen, LoginScreen) and served.screen.query("#log-in"))
        for key in ["question_mark", "ctrl+p", "ctrl+r", "u", "enter"]:
            served.screen.query_one("#log-in").focus()  # not a text box, which would take the key as typed
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(served.screen, LoginScreen) and len(served.screen_stack) == 1, key
        assert served.annotator == "" and served.user is None
        assert "pressmark: log in" in screen_text(served) and "articles" not in screen_text(served)


@sync_test
async def test_a_wrong_password_is_refused_and_recorded_and_the_right_one_opens_the_library(served, db):
    async with served.run_test(size=(100, 30)) as pilot:
        await log_in(pilot, "carla", "not carla's password")
        await wait_for(pilot, lambda: "Wrong name or password" in message(served))
        assert isinstance(served.screen, LoginScreen) and served.user is None
        assert served.screen.query_one("#password", Input).value == ""  # not kept on screen
        await log_in(pilot, "carla", "carla's password")
        await library_ready(pilot)
        assert served.annotator == "carla" and served.user.role == "coder"
        await wait_for(pilot, lambda: "online: carla" in screen_text(served))
        assert "annotator: carla  database: pressmark.db" in screen_text(served)  # no path of the server
    assert db.conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0  # ended with the app
    attempts = db.conn.execute("SELECT name, address, ok FROM login_attempts ORDER BY id").fetchall()
    assert attempts == [("carla", "198.51.100.7", 0), ("carla", "198.51.100.7", 1)]


@sync_test
async def test_after_three_failures_the_next_login_waits_even_with_the_right_password(served, db):
    async with served.run_test(size=(100, 30)) as pilot:
        for i in range(3):
            await log_in(pilot, f"guess{i}", "wrong password")
            await wait_for(pilot, lambda: "Wrong name or password" in message(served))
            served.screen.query_one("#login-message", Static).update("")
        await log_in(pilot, "leo", "leo's password")
        await wait_for(pilot, lambda: "Too many failed logins" in message(served))
        assert served.user is None


@sync_test
async def test_hostile_names_and_10_kb_passwords_are_refused_and_cut(served, db):
    async with served.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(served.screen, LoginScreen) and served.screen.query("#name"))
        name, password = served.screen.query_one("#name", Input), served.screen.query_one("#password", Input)
        for box, pasted in [(name, "\x1b]52;c;SGVsbG8=\x07"), (name, "n" * 10_000), (password, "p" * 10_000)]:
            box.focus()
            box.post_message(events.Paste(pasted))
            await pilot.pause()
            assert box.value == ""  # refused whole
        name.post_message(events.Paste("<b>[bold]x\u202e"))
        await pilot.pause()
        assert name.value == ""
        name.post_message(events.Paste("<b>[bold]x</b>"))
        password.post_message(events.Paste("p" * 1024))
        await pilot.pause()
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Wrong name or password" in message(served))
        assert "\x1b" not in screen_text(served) and "<b>[bold]x</b>" in screen_text(served)
    assert db.conn.execute("SELECT name, ok FROM login_attempts").fetchall() == [("<b>[bold]x</b>", 0)]


@sync_test
async def test_a_coder_tags_as_themselves_and_cannot_adjudicate(served, db, ids):
    set_tag(db, ids[0], 1, "finding", "leo")
    async with served.run_test(size=(100, 30)) as pilot:
        await log_in(pilot, "carla", "carla's password")
        await library_ready(pilot)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(served.screen, LibraryScreen)
        assert "Only a lead can adjudicate" in status(served.screen)
        await pilot.press("g", "enter")
        await wait_for(pilot, lambda: not isinstance(served.screen, LibraryScreen))
        await pilot.press("f")
        await wait_for(pilot, lambda: ("carla" in {r[3] for r in tag_rows(db)}))
        await pilot.press("x")  # clears her own tags only
        await wait_for(pilot, lambda: "carla" not in {r[3] for r in tag_rows(db)})
    assert tag_rows(db) == [(ids[0], 1, "finding", "leo")]


@sync_test
async def test_a_lead_opens_the_agreement_screen(served, db, ids):
    async with served.run_test(size=(100, 30)) as pilot:
        await log_in(pilot, "leo", "leo's password")
        await library_ready(pilot)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(served.screen, AgreementScreen))


@sync_test
async def test_an_idle_session_ends(db, db_path):
    app = PressmarkApp(db, annotator="", db_path=db_path, pause_after=None, served_from="", idle_timeout=0.05)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.return_code is not None or not app.is_running)
    assert app.user is None


@sync_test
async def test_a_served_export_is_a_download_of_the_coders_own_rows_and_writes_nothing(served, db, ids, tmp_path,
                                                                                       monkeypatch):
    delivered = []
    monkeypatch.setattr(served, "deliver_binary", lambda file, save_filename: delivered.append((file.read(),
                                                                                                 save_filename)))
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    set_tag(db, ids[0], 1, "finding", "leo")
    set_tag(db, ids[0], 2, "response", "carla")
    async with served.run_test(size=(100, 30)) as pilot:
        await log_in(pilot, "carla", "carla's password")
        await library_ready(pilot)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(served.screen, ExportScreen))
        served.screen.query_one("#path", Input).value = "../../etc/my file.csv"
        await pilot.press("enter")
        await wait_for(pilot, lambda: delivered)
    data, name = delivered[0]
    assert name == "my_file.csv"
    rows = data.decode("utf-8").splitlines()
    assert len(rows) == 2 and ",carla," in rows[1]
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_download_names_stay_inside_one_header_value():
    assert download_name("..", "annotations.csv") == "annotations.csv"
    assert download_name("a\r\nSet-Cookie: x", "d.csv") == "a__Set-Cookie__x"
    assert download_name("/tmp/ok-1.jsonl", "d") == "ok-1.jsonl"
