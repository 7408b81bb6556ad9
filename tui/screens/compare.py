"""Compare: two articles side by side (stacked on narrow terminals), each with its own cursor."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical
from textual.events import DescendantFocus, Resize
from textual.widgets import Footer, Input, Static

from store.library import article_view, last_position
from tui.widgets.banner import readonly_banner
from tui.screens.annotating import AnnotatingScreen, header_text
from tui.widgets.article_view import ArticleView

STACK_BELOW = 100  # columns: narrower terminals show the panes one above the other


class CompareScreen(AnnotatingScreen):
    """Read and tag two articles at once; tab moves between the panes."""

    CSS_PATH = "compare.tcss"
    BINDINGS = [Binding("tab", "switch_pane", "Other pane")]

    def __init__(self, left_id: int, right_id: int):
        super().__init__()
        self.ids = (left_id, right_id)

    def compose(self) -> ComposeResult:
        if self.app.readonly:
            yield readonly_banner()
        with Container(id="panes"):
            for side, article_id in zip(("left", "right"), self.ids):
                article = article_view(self.app.db, article_id, self.app.annotator)
                with Vertical(classes="pane", id=f"pane-{side}"):
                    yield Static(classes="title-bar pane-header")
                    view = ArticleView(article, self.app.codebook, id=f"view-{side}")
                    view.cursor = last_position(self.app.db, article_id, self.app.annotator)
                    yield view
        yield Input(placeholder="Search the active pane (Enter to find, Escape to cancel)", id="search",
                    classes="search-input")
        yield Static(id="status", classes="status-line")
        yield Footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.update_header()
        self.query_one("#view-left", ArticleView).focus()
        self._set_layout(self.size.width)
        self.set_status("tab switches pane · f r c tag the cursor sentence in the active pane · ? help")

    def on_resize(self, event: Resize) -> None:
        self._set_layout(event.size.width)

    def _set_layout(self, width: int) -> None:
        self.query_one("#panes").set_class(width < STACK_BELOW, "-stacked")

    def update_header(self) -> None:
        for view in self.views:
            header = view.parent.query_one(".pane-header", Static)
            header.update(header_text(view.article, self.app.codebook))

    def action_switch_pane(self) -> None:
        left, right = self.views
        (right if self.active is left else left).focus()

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        super().on_descendant_focus(event)
        active = self.active
        for view in self.views:
            view.parent.set_class(view is active, "-active")

    def position_text(self, view: ArticleView) -> str:
        side = "left" if view.id == "view-left" else "right"
        if self.query_one("#panes").has_class("-stacked"):
            side = "top" if side == "left" else "bottom"
        return f"{side.capitalize()} pane · {super().position_text(view)}"
