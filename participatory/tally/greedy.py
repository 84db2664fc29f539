"""Greedy by number of approvals, as pabutools computes it with cost satisfaction.

pabutools' ``greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)``
ranks projects by total satisfaction divided by cost. With ``Cost_Sat`` a
supporter's satisfaction is the project's cost, so that ratio is exactly the
number of approvals; two special cases follow from its code and are kept:

- a project with no approval, or with cost 0, has total satisfaction 0 and
  ratio 0 (not infinity): it comes after every approved, costly project;
- ties are broken by project id, compared as strings (its lexicographic
  tie-breaking), so ``"10"`` comes before ``"9"``.

Projects are then taken in that order, each one funded when its cost still
fits in what is left of the budget, otherwise skipped (``did_not_fit``).
Unapproved projects can therefore be funded with leftover money, as in pabutools.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class GreedyRun:
    selected: list[int]  # project indices, in order of selection
    skipped: list[int]  # considered, but more expensive than the money left
    spent: int  # scaled units


def greedy_order(ids: Sequence[str], costs: Sequence[int], votes: Sequence[int]) -> list[int]:
    """Project indices in the order greedy considers them."""
    return sorted(range(len(ids)), key=lambda j: (-(votes[j] if costs[j] > 0 else 0), ids[j]))


def run_greedy(
    ids: Sequence[str],
    costs: Sequence[int],
    votes: Sequence[int],
    budget: int,
    initial: Iterable[int] = (),
) -> GreedyRun:
    """Greedy on integer (scaled) amounts, completing ``initial`` when given.

    With ``initial`` this is pabutools' greedy called with an
    ``initial_budget_allocation``: the already selected projects are kept and
    their cost is taken from the budget first.
    """
    chosen = set(initial)
    spent = sum(costs[j] for j in chosen)
    selected: list[int] = []
    skipped: list[int] = []
    for j in greedy_order(ids, costs, votes):
        if j in chosen:
            continue
        if spent + costs[j] <= budget:
            selected.append(j)
            spent += costs[j]
        else:
            skipped.append(j)
    return GreedyRun(selected, skipped, spent)
