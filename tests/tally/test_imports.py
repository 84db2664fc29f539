"""The tally engine's modules import each other without cycles (type-checking imports included)."""

from __future__ import annotations

import ast
from pathlib import Path

import participatory.tally

PACKAGE = Path(participatory.tally.__file__).parent


def imports_of(path: Path) -> set[str]:
    """Engine modules this file imports, anywhere in it (``if TYPE_CHECKING:`` blocks too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            if name.startswith("participatory.tally."):
                found.add(name.split(".")[2])
    return found


def test_no_module_of_the_engine_is_part_of_an_import_cycle() -> None:
    graph = {p.stem: imports_of(p) for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__")}
    assert graph["equal_shares"] >= {"mes_budgets"}  # the edge a cycle used to close
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, " -> ".join((*path, module))
        if module in done:
            return
        for imported in graph.get(module, ()):
            visit(imported, (*path, module))
        done.add(module)

    for module in graph:
        visit(module, ())
