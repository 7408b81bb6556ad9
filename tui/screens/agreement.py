"""Agreement: how far the coders agree, and every sentence they disagree on, for adjudication."""

from __future__ import annotations

import sqlite3

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from store.agree import ADJUDICATED, agreement, disagreements
from store.db import describe
from store.errors import StoreError
from store.names import reveal
from tui.cli import safe


def _figure(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0%}" if percent else f"{value:.2f}"


class AgreementScreen(Screen):
    """Enter opens the sentence in the reader, tagging as ``adjudicated`` with everyone's tags shown."""

    CSS_PATH = "agreement.tcss"
    BINDINGS = [
        Binding("enter", "adjudicate", "Adjudicate"),
        Binding("q,escape", "back", "Back"),
    ]

    def compose(self) -> ComposeResult:
        yield Static(id="summary", classes="title-bar")
        yield OptionList(id="disagreements")
        yield Static(id="status", classes="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.reload()
        self.query_one(OptionList).focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        db = self.app.db
        summary = Text("Agreement", "bold")
        try:
            report = agreement(db)
        except (StoreError, sqlite3.Error) as exc:  # fewer than two coders (a new database), or unreadable
            report, why = None, describe(exc, self.app.db_path)
        if report is None or len(report.annotators) < 2:
            summary.append("  needs two annotators who coded the same article (see `pressmark merge`)")
            self.query_one("#summary", Static).update(summary)
            self.found = []
            self.query_one(OptionList).clear_options()
            self.query_one("#status", Static).update(Text(f"Nothing to compare yet: {safe(why)}" if report is None
                                                          else "Nothing to compare yet"))
            return
        overall = report.overall
        summary.append(f"  {', '.join(map(reveal, report.annotators))} · {report.units} sentences in "
                       f"{len(report.articles)} articles")
        if overall:
            summary.append(f"\nall tags: {_figure(overall.percent, True)} agree, α {_figure(overall.alpha)}")
        for tag in report.tags:
            summary.append(f" · {reveal(tag.tag)}: α {_figure(tag.alpha)}")
        self.query_one("#summary", Static).update(summary)
        letters = {t.name: t.letter for t in self.app.codebook}
        self.found = disagreements(db)
        options = []
        for d in self.found:
            prompt = Text(f"{reveal(d.file)} · {d.sentence}  ", "bold")
            prompt.append("  ".join(f"{reveal(who)}: {' '.join(letters.get(t) or reveal(t) for t in tags) or '–'}"
                                    for who, tags in d.tags.items()))
            prompt.append(f"\n{reveal(d.text)}", "dim")
            options.append(Option(prompt))
        lst = self.query_one(OptionList)
        lst.clear_options()
        lst.add_options(options)
        if options:
            lst.highlighted = 0
        self.query_one("#status", Static).update(Text(
            f"{len(self.found)} disagreements · Enter opens one to set the final tags as {ADJUDICATED!r}"
            if self.found else "The coders agree on every sentence they all coded"))

    def set_status(self, message: str) -> None:
        """What the app reports here (an undo's label, say), on this screen's status line."""
        self.query_one("#status", Static).update(Text(reveal(message)))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_adjudicate()

    def action_adjudicate(self) -> None:
        from tui.screens.reader import ReaderScreen

        index = self.query_one(OptionList).highlighted
        if index is None or not self.found:
            return
        d = self.found[index]
        self.app.push_screen(ReaderScreen(d.article_id, sentence=d.sentence, annotator=ADJUDICATED))

    def action_back(self) -> None:
        self.dismiss()
