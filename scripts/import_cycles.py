"""Import cycles inside each app: no two modules of one app may import each other, directly or in a ring.

Every import counts, at the top of a module or inside a function (a deferred import is still a
dependency, only hidden). Imports between apps are not checked here. Run by the test suite
(tests/test_import_cycles.py); `python scripts/import_cycles.py` prints the rings it finds.
"""

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ("access", "alerts", "antifraud", "audit", "eventbus", "outbound", "payproc", "transactions", "webhooks")


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules(app: str, root: Path) -> dict[str, Path]:
    return {
        module_name(path, root): path
        for path in (root / app).rglob("*.py")
        if "migrations" not in path.parts and "__pycache__" not in path.parts
    }


def _resolve(node: ast.ImportFrom, importer: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imported_modules(path: Path, known: dict[str, Path], root: Path = ROOT) -> Iterator[str]:
    """The app's modules that this file imports (a name imported from a package counts as its submodule
    when there is one)."""
    importer = module_name(path, root)
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in known:
                    yield alias.name
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(node, importer, path.name == "__init__.py")
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                if submodule in known:
                    yield submodule
                elif target in known:
                    yield target


def _rings(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    rings: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                rings.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(rings)


def app_rings(app: str, root: Path = ROOT) -> list[list[str]]:
    known = _modules(app, root)
    graph = {
        name: {other for other in imported_modules(path, known, root) if other != name} for name, path in known.items()
    }
    return _rings(graph)


def main() -> int:
    found = {app: rings for app in APPS if (rings := app_rings(app))}
    for app, rings in found.items():
        for ring in rings:
            print(f"{app}: {' <-> '.join(ring)}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
