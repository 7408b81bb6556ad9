"""Help: every key of the screen underneath, and the tag codebook."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from store.names import reveal
from tui.keys import screen_keys


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help.tcss"
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, under: Screen):
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog"):
            yield Static(Text(f"Keys: {self.under.__class__.__name__.removesuffix('Screen')}", "bold"))
            yield Static(self._keys())
            yield Static(Text("Tag codebook", "bold"))
            yield Static(self._codebook())
            yield Static(Text("ctrl+p opens the command palette · escape closes this help", "dim"))

    def _keys(self) -> Table:
        table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for binding, keys in screen_keys(self.under, with_app=True):
            table.add_row(Text(" ".join(keys)), Text(binding.description))
        return table

    def _codebook(self) -> Table:
        table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
        for tag in self.app.codebook:
            table.add_row(Text(tag.letter, style=f"bold {tag.colour}"),
                          Text(f"{tag.key} / {tag.key.upper()}"), Text(reveal(tag.name), "bold"),
                          Text(reveal(tag.description)))
        return table
