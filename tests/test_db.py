"""store.db: schema, connection settings, migrations, refusing files that are not ours."""
from __future__ import annotations

import hashlib
import os
import random
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from store.annotate import set_note, set_tag, undo
from store.db import SCHEMA_VERSION, StoreError, connect, schema_version
from store.queries import last_position, save_position, tags
from store.sync import sync


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def table_rows(db, table: str) -> list[tuple]:
    if table == "sentences":  # a table before schema 10 (with an id), a view after
        return db.conn.execute('SELECT article_id, n, para, start, "end", text FROM sentences'
                               " ORDER BY article_id, n").fetchall()
    return db.conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()


# --------------------------------------------------------------------------- a new database


def test_new_database_is_current_wal_full_sync(tmp_path):
    db = connect(tmp_path / "new.db")
    try:
        assert schema_version(db) == SCHEMA_VERSION
        assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert db.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert {"articles", "sentence_spans", "tags", "annotations", "actions", "events", "positions"} <= set(
            db.table_names())
        assert db.conn.execute("SELECT type FROM sqlite_master WHERE name = 'sentences'").fetchone() == ("view",)
        assert not db.conn.in_transaction
    finally:
        db.conn.close()


def test_default_codebook(tmp_path):
    db = connect(tmp_path / "new.db")
    try:
        codebook = tags(db)
    finally:
        db.conn.close()
    assert [(t.name, t.key, t.letter) for t in codebook] == [
        ("finding", "f", "F"), ("response", "r", "R"), ("commitment", "c", "C")]
    for t in codebook:
        assert re.fullmatch(r"#[0-9a-fA-F]{6}", t.colour), t
        assert t.description.strip() and "\n" not in t.description
    assert len({t.colour.lower() for t in codebook}) == 3


def test_reopening_does_not_duplicate_the_codebook_or_migrate_again(tmp_path):
    path = tmp_path / "p.db"
    connect(path).conn.close()
    db = connect(path)
    try:
        assert schema_version(db) == SCHEMA_VERSION
        assert db.conn.execute("SELECT count(*) FROM tags").fetchone()[0] == 3
    finally:
        db.conn.close()


# --------------------------------------------------------------------------- migrations


def test_migration_from_version_1_keeps_data(tmp_path, corpus):
    path = tmp_path / "old.db"
    old = connect(path, target=1)
    assert schema_version(old) == 1
    assert "positions" not in old.table_names()
    sync(old, corpus)
    ids = [r[0] for r in old.conn.execute("SELECT id FROM articles ORDER BY id")]
    assert len(ids) == 2
    set_tag(old, ids[0], 1, "finding", "alice")
    set_tag(old, ids[1], 2, "response", "alice")
    set_tag(old, ids[1], 2, "commitment", "bob")
    set_note(old, ids[1], 2, "said twice", "bob")
    before = {t: table_rows(old, t) for t in ("articles", "sentences", "annotations", "actions", "events", "tags")}
    old.conn.close()

    db = connect(path)
    try:
        assert schema_version(db) == SCHEMA_VERSION
        for table, rows in before.items():
            if table == "articles":  # schema 12 adds meta and extractor, and forgets mtimes: the next sync reads all
                rows = [(*row[:10], None, *row[11:], None, None) for row in rows]
            assert table_rows(db, table) == rows, table
        # The v2 table works.
        assert last_position(db, ids[1], "alice") == 1
        save_position(db, ids[1], "alice", 2)
        assert last_position(db, ids[1], "alice") == 2
        assert last_position(db, ids[1], "bob") == 1
        # Undo still finds actions recorded before the upgrade.
        assert undo(db, "alice").label == "tag response"
        assert db.conn.execute("SELECT count(*) FROM annotations WHERE annotator = 'alice'").fetchone()[0] == 1
    finally:
        db.conn.close()


# --------------------------------------------------------------------------- files we must refuse


def test_newer_schema_is_refused_and_file_untouched(tmp_path):
    path = tmp_path / "future.db"
    db = connect(path)
    db.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.conn.execute("PRAGMA journal_mode = DELETE")  # fold the WAL back so the file is self-contained
    db.conn.close()
    files, before = listing(tmp_path), digest(path)
    with pytest.raises(StoreError) as info:
        connect(path)
    message = str(info.value)
    assert str(path) in message and "newer" in message and "\n" not in message
    assert digest(path) == before
    assert listing(tmp_path) == files


def _pressmark_bytes(tmp_path: Path) -> bytes:
    src = tmp_path / "src" / "full.db"
    src.parent.mkdir()
    db = connect(src)
    db.conn.execute("PRAGMA journal_mode = DELETE")
    db.conn.close()
    return src.read_bytes()


