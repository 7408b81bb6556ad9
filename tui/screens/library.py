"""The library: every article with its progress; the start screen."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from store.library import ArticleSummary, list_articles

SORTS = {
    "file": lambda a: (a.file, a.id),
    "title": lambda a: (a.title.casefold(), a.id),
    "progress": lambda a: (-a.progress, a.file),
}


class LibraryScreen(Screen):
    """Pick an article to read, or two to compare."""

    CSS_PATH = "library.tcss"
    BINDINGS = [
        Binding("enter", "open", "Read", show=True, priority=False),
        Binding("space", "mark", "Mark"),
        Binding("s", "compare", "Side by side"),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("o", "sort", "Sort"),
        Binding("e", "export", "Export"),
        Binding("q", "quit", "Quit"),
        Binding("escape", "clear_filter", "Clear filter", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.articles: list[ArticleSummary] = []
        self.marked: list[int] = []  # article ids, in the order they were marked
        self.sort = "file"
        self.query_text = ""

    def compose(self) -> ComposeResult:
        yield Static(id="header", classes="title-bar")
        yield Input(placeholder="Filter by title or text (Enter to apply, Escape to clear)", id="filter",
                    classes="search-input")
        yield DataTable(id="articles", cursor_type="row", zebra_stripes=True)
        yield Static(id="status", classes="status-line")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column(" ", key="mark", width=1)
        table.add_column("Title", key="title")
        table.add_column("File", key="file")
        table.add_column("Sent.", key="sentences")
        for tag in self.app.codebook:
            table.add_column(Text(tag.letter, style=f"bold {tag.colour}"), key=f"tag:{tag.name}")
        table.add_column("Done", key="progress")
        self.reload()
        table.focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Re-read the list (counts change while reading) and keep the cursor on the same article."""
        table = self.query_one(DataTable)
        current = self.current_id()
        self.articles = sorted(list_articles(self.app.db, self.app.annotator, self.query_text or None),
                               key=SORTS[self.sort])
        table.clear()
        width = max(self.size.width - 40 - 4 * len(self.app.codebook), 20)
        for a in self.articles:
            table.add_row(*self._cells(a, width), key=str(a.id))
        if current is not None and str(current) in table.rows:
            table.move_cursor(row=table.get_row_index(str(current)))
        self.update_header()

    def _cells(self, a: ArticleSummary, title_width: int) -> list[Text]:
        marked = a.id in self.marked
        style = "bold reverse" if marked else ("dim" if a.status != "ok" else "")
        title = Text(a.title, style=style, no_wrap=True, overflow="ellipsis")
        title.truncate(title_width, overflow="ellipsis")
        file = Text(a.file + (" (missing)" if a.status != "ok" else ""), style="dim", no_wrap=True)
        file.truncate(30, overflow="ellipsis")
        return [
            Text("●" if marked else " ", style="bold"),
            title,
            file,
            Text(str(a.n_sentences), justify="right"),
            *(Text(str(a.counts.get(t.name, 0)) if a.counts.get(t.name) else "·", justify="right")
              for t in self.app.codebook),
            Text(f"{a.progress:.0%}", justify="right"),
        ]

    def update_header(self) -> None:
        text = Text("pressmark", "bold")
        text.append(f"  {len(self.articles)} articles", "")
        if self.query_text:
            text.append("  filter: ")
            text.append(self.query_text, "bold")
        text.append(f"  sorted by {self.sort}", "dim")
        text.append(f"  annotator: {self.app.annotator}", "dim")
        if self.marked:
            text.append(f"  {len(self.marked)} marked", "bold")
        self.query_one("#header", Static).update(text)
        if not self.articles:
            self.set_status("No articles match the filter" if self.query_text else
                            "No articles yet: put .txt, .md or .html files in a folder and run `pressmark sync FOLDER`")
        else:
            self.set_status("Enter read · space mark · s side by side · / filter · o sort · ? help")

    def set_status(self, message: str) -> None:
        self.query_one("#status", Static).update(Text(message, no_wrap=True, overflow="ellipsis"))

    def current_id(self) -> int | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    # -- actions -------------------------------------------------------------------
    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open()

    def action_open(self) -> None:
        from tui.screens.reader import ReaderScreen

        if (article_id := self.current_id()) is not None:
            self.app.push_screen(ReaderScreen(article_id))

    def action_mark(self) -> None:
        article_id = self.current_id()
        if article_id is None:
            return
        if article_id in self.marked:
            self.marked.remove(article_id)
        else:
            self.marked.append(article_id)
        table = self.query_one(DataTable)
        row = table.cursor_row
        summary = next(a for a in self.articles if a.id == article_id)
        width = max(self.size.width - 40 - 4 * len(self.app.codebook), 20)
        for column, cell in zip(table.columns, self._cells(summary, width)):
            table.update_cell(str(article_id), column, cell)
        table.move_cursor(row=min(row + 1, table.row_count - 1))
        self.update_header()

    def action_compare(self) -> None:
        from tui.screens.compare import CompareScreen

        ids = [a for a in self.marked if any(x.id == a for x in self.articles)][-2:]
        if len(ids) < 2:
            table = self.query_one(DataTable)
            if table.row_count < 2:
                self.set_status("Side by side needs two articles")
                return
            row = table.cursor_row
            other = row + 1 if row + 1 < table.row_count else row - 1
            ids = [self.articles[row].id, self.articles[other].id]
        self.app.push_screen(CompareScreen(*ids))

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("-visible")
        box.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_text = event.value.strip()
        event.input.remove_class("-visible")
        self.query_one(DataTable).focus()
        self.reload()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.remove_class("-visible")
        box.value = ""
        self.query_one(DataTable).focus()
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

    def annotations_changed(self, article_id: int | None, n: int | None, move_to: bool) -> None:
        if self.is_current:
            self.reload()

    def palette_commands(self) -> Iterable[SystemCommand]:
        yield SystemCommand("Read article", "Open the highlighted article (Enter)", self.action_open)
        yield SystemCommand("Side by side", "Compare the two marked articles (s)", self.action_compare)
        yield SystemCommand("Filter", "Filter articles by title or text (/)", self.action_filter)
        yield SystemCommand("Sort", "Sort by file, title or progress (o)", self.action_sort)
        yield SystemCommand("Export", "Export all annotations to CSV (e)", self.action_export)
