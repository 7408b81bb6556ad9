"""The library's search and best-source lookup after a sync: the index catch-up runs in a thread, whatever asks
for it (a new filter, a sync finishing or a return from the reader with a filter set)."""
from __future__ import annotations

import threading

from tui_helpers import ME, SIZE, library_ids, library_ready, open_reader, status, sync_test, wait_for

import store.sync
from store.db import connect
from store.derived.search import ensure_search
from store.sync import sync
from tui.app import PressmarkApp
from tui.screens.compare import CompareScreen
from tui.screens.library import LibraryScreen
from tui.widgets.article_list import ArticleList


class IndexingSpy:
    """Wraps store.derived.search.ensure_search: records on which thread each call ran and how many articles it
    indexed. While ``hold`` is clear, a call off the UI thread waits, so a test can look at the screen."""

    def __init__(self, monkeypatch) -> None:
        import store.derived.search

        self.calls: list[tuple[bool, int]] = []  # (on the UI thread, articles indexed)
        self.hold = threading.Event()
        self.hold.set()
        real = store.derived.search.ensure_search

        def spy(db, progress=None):
            on_ui_thread = threading.current_thread() is threading.main_thread()
            if not on_ui_thread:
                self.hold.wait(30)
            indexed = real(db, progress)
            self.calls.append((on_ui_thread, indexed))
            return indexed

        monkeypatch.setattr(store.derived.search, "ensure_search", spy)

    @property
    def indexed_on_ui_thread(self) -> list[int]:
        return [n for on_ui, n in self.calls if on_ui and n]

    @property
    def indexed_in_threads(self) -> list[int]:
        return [n for on_ui, n in self.calls if not on_ui and n]


def test_library_search_indexes_new_articles_in_a_thread(tmp_path, make_articles, monkeypatch):
    """Even a handful: indexing writes, and a database another process is writing to would block it."""
    import asyncio

    folder = make_articles({f"s{i}.txt": f"Harbour news\n\nStory {i} mentions the {'walrus' if i == 3 else 'gull'}.\n"
                            for i in range(6)}, folder="lib")
    path = tmp_path / "lib.db"
    db = connect(path)
    sync(db, folder)
    spy = IndexingSpy(monkeypatch)

    async def run() -> list[int]:
        app = PressmarkApp(db, annotator="me", db_path=path, pause_after=None)
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            await pilot.press("slash")
            for key in "walrus":
                await pilot.press(key)
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            return [a.id for a in app.screen.query_one(ArticleList).articles]

    try:
        found = asyncio.run(run())
        assert found == [db.conn.execute("SELECT id FROM articles WHERE file = 's3.txt'").fetchone()[0]]
        assert db.conn.execute("SELECT count(*) FROM search_state").fetchone()[0] == 6
        assert spy.indexed_on_ui_thread == [] and spy.indexed_in_threads == [6]
    finally:
        db.close()


def test_library_b_builds_the_shingle_index_in_a_thread(tmp_path, corpus):
    import asyncio

    path = tmp_path / "b.db"
    db = connect(path)
    sync(db, corpus)
    assert db.conn.execute("SELECT count(*) FROM shingle_state").fetchone()[0] == 0

    async def run() -> object:
        app = PressmarkApp(db, annotator="me", db_path=path, pause_after=None)
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.pause()
            await pilot.press("j", "b")
            await app.workers.wait_for_complete()
            await pilot.pause()
            return app.screen

    try:
        assert isinstance(asyncio.run(run()), CompareScreen)
        assert db.conn.execute("SELECT count(*) FROM shingle_state").fetchone()[0] == 2
    finally:
        db.close()


# --------------------------------------------------------------------------- a filter active when articles arrive
def _story(i: int, animal: str) -> str:
    return f"Harbour news {i}\n\nThe {animal} came back to the harbour today. Nobody had expected it.\n"


def _news(make_articles, tmp_path):
    """Two articles synced and indexed for search (one mentions a walrus), and a folder where two more walrus
    stories and a gull story have arrived since: (folder, database path, open database)."""
    folder = make_articles({"a1.txt": _story(1, "walrus"), "a2.txt": _story(2, "gull")}, folder="news")
    path = tmp_path / "news.db"
    db = connect(path)
    sync(db, folder)
    ensure_search(db)
    for name, i, animal in (("b1.txt", 3, "walrus"), ("b2.txt", 4, "gull"), ("b3.txt", 5, "walrus")):
        (folder / name).write_text(_story(i, animal), encoding="utf-8")
    return folder, path, db


def _ids(db, *files: str) -> list[int]:
    return [db.conn.execute("SELECT id FROM articles WHERE file = ?", (f,)).fetchone()[0] for f in files]


def _gate_sync(monkeypatch, after=None) -> threading.Event:
    """The app's background sync waits for the returned event (so a filter can be set first); ``after()``
    runs in the sync's thread once it has finished."""
    release = threading.Event()
    real_sync = store.sync.sync

    def gated(*args, **kwargs):
        release.wait(30)
        report = real_sync(*args, **kwargs)
        if after:
            after()
        return report

    monkeypatch.setattr(store.sync, "sync", gated)
    return release


