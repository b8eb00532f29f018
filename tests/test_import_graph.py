"""The package's import graph has no cycle (module-level imports; an import inside a
function runs later and cannot form one). A cycle works only by import order: the
old ``from provenance import __version__`` in credentials/claims.py did, by luck."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def _modules() -> dict[str, Path]:
    found = {}
    for path in (ROOT / "provenance").rglob("*.py"):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Modules of ours that ``name`` imports at module level (``from pkg import sub`` is
    an edge to the submodule, ``from pkg import attr`` one to the package)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    edges = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            edges |= {alias.name for alias in node.names if alias.name in modules}
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(max(node.level - 1, 0)):
                base = base.rpartition(".")[0]
            target = (f"{base}.{node.module}" if node.module else base) if node.level else node.module
            for alias in node.names:
                if f"{target}.{alias.name}" in modules:
                    edges.add(f"{target}.{alias.name}")
                elif target in modules:
                    edges.add(str(target))
    return edges - {name}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        path.pop()
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_import_graph_has_no_cycle() -> None:
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    assert len(graph) > 50
    assert graph["provenance.credentials.claims"]  # the check sees real edges
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_parts_import_on_their_own() -> None:
    """A part imported first, in a fresh interpreter, needs no import order."""
    for module in ("provenance.credentials.claims", "provenance.registry.backup", "provenance.service.fetch"):
        code = f"import {module}"
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
        assert proc.returncode == 0, proc.stderr
