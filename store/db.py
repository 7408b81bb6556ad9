"""Opening pressmark databases: connection settings, write transactions, applying the migrations
(the schema itself is in ``store.schema``), refusing damaged files and naming the file in every error.

Durability: WAL journal with ``synchronous=FULL``. Every user action is its own
``BEGIN IMMEDIATE`` transaction, so once a tag is shown as saved it survives a
process crash *and* a power cut (NORMAL would only promise the former).
``BEGIN IMMEDIATE`` takes the write lock up front, so two pressmark processes
queue behind the busy timeout instead of failing with "database is locked".
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from store.database import Database
from store.errors import DISK_FULL, StoreError, disk_full
from store.schema import DEFAULT_TAGS, MIGRATIONS, SCHEMA_VERSION  # noqa: F401 (DEFAULT_TAGS: re-exported)

BUSY_TIMEOUT_S = 30.0

def now() -> str:
    """UTC timestamp with milliseconds, sortable as text."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@contextlib.contextmanager
def write(db: Database) -> Iterator[Database]:
    """One committed write transaction, taking the write lock before reading.

    Nested use joins the outer transaction, so a compound action commits once. Refuses a
    damaged database (``check_intact``), and records damage met during the transaction.
    """
    conn = db.conn
    if conn.in_transaction:
        yield db
        return
    path = db_path(db)
    if is_readonly(db):
        raise StoreError(f"{path}: the database is read-only, so nothing can be changed")
    check_intact(path)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.DatabaseError) and DAMAGE in str(exc):  # the first error: no more writes
            _damage[path] = damaged(path, str(exc), refusing=True)
            raise StoreError(_damage[path]) from None
        raise
    conn.execute("COMMIT")


# --------------------------------------------------------------------------- damage, and errors named by their file
DAMAGE = "malformed"  # in SQLite's messages for SQLITE_CORRUPT: "database disk image is malformed", "malformed schema"


def describe(exc: BaseException, path: str | Path, *, opening: bool = False) -> str:
    """The one line the CLI and the TUI show for an error from the database at ``path``: it names the
    file, and for damage says what to do. ``opening``: the error came from opening the file.

    ``exc``: a ``sqlite3.Error``, or the ``UnicodeDecodeError`` the sqlite3 module raises in place of an
    error message that is not UTF-8 (one quoting a name from a damaged schema). Anything else is said as
    it is: a StoreError already names its file, an OSError its own."""
    if not isinstance(exc, (sqlite3.Error, UnicodeDecodeError)):
        return str(exc)
    if disk_full(exc):
        return f"{path}: NOT SAVED: {DISK_FULL}"
    if opening and _no_room_beside(Path(path)):  # SQLite says only "disk I/O error" when it cannot make the -shm
        return f"{path}: cannot be opened: disk full, with no room for its -shm file; free some space"
    message = _message(exc)
    if DAMAGE in message:
        return damaged(path, message)
    return f"{path}: not a usable database ({message})" if opening else f"{path}: {message}"


def _no_room_beside(path: Path) -> bool:
    """Is the file system of ``path`` too full for SQLite's 32 KB shared-memory file?"""
    try:
        st = os.statvfs(path.parent if str(path.parent) else ".")
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < 64 * 1024


def _message(exc: BaseException) -> str:
    if isinstance(exc, UnicodeDecodeError) and isinstance(exc.object, bytes):
        return exc.object.decode(errors="replace")
    return str(exc)


def damaged(path: str | Path, detail: str, *, refusing: bool = False) -> str:
    """The line for a damaged database; ``refusing``: said when refusing to write to it."""
    import shlex  # here: start-up does not need it

    refused = ", so pressmark will not write to it (--read-only still reads it)" if refusing else ""
    return (f"{path}: the database is damaged ({detail}){refused}. Recover what it holds with "
            f"`sqlite3 {shlex.quote(str(path))} .recover | sqlite3 NEW.db`, or restore a backup")


_damage: dict[str, str | None] = {}  # database file -> None once it passed quick_check in this process, else why not
_checking = threading.Lock()
_running_checks: set[sqlite3.Connection] = set()


