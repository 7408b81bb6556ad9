"""The overview: the corpus at a glance, one chart per measure of store.stats (`v` in the library).

The numbers are computed in a thread on its own connection (attributing speakers and aligning sources can
take a while on a big corpus), each chart drawn as soon as its numbers are in. Every name in a chart is
untrusted text: it reaches plotext only through ``store.names.reveal``, so no control character reaches
the terminal, and it is shortened to fit beside the bars.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Static, TabbedContent, TabPane
from textual.worker import get_current_worker
from textual_plotext import PlotextPlot

from store.db import describe
from store.errors import StoreError
from store.names import reveal
from store.stats import CHARTS, NO_SPEAKER, Table, table
from tui.screens.base import PressmarkScreen

TABS = {"articles": "Articles", "tags": "Tags", "speakers": "Speakers", "progress": "Progress", "reuse": "Reuse"}
MOST_BARS = 20  # a chart with more rows shows the largest this many and says so
LABEL_WIDTH = 24
OTHER_COLOUR = (136, 136, 136)  # a tag outside the codebook (imported)
HINTS = "← → switch chart · r recomputes · q back · ? help"


def _label(text: str, width: int = LABEL_WIDTH) -> str:
    """Untrusted text for a chart: hidden characters shown as escapes, one line, at most ``width`` long."""
    text = " ".join(reveal(text).split())
    return text if len(text) <= width else text[:width - 1] + "…"


def _rgb(colour: str) -> tuple[int, int, int]:
    """'#e5a50a' or '#ea0' (the codebook's colours are checked to be one of these) as plotext's RGB."""
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


class OverviewScreen(PressmarkScreen):
    """Charts of the whole corpus: tags per article and per tag, by speaker, coders' progress, reuse."""

    CSS_PATH = "overview.tcss"
    BINDINGS = [
        Binding("right,l", "switch(1)", "Next chart", key_display="→ l"),
        Binding("left,h", "switch(-1)", "Previous chart", key_display="← h"),
        Binding("r", "recompute", "Recompute"),
        Binding("q,escape", "back", "Back"),
    ]

    def compose(self) -> ComposeResult:
        yield Static(Text("Overview", "bold"), id="header", classes="title-bar")
        with TabbedContent(id="charts"):
            for name, label in TABS.items():
                with TabPane(label, id=f"tab-{name}"):
                    yield Static(Text(CHARTS[name], "bold"), classes="chart-title")
                    yield Static(classes="chart-note")
                    yield PlotextPlot(id=f"chart-{name}")
        yield Static(Text(HINTS), id="status", classes="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.said: str | None = None  # the last message: it stays over the hints until the next key
        self.drawn: set[str] = set()  # the charts drawn so far
        self.compute()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_switch(self, step: int) -> None:
        tabs = self.query_one(TabbedContent)
        names = list(TABS)
        current = names.index(tabs.active.removeprefix("tab-")) if tabs.active else 0
        tabs.active = f"tab-{names[(current + step) % len(names)]}"

    def action_recompute(self) -> None:
        self.compute()

    def annotations_changed(self, article_id: int | None, sentence: int | None, move_to: bool = False) -> None:
        """An undo or redo from here changed the numbers: compute them again, but for the reuse of sources
        (the slowest by far, a minute for 1,000 articles, and independent of annotations) once it is drawn."""
        self.compute([name for name in CHARTS if name != "reuse" or name not in self.drawn])

    def set_status(self, message: str) -> None:
        """What the app reports here (an undo's outcome, say): shown over the hints until the next key."""
        self.said = message
        self.query_one("#status", Static).update(Text(reveal(message)))

    def on_key(self) -> None:
        """A key: the last message has been read (the key's own action may say something new)."""
        if self.said is not None:
            self.said = None
            self.query_one("#status", Static).update(Text(HINTS))

    def show_state(self, state: str) -> None:
        """What the computation has got to, in the title bar (the status line is for the user's actions)."""
        header = Text("Overview", "bold")
        if state:
            header.append(f"  {state}", "dim")
        self.query_one("#header", Static).update(header)

    # -- the numbers, in a thread ------------------------------------------------------------
    @work(thread=True, exclusive=True, group="overview")
    def compute(self, names: list[str] | None = None) -> None:
        """The numbers of the charts ``names`` (all by default) on this thread's own connection, each drawn as
        soon as it is in."""
        from store.db import connect

        worker = get_current_worker()

        def tell(method, *args) -> None:
            if not worker.is_cancelled:
                self.app.call_from_thread(method, *args)

        try:
            db = connect(self.app.db_path, readonly=True if self.app.readonly else None)
            try:
                for name in names or CHARTS:
                    title = CHARTS[name]

                    def progress(done: int, total: int, title=title) -> None:
                        tell(self.show_state, f"computing {title.lower()}: {done} of {total} articles…")

                    tell(self.show_state, f"computing {title.lower()}…")
                    tell(self.draw, table(db, name, progress))
            finally:
                db.close()
        except (StoreError, sqlite3.Error, OSError) as exc:  # said on the status line, never a crash
            tell(self.show_state, "")
            tell(self.set_status, f"The overview could not be computed: {describe(exc, self.app.db_path)}")
            return
        tell(self.show_state, "")

    # -- drawing -----------------------------------------------------------------------------
    def draw(self, found: Table) -> None:
        if not self.is_attached:
            return
        self.drawn.add(found.name)
        pane = self.query_one(f"#tab-{found.name}", TabPane)
        widget = pane.query_one(PlotextPlot)
        plt = widget.plt
        plt.clear_data()
        plt.clear_figure()
        notes = []
        if found.name == "speakers":  # narration outweighs every speaker: it would flatten their bars
            unspoken = sum(row[-1] for row in found.rows if row[0] == NO_SPEAKER)
            found = replace(found, rows=[row for row in found.rows if row[0] != NO_SPEAKER])
            if unspoken:
                notes.append(f"{unspoken} tagged sentence{'s' if unspoken != 1 else ''} with no speaker (narration, "
                             "documents' findings) not drawn")
        shown = self._draw(found, plt)
        if shown < len(found.rows):
            notes.insert(0, f"{shown} of {len(found.rows)} shown (the largest)")
        note = " · ".join(notes)
        if not found.rows and not notes:
            note = "Nothing to show yet: tag some sentences (or, for reuse, sync articles that share passages)"
        pane.query_one(".chart-note", Static).update(Text(note, "dim"))
        widget.refresh()

    def _draw(self, found: Table, plt) -> int:
        """Plot ``found``; return how many of its rows the chart shows."""
        if not found.rows:
            return 0
        colours = {t.name: _rgb(t.colour) for t in self.app.codebook if t.colour.startswith("#")}
        if found.name in ("articles", "speakers"):
            rows = sorted(found.rows, key=lambda r: -r[-1])[:MOST_BARS][::-1]  # largest at the top
            h, tags = len(found.head), found.tags
            plt.stacked_bar([_label(r[0]) for r in rows], [[r[h + i] for r in rows] for i in range(len(tags))],
                            labels=[_label(t, 16) for t in tags], color=[colours.get(t, OTHER_COLOUR) for t in tags],
                            orientation="horizontal", width=0.6)
            plt.xlabel("tagged sentences")
            return len(rows)
        if found.name == "tags":
            plt.bar([_label(r[0]) for r in found.rows], [r[1] for r in found.rows],
                    color=[colours.get(r[0], OTHER_COLOUR) for r in found.rows], width=0.6)
            plt.ylabel("tagged sentences")
            return len(found.rows)
        if found.name == "progress":
            days = sorted({r[1] for r in found.rows})
            where = {day: i for i, day in enumerate(days)}
            coders = list(dict.fromkeys(r[0] for r in found.rows))
            for coder in coders:
                mine = [r for r in found.rows if r[0] == coder]
                plt.plot([where[r[1]] for r in mine], [r[3] for r in mine], label=_label(coder, 16), marker="dot")
            step = max(1, len(days) // 6)
            plt.xticks(list(range(0, len(days), step)), [_label(d, 10) for d in days[::step]])
            plt.xlim(-0.5, len(days) - 0.5)
            plt.ylabel("annotations so far")
            return len(found.rows)
        rows = sorted(found.rows, key=lambda r: -r[3])[:MOST_BARS][::-1]  # reuse: most copied at the top
        plt.bar([_label(r[0]) for r in rows], [round(r[3] * 100, 1) for r in rows], orientation="horizontal",
                width=0.6)
        plt.xlabel("% of the article found in its likeliest source")
        plt.xlim(0, 100)
        return len(rows)