def _make_bad(kind: str, path: Path, tmp_path: Path) -> None:
    if kind == "random bytes":
        path.write_bytes(random.Random(1234).randbytes(8192))
    elif kind == "text file":
        path.write_text("article,title\nnot,a database\n", encoding="utf-8")
    elif kind == "truncated header":
        path.write_bytes(_pressmark_bytes(tmp_path)[:100])
    elif kind == "truncated half":
        data = _pressmark_bytes(tmp_path)
        path.write_bytes(data[: len(data) // 2])
    elif kind == "foreign sqlite":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE bookmarks (url TEXT)")
        conn.execute("INSERT INTO bookmarks VALUES ('https://example.org')")
        conn.commit()
        conn.close()
    elif kind == "foreign sqlite with user_version":
        # Many applications use user_version for their own schema numbers.
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE bookmarks (url TEXT)")
        conn.execute("PRAGMA user_version = 1")
        conn.commit()
        conn.close()
    else:  # pragma: no cover
        raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["random bytes", "text file", "truncated header", "truncated half",
                                  "foreign sqlite", "foreign sqlite with user_version"])
def test_unusable_file_is_refused_and_untouched(tmp_path, kind):
    folder = tmp_path / "here"
    folder.mkdir()
    path = folder / "pressmark.db"
    _make_bad(kind, path, tmp_path)
    before = digest(path)
    with pytest.raises(StoreError) as info:
        connect(path)
    message = str(info.value)
    assert str(path) in message and "\n" not in message
    assert digest(path) == before
    assert listing(folder) == ["pressmark.db"]  # no -wal / -shm / journal left behind


def test_directory_is_refused(tmp_path):
    folder = tmp_path / "a-folder.db"
    folder.mkdir()
    with pytest.raises(StoreError) as info:
        connect(folder)
    assert str(folder) in str(info.value)
    assert listing(folder) == []


def test_readonly_missing_or_outdated_database(tmp_path):
    with pytest.raises(StoreError, match="no such database"):
        connect(tmp_path / "absent.db", readonly=True)
    assert not (tmp_path / "absent.db").exists()

    path = tmp_path / "v1.db"
    old = connect(path, target=1)
    old.conn.execute("PRAGMA journal_mode = DELETE")
    old.conn.close()
    before = digest(path)
    with pytest.raises(StoreError, match="upgrade"):
        connect(path, readonly=True)
    assert digest(path) == before
    assert schema_version(connect(path)) == SCHEMA_VERSION  # and the normal open upgrades it


# --------------------------------------------------------------------------- import hygiene

_SHOW_UI_MODULES = (
    "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))"
)


def _python(code: str, *args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=60)


def test_store_never_imports_textual_or_rich():
    proc = _python("import store, store.db, store.sync, store.export, store.annotate, store.queries, "
                   "store.anchor, store.files, store.segment, sys; " + _SHOW_UI_MODULES)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_cli_module_does_not_import_textual_or_rich():
    proc = _python("import tui.cli, sys; " + _SHOW_UI_MODULES)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


_RUN_AND_SHOW = """
import sys
from tui.cli import main
sys.argv = ['pressmark', *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
print('UI-MODULES', sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')), code, file=sys.stderr)
"""


@pytest.mark.parametrize("args", [
    ["--help"],
    ["export", "--help"],
    ["sync", "ARTICLES"],
    ["list", "--format", "json"],
    ["show", "1", "--format", "json"],
    ["export", "-o", "-"],
])
def test_commands_other_than_open_do_not_import_textual(tmp_path, corpus, args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESSMARK_")}
    env["PRESSMARK_DB"] = str(tmp_path / "cli.db")
    if args[0] != "sync" and "--help" not in args:
        assert _python(_RUN_AND_SHOW, "sync", str(corpus), env=env).returncode == 0
    args = [str(corpus) if a == "ARTICLES" else a for a in args]
    proc = _python(_RUN_AND_SHOW, *args, cwd=tmp_path, env=env)
    last = proc.stderr.strip().splitlines()[-1]
    assert last == "UI-MODULES [] 0", proc.stderr


@pytest.mark.parametrize("args", [["--help"], ["export", "--help"]])
def test_installed_entry_point_imports_no_ui(tmp_path, args):
    script = Path(sys.executable).with_name("pressmark")
    if not script.exists():
        pytest.skip("the pressmark console script is not installed next to this Python")
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    proc = subprocess.run([str(script), *args], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "Usage:" in proc.stdout
    imported = [line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")]
    assert "click" in imported  # the profile really covers this run
    assert [m for m in imported if m.split(".")[0] in ("textual", "rich")] == []
    # Help needs no database either: sqlite-utils (which pulls numpy in when present) stays unloaded.
    assert [m for m in imported if m.split(".")[0] in ("sqlite_utils", "numpy")] == []
