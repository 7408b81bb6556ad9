"""The library: every article with its progress; the start screen."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import Resize
from textual.widgets import Footer, Static

from store.db import describe
from store.errors import StoreError
from store.names import reveal
from store.queries import count_articles, list_articles, progress_by_annotator, skipped_files
from tui.errors import shows_store_errors
from tui.screens.base import CodebookChanged, PressmarkScreen
from tui.text import safe
from tui.widgets.article_list import ArticleList
from tui.widgets.banner import readonly_banner

if TYPE_CHECKING:
    from textual.widgets import Input

    from store.derived.shingles import Source

SKIPPED_SHOWN = 8
FIRST_PAGE = 60  # articles read before the first frame (at least a screenful)
# Work that can wait for the first frame waits this long: Textual writes a frame to the terminal from
# a thread, which this one would otherwise hold up (they share the GIL).
AFTER_FIRST_FRAME_S = 0.1

SORTS = {
    "file": lambda a: (a.file, a.id),
    "title": lambda a: (a.title.casefold(), a.id),
    "progress": lambda a: (-a.progress, a.file),
}
HINTS = "Enter read · space mark · s side by side · b best source · a agreement · / filter · e export · ? help"


class LibraryScreen(PressmarkScreen):
    """Pick an article to read, or two to compare."""

    # Styles: screens/library.tcss, loaded with the app's (see PressmarkApp.CSS_PATH).
    BINDINGS = [
        Binding("enter", "open", "Read", tooltip="Open the highlighted article"),
        Binding("space", "mark", "Mark"),
        Binding("s", "compare", "Side by side", tooltip="Compare the two marked articles"),
        Binding("b", "best_source", "Best source",
                tooltip="Compare with the article this one reuses most"),
        Binding("a", "agreement", "Agreement",
                tooltip="How far the coders agree; adjudicate disagreements"),
        Binding("v", "overview", "Overview", show=False,
                tooltip="Charts: tags per article, tag and speaker, each coder's progress, reuse of sources"),
        Binding("slash", "filter", "Filter", key_display="/", tooltip="Filter articles by title, text or file name"),
        Binding("o", "sort", "Sort", tooltip="Sort by file, title or progress"),
        Binding("e", "export", "Export", tooltip="Export annotations to CSV or another format"),
        Binding("q", "quit", "Quit"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
        Binding("j,down", "move(1)", "Next article", show=False),
        Binding("k,up", "move(-1)", "Previous article", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("g,home", "first", "First article", show=False),
        Binding("G,end", "last", "Last article", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sort = "file"
        self.query_text = ""
        self.team: list[tuple[str, int, int]] = []  # (annotator, articles, sentences tagged)
        self.article_count = 0  # all the articles listed (the list may hold only the first page so far)
        self._columns_width = -1  # the width the column headings were last drawn for
        self.indexing = False  # index_then_reload is running; the list waits for it
        self.said: str | None = None  # the last message: it stays over the hints (see set_status)
        self.online: dict[str, int] = {}  # served: sessions per annotator

    def compose(self) -> ComposeResult:
        if self.app.readonly:
            yield readonly_banner()
        yield Static(id="header", classes="title-bar")
        yield Static(id="columns")
        yield ArticleList(self.app.codebook, id="articles")
        yield Static(id="skipped")
        yield Static(id="status", classes="status-line")
        yield Footer()

    @property
    def table(self) -> ArticleList:
        return self.query_one(ArticleList)

    def on_mount(self) -> None:
        self.table.focus()  # the list itself is loaded by on_screen_resume, which also runs first time

    def on_screen_resume(self) -> None:
        if self.table.articles or self.query_text or self.sort != "file":
            self.reload()
        else:  # first time: the screenful that shows first, the rest once it is drawn (10,000 take ~80 ms)
            self.reload(first_page=True)
            if len(self.table.articles) < self.article_count:
                self.set_timer(AFTER_FIRST_FRAME_S, self.reload)
        self.app.start_pending_sync()

    def on_resize(self, event: Resize) -> None:
        self.call_after_refresh(self._draw_columns)

    def _draw_columns(self) -> None:
        width = self.table.scrollable_content_region.width
        if width != self._columns_width:  # an update costs a frame
            self._columns_width = width
            self.query_one("#columns", Static).update(self.table.heading(width))

    @shows_store_errors
    def reload(self, first_page: bool = False) -> None:
        """Re-read the list (counts change while reading) and keep the cursor on the same article.

        Every re-read comes here: start-up, a filter or sort, back from another screen, a finished sync,
        undo. With a text filter, the articles added or changed since the last search are indexed
        first: in a thread (index_then_reload), which re-reads once it is done. See index_first for
        what the list shows meanwhile. With nothing to index, the list is re-read at once."""
        if self.query_text and self.index_first():
            return
        current = self.table.current
        limit = max(self.size.height, FIRST_PAGE) if first_page else None
        articles = list_articles(self.app.db, self.app.annotator, self.query_text or None, limit=limit)
        self.article_count = count_articles(self.app.db) if first_page else len(articles)
        if self.sort != "file":  # list_articles gives file order
            articles.sort(key=SORTS[self.sort])
        self.table.set_articles(articles, keep_id=current.id if current else None)
        self._draw_columns()
        self.call_after_refresh(self._draw_columns)  # again once a scrollbar has come or gone
        self.update_header()
        self._show_skipped()
        # Not in the frame that shows the list, nor while that frame is being written to the terminal.
        self.set_timer(AFTER_FIRST_FRAME_S, self._load_team)
        if self.said and not self.app.syncing:
            self._show_status(self.said)
        else:
            self._show_state()

    @shows_store_errors
    def _load_team(self) -> None:
        """Everyone's progress for the header: after the list is on screen, as it scans every counter."""
        self.team = progress_by_annotator(self.app.db)
        if self.app.served:
            from store.users import online

            self.online = online(self.app.db)
        self.update_header()

    def _show_skipped(self) -> None:
        """The files the last sync could not import, with why (names are stored escaped)."""
        skipped = skipped_files(self.app.db)
        box = self.query_one("#skipped", Static)
        box.display = bool(skipped)
        if not skipped:
            return
        text = Text(f"Skipped {len(skipped)} file{'s' if len(skipped) != 1 else ''} (not imported): ", "bold")
        for i, (file, reason) in enumerate(skipped[:SKIPPED_SHOWN]):
            text.append(("" if i == 0 else " · ") + reveal(file))
            text.append(f" ({reveal(reason)})", "dim")
        if len(skipped) > SKIPPED_SHOWN:
            text.append(f" · and {len(skipped) - SKIPPED_SHOWN} more: `pressmark sync` lists them all")
        box.update(text)

    def update_header(self) -> None:
        count = self.article_count
        text = Text("pressmark", "bold")
        text.append(f"  {count} article{'s' if count != 1 else ''}")
        if self.query_text:
            text.append("  filter: ")
            text.append(reveal(self.query_text), "bold")
        text.append(f"  sorted by {self.sort}", "dim")
        if self.table.marked:
            text.append(f"  {len(self.table.marked)} marked", "bold")
        database = Path(self.app.db_path).name if self.app.served else self.app.db_path  # no server paths
        text.append(f"\nannotator: {reveal(self.app.annotator)}  database: {reveal(database)}", "dim")
        if self.online:
            text.append("  online: " + " · ".join(reveal(who) + (f" ({n})" if n > 1 else "")
                                                  for who, n in self.online.items()), "dim")
        team = self.team
        if len(team) > 1 or (team and team[0][0] != self.app.annotator):
            text.append("  progress: " + " · ".join(f"{reveal(who)} {sentences} in {articles}"
                                                    for who, articles, sentences in team), "dim")
        self.query_one("#header", Static).update(text)

    def set_status(self, message: str) -> None:
        """Say something on the status line. It stays there, over the hints, until the next key or until the
        user leaves the library: a re-read of the list meanwhile (after indexing, whose progress replaces it,
        or an export dialog closing) shows it again."""
        self.said = message
        self._show_status(message)

    def on_key(self) -> None:
        """A key: the last message has been read (the key's own action may say something new)."""
        self._forget_message()

    def on_screen_suspend(self) -> None:
        self._forget_message()

    def _forget_message(self) -> None:
        if self.said is not None:
            self.said = None
            self._show_state()

    def _show_state(self) -> None:
        """The status line when there is no message to show: what the library is doing, or its keys."""
        if self.app.syncing:
            self._show_status(self.app.syncing)
        elif not self.table.articles:
            self._show_status("No articles match the filter (Escape clears it)" if self.query_text else "No articles "
                              "yet: put .txt, .md or .html files in a folder and run `pressmark sync FOLDER`")
        else:
            self._show_status(HINTS)

    def _show_status(self, message: str) -> None:
        self.query_one("#status", Static).update(Text(reveal(message), no_wrap=True, overflow="ellipsis"),
                                                 layout=False)  # messages may quote names or labels

    # -- actions -------------------------------------------------------------------
    def action_move(self, delta: int) -> None:
        self.table.cursor += delta

    def action_page(self, direction: int) -> None:
        self.table.page(direction)

    def action_first(self) -> None:
        self.table.cursor = 0

    def action_last(self) -> None:
        self.table.cursor = len(self.table.articles) - 1

    def action_open(self) -> None:
        from tui.screens.reader import ReaderScreen

        if (article := self.table.current) is not None:
            self.app.push_screen(ReaderScreen(article.id))

    def on_article_list_opened(self, event: ArticleList.Opened) -> None:
        self.action_open()

    def action_mark(self) -> None:
        self.table.toggle_mark()
        self.table.cursor += 1
        self.update_header()

    def action_compare(self) -> None:
        from tui.screens.compare import CompareScreen

        rows, row = self.table.articles, self.table.cursor
        if len(rows) < 2:
            self.set_status("Side by side needs two articles")
            return
        shown = {a.id for a in rows}
        ids = [a for a in self.table.marked if a in shown][-2:]
        # Fill up with the highlighted article, then the one after it (or before, at the end).
        for candidate in (rows[row].id, rows[row + 1 if row + 1 < len(rows) else row - 1].id):
            if len(ids) < 2 and candidate not in ids:
                ids.append(candidate)
        self.app.push_screen(CompareScreen(*ids))

    def action_best_source(self) -> None:
        """Open the highlighted article beside the one it most likely reuses (found via the shingle index); if
        the texts show that the one sharing most with it reuses it instead, beside that one, as its source."""
        if (article := self.table.current) is not None:
            self.set_status("Looking for the best source…")
            self.find_source(article.id)

    @work(thread=True, exclusive=True, group="sources")
    def find_source(self, article_id: int) -> None:
        """In a thread, on its own connection: the first search after a sync builds the shingle index
        of every new or changed article (store.derived), which takes a while for thousands of them."""
        from store.db import connect
        from store.derived.shingles import sources

        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(self.set_status, f"Indexing new articles for source search: {done} of {total}…")

        try:
            db = connect(self.app.db_path, readonly=True if self.app.readonly else None)
            try:
                found = sources(db, article_id, limit=3, progress=progress)  # its sources first
            finally:
                db.close()
        except (StoreError, sqlite3.Error, OSError) as exc:  # said on the status line, never a crash
            message = f"Best source search failed: {safe(describe(exc, self.app.db_path))}"
            self.app.call_from_thread(self.set_status, message)
            return
        self.app.call_from_thread(self.show_source, article_id, found[0] if found else None)

    def show_source(self, article_id: int, best: Source | None) -> None:
        from tui.screens.compare import CompareScreen

        if best is None:
            self.set_status("No other article shares a passage of five or more words with this one")
            return
        self.said = None
        self._show_status(HINTS)
        if best.known_copy:  # the source of the two is this one: it goes on the left
            self.app.push_screen(CompareScreen(article_id, best.id, notice=f"No source found: {best.file} reuses "
                                                                              f"this article ({best.why})"))
        else:
            self.app.push_screen(CompareScreen(best.id, article_id))

    def action_overview(self) -> None:
        from tui.screens.overview import OverviewScreen

        self.app.push_screen(OverviewScreen())

    def action_agreement(self) -> None:
        from tui.screens.agreement import AgreementScreen

        if self.app.allowed("adjudicate"):
            self.app.push_screen(AgreementScreen())

    def action_filter(self) -> None:
        boxes = self.query("#filter")
        if boxes:
            box = boxes.first()
        else:  # made on first use: an Input costs start-up time that most sessions never need back
            from textual.widgets import Input

            box = Input(placeholder="Filter by title or text (Enter to apply, Escape to clear)", id="filter",
                        classes="search-input")
            self.mount(box)
        box.add_class("-visible")
        box.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_text = event.value.strip()
        event.input.remove_class("-visible")
        self.table.focus()
        self.reload()

    def index_first(self) -> bool:
        """If the filter needs articles indexed first, start that (or let the running indexing finish)
        and return True: index_then_reload re-reads the list once it is done.

        Meanwhile the list stays as it was and the status line says what is going on: nothing the user
        was looking at disappears, the cursor stays put, and the articles shown still match the filter
        they were found with (the new ones join them when indexing is done). Showing every article
        meanwhile would swap thousands of rows in and out again within seconds, and lose the place."""
        from store.derived.search import search_backlog

        if self.indexing:
            return True
        backlog = search_backlog(self.app.db)  # 0 in a read-only database: nothing can be indexed there
        if not backlog:
            return False
        self.indexing = True
        self._show_status(f"Indexing {backlog:,} new article{'s' if backlog != 1 else ''} for search…")
        self.index_then_reload()
        return True

    @work(thread=True, exclusive=True, group="search")
    def index_then_reload(self) -> None:
        """Index every new or changed article for search (store.derived.ensure_search), which takes
        seconds after a big sync and writes to the database: in a thread, on its own connection,
        with progress on the status line; then re-read the list (_indexed)."""
        from store.db import connect
        from store.derived.search import ensure_search

        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(self._show_status, f"Indexing new articles for search: {done:,} of {total:,}…")

        try:
            db = connect(self.app.db_path, readonly=self.app.readonly)
            try:
                ensure_search(db, progress)
            finally:
                db.close()
        except (StoreError, sqlite3.Error, OSError) as exc:  # said on the status line, never a crash
            self.app.call_from_thread(self._indexed,
                                      f"Indexing for search failed: {safe(describe(exc, self.app.db_path))}")
            return
        self.app.call_from_thread(self._indexed)

    def _indexed(self, failure: str | None = None) -> None:
        """Indexing is over: re-read the list, or say why not (it is tried again on the next reload)."""
        self.indexing = False
        if failure:
            self.set_status(failure)
            return
        self.reload()

    def action_clear_filter(self) -> None:
        for box in self.query("#filter"):
            box.remove_class("-visible")
            box.value = ""
        self.table.focus()
        if self.query_text:
            self.query_text = ""
            self.reload()

    def action_sort(self) -> None:
        order = list(SORTS)
        self.sort = order[(order.index(self.sort) + 1) % len(order)]
        self.reload()

    def action_export(self) -> None:
        from tui.screens.export import ExportScreen

        self.app.push_screen(ExportScreen())

    def action_quit(self) -> None:
        self.app.exit()

    def on_codebook_changed(self, message: CodebookChanged) -> None:
        """Another process changed the codebook: a count column per tag."""
        self.table.codebook = self.app.codebook
        self._columns_width = -1
        if self.is_current:
            self.reload()

    def annotations_changed(self, article_id: int | None, n: int | None, move_to: bool) -> None:
        if self.is_current:
            self.reload()
