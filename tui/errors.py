"""Store errors in the full-screen app: said on the status line and logged, never fatal."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable

from textual.app import App

from store.errors import StoreError


def _said_not_raised(prefix: str) -> Callable[[Callable], Callable]:
    """A decorator: a store error in the method is said on the status line after ``prefix`` and
    logged (PressmarkApp.store_failed); it never reaches Textual, which would end the app."""

    def decorate(method: Callable) -> Callable:
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except (StoreError, sqlite3.Error) as exc:
                (self if isinstance(self, App) else self.app).store_failed(exc, prefix)
                return None

        return wrapper

    return decorate


# For a key action that writes (locked past the busy timeout, disk full, read-only).
reports_failure = _said_not_raised("NOT SAVED")
# For a handler that is not an action: a screen's mount, a timer, a palette command.
shows_store_errors = _said_not_raised("Database error")
