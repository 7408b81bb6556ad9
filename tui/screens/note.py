"""The note editor: a modal TextArea for the cursor sentence's note."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static, TextArea


class NoteScreen(ModalScreen[str | None]):
    """Returns the edited note (empty string removes it), or None when cancelled."""

    CSS_PATH = "note.tcss"
    BINDINGS = [
        # Not a priority binding: those run as soon as the key is read, before the editor has had the keys
        # typed just before (fast, or pasted), which a save would then lose. ctrl+d must be one (the
        # editor's own ctrl+d deletes a character); it drops the text anyway, as escape does.
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel", priority=True),
        Binding("ctrl+d", "delete", "Delete note", priority=True),
    ]

    def __init__(self, sentence: str, note: str):
        super().__init__()
        self.sentence, self.note = sentence, note

    def compose(self) -> ComposeResult:
        with Vertical(id="note-dialog"):
            yield Static(Text("Note on: ", "bold") + Text(self.sentence), id="note-sentence")
            yield TextArea(self.note, id="note-text", soft_wrap=True, show_line_numbers=False)
            yield Static(Text("ctrl+s save · escape cancel · ctrl+d delete the note", "dim"))
        yield Footer()

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_delete(self) -> None:
        self.dismiss("")

    def action_cancel(self) -> None:
        self.dismiss(None)
