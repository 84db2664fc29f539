"""Fixtures for the tally engine tests: the shared pabulib files and live pabutools."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import pytest

from participatory.tally import Election
from tests.conftest import SHARED  # one definition of ../shared for the whole suite

ROOT = Path(__file__).resolve().parents[2]
PABULIB = SHARED / "pabulib"
REFERENCE = Path(__file__).resolve().parent / "data" / "pabutools_outcomes.json"

requires_shared = pytest.mark.skipif(
    not PABULIB.is_dir(), reason="../shared/pabulib (the reference elections) is absent in this checkout"
)


def _reference_script():
    spec = importlib.util.spec_from_file_location("pabutools_reference", ROOT / "scripts" / "pabutools_reference.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_reference() -> dict:
    return json.loads(REFERENCE.read_text(encoding="utf-8"))


def to_pabutools(election: Election):
    """The same election as a pabutools (Instance, ApprovalProfile)."""
    from gmpy2 import mpq
    from pabutools.election import ApprovalBallot, ApprovalProfile, Instance
    from pabutools.election import Project as PbProject

    def exact(x):
        return mpq(x.numerator, x.denominator) if isinstance(x, Fraction) else x

    projects = [PbProject(p.id, exact(p.cost)) for p in election.projects]
    instance = Instance(projects, budget_limit=exact(election.budget))
    profile = ApprovalProfile([ApprovalBallot([projects[j] for j in b]) for b in election.ballots.tolist()])
    return instance, profile


@pytest.fixture(scope="session")
def pabutools_selected() -> Callable[[Election, str], list[str]]:
    """Run pabutools, exactly as scripts/pabutools_reference.py does, on an Election."""
    pytest.importorskip("pabutools")
    run_rule = _reference_script().run_rule

    def selected(election: Election, rule: str) -> list[str]:
        instance, profile = to_pabutools(election)
        return sorted(str(p.name) for p in run_rule(rule, instance, profile))

    return selected
