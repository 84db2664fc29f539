"""The shape of the house (DESIGN.md "Layout", README "Architecture"), read from the source with `ast`.

Static imports, function-level ones included (scripts/import_graph.py builds the graph; run it to see
it). A domain is a package under participatory/ or the top-level constituencies/; the top-level
modules are the shared ground ("core"), and the app factory ("app") assembles every domain.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import import_graph  # noqa: E402  (scripts/ is not a package)

EDGES = import_graph.import_graph()
GRAPH = import_graph.domain_graph(EDGES)
DOMAINS = sorted(name for name in GRAPH if name not in ("app", "core"))

# The rooms of a domain (README "Architecture"): each is a module or a package of modules, directly
# under the domain folder, never deeper, and never under another name.
ROOMS = {"models", "services", "rules", "forms", "views", "queries", "mail", "cli", "jobs"}
# The rooms each domain has (README's table); a room a domain does not need is absent, never a stub.
EXPECTED_ROOMS = {
    "accounts": {"models", "services", "rules", "forms", "views", "queries", "mail", "cli", "jobs"},
    "calls": {"models", "services", "rules", "forms", "views", "queries", "mail", "cli", "jobs"},
    "crowdfunding": {"models", "services", "rules", "forms", "views", "queries", "cli"},
    "discussion": {"models", "services", "rules", "forms", "views", "queries", "mail", "cli", "jobs"},
    "mandate": {"models", "services", "rules", "forms", "views", "queries", "cli"},
    "constituencies": {"models", "services", "rules", "views", "queries", "cli"},
    "audit": {"models", "services", "rules", "cli", "jobs"},
    "auditing": {"forms", "views"},
    "api": {"views"},
    "demo": {"services", "rules", "cli"},
    "tally": {"rules"},
}
# Names that say nothing about what a module holds.
CATCH_ALL = {"utils", "util", "helpers", "helper", "misc", "common", "tools", "lib"}
# Other names for the mail room, which is `mail` everywhere.
MAIL_ALIASES = {"emails", "email", "mails", "mailer", "mailing", "notifications_mail"}


def _folder(domain: str) -> Path:
    return ROOT / "constituencies" if domain == "constituencies" else ROOT / "participatory" / domain


def _modules() -> list[str]:
    return sorted(import_graph.modules())


def test_the_graph_sees_every_domain_and_function_level_imports():
    assert {"accounts", "calls", "crowdfunding", "audit", "auditing", "api", "tally", "constituencies"} <= set(DOMAINS)
    # A function-level import is an edge: the app factory imports the blueprints inside functions.
    assert ("participatory.app_factory", "participatory.calls.views") in {(e.source, e.target) for e in EDGES}


def test_no_cycle_between_domains():
    graph = {name: targets - {"app"} for name, targets in GRAPH.items()}
    assert import_graph.cycles(graph) == []


def test_no_cycle_between_modules():
    graph: dict[str, set[str]] = {}
    known = set(_modules())
    for edge in EDGES:
        target = edge.target
        while target not in known and "." in target:  # `from package import name`: the package
            target = target.rpartition(".")[0]
        if target in known and target != edge.source:
            graph.setdefault(edge.source, set()).add(target)
            graph.setdefault(target, set())
    # A package's __init__ imports its own modules to re-export them: not a cycle of dependencies.
    for source in graph:
        graph[source] = {t for t in graph[source] if not source.startswith(t + ".")}
    assert import_graph.cycles(graph) == []


def test_nothing_imports_the_app_factory():
    importers = {domain for domain, targets in GRAPH.items() if "app" in targets}
    assert importers == set()


def test_the_audit_log_is_a_leaf():
    assert GRAPH["audit"] <= {"core"}, "the audit log imports no domain (its pages live in auditing/)"


def test_core_imports_no_domain():
    assert GRAPH["core"] == set()


def test_constituencies_imports_no_participatory_domain():
    assert GRAPH["constituencies"] <= {"core"}


def test_the_tally_engine_is_pure():
    """No Flask, no database, nothing of the platform but the CSV writer (pabulib files are CSV-like)."""
    outside = {e.target for e in EDGES if e.source.startswith("participatory.tally")}
    assert {t for t in outside if not t.startswith("participatory.tally")} <= {"participatory.csvfiles"}
    for path in (ROOT / "participatory" / "tally").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import flask" not in text and "from flask" not in text, path
        assert "sqlalchemy" not in text, path
    csvfiles = (ROOT / "participatory" / "csvfiles.py").read_text(encoding="utf-8")
    assert "flask" not in csvfiles and "sqlalchemy" not in csvfiles


def test_no_view_module_is_imported_by_another_domain():
    """A blueprint's views are its own: the API and the other pages go through services and queries."""
    for edge in EDGES:
        parts = edge.target.split(".")
        if "views" not in parts:
            continue
        target_domain = import_graph.domain_of(edge.target)
        source_domain = import_graph.domain_of(edge.source)
        assert source_domain in (target_domain, "app"), f"{edge.source} imports {edge.target} (line {edge.line})"


def test_no_catch_all_module_names():
    named = [m for m in _modules() if set(m.split(".")) & CATCH_ALL]
    assert named == []


@pytest.mark.parametrize("domain", sorted(EXPECTED_ROOMS))
def test_every_domain_has_its_rooms_at_one_depth(domain):
    folder = _folder(domain)
    assert folder.is_dir()
    present = {
        path.stem if path.is_file() else path.name
        for path in folder.iterdir()
        if (path.suffix == ".py" or (path / "__init__.py").is_file())
    }
    assert present & ROOMS == EXPECTED_ROOMS[domain]
    for path in folder.rglob("*.py"):
        depth = len(path.relative_to(folder).parts)
        name = path.parent.name if path.name == "__init__.py" else path.stem
        if depth > 1 and name in ROOMS and path.parent != folder:
            # A room's own package (calls/services/ballots.py) holds modules of that room only.
            room = path.relative_to(folder).parts[0]
            assert room in ROOMS and name == room, f"{path.relative_to(ROOT)}: room {name!r} below {room!r}"
        assert name not in MAIL_ALIASES, f"{path.relative_to(ROOT)}: the mail room is named mail"


def test_every_domain_is_in_the_readme_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Architecture", 1)[1].split("\n## ", 1)[0]
    for domain in DOMAINS:
        assert f"`{domain}/`" in section, domain
