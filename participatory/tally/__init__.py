"""The tally engine: participatory-budgeting rules and the pabulib format.

A pure library (NumPy, no Flask, no database), so results can be recomputed by
anyone: ``python -m participatory.tally FILE.pb [--rule R] [--json]``.

Usage::

    from participatory.tally import Election, Project, tally
    election = Election(budget=100_000, projects=[Project("a", 60_000), Project("b", 50_000)],
                        ballots=[[0], [0, 1], [1]])
    result = tally(election, "equal-shares")
    result.selected, result.spent, result.outcome("b").reason

Each rule computes exactly what pabutools 1.2.3 computes with cost
satisfaction and its default lexicographic tie-breaking on project ids
(checked on the 103 approval and choose-1 elections of ../shared/pabulib and on
random elections; see tests/tally):

``greedy``
    ``greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)``:
    projects by number of approvals, most first (satisfaction/cost with
    Cost_Sat is the approval count; ``Cardinality_Sat`` would rank by
    approvals per unit of cost instead), ties by id; funded when it still fits.
``equal-shares``
    ``method_of_equal_shares(instance, profile, sat_class=Cost_Sat)``.
``equal-shares-completed``
    ``completion_by_rule_combination(instance, profile,
    [method_of_equal_shares, greedy_utilitarian_welfare],
    [{"sat_class": Cost_Sat, "voter_budget_increment": 1}, {"sat_class": Cost_Sat}])``:
    equal shares, rerun with every voter's share raised by one unit while the
    outcome fits the budget and leaves some eligible project that would fit
    ("add one"), then greedy on what is left. (Not
    ``exhaustion_by_budget_increase``: that raises the total budget by 1 % steps
    and tests exhaustiveness against every project, unsupported ones included.)
    The unit is the election's money unit; ``tally(..., add_one_step=100)``
    keeps it at one euro for an election counted in cents.

Amounts are exact (ints or Fractions) and every decision that depends on a
comparison -- including near-ties under equal shares -- is made exactly.
"""

from participatory.tally.explain import (
    DID_NOT_FIT,
    NOT_AFFORDABLE,
    ProjectOutcome,
    TallyResult,
)
from participatory.tally.model import Amount, Ballots, Election, Project, TallyError
from participatory.tally.pabulib import (
    PabulibError,
    UnsupportedVoteType,
    parse_pabulib,
    read_pabulib,
)
from participatory.tally.pabulib_writer import pabulib_string, write_pabulib
from participatory.tally.rules import (
    EQUAL_SHARES,
    EQUAL_SHARES_COMPLETED,
    GREEDY,
    RULES,
    tally,
)

__all__ = [
    "Amount",
    "Ballots",
    "DID_NOT_FIT",
    "EQUAL_SHARES",
    "EQUAL_SHARES_COMPLETED",
    "Election",
    "GREEDY",
    "NOT_AFFORDABLE",
    "PabulibError",
    "Project",
    "ProjectOutcome",
    "RULES",
    "TallyError",
    "TallyResult",
    "UnsupportedVoteType",
    "pabulib_string",
    "parse_pabulib",
    "read_pabulib",
    "tally",
    "write_pabulib",
]
