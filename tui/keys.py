"""A screen's own keys, read from its bindings: the help screen, the command palette and the README's key table
(``python -m tui.key_table`` writes it; a test fails when it differs) list them from here, so none of them can leave a
key out or name it differently from the footer."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from store.names import reveal
from store.queries import NO_KEY, Tag

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
