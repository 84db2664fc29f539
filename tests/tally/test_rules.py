"""The three rules on tiny hand-made elections whose outcomes are worked out below.

Each case gives ballots as lists of project ids; ``expect`` maps a rule to the
selected ids (in selection order), the why-not reason of every unselected
project and, for equal shares, ``rounds``: project -> (round, most paid by a voter).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import pytest

from participatory.tally import (
    DID_NOT_FIT,
    NOT_AFFORDABLE,
    Election,
    Project,
    TallyError,
    tally,
)


@dataclass
class Expect:
    selected: list[str]
    reasons: dict[str, str]
    rounds: dict[str, tuple[int, Fraction | int]] = field(default_factory=dict)
    voter_budget: Fraction | int | None = None


@dataclass
class Case:
    name: str
    budget: int | Fraction
    projects: list[tuple[str, int | Fraction]]
    ballots: list[list[str]]
    expect: dict[str, Expect]

    def election(self) -> Election:
        ids = [pid for pid, _ in self.projects]
        return Election(
            self.budget,
            [Project(pid, cost) for pid, cost in self.projects],
            [[ids.index(pid) for pid in b] for b in self.ballots],
        )


CASES = [
    # Voters hold 25 each. MES round 1: p (3 supporters, 20 each, rate 1/3) beats
    # q (15 each, 1/2) and r (10, 1). Round 2: q's supporters hold 5 and 25: the
    # first pays its 5, the second 25 (rate 25/30); r's supporter has 5 < 10 left.
    # Add-one: at a share of 30, after p (20 each) and q (10 + 20), r's supporter
    # still holds 10: p, q, r spend exactly 100, exhaustive, so it stops there.
    Case(
        "poor-supporter-pays-all",
        100,
        [("p", 60), ("q", 30), ("r", 10), ("s", 50)],
        [["p", "q"], ["p", "r"], ["p"], ["q", "s"]],
        {
            "greedy": Expect(["p", "q", "r"], {"s": DID_NOT_FIT}),
            "equal-shares": Expect(
                ["p", "q"], {"r": NOT_AFFORDABLE, "s": NOT_AFFORDABLE}, {"p": (1, 20), "q": (2, 25)}, voter_budget=25
            ),
            "equal-shares-completed": Expect(
                ["p", "q", "r"], {"s": DID_NOT_FIT}, {"p": (1, 20), "q": (2, 20), "r": (3, 10)}, voter_budget=30
            ),
        },
    ),
    # Equal votes and equal rates: ties go to the smaller id as a string, and "10" < "9".
    Case(
        "tie-by-id-string",
        10,
        [("9", 10), ("10", 10)],
        [["9", "10"], ["9", "10"]],
        {
            "greedy": Expect(["10"], {"9": DID_NOT_FIT}),
            "equal-shares": Expect(["10"], {"9": NOT_AFFORDABLE}, {"10": (1, 5)}, voter_budget=5),
            "equal-shares-completed": Expect(["10"], {"9": DID_NOT_FIT}, {"10": (1, 5)}, voter_budget=5),
        },
    ),
    # pabutools' greedy gives a free or unapproved project a ratio of 0 (not infinity):
    # they come last, by id, and take leftover money. MES (cost utilities) never buys them.
    Case(
        "free-and-unapproved",
        100,
        [("a", 70), ("z", 0), ("u", 30)],
        [["a", "z"], ["a"]],
        {
            "greedy": Expect(["a", "u", "z"], {}),
            "equal-shares": Expect(["a"], {"u": NOT_AFFORDABLE, "z": NOT_AFFORDABLE}, {"a": (1, 35)}, voter_budget=50),
            "equal-shares-completed": Expect(["a", "u", "z"], {}, {"a": (1, 35)}, voter_budget=50),
        },
    ),
    # Add-one stops before overspending: at a share of 60, x, y and z all have rate 1;
    # x and y (by id) would spend 120 > 100, so the outcome at 59 ({z}) is kept,
    # then greedy adds x (60) and has 30 left, too little for y.
    Case(
        "add-one-keeps-last-feasible",
        100,
        [("x", 60), ("y", 60), ("z", 10)],
        [["y", "z"], ["x"]],
        {
            "greedy": Expect(["x", "z"], {"y": DID_NOT_FIT}),
            "equal-shares": Expect(["z"], {"x": NOT_AFFORDABLE, "y": NOT_AFFORDABLE}, {"z": (1, 10)}, voter_budget=50),
            "equal-shares-completed": Expect(["z", "x"], {"y": DID_NOT_FIT}, {"z": (1, 10)}, voter_budget=59),
        },
    ),
    # Greedy is by number of approvals, not approvals per cost: b (2 votes) beats
    # the cheaper c (1 vote) and leaves no room for it.
    Case(
        "approvals-not-per-cost",
        10,
        [("b", 9), ("c", 2)],
        [["b"], ["b", "c"], []],
        {
            "greedy": Expect(["b"], {"c": DID_NOT_FIT}),
            # 3 ballots (the empty one counts) hold 10/3 each: b's 2 supporters have 20/3 < 9.
            "equal-shares": Expect(["c"], {"b": NOT_AFFORDABLE}, {"c": (1, 2)}, voter_budget=Fraction(10, 3)),
            "equal-shares-completed": Expect(["c"], {"b": DID_NOT_FIT}, {"c": (1, 2)}, voter_budget=Fraction(10, 3)),
        },
    ),
    # Fractional money is exact: 2 voters hold 100.25/2 each; a costs 100.25 exactly.
    Case(
        "fractional-budget",
        Fraction("100.25"),
        [("a", Fraction("100.25")), ("b", 1)],
        [["a"], ["a", "b"]],
        {
            "greedy": Expect(["a"], {"b": DID_NOT_FIT}),
            "equal-shares": Expect(
                ["a"], {"b": NOT_AFFORDABLE}, {"a": (1, Fraction("50.125"))}, voter_budget=Fraction("50.125")
            ),
            "equal-shares-completed": Expect(
                ["a"], {"b": DID_NOT_FIT}, {"a": (1, Fraction("50.125"))}, voter_budget=Fraction("50.125")
            ),
        },
    ),
    # Nobody voted: greedy still funds by id; MES buys nothing.
    Case(
        "no-ballots",
        5,
        [("b", 3), ("a", 3)],
        [],
        {
            "greedy": Expect(["a"], {"b": DID_NOT_FIT}),
            "equal-shares": Expect([], {"a": NOT_AFFORDABLE, "b": NOT_AFFORDABLE}, voter_budget=0),
            "equal-shares-completed": Expect(["a"], {"b": DID_NOT_FIT}, voter_budget=0),
        },
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("rule", ["greedy", "equal-shares", "equal-shares-completed"])
def test_rule_outcomes(case: Case, rule: str) -> None:
    expect = case.expect[rule]
    result = tally(case.election(), rule)
    assert result.rule == rule
    assert result.selected == expect.selected
    costs = dict(case.projects)
    assert result.spent == sum(costs[p] for p in expect.selected)
    assert result.voters == len(case.ballots)
    for outcome in result.projects:
        assert outcome.selected == (outcome.id in expect.selected)
        assert outcome.reason == expect.reasons.get(outcome.id)
        assert outcome.votes == sum(outcome.id in b for b in case.ballots)
        assert outcome.cost == costs[outcome.id]
        assert (outcome.round, outcome.max_payment) == expect.rounds.get(outcome.id, (None, None))
        assert outcome.position == (expect.selected.index(outcome.id) + 1 if outcome.selected else None)
    assert result.voter_budget == expect.voter_budget
    assert result.seconds >= 0


def test_stages_of_completed() -> None:
    result = tally(CASES[3].election(), "equal-shares-completed")
    stages = [(p.id, p.stage) for p in result.projects if p.selected]
    assert stages == [("x", "greedy-completion"), ("z", "equal-shares")]


def test_add_one_step_in_other_units() -> None:
    # In cents, "add one euro" is a step of 100: same outcome as the euro election.
    case = CASES[0]
    cents = Election(case.budget * 100, [Project(p, c * 100) for p, c in case.projects], case.election().ballots)
    result = tally(cents, "equal-shares-completed", add_one_step=100)
    assert result.selected == ["p", "q", "r"]
    assert result.voter_budget == 3000


def test_to_dict_is_json_ready() -> None:
    data = tally(CASES[0].election(), "equal-shares").to_dict(explain=True)
    assert data["selected"] == ["p", "q"] and data["spent"] == 90 and data["voter_budget"] == 25
    assert data["projects"][1] == {
        "id": "q",
        "name": "",
        "cost": 30,
        "votes": 2,
        "selected": True,
        "reason": None,
        "stage": "equal-shares",
        "round": 2,
        "max_payment": 25,
        "position": 2,
    }


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"budget": -1}, "must not be negative"),
        ({"budget": 0.5}, "int or a Fraction"),
        ({"projects": [Project("a", 1), Project("a", 2)]}, "duplicate project id"),
        ({"ballots": [[0, 5]]}, "project index 5"),
        ({"ballots": [[0, 1]], "vote_type": "choose-1"}, "more than one project"),
        ({"vote_type": "cumulative"}, "not supported"),
    ],
)
def test_invalid_elections(kwargs: dict, message: str) -> None:
    base = {"budget": 10, "projects": [Project("a", 1), Project("b", 2)], "ballots": [[0]]}
    with pytest.raises(TallyError, match=message):
        Election(**{**base, **kwargs})


def test_unknown_rule() -> None:
    with pytest.raises(TallyError, match="unknown rule"):
        tally(CASES[0].election(), "phragmen")


@pytest.mark.parametrize("pid", ["", " a", "a,b", "a;b"])
def test_invalid_project_ids(pid: str) -> None:
    with pytest.raises(TallyError):
        Project(pid, 1)


def test_ballots_are_sets() -> None:
    election = Election(10, [Project("a", 1), Project("b", 2)], [[1, 0, 1], [0]])
    assert election.ballots.tolist() == [[0, 1], [0]]
    assert election.approvals().tolist() == [2, 1]
