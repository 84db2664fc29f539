"""Explanations of equal shares: rounds known by hand, invariants on random and real elections."""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from participatory.tally import EQUAL_SHARES, EQUAL_SHARES_COMPLETED, Election, Project, TallyError, read_pabulib, tally
from participatory.tally.explanations import (
    DID_NOT_FIT,
    NO_SUPPORTER,
    SHARES_RAN_OUT,
    Explanation,
    Payment,
    explain,
    fairness,
    spending,
)
from participatory.tally.pabulib import UnsupportedVoteType

from .conftest import PABULIB, requires_shared
from .test_against_pabutools import elections

# 1. budget 100, 5 voters: each holds 20.
#    a (60): v1, v2, v5 hold 60 -> cap 20, rate 20/60 = 1/3; c (30): v4, v5 -> cap 15, rate 1/2; b (50): v2, v3
#    hold 40 < 50. Round 1 buys a, its three supporters pay 20 each (spent 60). Then c's supporters hold
#    20 (v4) + 0 (v5) < 30 and b's 0 (v2) + 20 (v3) < 50: equal shares stops.
#    Completed: at a share s, c is bought after a once s + (s - 20) >= 30, i.e. s = 25: v4 pays 25, v5 its last 5
#    (cap 25); spent 90 and b (50) no longer fits: exhaustive, kept. Greedy adds nothing (10 left < 50).
ONE = Election(100, [Project("a", 60), Project("b", 50), Project("c", 30)], [[0], [0, 1], [1], [2], [0, 2]])
# 2. budget 100, 5 voters of 20. x (40) by v1 v2 v3: cap 40/3, rate 1/3; y (30) by v1 v2 v4: cap 10, rate 1/3;
#    tie, "x" < "y": round 1 buys x, each pays 40/3 and keeps 20/3. Round 2: y's supporters hold
#    20/3 + 20/3 + 20 >= 30; v1 and v2 pay their last 20/3 each, v4 pays the rest, 30 - 40/3 = 50/3 (the cap),
#    keeping 10/3. z (20, by v4: 10/3 left) and w (90, by v5: 20) stay out: shares ran out.
TWO = Election(
    100,
    [Project("x", 40), Project("y", 30), Project("z", 20), Project("w", 90)],
    [[0, 1], [0, 1], [0], [1, 2], [3]],
)
# 3. budget 100, 5 voters of 20. A (80) by v1..v4: cap 20 (rate 1/4), bought. B (30) by v5 (20 < 30) and C (10,
#    nobody) are not. Completed: B fits no more (80 + 30 > 100), C is no candidate: exhaustive at the first share.
#    Greedy by votes: B (1 vote) does not fit what is left (20); C (0 votes) fits: added with 20 left.
THREE = Election(100, [Project("A", 80), Project("B", 30), Project("C", 10)], [[0], [0], [0], [0], [1]])

CASES = [
    # election, rule, share, rounds (project, cap, payments, spent), additions (project, left), exclusions
    (
        ONE,
        EQUAL_SHARES,
        20,
        [("a", 20, [(20, 3)], 60)],
        [],
        [("b", SHARES_RAN_OUT, F(20), None), ("c", SHARES_RAN_OUT, F(20), None)],
    ),
    (
        ONE,
        EQUAL_SHARES_COMPLETED,
        25,
        [("a", 20, [(20, 3)], 60), ("c", 25, [(25, 1), (5, 1)], 90)],
        [],
        [("b", DID_NOT_FIT, F(30), 10)],
    ),
    (
        TWO,
        EQUAL_SHARES,
        20,
        [("x", F(40, 3), [(F(40, 3), 3)], 40), ("y", F(50, 3), [(F(50, 3), 1), (F(20, 3), 2)], 70)],
        [],
        [("w", SHARES_RAN_OUT, F(20), None), ("z", SHARES_RAN_OUT, F(10, 3), None)],
    ),
    (
        THREE,
        EQUAL_SHARES,
        20,
        [("A", 20, [(20, 4)], 80)],
        [],
        [("B", SHARES_RAN_OUT, F(20), None), ("C", NO_SUPPORTER, F(0), None)],
    ),
    (
        THREE,
        EQUAL_SHARES_COMPLETED,
        20,
        [("A", 20, [(20, 4)], 80)],
        [("C", 20)],
        [("B", DID_NOT_FIT, F(20), 20)],
    ),
]


