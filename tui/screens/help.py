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
        seen: dict[str, list[str]] = {}
        textuals_own = {b.action for b in Screen.BINDINGS}  # focus and copy keys every screen has
        for active in self.under.active_bindings.values():
            binding = active.binding
            # The screen's and the app's own keys: a focused widget's (a list's PageUp, say) are Textual's.
            if active.node in (self.under, self.app) and binding.description and binding.action not in textuals_own:
                seen.setdefault(binding.description, []).append(self.app.get_key_display(binding))
        for description, keys in seen.items():
            table.add_row(Text(" ".join(dict.fromkeys(keys))), Text(description))
        return table

    def _codebook(self) -> Table:
        table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
        for tag in self.app.codebook:
            table.add_row(Text(tag.letter, style=f"bold {tag.colour}"),
                          Text(f"{tag.key} / {tag.key.upper()}"), Text(reveal(tag.name), "bold"),
                          Text(reveal(tag.description)))
        return table
