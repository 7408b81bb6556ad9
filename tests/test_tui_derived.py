"""The library's search and best-source lookup after a sync: the index catch-up runs in a thread."""
from __future__ import annotations

import threading

from store.db import connect
from store.sync import sync
from tui.app import PressmarkApp
from tui.screens.compare import CompareScreen
from tui.widgets.article_list import ArticleList


class IndexingSpy:
    """Wraps store.derived.ensure_search: records on which thread each call ran and how many articles it
    indexed. While ``hold`` is clear, a call off the UI thread waits, so a test can look at the screen."""

    def __init__(self, monkeypatch) -> None:
        import store.derived

        self.calls: list[tuple[bool, int]] = []  # (on the UI thread, articles indexed)
        self.hold = threading.Event()
        self.hold.set()
        real = store.derived.ensure_search

        def spy(db, progress=None):
            on_ui_thread = threading.current_thread() is threading.main_thread()
            if not on_ui_thread:
                self.hold.wait(30)
            indexed = real(db, progress)
            self.calls.append((on_ui_thread, indexed))
            return indexed

        monkeypatch.setattr(store.derived, "ensure_search", spy)

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
        app = PressmarkApp(db, annotator="me", db_path=path)
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
        app = PressmarkApp(db, annotator="me", db_path=path)
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
