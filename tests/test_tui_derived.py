"""The library's first search and best-source lookup after a big sync: the catch-up runs in a thread."""
from __future__ import annotations

import pytest

import tui.screens.library as library_screen
from store.db import connect
from store.sync import sync
from tui.app import PressmarkApp
from tui.screens.compare import CompareScreen
from tui.widgets.article_list import ArticleList


@pytest.mark.parametrize("threshold", [0, 1000])
def test_library_search_indexes_new_articles_in_a_thread_or_inline(tmp_path, make_articles, monkeypatch, threshold):
    import asyncio

    folder = make_articles({f"s{i}.txt": f"Harbour news\n\nStory {i} mentions the {'walrus' if i == 3 else 'gull'}.\n"
                            for i in range(6)}, folder="lib")
    path = tmp_path / "lib.db"
    db = connect(path)
    sync(db, folder)
    monkeypatch.setattr(library_screen, "SEARCH_IN_THREAD", threshold)

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
