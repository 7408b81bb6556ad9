"""Compare: two articles side by side (stacked on narrow terminals), each with its own cursor.

The left article is aligned as the source (say a press release) and the right
as the one that may reuse it (the news story); the line above the panes says
which one the texts show to be the source (store.direction), and why. The
alignment is computed in a worker (and cached in the database), then shown as
pair markers in the gutters, copied words in bold, unaligned sentences dimmed,
and the reuse figures above the panes.
"""

from __future__ import annotations

import sqlite3

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical
from textual.events import DescendantFocus, Resize
from textual.widgets import Footer, Input, Static

from store import annotate
from store.align import Alignment, alignment
from store.db import connect
from store.derived.shingles import reuse_direction
from store.direction import Direction
from store.errors import StoreError
from store.queries import article_view, last_position
from tui.errors import reports_failure
from tui.screens.annotating import AnnotatingScreen, header_text
from tui.widgets.article_view import ArticleView
from tui.widgets.banner import readonly_banner

STACK_BELOW = 100  # columns: narrower terminals show the panes one above the other


class CompareScreen(AnnotatingScreen):
    """Read and tag two articles at once; tab moves between the panes."""

    CSS_PATH = "compare.tcss"
    BINDINGS = [
        Binding("tab", "switch_pane", "Switch pane", tooltip="Each pane keeps its own cursor"),
        Binding("p", "copy_tags", "Copy tags to other pane",
                tooltip="Copy the sentence's tags to its aligned sentences in the other pane"),
        Binding("equals_sign", "toggle_sync", "Link or unlink panes", show=False, key_display="=",
                tooltip="Linked, the other pane follows the aligned sentence"),
    ]

    def __init__(self, left_id: int, right_id: int, notice: str = ""):
        """``notice``: said on the status line at first, instead of the keys."""
        super().__init__()
        self.ids = (left_id, right_id)
        self.notice = notice
        self.alignment: Alignment | None = None
        self.sync = True

    def compose(self) -> ComposeResult:
        if self.app.readonly:
            yield readonly_banner()
        yield Static(Text("Aligning the two articles…", "dim"), id="reuse")
        with Container(id="panes"):
            for side, article_id in zip(("left", "right"), self.ids):
                article = article_view(self.app.db, article_id, self.annotator)
                with Vertical(classes="pane", id=f"pane-{side}"):
                    yield Static(classes="title-bar pane-header")
                    view = ArticleView(article, self.app.codebook, id=f"view-{side}")
                    view.cursor = last_position(self.app.db, article_id, self.annotator)
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
        if self.notice:
            self.set_status(self.notice)
        else:
            self.show_hint("tab switches pane · p copies tags to the aligned sentence · = links panes · ? help")
        self.align()

    @work(thread=True, exclusive=True, group="align")
    def align(self) -> None:
        """Slow on long articles, so in a thread, on its own connection (connections are per thread)."""
        try:
            db = connect(self.app.db_path, readonly=True if self.app.readonly else None)
            try:
                result = alignment(db, *self.ids)
                way = reuse_direction(db, *self.ids, result)
            finally:
                db.close()
        except (StoreError, sqlite3.Error) as exc:  # said on the status line; the panes stay readable
            self.app.call_from_thread(self.app.store_failed, exc, "Alignment failed")
            return
        self.app.call_from_thread(self.show_alignment, result, way)

    def show_alignment(self, result: Alignment, way: Direction) -> None:
        self.alignment = result
        left, right = self.views
        left.set_alignment({p.a: result.partners_of_a(p.a) for p in result.pairs},
                           [(s[0], s[1]) for p in result.pairs for s in p.spans], "cut")
        right.set_alignment({p.b: result.partners_of_b(p.b) for p in result.pairs},
                            [(s[2], s[3]) for p in result.pairs for s in p.spans], "new")
        reuse = result.reuse
        text = Text()
        why = way.why("left", "right")
        reuses = "reuses" if way.firm else "probably reuses"  # the shares alone say only which text is longer
        if way.a_is_source is False:  # the figures from the right's side: the left is the copy
            text.append(f"Left {reuses} right ({why}): ", "bold")
            text.append(f"{reuse.a_used_by_b:.0%} of its words copied · {reuse.b_from_a:.0%} of the right used · ")
        else:
            text.append(f"Right {reuses} left ({why}): " if way.a_is_source else f"Shared wording ({why}): ", "bold")
            whose = "its" if way.a_is_source else "the right's"
            text.append(f"{reuse.b_from_a:.0%} of {whose} words copied · {reuse.a_used_by_b:.0%} of the left used · ")
        text.append(f"longest copied passage {reuse.longest_passage_words} words · {len(result.pairs)} aligned pairs")
        text.append(f" · {len(result.unaligned_a)} cut, {len(result.unaligned_b)} new", "dim")
        self.query_one("#reuse", Static).update(text)
        self.follow(self.active)

    # -- keeping the panes together --------------------------------------------------------
    def other(self, view: ArticleView) -> ArticleView:
        left, right = self.views
        return right if view is left else left

    def partners(self, view: ArticleView, n: int) -> tuple[int, ...]:
        if self.alignment is None:
            return ()
        left, _ = self.views
        return self.alignment.partners_of_a(n) if view is left else self.alignment.partners_of_b(n)

    def follow(self, view: ArticleView) -> None:
        """Highlight (and scroll to) the other pane's sentences aligned with ``view``'s cursor."""
        self.other(view).highlight(frozenset(self.partners(view, view.cursor)) if self.sync else frozenset())

    def on_article_view_cursor_moved(self, event: ArticleView.CursorMoved) -> None:
        super().on_article_view_cursor_moved(event)
        if event.view is self.active:
            self.follow(event.view)

    def action_toggle_sync(self) -> None:
        self.sync = not self.sync
        self.follow(self.active)
        self.set_status("Panes follow each other" if self.sync else "Panes move independently (= to link)")

    @reports_failure
    def action_copy_tags(self) -> None:
        view = self.active
        targets = self.partners(view, view.cursor)
        if self.app.refuse_if_readonly():
            return
        if not targets:
            self.set_status("This sentence has no aligned sentence in the other pane")
            return
        other = self.other(view)
        done = annotate.copy_tags(self.app.db, view.article.id, view.cursor,
                                  [(other.article.id, n) for n in targets], self.annotator)
        for n in targets:
            self._reload(other, n)
        where = ", ".join(map(str, targets))
        self.set_status(f"Saved: tags copied to sentence {where} of the other pane" if done else
                        "Nothing to copy: no tags here, or the other sentence has them already")

    # -- layout and headers -------------------------------------------------------------------
    def on_resize(self, event: Resize) -> None:
        self._set_layout(event.size.width)

    def _set_layout(self, width: int) -> None:
        self.query_one("#panes").set_class(width < STACK_BELOW, "-stacked")

    def update_header(self) -> None:
        for view in self.views:
            header = view.parent.query_one(".pane-header", Static)
            header.update(header_text(view.article, self.app.codebook), layout=False)

    def action_switch_pane(self) -> None:
        self.other(self.active).focus()

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        super().on_descendant_focus(event)
        active = self.active
        for view in self.views:
            view.parent.set_class(view is active, "-active")
        self.follow(active)

    def position_text(self, view: ArticleView) -> str:
        side = "left" if view is self.views[0] else "right"
        if self.query_one("#panes").has_class("-stacked"):
            side = "top" if side == "left" else "bottom"
        text = f"{side.capitalize()} pane · {super().position_text(view)}"
        if partners := self.partners(view, view.cursor):
            text += f" · aligned with {', '.join(map(str, partners))}"
        return text
