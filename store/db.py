"""Opening pressmark databases: connection settings, write transactions and applying the migrations
(the schema itself is in ``store.schema``).

Durability: WAL journal with ``synchronous=FULL``. Every user action is its own
``BEGIN IMMEDIATE`` transaction, so once a tag is shown as saved it survives a
process crash *and* a power cut (NORMAL would only promise the former).
``BEGIN IMMEDIATE`` takes the write lock up front, so two pressmark processes
queue behind the busy timeout instead of failing with "database is locked".
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from store.errors import StoreError
from store.schema import DEFAULT_TAGS, MIGRATIONS, SCHEMA_VERSION  # noqa: F401 (DEFAULT_TAGS: re-exported)


def _import_sqlite_utils():
    """sqlite-utils imports numpy whenever it is installed, only to store numpy values, which
    pressmark never does; that costs about 100 ms for people who have numpy (most researchers do).
    Hide numpy during that one import."""
    if "numpy" in sys.modules:
        import sqlite_utils
    else:
        sys.modules["numpy"] = None  # type: ignore[assignment]  # makes `import numpy` fail fast
        try:
            import sqlite_utils
        finally:
            del sys.modules["numpy"]
    return sqlite_utils


class Database:
    """An open pressmark database: the ``sqlite3`` connection every query goes through.

    Not ``sqlite_utils.Database`` itself, because importing sqlite-utils costs more
    than the rest of the TUI's start-up beyond Textual (bench/README.md). Its table
    helpers are one step away, imported on first use: ``db["table"]`` or ``db.utils``.
    """

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    @functools.cached_property
    def utils(self):
        """The same connection seen through ``sqlite_utils.Database``."""
        return _import_sqlite_utils().Database(self.conn, execute_plugins=False)

    def __getitem__(self, table: str):
        return self.utils[table]

    def execute(self, sql: str, parameters=()) -> sqlite3.Cursor:
        return self.conn.execute(sql, parameters)

    def executescript(self, script: str) -> sqlite3.Cursor:
        """Statement by statement inside an open transaction (``sqlite3``'s own would commit it)."""
        return self.utils.executescript(script)

    def table_names(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]

    def close(self) -> None:
        self.conn.close()


BUSY_TIMEOUT_S = 30.0

def now() -> str:
    """UTC timestamp with milliseconds, sortable as text."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@contextlib.contextmanager
def write(db: Database) -> Iterator[Database]:
    """One committed write transaction, taking the write lock before reading.

    Nested use joins the outer transaction, so a compound action commits once.
    """
    conn = db.conn
    if conn.in_transaction:
        yield db
        return
    if is_readonly(db):
        raise StoreError(f"{db_path(db)}: the database is read-only, so nothing can be changed")
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def checkpoint(path: str) -> None:
    """Copy committed pages from the WAL into the database file, on a connection of its own.

    A commit that takes the WAL past ``wal_autocheckpoint`` pages does this itself, before it
    returns: in a big database, a tag keypress every hundred or so then took most of a second. The
    app raises its connection's threshold and calls this from a thread when the user pauses.
    PASSIVE: it never waits for, nor blocks, readers and writers. ``path``: ``db_path(db)``."""
    if path == ":memory:":
        return
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        conn.close()


def schema_version(db: Database) -> int:
    return db.conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: Database, target: int = SCHEMA_VERSION) -> None:
    """Apply forward migrations up to ``target``, each in its own transaction."""
    while (version := schema_version(db)) < target:
        with write(db):
            MIGRATIONS[version](db)
            db.conn.execute(f"PRAGMA user_version = {version + 1}")


def has_table(db: Database, name: str) -> bool:
    """Does the table exist? (Code that also runs on a database still on an older schema asks.)"""
    return db.conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                           (name,)).fetchone() is not None


def is_readonly(db: Database) -> bool:
    return db.conn.execute("PRAGMA query_only").fetchone()[0] == 1


def db_path(db: Database) -> str:
    return db.conn.execute("PRAGMA database_list").fetchone()[2] or ":memory:"


def writable(path: Path) -> bool:
    """Can this process write the file and create its -wal/-shm files beside it?"""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK | os.X_OK)


def _open_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection. A WAL database in a folder we cannot write has no
    -shm file to share, so fall back to ``immutable`` when no -wal holds unmerged commits."""
    uri = path.resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                           check_same_thread=False)
    try:
        conn.execute("PRAGMA user_version")
        return conn
    except sqlite3.OperationalError:
        conn.close()
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size:
        raise StoreError(f"{path}: read-only, and its unfinished writes ({wal.name}) cannot be read from here")
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None, check_same_thread=False)


def connect(path: str | Path, *, readonly: bool | None = None, target: int = SCHEMA_VERSION) -> Database:
    """Open (creating if needed) a pressmark database, migrated to ``target``.

    ``readonly=None`` opens read-only exactly when the file exists but cannot be
    written; ``is_readonly(db)`` tells which, and ``write()`` refuses clearly.
    Raises ``StoreError`` with a one-line message for a file that is not a
    pressmark database, is corrupt, or was written by a newer pressmark; the
    file is not modified in those cases.
    """
    path = Path(path)
    if path.is_dir():
        raise StoreError(f"{path}: is a directory, not a database file")
    if readonly is None:
        readonly = path.exists() and not writable(path)
    if readonly:
        if not path.exists():
            raise StoreError(f"{path}: no such database")
        conn = _open_readonly(path)
    else:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    try:
        db = Database(conn)
        version = schema_version(db)  # the first read: fails here on a non-database
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{path}: made by a newer pressmark (schema {version}, this one knows {SCHEMA_VERSION}); "
                "upgrade pressmark to open it"
            )
        tables = set(db.table_names())
        if version == 0 and tables:
            raise StoreError(f"{path}: not a pressmark database (it has other tables)")
        if version > 0 and not {"articles", "annotations"} <= tables:
            # Another application's database that uses user_version for itself.
            raise StoreError(f"{path}: not a pressmark database (no pressmark tables)")
        if readonly:
            conn.execute("PRAGMA query_only = ON")
        else:
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        if version < target:
            if readonly:
                raise StoreError(f"{path}: needs an upgrade but is opened read-only")
            migrate(db, target)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(f"{path}: not a usable database ({exc})") from None
    except BaseException:
        conn.close()
        raise
    return db
