"""The README's table of the reader's and side by side's keys, made from their bindings (tui.keys):
``python -m tui.key_table`` rewrites it, and a test fails when the README's differs. Kept apart from tui.keys,
which the screens and the app use, because it reads the screens' and the app's classes."""

from __future__ import annotations

import sys
from pathlib import Path

from textual.binding import Binding

from store.queries import Tag
from tui.keys import tag_bindings

README = Path(__file__).resolve().parent.parent / "README.md"
TABLE_START = "<!-- the reader's and side by side's keys: written by `python -m tui.key_table` from their bindings -->"
TABLE_END = "<!-- end of the keys -->"


def key_table(codebook: list[Tag]) -> str:
    """The README's table of the reader's and side by side's keys (the app's own last), in Markdown."""
    from textual.app import App

    from tui.app import PressmarkApp
    from tui.screens.annotating import AnnotatingScreen
    from tui.screens.compare import CompareScreen

    shows = App()  # how Textual names keys (get_key_display), as in the footer and the help screen
    rows = ["| keys | what they do |", "|---|---|"]
    for bindings, where in ((AnnotatingScreen.BINDINGS + tag_bindings(codebook), ""),
                            (CompareScreen.BINDINGS, "(side by side) "), (PressmarkApp.BINDINGS + App.BINDINGS + [
                                Binding(App.COMMAND_PALETTE_BINDING, "command_palette", "palette",  # as App binds it
                                        tooltip="Every action of the screen, found by its words")], "")):
        found: dict[str, tuple[Binding, list[str]]] = {}
        for binding in filter(lambda b: b.description, Binding.make_bindings(bindings)):
            keys = found.setdefault(binding.action, (binding, []))[1]
            keys.append(f"`{shows.get_key_display(binding)}`")
        for binding, keys in found.values():
            tip = binding.tooltip
            about = f"{where}{binding.description}" + (f": {tip[:1].lower()}{tip[1:]}" if tip else "")
            rows.append(f"| {' '.join(dict.fromkeys(keys))} | {about.replace('|', '/')} |")
    return "\n".join(rows) + "\n"


def readme_with_table(readme: str, table: str) -> str:
    """``readme`` with the text between its table markers replaced by ``table``."""
    head, found, rest = readme.partition(TABLE_START + "\n")
    _, ended, tail = rest.partition(TABLE_END)
    if not (found and ended):
        raise SystemExit(f"README.md has no {TABLE_START!r} ... {TABLE_END!r}")
    return head + found + table + ended + tail


def default_codebook() -> list[Tag]:
    from store.schema import DEFAULT_TAGS

    return [Tag(name, key, colour, description) for name, key, colour, description in DEFAULT_TAGS]


if __name__ == "__main__":
    README.write_text(readme_with_table(README.read_text(encoding="utf-8"), key_table(default_codebook())),
                      encoding="utf-8")
    print(f"wrote the key table of {README}", file=sys.stderr)
