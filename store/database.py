"""``Database``: an open pressmark database, the connection every query goes through.

The lowest layer of ``store``: ``store.schema``'s migrations take one, and ``store.db`` opens it
(connection settings, transactions, migrating, damage); everything else imports it from ``store.db``.
"""
from __future__ import annotations

import functools
import sqlite3
import sys


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
