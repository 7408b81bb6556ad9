"""Guards for the structural reasons start-up is fast (issue 6; figures in bench/README.md).

Start-up is import-bound, so what the library screen imports is pinned here; the library's
queries are pinned to their covering indexes, so 10,000 articles do not mean reading 10,000 texts.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from store.db import connect

# Not needed to paint the library; each costs start-up time (measured with python -X importtime).
HEAVY = ("sqlite_utils", "numpy", "store.annotate", "store.files", "store.speakers", "store.suggest",
         "store.align", "tui.cli_align", "tui.cli_suggest", "tui.cli_team",
         "tui.screens.reader", "trafilatura", "lxml", "frontmatter", "yaml",
         "store.default_cues", "hashlib", "csv")  # the last three: only migrations that seed the cues use them


def test_library_start_path_imports_nothing_heavy():
    code = ("import sys, tui.cli, tui.app, tui.screens.library; "
            f"print(sorted(m for m in sys.modules if m in {HEAVY!r}))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


@pytest.mark.parametrize("files, loaded", [
    ({"a.txt": "Headline\nBody.", "b.md": "# Heading\n\nBody."}, []),
    ({"a.md": "---\ntitle: T\n---\nBody."}, ["frontmatter", "yaml"]),
    ({"a.html": "<p>Body.</p>"}, ["lxml", "trafilatura"]),
])
def test_trafilatura_and_yaml_are_imported_only_by_a_sync_that_needs_them(files, loaded, make_articles, tmp_path):
    """trafilatura takes 0.3-0.5 s to import, python-frontmatter with PyYAML 40 ms."""
    folder = make_articles(files)
    code = ("import sys; from store.db import connect; from store.sync import sync; "
            f"sync(connect({str(tmp_path / 'p.db')!r}), {str(folder)!r}); "
            "print(sorted(m for m in sys.modules if m in ('trafilatura', 'lxml', 'frontmatter', 'yaml')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == repr(loaded)


def _plan(db, sql: str, params=()) -> str:
    return " | ".join(row[3] for row in db.conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))


@pytest.fixture
def db(tmp_path):
    return connect(tmp_path / "plans.db")


def test_article_listing_reads_only_its_covering_index(db, monkeypatch):
    statements = []
    db.conn.set_trace_callback(statements.append)
    from store.queries import list_articles

    list_articles(db, "alice")
    listing = [s for s in statements if "FROM articles" in s]
    assert len(listing) == 1
    assert "COVERING INDEX articles_listing" in _plan(db, listing[0])


def test_one_annotators_counters_are_a_search_not_a_scan(db):
    statements = []
    db.conn.set_trace_callback(statements.append)
    from store.queries import list_articles

    list_articles(db, "alice")
    counters = [s for s in statements if "FROM progress" in s]
    assert len(counters) == 1
    assert _plan(db, counters[0]).startswith("SEARCH progress USING COVERING INDEX progress_annotator")


def test_library_css_loads_with_the_app_so_the_first_screen_does_not_reparse():
    from tui.app import PressmarkApp
    from tui.screens.library import LibraryScreen

    assert "screens/library.tcss" in PressmarkApp.CSS_PATH
    assert not LibraryScreen.CSS_PATH


def test_first_page_is_the_start_of_the_full_list(tmp_path, make_articles):
    from store.annotate import set_tag
    from store.queries import count_articles, list_articles
    from store.sync import sync

    db = connect(tmp_path / "pages.db")
    sync(db, make_articles({f"{i:03}.txt": f"Article {i} says one thing. It says another." for i in range(40)}))
    ids = [a.id for a in list_articles(db, "alice")]
    for aid in ids[::3]:
        set_tag(db, aid, 1, "finding", "alice")
        set_tag(db, aid, 2, "response", "bob")
    full = list_articles(db, "alice")
    assert list_articles(db, "alice", limit=10) == full[:10]
    assert any(a.counts for a in full[:10])  # the page carries its counters, not just its titles
    assert count_articles(db) == len(full) == 40


def test_first_page_counters_are_read_by_primary_key(db, make_articles):
    from store.sync import sync

    sync(db, make_articles({f"{i}.txt": "One sentence. Two sentences." for i in range(8)}))
    statements = []
    db.conn.set_trace_callback(statements.append)
    from store.queries import list_articles

    list_articles(db, "alice", limit=5)
    [counters] = [s for s in statements if "FROM progress" in s]
    assert _plan(db, counters).startswith("SEARCH progress USING PRIMARY KEY")


@pytest.mark.parametrize("outcome", ["returns", "raises"])
def test_open_runs_the_app_with_the_collector_off_and_turns_it_back_on(outcome, run_cli, tmp_path, monkeypatch):
    """Start-up (Textual's import above all) makes only objects that live as long as the app: collecting
    while it runs took 13 of the 230 ms to a painted library (issue 17). Whatever way the app ends, the
    collector is on again afterwards."""
    import gc

    from store.errors import StoreError
    from tui.app import PressmarkApp

    seen = []

    def run(app) -> None:
        seen.append(gc.isenabled())
        if outcome == "raises":
            raise StoreError("the app failed")

    monkeypatch.setattr(PressmarkApp, "run", run)
    result = run_cli("--db", tmp_path / "p.db", "open", env={"PRESSMARK_ANNOTATOR": "alice"})
    assert result.code == (0 if outcome == "returns" else 1), result.err
    assert seen == [False]
    assert gc.isenabled()


def test_the_app_turns_the_collector_on_once_ready_with_start_up_frozen(db, db_path):
    """The other half of the above: once the first frame is out (Ready), the app, started with the collector
    off, freezes what start-up made (so that the first collection does not walk it all) and turns it on."""
    import gc

    from tui_helpers import SIZE, make_app, sync_test, wait_for

    @sync_test
    async def run() -> bool:
        app = make_app(db, db_path=db_path)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: gc.get_freeze_count() > 0)
            return gc.isenabled()

    gc.unfreeze()  # what earlier tests' apps froze
    gc.disable()
    try:
        assert run(), "frozen, but the collector left off"
    finally:
        gc.enable()
