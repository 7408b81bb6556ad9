"""The pressmark Textual app: owns the database connection and the cross-screen actions."""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import signal
import sqlite3
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from store.db import Database, StoreError, check_intact, checkpoint, describe, is_readonly, stop_checks
from store.db import db_path as database_file
from store.queries import Tag, article_file, tags
from tui.errors import reports_failure, shows_store_errors
from tui.hangup import HangupWatch
from tui.screens.base import CodebookChanged, PressmarkScreen
from tui.text import safe, sync_summary

log = logging.getLogger("pressmark")

if TYPE_CHECKING:
    from store.annotate import Action
    from store.users import User


# Modules the library does not need but the reader does; see PressmarkApp._warm_up.
WARM_UP = ("store.annotate", "store.speakers", "store.suggest", "tui.screens.reader")
WARM_UP_AFTER_S = 0.3
APP_CACHE_KB = 32 * 1024
SYNC_AFTER_S = 0.2
IDLE_COLLECT_S = 0.25  # this long without a key or mouse event, the user is reading: collect garbage then
CHECKPOINT_BACKSTOP_PAGES = 16384  # WAL pages (64 MB) before a commit checkpoints itself (SQLite's default: 1000)
FULL_COLLECT_BACKSTOP = 1000  # young collections between automatic full ones (Python's default: 10)


POLL_S = 1.0  # how often the app looks for another process's commits (PressmarkApp.poll_database)


class _SyncCancelled(Exception):
    pass


