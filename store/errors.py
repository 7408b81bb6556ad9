"""The one exception type the CLI and the TUI turn into a message, and how a full disk is told
(kept import-free for start-up)."""

import errno


class StoreError(Exception):
    """A problem the user can act on; ``str(exc)`` is one line for the terminal."""


DISK_FULL = "disk full: free some space and try again (what was saved before is safe)"


def disk_full(exc: BaseException) -> bool:
    """Did ``exc`` come from a full disk? SQLite says SQLITE_FULL, the system ENOSPC (or EDQUOT: over quota)."""
    if isinstance(exc, OSError):
        return exc.errno in (errno.ENOSPC, errno.EDQUOT)
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11 and later
    return code == 13 if code is not None else "database or disk is full" in str(exc)