@pytest.mark.parametrize(("election", "rule", "share", "rounds", "additions", "exclusions"), CASES)
def test_rounds_known_by_hand(election, rule, share, rounds, additions, exclusions) -> None:
    x = explain(election, tally(election, rule))
    assert x.share == share and x.initial_share == 20
    assert [(r.project, r.max_payment, [(p.amount, p.voters) for p in r.payments], r.spent) for r in x.rounds] == [
        (p, F(cap), [(F(a), n) for a, n in pays], spent) for p, cap, pays, spent in rounds
    ]
    assert [(a.project, a.left_before) for a in x.additions] == additions
    assert [(e.project, e.reason, e.supporters_money, e.left) for e in x.exclusions] == exclusions


def test_paid_less_counts_the_supporters_who_ran_out() -> None:
    x = explain(TWO, tally(TWO, EQUAL_SHARES))
    assert [r.short for r in x.rounds] == [0, 2]
    assert x.rounds[1].payments == (Payment(F(50, 3), 1), Payment(F(20, 3), 2))
    assert x.to_dict()["rounds"][1]["max_payment"] == "50/3"


@pytest.mark.parametrize(
    ("approved", "paid", "left"),
    [
        ({"x", "y"}, [(1, "x", F(40, 3)), (2, "y", F(20, 3))], F(0)),  # as v1 and v2
        ({"y", "z"}, [(2, "y", F(50, 3))], F(10, 3)),  # as v4
        ({"z", "w"}, [], F(20)),  # nothing bought: the share stays whole
        (set(), [], F(20)),
    ],
)
def test_what_a_ballot_would_have_paid(approved, paid, left) -> None:
    x = explain(TWO, tally(TWO, EQUAL_SHARES))
    assert spending(x.share, [(r.project, r.max_payment) for r in x.rounds], approved) == (paid, left)


@pytest.mark.parametrize(
    ("selected", "average", "with_a_winner"),
    [
        ({"x", "y"}, F(6, 5), 4),  # 2 + 2 + 1 + 1 + 0
        ({"w"}, F(1, 5), 1),
        (set(), F(0), 0),
        ({"x", "y", "z", "w"}, F(8, 5), 5),
    ],
)
def test_fairness(selected, average, with_a_winner) -> None:
    f = fairness(TWO, selected)
    assert (f.ballots, f.winners_per_ballot, f.with_a_winner) == (5, average, with_a_winner)
    assert f.share_with_a_winner == F(with_a_winner, 5)


def test_fairness_counts_empty_ballots() -> None:
    election = Election(10, [Project("a", 5)], [[], [0], []])
    assert fairness(election, {"a"}).winners_per_ballot == F(1, 3)


def test_greedy_has_no_rounds() -> None:
    with pytest.raises(TallyError):
        explain(ONE, tally(ONE, "greedy"))


def check(election: Election, rule: str) -> Explanation:
    """What must hold on any election: the replay pays exactly what the engine spent."""
    result = tally(election, rule)
    x = explain(election, result)
    costs = {p.id: p.cost for p in election.projects}
    for r in x.rounds:
        assert r.paid == costs[r.project]  # the supporters' payments make exactly the cost
        assert sum(p.voters for p in r.payments) == r.supporters
        assert all(0 <= p.amount <= r.max_payment for p in r.payments)
    assert (x.rounds[-1].spent if x.rounds else 0) == sum(costs[r.project] for r in x.rounds)
    assert sum((r.paid for r in x.rounds), F(0)) <= x.share * x.voters
    bought = [r.project for r in x.rounds] + [a.project for a in x.additions]
    assert bought == result.selected and sum(costs[p] for p in bought) == result.spent
    for e in x.exclusions:
        if e.reason == SHARES_RAN_OUT and costs[e.project] > 0:
            assert e.supporters_money < costs[e.project]
        if e.reason == DID_NOT_FIT:
            assert e.left is not None and costs[e.project] > e.left
    return x


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections(max_projects=8, max_voters=30))
def test_rounds_pay_what_the_engine_spent(election: Election) -> None:
    small = max(p.cost for p in election.projects) <= 10**6  # "add one" on 10**12 would take forever
    for rule in (EQUAL_SHARES, EQUAL_SHARES_COMPLETED) if small else (EQUAL_SHARES,):
        check(election, rule)


def shared_files(limit_bytes: int = 150_000) -> list[Path]:
    if not PABULIB.is_dir():
        return []
    return sorted(p for p in PABULIB.glob("*.pb") if p.stat().st_size <= limit_bytes)


@requires_shared
@pytest.mark.parametrize("path", shared_files(), ids=lambda p: p.stem[:40])
def test_rounds_pay_what_the_engine_spent_on_shared_files(path: Path) -> None:
    try:
        election = read_pabulib(path)
    except UnsupportedVoteType:
        pytest.skip("not an approval election")
    for rule in (EQUAL_SHARES, EQUAL_SHARES_COMPLETED):
        x = check(election, rule)
        assert x.voters == election.num_voters
