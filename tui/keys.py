"""A screen's own keys, read from its bindings: the help screen, the command palette and the README's key table
(``python -m tui.keys`` writes it; a test fails when it differs) list them from here, so none of them can leave a
key out or name it differently from the footer."""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterable
from pathlib import Path

from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from store.library import NO_KEY, Tag
from store.names import reveal

README = Path(__file__).resolve().parent.parent / "README.md"
TABLE_START = "<!-- the reader's and side by side's keys: written by `python -m tui.keys` from their bindings -->"
TABLE_END = "<!-- end of the keys -->"

TEXTUALS_OWN = {b.action for b in Screen.BINDINGS}  # focus and copy keys every screen has


def screen_keys(screen: Screen, with_app: bool = False) -> list[tuple[Binding, list[str]]]:
    """Each action ``screen`` binds (and, ``with_app``, the app's keys), once, with every key shown for it, in
    the order they are bound. A focused widget's keys (a list's PageUp, say) are Textual's and left out."""
    owners = (screen, screen.app) if with_app else (screen,)
    found: dict[str, tuple[Binding, list[str]]] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if active.node in owners and binding.description and binding.action not in TEXTUALS_OWN:
            keys = found.setdefault(binding.action, (binding, []))[1]
            key = screen.app.get_key_display(binding)
            if key not in keys:
                keys.append(key)
    return list(found.values())


def literal(text: str) -> str:
    """``text`` revealed, as Textual content markup that shows it as it is: the command palette parses
    its titles and help as markup (a tag named ``[/]`` would crash it), so every ``[`` is escaped."""
    return reveal(text).replace("[", "\\[")


def binding_commands(screen: Screen) -> Iterable[SystemCommand]:
    """A palette command for every key of ``screen``: its description is the title the palette searches, its
    tooltip (or description) and keys the help under it. Run as the key would be (App.run_action, so a store
    error is said, not raised)."""
    for binding, keys in screen_keys(screen):
        about = binding.tooltip or binding.description
        yield SystemCommand(literal(binding.description), f"{literal(about)} ({literal(' '.join(keys))})",
                            functools.partial(screen.app.run_action, binding.action, screen))


def tag_bindings(codebook: list[Tag]) -> list[Binding]:
    """The reader's keys for the codebook's tags: lower case toggles, upper case toggles and moves on."""
    bindings = []
    for i, tag in enumerate(codebook):
        if tag.key != NO_KEY:
            name = reveal(tag.name[:1].upper() + tag.name[1:])  # as typed but the first letter ("NHS", not "Nhs")
            bindings += [Binding(tag.key, f"tag({i}, False)", name, tooltip=f"Tag the cursor sentence {name.lower()}, "
                                 "or untag it"),
                         Binding(tag.key.upper(), f"tag({i}, True)", f"{name} and next", show=False,
                                 tooltip="The same, and on to the next sentence")]
    return bindings


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
