"""Shared fixtures: a temporary copy of the real articles, a synced database, and CLI runners.

Every input lives under ``tmp_path``; nothing here writes into the repository.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from store.db import connect
from store.sync import sync

REPO = Path(__file__).resolve().parent.parent
ARTICLES = REPO / "articles"
REAL_ARTICLES = sorted(p.name for p in ARTICLES.iterdir() if p.is_file() and not p.name.startswith("."))
# The browser tests (tests/browser: Chromium, selenium, a real server) run by `make test-browser` only.
collect_ignore = [] if os.environ.get("PRESSMARK_BROWSER_TESTS") else ["browser"]
# The tmux walk-through drives the real program through 92 keys; beside a whole parallel suite on a busy machine
# it once missed a key's effect within its 30 s (make stress-test, 1 run in 10), so it runs on its own:
# `make test-walkthrough`, after `make test` in .ci/run.
if not os.environ.get("PRESSMARK_WALKTHROUGH"):
    collect_ignore.append("test_walkthrough.py")


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A private copy of ``articles/`` (tests may edit, add or delete files in it)."""
    dst = tmp_path / "articles"
    shutil.copytree(ARTICLES, dst)
    return dst


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "pressmark.db"


@pytest.fixture
def db(db_path: Path, corpus: Path):
    """A new database with ``corpus`` synced into it."""
    database = connect(db_path)
    sync(database, corpus)
    yield database
    database.conn.close()


@pytest.fixture
def article_ids(db) -> dict[str, int]:
    """file name -> article id for the synced corpus."""
    return {file: aid for aid, file in db.conn.execute("SELECT id, file FROM articles")}


@pytest.fixture(params=REAL_ARTICLES)
def real_article(request) -> str:
    """Each real article's file name in turn."""
    return request.param


@pytest.fixture
def sentences(db):
    """``sentences(article_id)`` -> list of (n, start, end, text) as stored by sync."""
    def get(article_id: int) -> list[tuple[int, int, int, str]]:
        return db.conn.execute(
            'SELECT n, start, "end", text FROM sentences WHERE article_id = ? ORDER BY n', (article_id,)
        ).fetchall()
    return get


@pytest.fixture
def annotation_rows(db):
    """``annotation_rows(annotator=None)`` -> every annotation row as a dict, ordered by id."""
    def get(annotator: str | None = None) -> list[dict]:
        sql = "SELECT * FROM annotations" + (" WHERE annotator = ?" if annotator else "") + " ORDER BY id"
        cur = db.conn.execute(sql, (annotator,) if annotator else ())
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]
    return get


@pytest.fixture
def make_articles(tmp_path: Path):
    """``make_articles({"name.txt": "text" or b"bytes", ...}, folder="custom")`` -> the folder."""
    def make(files: dict[str, str | bytes], folder: str = "custom") -> Path:
        root = tmp_path / folder
        root.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, str):
                path.write_text(data, encoding="utf-8")
            else:
                path.write_bytes(data)
        return root
    return make


def _clean_env(env: dict[str, str | None] | None) -> dict[str, str | None]:
    return {"PRESSMARK_DB": None, "PRESSMARK_ANNOTATOR": None, **(env or {})}


@pytest.fixture
def run_cli(tmp_path: Path, monkeypatch):
    """Run ``tui.cli.main`` in-process with ``tmp_path`` as the working directory.

    ``run_cli(*args, env={...})`` -> CliResult(code, out, err). PRESSMARK_* variables
    are unset unless given. Exceptions that ``main`` lets escape propagate (and fail
    the test), just as they would print a traceback for a user.
    """
    import tui.cli

    monkeypatch.chdir(tmp_path)

    def run(*args: str, env: dict[str, str | None] | None = None) -> CliResult:
        runner = CliRunner()
        with runner.isolation(env=_clean_env(env)) as (out, err, _mixed):
            old_argv = sys.argv
            sys.argv = ["pressmark", *map(str, args)]
            code = 0
            try:
                tui.cli.main()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            finally:
                sys.argv = old_argv
                sys.stdout.flush()
                sys.stderr.flush()
            return CliResult(code, out.getvalue().decode("utf-8"), err.getvalue().decode("utf-8"))
    return run


@pytest.fixture
def run_pressmark(tmp_path: Path):
    """Run pressmark as a real process (``python -c 'tui.cli.main()'``) in ``tmp_path``.

    For exit codes, stderr and tracebacks exactly as a user sees them.
    """
    def run(*args: str, env: dict[str, str | None] | None = None) -> CliResult:
        full_env = dict(os.environ)
        for key, value in _clean_env(env).items():
            if value is None:
                full_env.pop(key, None)
            else:
                full_env[key] = value
        proc = subprocess.run(
            [sys.executable, "-c", "import sys; from tui.cli import main; sys.argv[0] = 'pressmark'; main()",
             *map(str, args)],
            cwd=tmp_path, env=full_env, capture_output=True, text=True, encoding="utf-8", timeout=60,
        )
        return CliResult(proc.returncode, proc.stdout, proc.stderr)
    return run


@pytest.fixture
def longer_story_files() -> dict[str, str]:
    """A short release, a story written from it and longer than it (a new lead, eight of the release's ten
    sentences each followed by one of its own), a sibling story sharing a sentence with the story that the
    release lacks, a later article quoting the story throughout, and an unrelated one ending in the
    release's boilerplate (bench/align.py's generator)."""
    from bench.align import BOILERPLATE, Writer

    w = Writer(19)
    release = [w.sentence() for _ in range(10)]
    wire = w.sentence()  # in both stories, not in the release
    story = [w.sentence()] + [x for s in release for x in (s, w.sentence())][:16] + [wire]
    sibling = release[:5] + [wire] + [w.sentence() for _ in range(14)]
    return {"release.txt": w.article(release + [BOILERPLATE]), "story.txt": w.article(story),
            "sibling.txt": w.article(sibling), "quoting.txt": w.article([f"The story said: “{s}”" for s in story]),
            "unrelated.txt": w.article([w.sentence() for _ in range(12)] + [BOILERPLATE])}
