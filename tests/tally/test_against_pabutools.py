"""Random small elections, many of them tied or tight, checked live against pabutools."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from participatory.tally import RULES, Election, Project, pabulib_string, tally

from .conftest import to_pabutools

pytest.importorskip("pabutools")

# Ids whose string order differs from their numeric order, and a non-ASCII one.
IDS = ["1", "2", "9", "10", "11", "a", "b", "B", "p10", "p9", "p1", "é"]
COST_POOLS = [
    [5],  # all equal: ties everywhere
    [3, 6],
    [0, 1, 2, 3, 5, 10],  # with free projects
    [10**12, 10**12 + 1, 10**12 - 1],  # rates differing by 1e-12: beyond floats' reach
    [7, 11, 13, 17, 19],
]


@st.composite
def elections(draw, max_projects: int = 6, max_voters: int = 8) -> Election:
    m = draw(st.integers(1, max_projects))
    ids = draw(st.lists(st.sampled_from(IDS), min_size=m, max_size=m, unique=True))
    pool = draw(st.sampled_from(COST_POOLS))
    costs = draw(st.lists(st.sampled_from(pool), min_size=m, max_size=m))
    # A few ballot patterns repeated: equal vote counts and identical voters are common.
    patterns = draw(st.lists(st.lists(st.integers(0, m - 1), max_size=m), min_size=1, max_size=4))
    ballots = draw(
        st.lists(st.sampled_from(patterns) | st.lists(st.integers(0, m - 1), max_size=m), max_size=max_voters)
    )
    subset = draw(st.lists(st.booleans(), min_size=m, max_size=m))
    tight = sum(c for c, keep in zip(costs, subset, strict=False) if keep)  # exactly the cost of some projects
    budget = draw(
        st.one_of(
            st.just(tight),
            st.just(tight + 1),
            st.just(max(tight - 1, 0)),
            st.integers(0, sum(costs) + 2),
            st.fractions(0, sum(costs) + 2, max_denominator=100),
        )
    )
    return Election(budget, [Project(i, c) for i, c in zip(ids, costs, strict=False)], ballots)


SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def rules_for(election: Election) -> tuple[str, ...]:
    """All rules, except "add one" on huge amounts: +1 per voter on 10**12 would take forever in pabutools."""
    if max(p.cost for p in election.projects) > 10**6:
        return RULES[:2]
    return RULES


@SETTINGS
@given(elections())
def test_same_outcome_as_pabutools(
    pabutools_selected: Callable[[Election, str], list[str]], election: Election
) -> None:
    for rule in rules_for(election):
        assert sorted(tally(election, rule).selected) == pabutools_selected(election, rule), rule


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections(max_projects=12, max_voters=60))
def test_same_outcome_as_pabutools_larger(
    pabutools_selected: Callable[[Election, str], list[str]], election: Election
) -> None:
    for rule in rules_for(election):
        assert sorted(tally(election, rule).selected) == pabutools_selected(election, rule), rule


@SETTINGS
@given(elections())
def test_explanations_are_consistent(election: Election) -> None:
    votes = election.approvals().tolist()
    for rule in rules_for(election):
        result = tally(election, rule)
        costs = {p.id: p.cost for p in election.projects}
        assert len(set(result.selected)) == len(result.selected)
        assert result.spent == sum(costs[p] for p in result.selected) <= election.budget
        for j, outcome in enumerate(result.projects):
            assert outcome.votes == votes[j]
            assert outcome.selected == (outcome.id in result.selected)
            assert (outcome.reason is None) == outcome.selected
            if rule == "greedy" and not outcome.selected:
                assert result.spent + outcome.cost > election.budget  # it really did not fit
            if outcome.round is not None:
                assert outcome.max_payment is not None and 0 < outcome.max_payment <= result.voter_budget
                # the supporters could pay for it: at most max_payment each
                assert outcome.votes * outcome.max_payment >= outcome.cost


@settings(max_examples=100, deadline=None)
@given(elections())
def test_written_file_reads_back_in_pabutools(election: Election) -> None:
    from pabutools.election.pabulib import parse_pabulib_from_string

    instance, profile = parse_pabulib_from_string(pabulib_string(election))
    expected_instance, expected_profile = to_pabutools(election)
    assert instance.budget_limit == expected_instance.budget_limit == election.budget
    assert {(p.name, p.cost) for p in instance} == {(p.name, p.cost) for p in expected_instance}
    assert [sorted(p.name for p in b) for b in profile] == [sorted(p.name for p in b) for b in expected_profile]


def test_fraction_budget_is_exact(pabutools_selected: Callable[[Election, str], list[str]]) -> None:
    # 0.1 + 0.2 != 0.3 in floats; in exact money the three projects fit exactly.
    election = Election(
        Fraction("0.3"),
        [Project("a", Fraction("0.1")), Project("b", Fraction("0.2")), Project("c", Fraction("0.3"))],
        [[0, 1], [0, 1], [2]],
    )
    for rule in RULES:
        assert sorted(tally(election, rule).selected) == pabutools_selected(election, rule)
    assert tally(election, "greedy").selected == ["a", "b"]
