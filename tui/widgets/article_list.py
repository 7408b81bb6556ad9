"""The library's article table, drawn through the Line API.

A DataTable builds an object per cell up front, which takes seconds for a few
thousand articles; this draws only the rows on screen, from the summaries.
"""

from __future__ import annotations

from pathlib import Path

from rich.segment import Segment
from rich.text import Text
from textual.cache import LRUCache
from textual.events import Click, Resize
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from store.queries import ArticleSummary, Tag

FILE_WIDTH = 26
NUMBER_WIDTH = 6


class ArticleList(ScrollView, can_focus=True, inherit_bindings=False):
    """One line per article: mark, title, file, sentences, a count per tag, progress."""

    DEFAULT_CSS = Path(__file__).with_suffix(".tcss").read_text(encoding="utf-8")
    COMPONENT_CLASSES = {"article-list--cursor", "article-list--marked", "article-list--missing"}

    cursor: reactive[int] = reactive(0)  # row index

    def __init__(self, codebook: list[Tag], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.codebook = codebook
        self.articles: list[ArticleSummary] = []
        self.marked: list[int] = []  # article ids, in the order they were marked
        self._strips: LRUCache[tuple, Strip] = LRUCache(512)
        self._generation = 0

    # -- data ------------------------------------------------------------------------
    def set_articles(self, articles: list[ArticleSummary], keep_id: int | None = None) -> None:
        self.articles = articles
        ids = [a.id for a in articles]
        self.cursor = ids.index(keep_id) if keep_id in ids else min(self.cursor, max(len(ids) - 1, 0))
        self._generation += 1
        self.virtual_size = Size(self.scrollable_content_region.width, len(articles))
        self.refresh()
        self.call_after_refresh(self.scroll_to_cursor)

    @property
    def current(self) -> ArticleSummary | None:
        return self.articles[self.cursor] if self.articles else None

    def toggle_mark(self) -> None:
        if (article := self.current) is None:
            return
        if article.id in self.marked:
            self.marked.remove(article.id)
        else:
            self.marked.append(article.id)
        self.refresh_line_of(self.cursor)

    # -- cursor ----------------------------------------------------------------------
    def validate_cursor(self, row: int) -> int:
        return min(max(row, 0), max(len(self.articles) - 1, 0))

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_line_of(old)
        self.refresh_line_of(new)
        self.scroll_to_cursor()

    def scroll_to_cursor(self) -> None:
        self.scroll_to_region(Region(0, self.cursor, 1, 1), animate=False, immediate=True)

    def refresh_line_of(self, row: int) -> None:
        self.refresh_lines(row, 1)  # a list row: refresh_lines takes the scroll offset into account

    def page(self, direction: int) -> None:
        self.cursor += direction * max(self.scrollable_content_region.height - 1, 1)

    class Opened(Message):
        """An article was double-clicked."""

        def __init__(self, article: ArticleSummary) -> None:
            super().__init__()
            self.article = article

    def on_click(self, event: Click) -> None:
        row = event.y + int(self.scroll_offset.y)
        if 0 <= row < len(self.articles):
            self.cursor = row
            if event.chain >= 2:
                self.post_message(self.Opened(self.articles[row]))
        self.focus()

    def on_resize(self, event: Resize) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.articles))
        self._generation += 1

    # -- drawing ---------------------------------------------------------------------
    def columns(self, width: int) -> list[tuple[str, int, str]]:
        """(heading, width, justify) per column; the title takes what the others leave."""
        file_width = min(FILE_WIDTH, max(10, width // 5))
        fixed = [("", 1, "left"), ("File", file_width, "left"), ("Sent.", NUMBER_WIDTH, "right"),
                 *((t.letter, 4, "right") for t in self.codebook), ("Done", 5, "right")]
        title = max(width - sum(w + 1 for _, w, _ in fixed), 12)
        return [fixed[0], ("Title", title, "left"), *fixed[1:]]

    def heading(self, width: int) -> Text:
        """The header row, aligned with ``columns``; tag letters in their colours."""
        text = Text(no_wrap=True)
        colours = {t.letter: t.colour for t in self.codebook}
        for name, w, justify in self.columns(width):
            cell = Text(name[:w], style=f"bold {colours.get(name, '')}".strip())
            cell.align(justify, w)
            text.append_text(cell)
            text.append(" ")
        return text

    def render_line(self, y: int) -> Strip:
        row = y + int(self.scroll_offset.y)
        width = self.scrollable_content_region.width
        if row >= len(self.articles):  # below the last article: one cached blank (rich_style walks the DOM)
            key = ("blank", width, self.app.theme, self.has_focus)
            if (strip := self._strips.get(key)) is None:
                strip = self._strips[key] = Strip.blank(width, self.rich_style)
            return strip
        article = self.articles[row]
        key = (row, width, self._generation, self.app.theme, row == self.cursor, self.has_focus,
               article.id in self.marked)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._strips[key] = self._render_row(article, row == self.cursor, width)
        return strip.apply_offsets(0, row)

    def _render_row(self, article: ArticleSummary, is_cursor: bool, width: int) -> Strip:
        style = self.rich_style
        marked = article.id in self.marked
        if article.status != "ok":
            style += self.get_component_rich_style("article-list--missing")
        if marked:
            style += self.get_component_rich_style("article-list--marked")
        if is_cursor:
            style += self.get_component_rich_style("article-list--cursor")
        file = article.file + (" (missing)" if article.status != "ok" else "")
        values = ["●" if marked else " ", article.title, file, str(article.n_sentences),
                  *(str(article.counts.get(t.name) or "·") for t in self.codebook), f"{article.progress:.0%}"]
        segments = []
        for value, (_, w, justify) in zip(values, self.columns(width)):
            cell = Text(value, no_wrap=True, overflow="ellipsis")
            cell.truncate(w, overflow="ellipsis", pad=False)
            cell.align(justify, w)
            segments.append(Segment(cell.plain + " ", style))
        return Strip(segments).crop_extend(0, width, style)

