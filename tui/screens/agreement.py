"""Agreement: how far the coders agree, and every sentence they disagree on, for adjudication."""

from __future__ import annotations

import sqlite3

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from store.agree import ADJUDICATED, agreement, disagreements
from store.db import describe
from store.errors import StoreError
from store.names import reveal
from tui.screens.base import PressmarkScreen
from tui.text import safe


def _figure(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0%}" if percent else f"{value:.2f}"


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 's'}"


def _letters(tags: tuple[str, ...], letters: dict[str, str]) -> str:
    return " ".join(letters.get(t) or reveal(t) for t in tags) or "–"


class AgreementScreen(PressmarkScreen):
    """Enter opens the sentence in the reader, tagging as ``adjudicated`` with everyone's tags shown."""

    CSS_PATH = "agreement.tcss"
    BINDINGS = [
        Binding("enter", "adjudicate", "Adjudicate", priority=True),  # the screen's, not the list's "select"
        Binding("j,down", "move(1)", "Next", key_display="j ↓"),
        Binding("k,up", "move(-1)", "Previous", key_display="k ↑"),
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
        summary.append(f"  {', '.join(map(reveal, report.annotators))} · {_count(report.units, 'sentence')} in "
                       f"{_count(len(report.articles), 'article')}")
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
            prompt.append("  ".join(f"{reveal(who)}: {_letters(tags, letters)}" for who, tags in d.tags.items()))
            prompt.append(f"  ✓ final: {_letters(d.adjudicated, letters)}" if d.adjudicated is not None else "  open",
                          "green" if d.adjudicated is not None else "yellow")
            prompt.append(f"\n{reveal(d.text)}", "dim")
            options.append(Option(prompt))
        lst = self.query_one(OptionList)
        lst.clear_options()
        lst.add_options(options)
        if options:
            lst.highlighted = 0
        settled = sum(d.adjudicated is not None for d in self.found)
        self.query_one("#status", Static).update(Text(
            f"{_count(len(self.found), 'disagreement')}, {settled} adjudicated · Enter opens one to set the final "
            f"tags as {ADJUDICATED!r}" if self.found else "The coders agree on every sentence they all coded"))

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

    def action_move(self, step: int) -> None:
        lst = self.query_one(OptionList)
        lst.action_cursor_down() if step > 0 else lst.action_cursor_up()

    def action_back(self) -> None:
        self.dismiss()
