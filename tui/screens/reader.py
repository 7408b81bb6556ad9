"""The reader: one article, sentence by sentence, with the tag gutter."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer, Input, Static

from store.queries import NO_KEY, article_view, last_position
from tui.screens.annotating import AnnotatingScreen, header_text
from tui.widgets.article_view import ArticleView
from tui.widgets.banner import readonly_banner


class ReaderScreen(AnnotatingScreen):
    """Read and tag one article."""

    CSS_PATH = "reader.tcss"

    def __init__(self, article_id: int, *, sentence: int | None = None, annotator: str | None = None):
        super().__init__()
        self.article_id = article_id
        self.start_at = sentence  # else where this annotator left the article
        self.annotator_override = annotator

    def compose(self) -> ComposeResult:
        article = article_view(self.app.db, self.article_id, self.annotator)
        if self.app.readonly:
            yield readonly_banner()
        yield Static(id="header", classes="title-bar")
        view = ArticleView(article, self.app.codebook, id="article")
        view.cursor = self.start_at or last_position(self.app.db, self.article_id, self.annotator)
        yield view
        yield Input(placeholder="Search this article (Enter to find, Escape to cancel)", id="search",
                    classes="search-input")
        yield Static(id="status", classes="status-line")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.update_header()
        view = self.query_one(ArticleView)
        view.focus()
        if self.annotator_override:  # adjudicating: everyone's tags in view, the final ones saved apart
            self.showing_others = True
            self.show_others()
            self.set_status(f"Adjudicating as {self.annotator!r}: others' tags are shown under each sentence")
        else:
            keys = " ".join(tag.key for tag in self.app.codebook if tag.key != NO_KEY)
            self.show_hint(f"{keys} tag · {keys.upper()} and move on · a accept · O others · e export · ? help")

    def update_header(self) -> None:
        view = self.query_one(ArticleView)
        extra = f"tagging as {self.annotator}" if self.annotator_override else ""
        self.query_one("#header", Static).update(header_text(view.article, self.app.codebook, extra),
                                                layout=False)  # the title bar has a fixed height
