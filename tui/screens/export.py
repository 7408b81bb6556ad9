"""The export modal: format (from the registry, store.formats), path, scope and tag filters, progress, and
the result."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, ProgressBar, Select, Static

from store import formats
from store.db import StoreError, connect, describe
from store.export import ExportFilter
from store.names import reveal
from store.queries import AnnotatedArticle
from store.users import may

DEFAULT_FORMAT = "csv"


def _field(label: str, widget) -> ComposeResult:
    """A label beside its widget, on one row: the dialog fits an 80x24 terminal."""
    with Horizontal(classes="field"):
        yield Label(label)
        yield widget


def download_name(path: str, default: str) -> str:
    """The file name a browser is offered for ``path``: its last part, in letters, digits, ``.``, ``_`` and ``-``
    (it goes into a header unquoted: textual-serve's download route)."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", Path(path).name).lstrip(".")
    return name or default


class ExportScreen(ModalScreen[None]):
    CSS_PATH = "export.tcss"
    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(self, articles: Sequence[AnnotatedArticle] = ()):
        """``articles``: what the screen below shows (the reader's one, side by side's two), offered first."""
        super().__init__()
        self.scopes: dict[str, tuple[int, ...]] = {}
        self._replace: str | None = None  # the existing file the next Export press replaces
        labels = []
        if len(articles) == 1:
            labels.append((f"This article: {reveal(articles[0].title)}", "article"))
            self.scopes["article"] = (articles[0].id,)
        elif len(articles) == 2:
            labels.append(("These two articles", "both"))
            self.scopes["both"] = tuple(a.id for a in articles)
            for side, article in zip(("left", "right"), articles):
                labels.append((f"{side.capitalize()}: {reveal(article.title)}", side))
                self.scopes[side] = (article.id,)
        labels.append(("All articles", "all"))
        self.scopes["all"] = ()
        self.scope_labels = labels

    def compose(self) -> ComposeResult:
        scopes = [(Text(label), value) for label, value in self.scope_labels]
        with VerticalScroll(id="export-dialog"):  # scrolls in a terminal too short for it (80x24 fits)
            yield Label("Export annotations", classes="dialog-title")
            yield from _field("Format", Select([(f"{f.title}: {f.summary}", f.name)
                                                for f in formats.FORMATS.values()],
                                               value=DEFAULT_FORMAT, allow_blank=False, id="format"))
            yield from _field("File", Input(formats.get(DEFAULT_FORMAT).default_file, id="path"))
            yield from _field("Articles", Select(scopes, value=scopes[0][1], allow_blank=False, id="scope"))
            yield from _field("Tags", Select([("All tags", "")] + [(Text(reveal(t.name)), t.name)
                                                                   for t in self.app.codebook],
                                             value="", allow_blank=False, id="tag"))
            yield ProgressBar(id="progress", show_eta=False)
            yield Static(id="result")
            with Horizontal(id="buttons"):
                yield Button("Export", variant="primary", id="export")
                yield Button("Close", id="close")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#progress").display = False
        self.query_one("#path", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export":
            self.start_export()
        else:
            self.dismiss()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.start_export()

    def on_select_changed(self, event: Select.Changed) -> None:
        """A new format gives the file its suffix, when the name is still a default one."""
        if event.select.id != "format":
            return
        path = self.query_one("#path", Input)
        if path.value in {f.default_file for f in formats.FORMATS.values()}:
            path.value = formats.get(event.value).default_file

    def action_close(self) -> None:
        self.dismiss()

    def start_export(self) -> None:
        fmt = self.query_one("#format", Select).value
        path = self.query_one("#path", Input).value.strip() or formats.get(fmt).default_file
        if self.app.served:  # a download: only the name counts, nothing is written on the server
            path = download_name(path, formats.get(fmt).default_file)
        elif Path(path).is_file() and self._replace != path:
            self._replace = path  # the next press means yes
            self.query_one("#result", Static).update(
                Text(f"{path} exists: press Export again to replace it", "bold"))
            return
        scope = self.query_one("#scope", Select).value
        tag = self.query_one("#tag", Select).value or None
        flt = ExportFilter(self.scopes[scope], tag=tag, annotator=None if may(self.app.user, "export-all") else
                           self.app.annotator)  # a coder exports their own annotations
        self.query_one("#export", Button).disabled = True
        bar = self.query_one("#progress", ProgressBar)
        bar.display = True
        bar.update(total=None, progress=0)
        self.query_one("#result", Static).update(Text("Exporting…"))
        self.run_export(fmt, Path(path), flt)

    @work(thread=True, exclusive=True, group="export")
    def run_export(self, fmt: str, path: Path, flt: ExportFilter) -> None:
        """Runs on its own connection: sqlite3 connections belong to one thread."""
        db = None
        try:
            db = connect(self.app.db_path, readonly=True)
            counted = formats.get(fmt)
            rows = ("SELECT DISTINCT article_id FROM annotations" if counted.unit == "articles" else
                    "SELECT DISTINCT article_id, annotator FROM annotations" if counted.per_annotator else
                    "SELECT 1 FROM annotations")
            total = db.conn.execute(f"SELECT count(*) FROM ({rows})").fetchone()[0]
            self.app.call_from_thread(self.query_one("#progress", ProgressBar).update, total=max(total, 1))

            def progress(n: int) -> None:
                self.app.call_from_thread(self.query_one("#progress", ProgressBar).update, progress=n)

            if self.app.served:
                count = self._deliver(db, fmt, path.name, flt, progress)
            else:
                count = formats.export(db, fmt, path, flt, progress=progress)
        except (StoreError, sqlite3.Error, OSError) as exc:
            self.app.call_from_thread(self.finish, None, describe(exc, self.app.db_path))
        else:
            where = f"sent to your browser as {path.name}" if self.app.served else f"written to {path.resolve()}"
            self.app.call_from_thread(self.finish, formats.get(fmt).counted(count), where)
        finally:
            if db is not None:
                db.close()

    def _deliver(self, db, fmt: str, name: str, flt: ExportFilter, progress) -> int:
        """Served: the file the terminal app would write (the same bytes as `pressmark export`), made in a
        private temporary folder and delivered to the browser as a download (App.deliver_binary)."""
        import io
        import tempfile

        with tempfile.TemporaryDirectory(prefix="pressmark-export-") as folder:
            made = Path(folder) / name
            count = formats.export(db, fmt, made, flt, progress=progress)
            data = made.read_bytes()
        self.app.call_from_thread(self.app.deliver_binary, io.BytesIO(data), save_filename=name)
        return count

    def finish(self, count: str | None, detail: str) -> None:
        """A failure stays in the dialog, to correct the path and try again; a success closes it and is said on
        the status line of the screen below (the next key is the reader's again, not the file box's)."""
        self.query_one("#export", Button).disabled = False
        if count is None:
            self.query_one("#progress", ProgressBar).display = False
            self.query_one("#result", Static).update(Text(f"Export failed: {detail}", "bold red"))
            return
        self.dismiss()
        self.app.report(f"Exported: {count} {detail}")  # on the screen below, now the current one
