"""tui/ layers point one way (issue 17): the README's architecture map, checked on every import, late ones too."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

from tui_helpers import make_app

from tui.screens.base import Host

TUI = Path(__file__).resolve().parent.parent / "tui"
# What each group of tui modules must never import: names starting so ("tui.cli" is the CLI and its cli_* modules).
FORBIDDEN = {
    "tui.screens": ("tui.app", "tui.cli"),
    "tui.widgets": ("tui.app", "tui.cli", "tui.screens"),
    "tui.app": ("tui.cli",),
    "tui.errors": ("tui.app", "tui.cli", "tui.screens", "tui.widgets"),
    "tui.text": ("tui.", "textual", "rich"),
    "tui.compat": ("tui.",),
}


def imports(path: Path, module: str) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(module.split(".")[: -node.level] + [node.module or ""]).strip(".") if node.level \
                else node.module
            found |= {base} | {f"{base}.{a.name}" for a in node.names}
    return found


def test_no_tui_module_imports_a_layer_above_it():
    wrong = []
    for path in TUI.rglob("*.py"):
        module = ".".join(path.relative_to(TUI.parent).with_suffix("").parts)
        for group, banned in FORBIDDEN.items():
            if module == group or module.startswith(group + "."):
                wrong += [f"{module} imports {name}" for name in sorted(imports(path, module))
                          if name.startswith(banned) and not name.startswith(group)]
    assert not wrong


def test_the_only_import_cycle_is_the_clis_lazy_command_registration():
    """tui.cli loads a cli_* module when one of its commands runs (LAZY_COMMANDS), and the module imports
    tui.cli to add its commands to the group: that cycle is allowed, no other."""
    modules = {".".join(p.relative_to(TUI.parent).with_suffix("").parts).removesuffix(".__init__"): p
               for p in TUI.rglob("*.py")}
    edges = {m: set() for m in modules}
    for m, path in modules.items():
        for name in imports(path, m):
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != m:
                edges[m].add(name)
    lazy = importlib.import_module("tui.cli").LAZY_COMMANDS
    edges["tui.cli"] |= set(lazy.values())

    def reachable(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in edges[todo.pop()] - seen:
                seen.add(nxt)
                todo.append(nxt)
        return seen

    in_cycles = {m for m in modules if m in reachable(m)}
    assert in_cycles <= {"tui.cli", *lazy.values()}


def test_the_app_is_what_screens_expect_of_it(db, db_path):
    assert isinstance(make_app(db, db_path=db_path), Host)
