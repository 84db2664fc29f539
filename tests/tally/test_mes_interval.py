"""MES over a range of shares at once: what it claims holds at every share of the range."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from participatory.tally import Election, read_pabulib
from participatory.tally.equal_shares import EqualShares, equal_shares_add_one
from participatory.tally.mes_interval import IntervalMES

from .conftest import PABULIB, requires_shared
from .test_equal_shares import wide_elections


def _prepared(election: Election) -> tuple[EqualShares, int]:
    scale, costs, budget = election.scaled()
    return EqualShares([p.id for p in election.projects], costs, election.ballots), budget


def _goes_on(es: EqualShares, budget: int, selected: list[int]) -> bool:
    """The completion's own test: the outcome fits and some project left out would still fit."""
    spent = sum(es.costs[j] for j in selected)
    return spent <= budget and any(j not in selected and spent + es.costs[j] <= budget for j in es.candidates)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wide_elections(), st.integers(0, 60), st.integers(0, 40))
def test_every_share_of_the_range_buys_what_the_range_run_says(election: Election, start: int, width: int) -> None:
    es, budget = _prepared(election)
    if not es.n_voters:
        return
    first = Fraction(budget, es.n_voters) + start
    interval = IntervalMES(es)
    bought, maybe = interval.outcome(float(first), float(first + width))
    goes_on = interval.goes_on(float(first), float(first + width), budget)
    for k in range(width + 1):
        selected = es.run(first + k).selected
        assert set(bought) <= set(selected) <= set(bought) | set(maybe), k
        if goes_on:
            assert _goes_on(es, budget, selected), k


@requires_shared
def test_ranges_spare_most_runs_on_a_city_wide_file() -> None:
    # Toulouse 2022: 1,618 shares between budget/n and the stopping share; stepping by the
    # runs' own horizons alone took about 1,300 exact runs.
    election = read_pabulib(PABULIB / "France_Toulouse_2022.pb")
    es, budget = _prepared(election)
    runs = []
    original = es.run

    def counting(share, *rest, **kw):
        runs.append(share)
        return original(share, *rest, **kw)

    es.run = counting  # type: ignore[method-assign]
    result = equal_shares_add_one(es, budget, 1)
    assert len(result.selected) == 128 and result.spent == 7_986_220  # before the greedy top-up
    assert len(runs) < 50
