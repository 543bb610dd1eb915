"""The package's three layers: the methods library (``precision/``), the chapter runs
(``precision/chapters/``) and the book pipeline (``precision/book/``). Arrows point down:
no module imports a module of a higher layer, and no import cycle exists anywhere, with
imports inside functions counted too.

One kind of module stands above all three: an entry point, a ``__main__`` module that no
module of the package imports (``python -m precision`` dispatches ``run`` to the book
pipeline and everything else to the library's CLI). Nothing can depend on it, so it may
import any layer; once something imports it, it is an ordinary module of its folder's layer."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "precision"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module → the package's modules it imports (module level and inside functions)."""
    paths = {module_name(p, root): p for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                candidates = [target] + [f"{target}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                candidates = [alias.name for alias in node.names]
            else:
                continue
            found |= {c for c in candidates if c in paths and c != name}
        graph[name] = found
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def layer(name: str) -> int:
    if name == "precision.book" or name.startswith("precision.book."):
        return 3
    if name == "precision.chapters" or name.startswith("precision.chapters."):
        return 2
    return 1


def entry_points(graph: dict[str, set[str]]) -> set[str]:
    """The ``__main__`` modules that no module imports: command lines, above every layer."""
    imported = {b for targets in graph.values() for b in targets}
    return {m for m in graph if m.rpartition(".")[2] == "__main__" and m not in imported}


def upward_imports(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    above = entry_points(graph)
    return sorted((a, b) for a, targets in graph.items() if a not in above for b in targets if layer(b) > layer(a))


def test_the_package_has_no_import_cycle():
    assert cycles(import_graph(PACKAGE)) == []


def test_no_module_imports_a_higher_layer():
    assert upward_imports(import_graph(PACKAGE)) == []


def test_the_command_line_is_an_entry_point_that_nothing_imports():
    graph = import_graph(PACKAGE)
    assert {"precision.__main__", "precision.book.__main__"} <= entry_points(graph)
    assert "precision.book.build" in graph["precision.__main__"]  # its exemption is used, and only by it
    assert all(m.endswith("__main__") for m in entry_points(graph))


def test_all_three_layers_exist():
    layers = {layer(m) for m in import_graph(PACKAGE)}
    assert layers == {1, 2, 3}


@pytest.mark.parametrize("source, found", [
    ({"a.py": "from . import b\n", "b.py": "def f():\n    from .a import x\n"}, "cycle"),
    ({"targets.py": "def f():\n    from .chapters import profiles\n", "chapters/__init__.py": "",
      "chapters/profiles.py": ""}, "upward"),
    ({"chapters/__init__.py": "", "chapters/runs.py": "from ..book.scorecard import record\n",
      "book/__init__.py": "", "book/scorecard.py": ""}, "upward"),
    ({"chapters/__init__.py": "", "chapters/runs.py": "from ..sweep import run_sweep\n", "sweep.py": "",
      "book/__init__.py": "", "book/build.py": "from ..chapters import runs\n"}, None),
    ({"__main__.py": "def main():\n    from .book.build import run_main\n", "book/__init__.py": "",
      "book/build.py": ""}, None),
    ({"__main__.py": "def main():\n    from .book.build import run_main\n", "cli.py": "from .__main__ import main\n",
      "book/__init__.py": "", "book/build.py": ""}, "upward"),
    ({"helpers/__init__.py": "", "helpers/run.py": "from ..book import build\n", "book/__init__.py": "",
      "book/build.py": ""}, "upward"),  # only a module named __main__ is an entry point
])
def test_the_checks_catch_a_cycle_and_an_upward_import(tmp_path, source, found):
    root = tmp_path / "precision"
    for rel, text in {"__init__.py": "", **source}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    graph = import_graph(root)
    assert bool(cycles(graph)) == (found == "cycle")
    assert bool(upward_imports(graph)) == (found == "upward")
