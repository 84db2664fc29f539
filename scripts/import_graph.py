"""Print the import graph of participatory/ (and constituencies/) between domains.

A domain is a top-level package under participatory/ (accounts, calls, tally, ...) or the top-level
constituencies/; the top-level modules (clock.py, extensions.py, forms.py, ...) are the shared ground,
listed as "core", except the app factory (participatory/__init__.py, app_factory.py), listed as "app":
it assembles every domain and nothing imports it.
Imports are read statically with `ast`, function-level imports included, so the graph
shows what can be imported, not only what happens to be at start-up.

    python scripts/import_graph.py            # domain -> domains it imports, and any cycle
    python scripts/import_graph.py --modules  # module -> modules, one line per edge
"""

from __future__ import annotations

import argparse
import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("participatory", "constituencies")


@dataclass(frozen=True)
class Import:
    source: str  # dotted module importing
    target: str  # dotted module (or package) imported
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[module_name(path)] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> Iterator[Import]:
    """Every participatory/constituencies import in the module, at any depth (functions too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            for alias in node.names:
                # `from pkg import module` imports the submodule; `from module import name` the module.
                candidate = f"{stem}.{alias.name}"
                yield Import(name, candidate if candidate in known else stem, node.lineno)


def import_graph() -> list[Import]:
    found = modules()
    known = set(found)
    edges = []
    for name, path in found.items():
        for edge in imports_of(name, path, known):
            if edge.target.split(".")[0] in PACKAGES:
                edges.append(edge)
    return edges


APP = {"participatory", "participatory.app_factory"}


def domain_of(module: str) -> str:
    """`participatory.calls.views.ballots` -> `calls`; the app factory -> `app`; top-level modules -> `core`."""
    parts = module.split(".")
    if parts[0] == "constituencies":
        return "constituencies"
    if module in APP:
        return "app"
    candidate = Path(ROOT, *parts[:2])
    return parts[1] if candidate.is_dir() else "core"


def domain_graph(edges: list[Import]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for edge in edges:
        source, target = domain_of(edge.source), domain_of(edge.target)
        graph.setdefault(source, set())
        graph.setdefault(target, set())
        if source != target:
            graph[source].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan): each is a cycle or
    several cycles through the same nodes. Works on a module graph too."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", action="store_true", help="module-level edges instead of domains")
    args = parser.parse_args()
    edges = import_graph()
    if args.modules:
        for edge in sorted({(e.source, e.target) for e in edges}):
            print(f"{edge[0]} -> {edge[1]}")
        return
    graph = domain_graph(edges)
    width = max(len(name) for name in graph)
    for name in sorted(graph):
        print(f"{name:<{width}} -> {', '.join(sorted(graph[name])) or '(nothing)'}")
    found = cycles(graph)
    print("cycles between domains: " + ("; ".join(" <-> ".join(c) for c in found) if found else "none"))


if __name__ == "__main__":
    main()
