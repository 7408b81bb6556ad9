"""The seam between the app and its screens, declared: what a screen may use of the app (``Host``) and what
the app may ask of a screen (``PressmarkScreen``). Screens never import ``tui.app``; the app never looks a
hook up by name.

These are plain calls, not Textual messages, because their callers need them done when the call returns:
``report`` is read back at once (a message would be handled later), ``user_paused`` starts the worker that
the caller then waits for. The palette's commands are the screen's bindings (tui.keys). One message goes the
other way: ``CodebookChanged``, which the app posts to every screen."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from textual.message import Message
from textual.screen import Screen

if TYPE_CHECKING:
    from store.db import Database
    from store.queries import Tag


class CodebookChanged(Message):
    """Another process changed the tag codebook or the cues (``pressmark tags add``): posted to every screen
    after ``app.codebook`` has the new tags."""


@runtime_checkable
class Host(Protocol):
    """What screens use of the app besides Textual's own ``App`` (PressmarkApp provides it)."""

    db: Database
    db_path: str
    readonly: bool
    codebook: list[Tag]
    annotator: str  # who runs the app; a screen may tag as someone else (PressmarkScreen.annotator)
    inputs: int  # key and mouse events so far: a worker stops when it changes
    syncing: str | None  # what a running background sync has got to

    def refuse_if_readonly(self) -> bool: ...

    def report(self, message: str) -> None: ...

    def store_failed(self, exc: Exception, prefix: str = ...) -> None: ...

    def start_pending_sync(self) -> None: ...


class PressmarkScreen(Screen):
    """A full screen of the app (library, reader, compare, agreement): the hooks PressmarkApp calls on it.
    Dialogs (help, note, export) are plain ``ModalScreen``s: the app's messages show there as toasts."""

    @property
    def annotator(self) -> str:
        """Whose tags the screen shows and writes, and so whose actions undo replays."""
        return self.app.annotator

    def set_status(self, message: str) -> None:
        """Say ``message`` on the status line (PressmarkApp.report)."""
        raise NotImplementedError

    def reload(self) -> None:
        """Re-read what the screen shows, after a background sync; screens that do not, re-read when they
        come back."""

    def annotations_changed(self, article_id: int | None, sentence: int | None, move_to: bool) -> None:
        """Undo or redo changed a sentence's annotations in the database (sent to every screen on the stack)."""

    def user_paused(self) -> None:
        """The user paused (PressmarkApp.user_paused): time for work that must not delay a key."""