class PressmarkApp(App):
    """Library, reader and compare screens over one pressmark database."""

    TITLE = "pressmark"
    # The library's styles load with the app's: a screen's own CSS_PATH makes Textual re-parse every
    # stylesheet when that screen first appears, which would land on start-up.
    CSS_PATH = ["app.tcss", "screens/library.tcss"]
    BINDINGS = [
        Binding("question_mark", "help", "Help", key_display="?", tooltip="Every key of the screen, and the codebook"),
        Binding("u", "undo", "Undo", tooltip="Your last change, on any screen and after a restart"),
        Binding("ctrl+r", "redo", "Redo", show=False, tooltip="The change you undid"),
    ]

    def __init__(self, db: Database, *, annotator: str, db_path: str | Path, sync_folder: str | None = None,
                 max_size: int | None = None, pause_after: float | None = IDLE_COLLECT_S, notice: str | None = None,
                 served_from: str | None = None, idle_timeout: float | None = None):
        """``pause_after``: seconds without input after which the user counts as paused (user_paused);
        None leaves that to whoever calls ``user_paused()``, as tests do instead of racing a timer.
        ``notice``: said on the status line once the library is up (say, that there was nothing to sync).
        ``served_from``: the browser's address ("" when unknown) when the app runs under `pressmark serve`:
        then it starts at the login screen, and ``idle_timeout`` seconds without input end it."""
        super().__init__()
        self.served_from = served_from
        self.user: User | None = None  # who logged in, when served
        self.idle_timeout = idle_timeout
        self.idle_timer: Timer | None = None
        self.db = db
        # A 32 MB page cache (SQLite's default is 2 MB): on a big database a keypress then finds the index
        # pages it updates already in memory, instead of reading them again through the OS now and then.
        db.conn.execute(f"PRAGMA cache_size = -{APP_CACHE_KB}")
        # The WAL is copied into the database file when the user pauses, in a thread (user_paused), not
        # by the commit of whichever keypress takes it past 1000 pages (most of a second in a big database).
        db.conn.execute(f"PRAGMA wal_autocheckpoint = {CHECKPOINT_BACKSTOP_PAGES}")
        self.annotator = annotator
        self.db_path = str(db_path)
        self.db_file = database_file(db)  # as SQLite resolved it: for the checks and checkpoints run in threads
        self.codebook: list[Tag] = tags(db)
        self.readonly = is_readonly(db)
        self.sync_folder = sync_folder  # synced in the background once the library is up
        self.notice = notice
        self.syncing: str | None = None  # what a running sync has got to, for the library's status line
        self.max_size = max_size
        self.pause_after = pause_after
        self.pause_timer: Timer | None = None  # counting down to user_paused since the last input
        self._gc_threshold = gc.get_threshold()
        self._hangup: HangupWatch | None = None
        self._checkpointed = db.conn.total_changes  # this connection's writes, when the WAL was last copied
        self.inputs = 0  # key and mouse events so far: work in a thread stops when it changes (store.learn)
        self._data_version: int | None = None  # PRAGMA data_version when poll_database last looked
        self._cues: list | None = None  # the cues as poll_database last read them

    @property
    def acting_annotator(self) -> str:
        """Whose actions undo and redo replay: the current screen's annotator (adjudication) or ours."""
        return self.screen.annotator if isinstance(self.screen, PressmarkScreen) else self.annotator

    def refuse_if_readonly(self) -> bool:
        """True (after saying so) when the database cannot be changed."""
        if self.readonly:
            self.report("Read-only database: you can read, search and export, but not tag")
        return self.readonly

    def get_default_screen(self) -> Screen:
        """The library is the bottom of the screen stack (no blank default screen to build first); served, the
        login screen is, until someone logs in."""
        if self.served:
            from tui.screens.login import LoginScreen

            return LoginScreen()
        from tui.screens.library import LibraryScreen

        return LibraryScreen()

    # -- served in a browser (tui/serve.py): logins, roles, idle sessions -------------------
    @property
    def served(self) -> bool:
        return self.served_from is not None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Served, no action of the app (help, undo, the command palette) runs before a login."""
        if self.served and self.user is None and action not in ("quit", "focus_next", "focus_previous"):
            return False
        return super().check_action(action, parameters)

    def logged_in(self, user: User) -> None:
        """The annotator is who logged in: the browser never names one."""
        from tui.screens.library import LibraryScreen

        log.info("%s (%s) logged in from %s", user.name, user.role, self.served_from or "an unknown address")
        self.user, self.annotator = user, user.name
        self._session("started")
        self.push_screen(LibraryScreen())  # over the login screen, which nothing pops back to

    @shows_store_errors
    def _session(self, event: str) -> None:
        """Who is online (the library's header): this session, from its login to its end."""
        from store.users import session_ended, session_started

        if event == "started":
            session_started(self.db, self.annotator, self.served_from or "")
        else:
            session_ended(self.db)

    def allowed(self, permission: str) -> bool:
        """Whether the logged-in user may (store.users.may); if not, says so."""
        from store.users import LEAD_ONLY, may

        if may(self.user, permission):
            return True
        self.report(f"Only a lead can {LEAD_ONLY[permission]}: you are logged in as a coder")
        return False

    def _idle_out(self) -> None:
        log.info("session of %s ended after %.0f s without input", self.annotator or "nobody", self.idle_timeout)
        self.exit(message="Logged out: the session was idle too long")

    def on_ready(self) -> None:
        # Everything loaded so far lives as long as the app: keep it out of the garbage collector's
        # full passes. Those walk every other long-lived object (20-90 ms with a big article open),
        # and every strip drawn adds to the count that triggers them, so left alone they land inside
        # keypresses; they run when the user pauses instead (user_paused), and automatically
        # only after input that never pauses. Frozen first: `pressmark open` starts with the collector off
        # (tui.cli.open_cmd), and its first pass would otherwise walk everything made since.
        gc.freeze()
        gc.enable()
        gc.set_threshold(self._gc_threshold[0], self._gc_threshold[1], FULL_COLLECT_BACKSTOP)
        # Ready comes before the first frame is drawn: a thread started now would compete with it.
        self.set_timer(WARM_UP_AFTER_S, self._start_warm_up)
        self.set_timer(WARM_UP_AFTER_S, self._start_check)
        self.set_interval(POLL_S, self.poll_database, name="poll")
        self._watch_for_hangup()
        if self.idle_timeout is not None:
            self.idle_timer = self.set_timer(self.idle_timeout, self._idle_out, name="idle")

    def _watch_for_hangup(self) -> None:
        """Exit when the terminal goes away (see tui.hangup), or on SIGHUP: at once and cleanly."""
        stdin = sys.__stdin__
        if self.is_headless or stdin is None or not stdin.isatty():
            return
        self._hangup = HangupWatch(stdin.fileno())
        self.run_worker(self._hangup.wait, name="hangup", group="hangup", thread=True, exit_on_error=False)
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self.exit)

    def on_unmount(self) -> None:
        if self.user is not None:
            self._session("ended")
        gc.set_threshold(*self._gc_threshold)
        stop_checks()  # else asyncio.run would wait for a check still reading a big file
        if self._hangup is not None:
            self._hangup.stop()  # else asyncio.run would wait for its thread for ever

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self.inputs += 1
            if self.idle_timer is not None:
                self.idle_timer.reset()
        if isinstance(event, events.InputEvent) and self.pause_after is not None:
            if self.pause_timer is None:
                self.pause_timer = self.set_timer(self.pause_after, self.user_paused, name="pause")
            else:
                self.pause_timer.reset()
        await super().on_event(event)

    def user_paused(self) -> None:
        """The housekeeping that waits for a pause in the input: a full garbage collection, the WAL
        checkpoint (in a thread) if this connection wrote since the last one, and the screen's own (the
        reader learns from the tags just made)."""
        if self.pause_timer is not None:
            self.pause_timer.stop()
            self.pause_timer = None
        gc.collect()
        changes = self.db.conn.total_changes
        if changes != self._checkpointed and not self.readonly:
            self._checkpointed = changes
            self.run_worker(lambda: checkpoint(self.db_file), thread=True, group="checkpoint",
                            exclusive=True, exit_on_error=False)
        for screen in self.screen_stack[-1:]:  # none while the app starts or ends
            if isinstance(screen, PressmarkScreen):
                screen.user_paused()

    def _start_warm_up(self) -> None:
        """Import what opening an article needs while the library is on screen, in a thread worker:
        start-up does not wait for it and the first article opens as fast as the next."""
        self.run_worker(lambda: [importlib.import_module(module) for module in WARM_UP], name="warm-up",
                        group="warm-up", thread=True, exclusive=True, exit_on_error=False)

    def _start_check(self) -> None:
        """Check the database for damage (store.db.check_intact) in a thread worker once the library is up.
        The first write would do it otherwise, on the UI thread: on a big database that reads for a second
        or more (from a cold disk, several). Damage is said as soon as it is found."""
        if self.readonly:
            return
        path = self.db_file  # not read from the connection now: the timer may fire after it closed

        def check() -> StoreError | None:
            try:
                check_intact(path)
            except StoreError as exc:
                return exc
            return None

        self.run_worker(check, name="check", group="check", thread=True, exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.SUCCESS:
            return
        if event.worker.group == "warm-up":
            gc.freeze()  # the modules just imported are long-lived too
        elif event.worker.group == "check" and event.worker.result:
            self.store_failed(event.worker.result)
        elif event.worker.group == "hangup" and event.worker.result:
            self.exit()  # the terminal is gone: nobody is left to quit

    def poll_database(self) -> None:
        """Take in the codebook and cues as another process left them. A commit on another connection (another
        coder's process, ``pressmark tags add quote --key z``, this app's own workers) changes SQLite's PRAGMA
        data_version; only then are the tags and cues read again, and the screens told if either differs, so a
        new tag's key works in the open reader. Cheap enough for a timer: one pragma while nothing changes."""
        try:
            version = self.db.conn.execute("PRAGMA data_version").fetchone()[0]
            if version == self._data_version:
                return
            first = self._data_version is None
            self._data_version = version
            from store.suggest import load_cues

            codebook, cues = tags(self.db), load_cues(self.db)
        except (StoreError, sqlite3.Error) as exc:  # damaged, say: said by whatever the user does next
            log.warning("poll: %s", exc)
            return
        if first:
            self._cues = cues
        if codebook == self.codebook and cues == self._cues:
            return
        self.codebook, self._cues = codebook, cues
        for screen in self.screen_stack:
            screen.post_message(CodebookChanged())

    # -- syncing the article folder ---------------------------------------------------
    def start_pending_sync(self) -> None:
        """Sync the folder named on the command line, in a thread with its own connection; the library
        calls this once it has its list. Progress and the outcome go to the status line.

        The thread starts a moment later, not at once: the first frame is still being written to the
        terminal (by Textual's writer thread), and a sync walking the folder would hold it up."""
        folder, self.sync_folder = self.sync_folder, None
        if self.notice:
            self.report(self.notice)
            self.notice = None
        if not folder:
            return
        if self.readonly:
            self.notify(f"Read-only database: not syncing {folder}; reading what it holds", markup=False)
            return
        self._sync_progress(f"Syncing {safe(folder)}…")
        self.set_timer(SYNC_AFTER_S, lambda: self.run_worker(lambda: self._sync(folder), thread=True, group="sync",
                                                             exit_on_error=False))

    def _sync(self, folder: str) -> None:
        from textual.worker import get_current_worker

        from store.db import connect
        from store.sync import sync

        worker = get_current_worker()

        def progress(i: int, file: str) -> None:
            if worker.is_cancelled:  # the app is quitting: stop; sync rolls back the unwritten batch
                raise _SyncCancelled
            if i and i % 500 == 0:
                self.call_from_thread(self._sync_progress, f"Syncing {safe(folder)}: {i:,} files checked…")

        limits = {"max_size": self.max_size} if self.max_size else {}  # else store.sync's default
        db = None
        try:
            db = connect(self.db_path)
            report = sync(db, folder, progress=progress, **limits)
        except _SyncCancelled:
            return
        except (StoreError, sqlite3.Error, OSError) as exc:
            message = f"Sync of {safe(folder)} failed: {safe(describe(exc, self.db_path))}"
            self.call_from_thread(self._synced, message)
            return
        except Exception as exc:  # anything else (a worker process that died, say): said, not left "Syncing…"
            message = f"Sync of {safe(folder)} failed: {type(exc).__name__}: {safe(str(exc))}"
            self.call_from_thread(self._synced, message)
            return
        finally:
            if db is not None:
                db.close()
        self.call_from_thread(self._synced, f"{safe(folder)} synced: {sync_summary(report)}")

    def _sync_progress(self, message: str) -> None:
        self.syncing = message
        self.report(message)

    def _synced(self, summary: str) -> None:
        self.syncing = None
        if isinstance(self.screen, PressmarkScreen):
            self.screen.reload()
        self.report(summary)

    # -- store errors: said and logged, never fatal ------------------------------------
    async def run_action(self, action, default_namespace=None, namespaces=None) -> bool:
        """Every key binding, click and palette action comes through here: the one guard that keeps
        an unexpected store error (a locked, removed or read-only database) from ending the app."""
        try:
            return await super().run_action(action, default_namespace, namespaces)
        except (StoreError, sqlite3.Error) as exc:
            self.store_failed(exc)
            return True

    def store_failed(self, exc: Exception, prefix: str = "Database error") -> None:
        """Ring the bell, say what failed on the status line, naming the database file, and log it (with its
        traceback)."""
        log.error("%s: %s", prefix, exc, exc_info=exc)
        self.bell()
        said = safe(describe(exc, self.db_path))
        self.report(said if prefix in said else f"{prefix}: {said}")  # "NOT SAVED: disk full" says it already

    # -- actions that work on every screen ------------------------------------------
    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    @reports_failure
    def action_undo(self) -> None:
        if self.refuse_if_readonly():
            return
        from store.annotate import undo

        self._replay(undo(self.db, self.acting_annotator), "Undid", "Nothing to undo")

    @reports_failure
    def action_redo(self) -> None:
        if self.refuse_if_readonly():
            return
        from store.annotate import redo

        self._replay(redo(self.db, self.acting_annotator), "Redid", "Nothing to redo")

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
            if isinstance(screen, PressmarkScreen):
                screen.annotations_changed(article_id, sentence, move_to)

    def report(self, message: str) -> None:
        """Show a one-line confirmation on the current screen's status line (or as a toast over a dialog)."""
        if isinstance(self.screen, PressmarkScreen):
            self.screen.set_status(message)
        else:
            from store.names import reveal

            self.notify(reveal(message), markup=False)  # it may quote a label or name from another database

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Undo", "Undo your last annotation change", self.action_undo)
        yield SystemCommand("Redo", "Redo the change you undid", self.action_redo)
        yield SystemCommand("Help", "Keys of this screen and the tag codebook", self.action_help)
        from tui.keys import binding_commands

        yield from binding_commands(screen)