def check_intact(path: str | Path) -> None:
    """Raise StoreError, naming the file, if the database at ``path`` fails ``PRAGMA quick_check``
    (or cannot be read to check it).

    ``write`` calls this before it changes anything: damage in pages that opening does not read would
    otherwise go unnoticed, and every write would land in a broken file. The check reads the whole file
    (measured on the 968 MB benchmark database with 1,000,000 annotations: 1.0-1.4 s cached, 8.7 s from a
    cold disk), so it runs once per file per process; ``write`` records damage it meets after that. A
    thread that wants a file another thread is checking waits for that check's result."""
    path = str(path)
    if path in ("", ":memory:"):
        return
    with _checking:
        if path not in _damage:
            try:
                _damage[path] = _quick_check(Path(path))
            except sqlite3.Error as exc:  # not damage (the disk, a lock, stop_checks): checked again next time
                raise StoreError(describe(exc, path)) from None
    if _damage[path]:
        raise StoreError(_damage[path])


def _quick_check(path: Path) -> str | None:
    """None if the file passes ``PRAGMA quick_check``, else the line that says what is wrong."""
    conn = _open_readonly(path)
    conn.text_factory = lambda data: data.decode(errors="replace")  # its findings quote names from the file
    _running_checks.add(conn)
    try:
        found = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
    except sqlite3.OperationalError:
        raise
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:  # damage bad enough to stop the check
        found = _message(exc)
    finally:
        _running_checks.discard(conn)
        conn.close()
    return None if found == "ok" else damaged(path, found.splitlines()[-1], refusing=True)


def stop_checks() -> None:
    """Interrupt any ``check_intact`` still reading (from another thread): the app is quitting."""
    for conn in list(_running_checks):
        conn.interrupt()


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
    if _unmerged_wal(path):
        raise StoreError(f"{path}: read-only, and its unfinished writes ({path.name}-wal) cannot be read from here")
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None, check_same_thread=False)


def _unmerged_wal(path: Path) -> bool:
    wal = path.with_name(path.name + "-wal")
    return wal.exists() and wal.stat().st_size > 0


def _usable_version(db: Database, path: Path, *, readonly: bool, target: int) -> int:
    """The schema version of a file this pressmark can open as asked; else StoreError, one line naming it."""
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
    if readonly and version < target:
        raise StoreError(f"{path}: needs an upgrade but is opened read-only")
    return version


def connect(path: str | Path, *, readonly: bool | None = None, target: int = SCHEMA_VERSION) -> Database:
    """Open (creating if needed) a pressmark database, migrated to ``target``.

    ``readonly=None`` opens read-only exactly when the file exists but cannot be
    written; ``is_readonly(db)`` tells which, and ``write()`` refuses clearly.
    Raises ``StoreError`` with a one-line message naming the file for a file that
    cannot be opened, is not a pressmark database, is corrupt, or was written by a
    newer pressmark; the file is not modified in those cases, and nothing is left
    beside it (read-only too: see below).
    """
    path = Path(path)
    if path.is_dir():
        raise StoreError(f"{path}: is a directory, not a database file")
    if path.exists() and not path.is_file():  # a FIFO would block a read-only open for ever
        raise StoreError(f"{path}: not a regular file, so not a database")
    if readonly is None:
        readonly = path.exists() and not writable(path)
    if readonly and not path.exists():
        raise StoreError(f"{path}: no such database")
    if not path.parent.is_dir():
        raise StoreError(f"{path}: there is no folder {path.parent} to make the database in")
    conn = None
    try:
        if readonly and not _unmerged_wal(path):
            # A read-only connection to a WAL database creates a -wal and a -shm that only a writer removes:
            # decide first on an immutable one, which creates nothing, so a refused file has nothing beside it.
            probe = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
            try:
                _usable_version(Database(probe), path, readonly=True, target=target)
            finally:
                probe.close()
        if readonly:
            conn = _open_readonly(path)
        else:
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        db = Database(conn)
        version = _usable_version(db, path, readonly=readonly, target=target)
        if readonly:
            conn.execute("PRAGMA query_only = ON")
        else:
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        if version < target:
            migrate(db, target)
    except BaseException as exc:
        if conn is not None:
            conn.close()
        if isinstance(exc, (sqlite3.Error, UnicodeDecodeError)):  # the latter: a schema name that is not UTF-8
            raise StoreError(describe(exc, path, opening=True)) from None
        raise
    return db
