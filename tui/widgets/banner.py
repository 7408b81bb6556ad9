"""The banner every screen shows when the database cannot be written."""

from __future__ import annotations

from textual.widgets import Static

READONLY_MESSAGE = "Read-only database: you can read, search and export; tagging, notes and undo are off."


def readonly_banner() -> Static:
    return Static(READONLY_MESSAGE, markup=False, classes="readonly-banner")
