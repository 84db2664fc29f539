"""``tally(election, rule)``: run a rule and explain its outcome project by project.

Each rule equals a pabutools 1.2 call (``Cost_Sat``, default lexicographic
tie-breaking on project ids); see the package docstring for the exact calls.
"""

from __future__ import annotations

import time
from fractions import Fraction

from participatory.tally.equal_shares import EqualShares, MESRun, as_fraction, equal_shares_add_one
from participatory.tally.explain import (
    DID_NOT_FIT,
    NOT_AFFORDABLE,
    STAGE_COMPLETION,
    STAGE_EQUAL_SHARES,
    STAGE_GREEDY,
    ProjectOutcome,
    TallyResult,
)
from participatory.tally.greedy import run_greedy
from participatory.tally.model import Amount, Ballots, Election, TallyError, as_amount

GREEDY = "greedy"
EQUAL_SHARES = "equal-shares"
EQUAL_SHARES_COMPLETED = "equal-shares-completed"
RULES = (GREEDY, EQUAL_SHARES, EQUAL_SHARES_COMPLETED)


def _unscale(amount: int | Fraction, scale: int) -> Amount:
    value = Fraction(amount, scale) if isinstance(amount, int) else amount / scale
    return value.numerator if value.denominator == 1 else value


def tally(election: Election, rule: str = GREEDY, *, add_one_step: Amount = 1) -> TallyResult:
    """Compute ``rule`` on ``election``.

    ``add_one_step`` is the unit by which equal-shares-completed raises every
    voter's share, in the election's money unit: 1 for pabulib files (as
    pabutools' ``voter_budget_increment=1``); a platform counting in cents that
    wants "one euro" passes 100.
    """
    if rule not in RULES:
        raise TallyError(f"unknown rule {rule!r}; expected one of {', '.join(RULES)}")
    started = time.perf_counter()
    assert isinstance(election.ballots, Ballots)
    scale, costs, budget = election.scaled()
    ids = [p.id for p in election.projects]
    votes = election.approvals().tolist()
    position: dict[int, int] = {}  # project index -> 1-based selection order
    stage: dict[int, str] = {}
    rounds: dict[int, tuple[int, Fraction]] = {}  # project index -> (round, cap)
    reason_unselected = DID_NOT_FIT
    voter_budget: Fraction | None = None

    def select(indices: list[int], how: str) -> None:
        for j in indices:
            position[j] = len(position) + 1
            stage[j] = how

    if rule == GREEDY:
        select(run_greedy(ids, costs, votes, budget).selected, STAGE_GREEDY)
    else:
        es = EqualShares(ids, costs, election.ballots)
        if rule == EQUAL_SHARES:
            run: MESRun = es.run(Fraction(budget, es.n_voters) if es.n_voters else Fraction(0))
            reason_unselected = NOT_AFFORDABLE
        else:
            step = as_amount(add_one_step, "add_one_step") * scale
            if step <= 0:
                raise TallyError("add_one_step must be positive")
            run = equal_shares_add_one(es, budget, step)
        select(run.selected, STAGE_EQUAL_SHARES)
        for number, (j, paid) in enumerate(zip(run.selected, run.payments, strict=False), start=1):
            rounds[j] = (number, as_fraction(paid))
        voter_budget = Fraction(_unscale(run.voter_budget, scale))
        if rule == EQUAL_SHARES_COMPLETED:
            select(run_greedy(ids, costs, votes, budget, initial=run.selected).selected, STAGE_COMPLETION)

    spent = sum(costs[j] for j in position)
    outcomes = []
    for j, p in enumerate(election.projects):
        chosen = j in position
        r, cap = rounds.get(j, (None, None))
        outcomes.append(
            ProjectOutcome(
                id=p.id,
                name=p.name,
                cost=p.cost,
                votes=votes[j],
                selected=chosen,
                reason=None if chosen else reason_unselected,
                stage=stage.get(j),
                round=r,
                max_payment=None if cap is None else Fraction(_unscale(cap, scale)),
                position=position.get(j),
            )
        )
    selected = sorted(position, key=position.__getitem__)
    return TallyResult(
        rule=rule,
        selected=[ids[j] for j in selected],
        spent=_unscale(spent, scale),
        budget=election.budget,
        voters=election.num_voters,
        projects=outcomes,
        seconds=time.perf_counter() - started,
        voter_budget=voter_budget,
    )