async def _filter(pilot, text: str) -> None:
    await pilot.press("slash")
    await pilot.pause()
    await pilot.press(*text, "enter")
    await pilot.pause()


async def _filter_while_syncing(pilot, text: str) -> None:
    """Once the library is up and its (gated) background sync under way, filter by ``text``."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, LibraryScreen) and app.syncing)
    await _filter(pilot, text)


def test_sync_finishing_under_a_filter_indexes_in_a_thread_then_filters(tmp_path, make_articles, monkeypatch):
    folder, path, db = _news(make_articles, tmp_path)
    release = _gate_sync(monkeypatch)
    spy = IndexingSpy(monkeypatch)

    @sync_test
    async def run():
        app = PressmarkApp(db, annotator=ME, db_path=path, sync_folder=str(folder), pause_after=None)
        async with app.run_test(size=SIZE) as pilot:
            await _filter_while_syncing(pilot, "walrus")
            assert library_ids(app) == _ids(db, "a1.txt")  # nothing to index: filtered at once, in place
            assert spy.indexed_in_threads == []
            spy.hold.clear()
            release.set()
            await wait_for(pilot, lambda: app.syncing is None)
            await pilot.pause()
            assert spy.indexed_on_ui_thread == []
            assert library_ids(app) == _ids(db, "a1.txt")  # while indexing: the list as it was
            spy.hold.set()
            await wait_for(pilot, lambda: len(library_ids(app)) == 3)
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert library_ids(app) == _ids(db, "a1.txt", "b1.txt", "b3.txt")
            assert spy.indexed_on_ui_thread == [] and spy.indexed_in_threads == [3]
            assert status(app.screen) == f"{folder} synced: 3 added, 0 changed, 2 unchanged, 0 skipped"

    try:
        run()
    finally:
        db.close()


def test_back_from_the_reader_after_another_sync_indexes_in_a_thread(tmp_path, make_articles, monkeypatch):
    folder, path, db = _news(make_articles, tmp_path)
    spy = IndexingSpy(monkeypatch)

    @sync_test
    async def run():
        app = PressmarkApp(db, annotator=ME, db_path=path, pause_after=None)
        async with app.run_test(size=SIZE) as pilot:
            await library_ready(pilot)
            await _filter(pilot, "walrus")
            await open_reader(pilot)
            other = connect(path)  # another pressmark syncs the folder while this one reads
            sync(other, folder)
            other.close()
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, LibraryScreen))
            await wait_for(pilot, lambda: len(library_ids(app)) == 3)
            await app.workers.wait_for_complete()
            assert library_ids(app) == _ids(db, "a1.txt", "b1.txt", "b3.txt")
            assert spy.indexed_on_ui_thread == [] and spy.indexed_in_threads == [3]

    try:
        run()
    finally:
        db.close()


def test_a_locked_database_while_indexing_after_a_sync_is_reported_not_raised(tmp_path, make_articles, monkeypatch):
    import sqlite3

    import store.db

    monkeypatch.setattr(store.db, "BUSY_TIMEOUT_S", 0.2)  # for every connection made from here on
    folder, path, db = _news(make_articles, tmp_path)
    locker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    # Another process starts a long write just as the sync finishes, before the library re-reads.
    release = _gate_sync(monkeypatch, after=lambda: locker.execute("BEGIN IMMEDIATE"))

    @sync_test
    async def run():
        app = PressmarkApp(db, annotator=ME, db_path=path, sync_folder=str(folder), pause_after=None)
        async with app.run_test(size=SIZE) as pilot:
            await _filter_while_syncing(pilot, "walrus")
            release.set()
            await wait_for(pilot, lambda: status(app.screen).startswith("Indexing for search failed"))
            assert "database is locked" in status(app.screen)
            assert app.is_running and isinstance(app.screen, LibraryScreen)
            assert library_ids(app) == _ids(db, "a1.txt")  # the list as it was
            locker.execute("ROLLBACK")  # the other process is done: the next reload indexes
            await pilot.press("o")
            await wait_for(pilot, lambda: len(library_ids(app)) == 3)
            assert sorted(library_ids(app)) == sorted(_ids(db, "a1.txt", "b1.txt", "b3.txt"))

    try:
        run()
    finally:
        locker.close()
        db.close()


def test_library_filter_matches_a_file_name(tmp_path, make_articles):
    """`/` then part of a file name that is in no title or sentence (issue 19: `a02999` found nothing)."""
    import asyncio

    folder = make_articles({"a02999.txt": "Budget set\n\nThe council set its budget.\n",
                            "b10000.txt": "Roads mended\n\nThe roads were mended.\n"}, folder="lib")
    path = tmp_path / "lib.db"
    db = connect(path)
    sync(db, folder)

    async def run() -> list[str]:
        app = PressmarkApp(db, annotator="me", db_path=path, pause_after=None)
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            await pilot.press("slash", *"a02999", "enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            return [a.file for a in app.screen.query_one(ArticleList).articles]

    try:
        assert asyncio.run(run()) == ["a02999.txt"]
    finally:
        db.close()
