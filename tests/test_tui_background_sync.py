"""Pilot tests of `pressmark open FOLDER`: the library shows at once and the folder syncs in the background."""
from __future__ import annotations

import shutil
import threading
from pathlib import Path

from textual.notifications import Notify
from tui_helpers import ME, SIZE, library, library_ready, open_reader, status, sync_test, tag_rows, wait_for

import store.formats
import store.sync
from store.db import connect
from store.sync import sync
from tui.app import PressmarkApp
from tui.screens.library import LibraryScreen

ARTICLES = Path(__file__).resolve().parent.parent / "articles"


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(ARTICLES, folder)
    return folder


def _synced(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """The real articles in a folder, synced into a database: (folder, database path)."""
    folder = _folder(tmp_path)
    path = tmp_path / name
    sync(connect(path), folder)
    return folder, path


def _app(path: Path, folder: Path | None, readonly: bool | None = None) -> PressmarkApp:
    return PressmarkApp(connect(path, readonly=readonly), annotator=ME, db_path=path,
                        sync_folder=str(folder) if folder else None, pause_after=None)


async def sync_done(pilot, app: PressmarkApp) -> None:
    """Wait until the sync asked for has started (after its short delay) and reported."""
    await wait_for(pilot, lambda: app.sync_folder is None and app.syncing is None)
    await app.workers.wait_for_complete()
    await pilot.pause()


@sync_test
async def test_open_syncs_the_folder_in_the_background_and_fills_the_library(tmp_path):
    folder = _folder(tmp_path)
    app = _app(tmp_path / "bg.db", folder)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LibraryScreen))
        await sync_done(pilot, app)
        await library_ready(pilot)
        assert sorted(a.file for a in library(app).articles) == sorted(p.name for p in folder.iterdir())
        assert status(app.screen) == f"{folder} synced: 2 added, 0 changed, 0 unchanged, 0 skipped"
        view = await open_reader(pilot)  # the synced articles are readable and taggable at once
        await pilot.press("f")
        await pilot.pause()
        assert tag_rows(app.db) == [(view.article.id, view.cursor, "finding", ME)]


def test_library_says_a_sync_is_running_until_it_reports(tmp_path, monkeypatch):
    folder = _folder(tmp_path)
    release = threading.Event()

    def slow_sync(*args, **kwargs):  # the real sync, once the test has looked at the screen
        release.wait(30)
        return real_sync(*args, **kwargs)

    real_sync = store.sync.sync
    monkeypatch.setattr(store.sync, "sync", slow_sync)

    @sync_test
    async def run():
        app = _app(tmp_path / "bg.db", folder)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, LibraryScreen) and app.syncing)
            await pilot.pause()
            assert status(app.screen) == f"Syncing {folder}…"
            app.screen.reload()  # e.g. back from the reader: still says so
            assert status(app.screen) == f"Syncing {folder}…"
            release.set()
            await sync_done(pilot, app)
            await wait_for(pilot, lambda: app.syncing is None)
            assert status(app.screen).startswith(f"{folder} synced: 2 added")
            assert len(library(app).articles) == 2

    run()


@sync_test
async def test_unchanged_folder_resyncs_quietly(tmp_path):
    folder, path = _synced(tmp_path, "bg.db")
    app = _app(path, folder)
    async with app.run_test(size=SIZE) as pilot:
        await library_ready(pilot)
        await sync_done(pilot, app)
        assert status(app.screen).endswith("0 added, 0 changed, 2 unchanged, 0 skipped")


@sync_test
async def test_read_only_database_is_not_synced(tmp_path):
    folder, path = _synced(tmp_path, "ro.db")
    (folder / "new.txt").write_text("A new article. It should not be synced into a read-only database.\n")
    app = _app(path, folder, readonly=True)
    messages = []
    async with app.run_test(size=SIZE, message_hook=messages.append) as pilot:
        await library_ready(pilot)
        await sync_done(pilot, app)
        assert len(library(app).articles) == 2
        assert any("not syncing" in m.notification.message for m in messages if isinstance(m, Notify))


@sync_test
async def test_a_failed_sync_is_reported_not_raised(tmp_path):
    folder = _folder(tmp_path)
    app = _app(tmp_path / "bg.db", folder)
    shutil.rmtree(folder)  # gone between the command line and the sync
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, LibraryScreen) and app.screen.is_mounted)
        await sync_done(pilot, app)
        assert status(app.screen).startswith(f"Sync of {folder} failed: ")


@sync_test
async def test_suggestions_arriving_after_the_reader_closed_are_dropped(tmp_path):
    """The suggestion worker can finish after the reader was closed; that must not crash the app."""
    _, path = _synced(tmp_path, "late.db")
    app = _app(path, None)
    async with app.run_test(size=SIZE) as pilot:
        view = await open_reader(pilot)
        reader = app.screen
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, LibraryScreen))
        reader.refresh_suggestions(view)  # what the worker's call_from_thread runs
        await pilot.pause()
        assert isinstance(app.screen, LibraryScreen)


@sync_test
async def test_big_folders_sync_through_worker_processes_inside_the_app(tmp_path, monkeypatch):
    """Inside the app, stderr is Textual's and threads run: the process pool must still start (spawn)."""
    folder = tmp_path / "many"
    folder.mkdir()
    count = store.sync.POOL_MIN_FILES["spawn"] + 20
    for i in range(count):
        (folder / f"{i:04}.txt").write_text(f"Article {i} has a sentence. It has another one.\n", encoding="utf-8")
    app = _app(tmp_path / "many.db", folder)
    async with app.run_test(size=SIZE) as pilot:
        await sync_done(pilot, app)
        assert status(app.screen) == f"{folder} synced: {count} added, 0 changed, 0 unchanged, 0 skipped"


@sync_test
async def test_parallel_export_works_from_a_thread_inside_the_app(tmp_path, monkeypatch):
    import asyncio

    import store.export
    from store.annotate import set_tag

    monkeypatch.setattr(store.export, "PARALLEL_MIN_ROWS", 1)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    _, path = _synced(tmp_path, "export.db")
    db = connect(path)
    for (aid,) in db.conn.execute("SELECT id FROM articles").fetchall():
        for n in range(1, 4):
            set_tag(db, aid, n, "finding", ME)
    assert len(store.export._parts(db, store.export.ExportFilter())) == 2
    app = _app(path, None)
    async with app.run_test(size=SIZE) as pilot:
        await library_ready(pilot)
        count = await asyncio.to_thread(store.formats.export, connect(path), "csv", tmp_path / "out.csv")
    assert count == 6 and len((tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()) == 7
