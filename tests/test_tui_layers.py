"""tui/ layers point one way (issue 17): the README's architecture map, checked on every import, late ones too."""
from __future__ import annotations

import ast
from pathlib import Path

from tui.screens.base import Host

from tui_helpers import make_app

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


def test_the_app_is_what_screens_expect_of_it(db, db_path):
    assert isinstance(make_app(db, db_path=db_path), Host)
