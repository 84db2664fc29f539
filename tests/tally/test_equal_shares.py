"""The "add one" completion skips shares whose outcome is certain: same results as trying each."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from participatory.tally import Election, Project, tally
from participatory.tally.equal_shares import EqualShares, equal_shares_add_one


@st.composite
def wide_elections(draw, max_projects: int = 7, max_voters: int = 12) -> Election:
    """Costs large against the number of voters: "add one" takes many steps."""
    m = draw(st.integers(1, max_projects))
    costs = draw(st.lists(st.sampled_from([40, 60, 60, 90, 150, 200, 333]), min_size=m, max_size=m))
    patterns = draw(st.lists(st.lists(st.integers(0, m - 1), max_size=m), min_size=1, max_size=4))
    ballots = draw(
        st.lists(
            st.sampled_from(patterns) | st.lists(st.integers(0, m - 1), max_size=m), min_size=1, max_size=max_voters
        )
    )
    budget = draw(st.integers(min(costs), sum(costs)))
    return Election(budget, [Project(f"p{j}", c) for j, c in enumerate(costs)], ballots)


def _both(election: Election):
    scale, costs, budget = election.scaled()
    es = EqualShares([p.id for p in election.projects], costs, election.ballots)
    return (equal_shares_add_one(es, budget, scale, skip=True), equal_shares_add_one(es, budget, scale, skip=False))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wide_elections())
def test_skipping_changes_nothing(election: Election) -> None:
    fast, slow = _both(election)
    assert fast.selected == slow.selected
    assert fast.voter_budget == slow.voter_budget
    assert fast.payments == slow.payments


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wide_elections(max_projects=5, max_voters=6))
def test_completed_matches_pabutools_over_many_steps(
    pabutools_selected: Callable[[Election, str], list[str]], election: Election
) -> None:
    rule = "equal-shares-completed"
    assert sorted(tally(election, rule).selected) == pabutools_selected(election, rule)


def test_skips_shares_with_a_certain_outcome() -> None:
    # 4 voters hold 250,000 each. b (999,990) needs 3 supporters holding 333,330: until
    # then only a (10) is bought, which leaves b fitting: not exhaustive. The first run
    # shows b stays unaffordable for 83,330 more units, so the next run is at 333,330,
    # where b (rate 1/3) then a are bought: 1,000,000, exhaustive. Two runs, not 83,331.
    election = Election(1_000_000, [Project("a", 10), Project("b", 999_990)], [[0], [1], [1], [1]])
    scale, costs, budget = election.scaled()
    es = EqualShares(["a", "b"], costs, election.ballots)
    runs: list[Fraction] = []
    original = es.run

    def counting(share, *rest, **kw):
        runs.append(share)
        return original(share, *rest, **kw)

    es.run = counting  # type: ignore[method-assign]
    result = equal_shares_add_one(es, budget, scale)
    assert [es.ids[j] for j in result.selected] == ["b", "a"]
    assert result.voter_budget == 333_330 and result.payments == [333_330, 10]
    assert runs == [250_000, 333_330]
