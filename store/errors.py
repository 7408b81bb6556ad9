"""The one exception type the CLI and the TUI turn into a message (kept import-free for start-up)."""


class StoreError(Exception):
    """A problem the user can act on; ``str(exc)`` is one line for the terminal."""
