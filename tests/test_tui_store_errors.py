"""A store error never ends the app: the keys a new user presses first, on the databases they meet.

Each test presses real keys and then checks that the app is still running (no exception reached
Textual) and that the status line or the screen says what went wrong.
"""
from __future__ import annotations

import hashlib
import logging

from adversarial import make_damaged_database
from tui_helpers import (  # noqa: F401 (fixtures are used by name)
    SIZE,
    app,
    ids,
    library_ready,
    make_app,
    open_reader,
    quicker_idle_wait,
    screen_text,
    status,
    sync_test,
    tag_rows,
    wait_for,
)

from store.db import connect
from tui.screens.agreement import AgreementScreen
from tui.screens.library import LibraryScreen

LIBRARY_KEYS = ["a", "escape", "b", "s", "enter", "e", "escape", "o", "slash", "x", "enter"]


def still_running(app) -> None:
    assert app.is_running and app.return_code is None


async def press_each(pilot, keys: list[str]) -> None:
    """Press the keys one by one; the app must survive each, and the workers they started."""
    for key in keys:
        await pilot.press(key)
        await pilot.pause()
        still_running(pilot.app)
    await pilot.app.workers.wait_for_complete()
    still_running(pilot.app)


@sync_test
async def test_agreement_with_one_coder_says_so(app):
    """A new user's database has one coder: `a` shows the agreement screen's own explanation."""
    async with app.run_test(size=SIZE) as pilot:
        await open_reader(pilot)
        await pilot.press("f", "q")
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        still_running(app)
        assert isinstance(app.screen, AgreementScreen)
        text = screen_text(app)
        assert "needs two annotators" in text and "Nothing to compare yet" in text
        await pilot.press("q")
        assert isinstance(app.screen, LibraryScreen)


@sync_test
async def test_an_empty_database_survives_every_library_key(tmp_path):
    app = make_app(tmp_path / "empty.db")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "No articles yet" in status(app.screen)
        await press_each(pilot, LIBRARY_KEYS)


@sync_test
async def test_a_locked_database_is_reported_not_fatal(app, db, db_path, caplog):
    """Another process holds the write lock past the busy timeout: the tag is NOT SAVED, said and logged."""
    db.conn.execute("PRAGMA busy_timeout = 0")  # the app's connection gives up at once (it waits 30 s)
    blocker = connect(db_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_reader(pilot)
        await app.workers.wait_for_complete()
        blocker.conn.execute("BEGIN IMMEDIATE")
        try:
            with caplog.at_level(logging.ERROR, logger="pressmark"):
                await pilot.press("f", "x", "u")
                await pilot.pause()
        finally:
            blocker.conn.execute("ROLLBACK")
        still_running(app)
        assert "NOT SAVED" in status(app.screen) and "locked" in status(app.screen)
        assert str(db_path) in status(app.screen)
        assert any("locked" in r.getMessage() for r in caplog.records)
        await pilot.press("f")  # the lock is gone: saving works again
        await pilot.pause()
        assert "Saved" in status(app.screen) and tag_rows(db)
    blocker.close()


@sync_test
async def test_a_read_only_database_reads_and_refuses_writes(db, db_path):
    db.close()
    app = make_app(connect(db_path, readonly=True), db_path=db_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_reader(pilot)
        await press_each(pilot, ["f", "x", "a", "A", "d", "n", "u", "ctrl+r"])
        assert "Read-only database" in status(app.screen)
        await pilot.press("q", "a")
        await pilot.pause()
        still_running(app)
        assert isinstance(app.screen, AgreementScreen)


@sync_test
async def test_a_database_removed_while_open(app, db, db_path, ids):
    """The file (and its WAL) deleted under the running app: every key still leaves the app running."""
    async with app.run_test(size=SIZE) as pilot:
        await library_ready(pilot)
        await app.workers.wait_for_complete()
        for suffix in ("", "-wal", "-shm"):
            db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
        await press_each(pilot, LIBRARY_KEYS)


@sync_test
async def test_an_unexpected_store_error_in_an_action_is_shown(app, db, monkeypatch, caplog):
    """The app-level guard: a store error from any action (here undo, on a connection closed under it)."""
    async with app.run_test(size=SIZE) as pilot:
        await library_ready(pilot)
        await app.workers.wait_for_complete()
        db.conn.close()
        with caplog.at_level(logging.ERROR, logger="pressmark"):
            await pilot.press("u", "o")
            await pilot.pause()
        still_running(app)
        assert "closed database" in status(app.screen)
        assert caplog.records


@sync_test
async def test_a_damaged_database_refuses_writes_and_stays_up(tmp_path):
    """Damage in pages that opening does not read (the middle of the events table): the check the app runs
    in the background says so on the library's status line; a tag key is NOT SAVED, said with the file's
    name; the app goes on and the file keeps its bytes."""
    path = make_damaged_database(tmp_path)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    app = make_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await library_ready(pilot)
        await wait_for(pilot, lambda: "damaged" in status(app.screen))
        assert f"Database error: {path}: the database is damaged" in status(app.screen)
        await open_reader(pilot)
        await app.workers.wait_for_complete()
        await pilot.press("f")
        await pilot.pause()
        still_running(app)
        line = status(app.screen)
        assert f"NOT SAVED: {path}: " in line and "damaged" in line, line
        await pilot.press("j", "x", "u")
        await pilot.pause()
        still_running(app)
        assert not tag_rows(app.db, 1)
    app.db.close()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
