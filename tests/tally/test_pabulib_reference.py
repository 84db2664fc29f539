"""Every shared pabulib election, every rule: the same selected set as pabutools.

pabutools takes minutes per large file (hours for equal-shares-completed), so
its outcomes are computed once by scripts/pabutools_reference.py and stored in
tests/tally/data/pabutools_outcomes.json; this test compares with that file.
"""

from __future__ import annotations

from functools import lru_cache

import pytest

from participatory.tally import RULES, Election, UnsupportedVoteType, read_pabulib, tally

from .conftest import PABULIB, REFERENCE, load_reference

SHARED_ABSENT = "../shared/pabulib (the reference elections) is absent in this checkout"


def _cases() -> list:
    if not PABULIB.is_dir():
        return [pytest.param("", "", marks=pytest.mark.skip(reason=SHARED_ABSENT))]
    return [pytest.param(p.name, rule, id=f"{p.stem}-{rule}") for p in sorted(PABULIB.glob("*.pb")) for rule in RULES]


@lru_cache(maxsize=2)
def _election(name: str) -> Election:
    return read_pabulib(PABULIB / name)


@lru_cache(maxsize=1)
def _reference() -> dict:
    return load_reference()["files"]


@pytest.mark.parametrize("name, rule", _cases())
def test_same_outcome_as_pabutools(name: str, rule: str) -> None:
    entry = _reference().get(name)
    assert entry is not None, f"{name} is missing from {REFERENCE.name}: run scripts/pabutools_reference.py --merge"
    if entry["vote_type"] not in ("approval", "choose-1"):
        with pytest.raises(UnsupportedVoteType):
            read_pabulib(PABULIB / name)
        return
    expected = entry["rules"][rule]
    if expected["status"] != "ok":
        pytest.skip(f"no pabutools reference for {name} / {rule}: {expected['note']}")
    result = tally(_election(name), rule)
    assert sorted(result.selected) == expected["selected"]
    assert result.voters == entry["voters"]
    assert len(result.projects) == entry["projects"]
