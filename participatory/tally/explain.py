"""What a tally returns: the selected projects and, for every project, why.

A results page shows, for each project, its votes and cost, whether it was
funded, and otherwise why not:

- ``did_not_fit``: when its turn came, its cost exceeded what was left of the
  budget (greedy, and the greedy completion of equal-shares-completed);
- ``not_affordable``: under the Method of Equal Shares its supporters could not
  pay for it from their equal shares at a rate as good as the projects bought.

For equal shares it also gives the round in which a project was bought and the
most any single supporter paid for it (supporters pay equal amounts, except
those who run out of money and pay all they have left).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from participatory.tally.model import Amount

DID_NOT_FIT = "did_not_fit"
NOT_AFFORDABLE = "not_affordable"

# How a selected project was selected.
STAGE_GREEDY = "greedy"
STAGE_EQUAL_SHARES = "equal-shares"
STAGE_COMPLETION = "greedy-completion"


def json_number(value: Amount | Fraction | None) -> int | float | None:
    """Amounts for JSON: exact ints stay ints; other fractions are rounded for display only."""
    if value is None:
        return None
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else float(value)
    return value


@dataclass(frozen=True)
class ProjectOutcome:
    """One project's line on the results page."""

    id: str
    name: str
    cost: Amount
    votes: int
    selected: bool
    reason: str | None = None  # DID_NOT_FIT or NOT_AFFORDABLE when not selected
    stage: str | None = None  # how it was selected: STAGE_*
    round: int | None = None  # equal shares: 1-based round in which it was bought
    max_payment: Fraction | None = None  # equal shares: most any supporter paid for it
    position: int | None = None  # 1-based position in the order of selection

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "cost": json_number(self.cost),
            "votes": self.votes,
            "selected": self.selected,
            "reason": self.reason,
            "stage": self.stage,
            "round": self.round,
            "max_payment": json_number(self.max_payment),
            "position": self.position,
        }


@dataclass(frozen=True)
class TallyResult:
    """The outcome of one rule on one election.

    ``selected`` lists project ids in the order the rule selected them;
    ``projects`` has one :class:`ProjectOutcome` per project, in the election's
    project order. ``voter_budget`` is the share each voter started with under
    equal shares (after the "add one" completion, the share finally used).
    """

    rule: str
    selected: list[str]
    spent: Amount
    budget: Amount
    voters: int
    projects: list[ProjectOutcome] = field(repr=False)
    seconds: float = 0.0
    voter_budget: Fraction | None = None

    def outcome(self, project_id: str) -> ProjectOutcome:
        for p in self.projects:
            if p.id == project_id:
                return p
        raise KeyError(project_id)

    def to_dict(self, explain: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rule": self.rule,
            "selected": self.selected,
            "spent": json_number(self.spent),
            "budget": json_number(self.budget),
            "voters": self.voters,
            "seconds": self.seconds,
        }
        if self.voter_budget is not None:
            data["voter_budget"] = json_number(self.voter_budget)
        if explain:
            data["projects"] = [p.to_dict() for p in self.projects]
        return data
