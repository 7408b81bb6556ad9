"""The pressmark Textual app: owns the database connection and the cross-screen actions."""

from __future__ import annotations

import functools
import gc
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer

from store import annotate
from store.annotate import Action
from store.db import Database, StoreError, is_readonly
from store.library import Tag, article_file, tags


def reports_failure(action: Callable) -> Callable:
    """Wrap a key action that writes: if the write fails (locked past the busy timeout, disk
    full, read-only), ring the bell and say NOT SAVED on the status line instead of crashing."""

    @functools.wraps(action)
    def wrapper(self, *args, **kwargs):
        try:
            return action(self, *args, **kwargs)
        except (StoreError, sqlite3.Error) as exc:
            self.app.bell()
            self.app.report(f"NOT SAVED: {exc}")
            return None

    return wrapper


IDLE_COLLECT_S = 0.25  # this long without a key or mouse event, the user is reading: collect garbage then
FULL_COLLECT_BACKSTOP = 1000  # young collections between automatic full ones (Python's default: 10)


class PressmarkApp(App):
    """Library, reader and compare screens over one pressmark database."""

    TITLE = "pressmark"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("u", "undo", "Undo"),
        Binding("ctrl+r", "redo", "Redo", show=False),
    ]

    def __init__(self, db: Database, *, annotator: str, db_path: str | Path):
        super().__init__()
        self.db = db
        self.annotator = annotator
        self.db_path = str(db_path)
        self.codebook: list[Tag] = tags(db)
        self.readonly = is_readonly(db)
        self._collector: Timer | None = None
        self._gc_threshold = gc.get_threshold()

    @property
    def acting_annotator(self) -> str:
        """Whose actions undo and redo replay: the current screen's annotator (adjudication) or ours."""
        return getattr(self.screen, "annotator", self.annotator)

    def refuse_if_readonly(self) -> bool:
        """True (after saying so) when the database cannot be changed."""
        if self.readonly:
            self.report("Read-only database: you can read, search and export, but not tag")
        return self.readonly

    def on_mount(self) -> None:
        from tui.screens.library import LibraryScreen

        self.push_screen(LibraryScreen())

    def on_ready(self) -> None:
        # Everything loaded so far lives as long as the app: keep it out of the garbage collector's
        # full passes. Those walk every other long-lived object (20-90 ms with a big article open),
        # and every strip drawn adds to the count that triggers them, so left alone they land inside
        # keypresses; they run when the user pauses instead (_collect_when_idle), and automatically
        # only after input that never pauses.
        gc.freeze()
        gc.set_threshold(self._gc_threshold[0], self._gc_threshold[1], FULL_COLLECT_BACKSTOP)

    def on_unmount(self) -> None:
        gc.set_threshold(*self._gc_threshold)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self._collect_when_idle()
        await super().on_event(event)

    def _collect_when_idle(self) -> None:
        """(Re)start the countdown to a full garbage collection: it runs once input pauses."""
        if self._collector is None:
            self._collector = self.set_timer(IDLE_COLLECT_S, self._collect, name="idle-gc")
        else:
            self._collector.reset()

    def _collect(self) -> None:
        self._collector = None
        gc.collect()

    # -- actions that work on every screen ------------------------------------------
    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    @reports_failure
    def action_undo(self) -> None:
        if self.refuse_if_readonly():
            return
        self._replay(annotate.undo(self.db, self.acting_annotator), "Undid", "Nothing to undo")

    @reports_failure
    def action_redo(self) -> None:
        if self.refuse_if_readonly():
            return
        self._replay(annotate.redo(self.db, self.acting_annotator), "Redid", "Nothing to redo")

    def _replay(self, action: Action | None, verb: str, nothing: str) -> None:
        if action is None:
            self.report(nothing)
            return
        self.annotations_changed(action.article_id, action.sentence, move_to=True)
        file = article_file(self.db, action.article_id) if action.article_id else "?"
        self.report(f"{verb}: {action.label}, sentence {action.sentence} of {file} (saved)")

    def annotations_changed(self, article_id: int | None, sentence: int | None, move_to: bool = False) -> None:
        """Tell every screen on the stack that a sentence's annotations changed in the database."""
        for screen in self.screen_stack:
            refresh = getattr(screen, "annotations_changed", None)
            if refresh:
                refresh(article_id, sentence, move_to)

    def report(self, message: str) -> None:
        """Show a one-line confirmation on the current screen's status line (or as a toast)."""
        show = getattr(self.screen, "set_status", None)
        if show:
            show(message)
        else:
            self.notify(message, markup=False)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Undo", "Undo your last annotation change", self.action_undo)
        yield SystemCommand("Redo", "Redo the change you undid", self.action_redo)
        yield SystemCommand("Help", "Keys of this screen and the tag codebook", self.action_help)
        extra = getattr(screen, "palette_commands", None)
        if extra:
            yield from extra()
