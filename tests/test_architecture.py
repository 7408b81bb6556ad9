"""The shape of the code (issue 17): store/'s layers only point down, and no import cycle comes back.

Two checks, both reading imports statically (late, function-level and type-only imports included):
import-linter's contracts in pyproject.toml, and a cycle search over store/'s own import graph. Each is
also run on a copy of the code with one wrong-way import planted, so the checks are seen to fail.
"""
from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))"


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """import-linter on the project at ``root`` (its pyproject.toml's contracts, its own store/ and tui/)."""
    return subprocess.run([sys.executable, "-c", LINT], cwd=root, capture_output=True, text=True)


def import_graph(root: Path, packages: tuple[str, ...]) -> dict[str, set[str]]:
    """Module -> the modules of ``packages`` it imports anywhere in its source, or names in a
    "package.module:attr" string (click's lazy commands)."""
    modules = {}
    for package in packages:
        for path in (root / package).rglob("*.py"):
            modules[".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")] = path
    pattern = re.compile(rf"({'|'.join(packages)})(\.\w+)+(:\w+)?")
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                base = (".".join(module.split(".")[: -node.level] + [node.module]) if node.level else node.module)
                names = [base] + [f"{base}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and pattern.fullmatch(node.value):
                names = [node.value.split(":")[0]]
            for name in names:
                while name and name not in modules:
                    name = name.rpartition(".")[0]
                if name and name != module:
                    edges[module].add(name)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            v, children = work[-1]
            w = next(children, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(edges[w]))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                group = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    group.append(w)
                    if w == v:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def copy_of_the_code(tmp_path: Path) -> Path:
    for name in ("store", "tui"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def plant(path: Path, line: str) -> None:
    """Add a late import at the end of a module, as a function would make one."""
    path.write_text(path.read_text(encoding="utf-8") + f"\n\ndef _planted():\n    {line}\n", encoding="utf-8")


def test_the_import_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout and "KEPT" in result.stdout


def test_a_wrong_way_import_breaks_a_contract(tmp_path):
    copy = copy_of_the_code(tmp_path)
    plant(copy / "store" / "db.py", "from store.suggest import suggest  # the database layer reaching up")
    result = lint_imports(copy)
    assert result.returncode == 1 and "store.db -> store.suggest" in result.stdout, result.stdout + result.stderr


def test_store_has_no_import_cycle():
    assert cycles(import_graph(ROOT, ("store",))) == []


def test_a_planted_cycle_is_found(tmp_path):
    copy = copy_of_the_code(tmp_path)
    plant(copy / "store" / "errors.py", "from store.db import connect")  # store.db imports store.errors
    found = cycles(import_graph(copy, ("store",)))
    assert len(found) == 1 and {"store.db", "store.errors"} <= set(found[0])


def test_every_store_module_has_a_layer():
    """A module left out of the layers contract is checked by nothing: each one of store/ is named in it."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    layers = next(c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "store-layers")["layers"]
    named = {name.strip() for layer in layers for name in layer.split("|")}
    top_level = {p.stem if p.is_file() else p.name for p in (ROOT / "store").iterdir()
                 if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()}
    assert {f"store.{m}" for m in top_level} - named == set()
