"""How the Method of Equal Shares spent the budget, round by round, for people to read.

``explain(election, result)`` takes an equal-shares tally (``equal-shares`` or
``equal-shares-completed``) and replays its rounds exactly, with the engine's
own numbers: every voter starts with the share the engine finally used
(``result.voter_budget``), and in each round every supporter of the project
bought pays ``min(what they have left, the round's cap)``, the cap being the
engine's exact ``max_payment``. Replaying needs no search (the engine already
chose), so it is a few rational operations per round and group of voters with
the same bought projects on their ballot; it is never on the plain tally path
(the platform calls it once, at publication).

What it gives:

- the rounds in the order projects were bought: cost, supporters, the most a
  supporter paid, how many paid that and how many paid less (all they had
  left), the budget spent so far;
- the completion (``equal-shares-completed``): the share each voter started
  with, the raised share finally used, and the projects the greedy step
  added with the money left before each;
- why every other project stayed out: its supporters' shares ran out (their
  money left when equal shares stopped is below its cost), it did not fit what
  was left when the greedy step reached it, or nobody voted for it.

``spending(share, rounds, approved)`` answers "what would equal shares have
done with my share?" for any set of approved projects from the published
rounds alone: a voter pays for the rounds' projects they approve, in order, as
every real supporter did. ``fairness(election, selected)`` gives, for any
selection, the average number of winning projects on a ballot and how many
ballots have at least one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from participatory.tally.explain import STAGE_COMPLETION, STAGE_EQUAL_SHARES, TallyResult
from participatory.tally.greedy import greedy_order
from participatory.tally.model import Amount, Ballots, Election, TallyError
from participatory.tally.rules import EQUAL_SHARES_COMPLETED

# Why a project stayed out.
SHARES_RAN_OUT = "shares_ran_out"  # its supporters' money left was less than its cost
DID_NOT_FIT = "did_not_fit"  # when the greedy completion reached it, it cost more than what was left
NO_SUPPORTER = "no_supporter"  # no ballot approved it


def exact(value: Amount | Fraction) -> str:
    """An exact amount as text: ``"1250"`` or ``"2500/3"`` (``Fraction(text)`` reads it back)."""
    return str(Fraction(value))


def _amount(value: Fraction) -> Amount:
    return value.numerator if value.denominator == 1 else value


@dataclass(frozen=True)
class Payment:
    """``voters`` supporters each paid ``amount`` for one round's project."""

    amount: Fraction
    voters: int


@dataclass(frozen=True)
class Round:
    number: int  # 1-based
    project: str
    name: str
    cost: Amount
    supporters: int
    max_payment: Fraction  # the round's cap: no supporter paid more
    payments: tuple[Payment, ...]  # distinct amounts paid, largest first
    spent: Amount  # budget spent after this round

    @property
    def paid(self) -> Fraction:
        return sum((p.amount * p.voters for p in self.payments), Fraction(0))

    @property
    def short(self) -> int:
        """Supporters who paid less than the cap: all they had left."""
        return sum(p.voters for p in self.payments if p.amount < self.max_payment)

    def to_dict(self) -> dict[str, Any]:
        return {
            "round": self.number,
            "project": self.project,
            "cost": exact(self.cost),
            "supporters": self.supporters,
            "max_payment": exact(self.max_payment),
            "payments": [{"amount": exact(p.amount), "voters": p.voters} for p in self.payments],
            "paid_less": self.short,
            "spent": exact(self.spent),
        }


@dataclass(frozen=True)
class Addition:
    """A project the greedy step of the completion added, in its order."""

    project: str
    name: str
    cost: Amount
    votes: int
    left_before: Amount  # budget left when its turn came

    def to_dict(self) -> dict[str, Any]:
        return {"project": self.project, "cost": exact(self.cost), "votes": self.votes, "left": exact(self.left_before)}


@dataclass(frozen=True)
class Exclusion:
    """A project that stayed out, and why."""

    project: str
    name: str
    cost: Amount
    votes: int
    reason: str  # SHARES_RAN_OUT, DID_NOT_FIT or NO_SUPPORTER
    supporters_money: Fraction  # its supporters' money left when equal shares stopped
    left: Amount | None  # budget left when the greedy completion reached it (completed rule only)

    def to_dict(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "cost": exact(self.cost),
            "votes": self.votes,
            "reason": self.reason,
            "supporters_money": exact(self.supporters_money),
            "left": None if self.left is None else exact(self.left),
        }


@dataclass(frozen=True)
class Explanation:
    rule: str
    budget: Amount
    voters: int
    initial_share: Fraction  # budget / voters
    share: Fraction  # the share the rounds were paid from (raised by the completion)
    rounds: tuple[Round, ...]
    additions: tuple[Addition, ...]
    exclusions: tuple[Exclusion, ...]
    spent: Amount

    @property
    def rounds_spent(self) -> Amount:
        return self.rounds[-1].spent if self.rounds else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "budget": exact(self.budget),
            "voters": self.voters,
            "initial_share": exact(self.initial_share),
            "share": exact(self.share),
            "rounds": [r.to_dict() for r in self.rounds],
            "rounds_spent": exact(self.rounds_spent),
            "additions": [a.to_dict() for a in self.additions],
            "exclusions": [e.to_dict() for e in self.exclusions],
            "spent": exact(self.spent),
        }


def explain(election: Election, result: TallyResult) -> Explanation:
    """The rounds, completion and exclusions of an equal-shares ``result`` on ``election``."""
    if result.voter_budget is None:
        raise TallyError(f"only equal-shares rules have rounds to explain, not {result.rule!r}")
    ids = [p.id for p in election.projects]
    index = {pid: j for j, pid in enumerate(ids)}
    outcomes = result.projects
    bought = sorted((o for o in outcomes if o.stage == STAGE_EQUAL_SHARES), key=lambda o: o.round or 0)
    bought_index = [index[o.id] for o in bought]
    share = result.voter_budget
    n = election.num_voters

    # Voters who approve the same bought projects pay the same in every round: one group each,
    # found with one bitset row per voter (a Python loop over 90,000 ballots would take seconds).
    ballots = election.ballots
    assert isinstance(ballots, Ballots)
    indptr, indices = ballots.indptr, ballots.indices
    voter_of = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    round_at = np.full(len(ids), -1, dtype=np.int64)
    round_at[bought_index] = np.arange(len(bought_index))
    rounds_of = round_at[indices]
    paying = rounds_of >= 0
    width = max(1, (len(bought) + 7) // 8)
    bits = np.zeros((n, width), dtype=np.uint8)
    cols = rounds_of[paying]
    np.bitwise_or.at(bits, (voter_of[paying], cols >> 3), np.left_shift(1, cols & 7).astype(np.uint8))
    unique, inverse, counts = np.unique(
        np.ascontiguousarray(bits).view(np.dtype((np.void, width))).ravel(), return_inverse=True, return_counts=True
    )
    group_of = inverse.ravel().astype(np.int64)
    sizes = counts.tolist()
    key_bits = np.frombuffer(unique.tobytes(), dtype=np.uint8).reshape(len(unique), width)
    member = np.unpackbits(key_bits, axis=1, count=len(bought), bitorder="little").astype(bool)
    keys = [np.flatnonzero(row).tolist() for row in member]
    money = [share] * len(keys)
    payers: list[list[int]] = [[] for _ in bought]
    for g, key in enumerate(keys):
        for r in key:
            payers[r].append(g)

    rounds: list[Round] = []
    spent: Amount = 0
    for r, o in enumerate(bought):
        cap = o.max_payment
        assert cap is not None
        paid: Counter[Fraction] = Counter()  # those who paid all they had, by amount
        full = 0  # those who paid the cap
        for g in payers[r]:
            if money[g] >= cap:
                money[g] -= cap
                full += sizes[g]
            else:
                paid[money[g]] += sizes[g]
                money[g] = Fraction(0)
        if full:
            paid[cap] += full
        spent = _amount(Fraction(spent) + Fraction(o.cost))
        rounds.append(
            Round(
                number=r + 1,
                project=o.id,
                name=o.name,
                cost=o.cost,
                supporters=o.votes,
                max_payment=cap,
                payments=tuple(Payment(a, paid[a]) for a in sorted(paid, reverse=True)),
                spent=spent,
            )
        )

    # Each project's supporters' money left when equal shares stopped.
    # Groups holding the same amount are counted together: few exact products, however many groups.
    amounts: dict[Fraction, int] = {}
    amount_of = np.array([amounts.setdefault(m, len(amounts)) for m in money], dtype=np.int64)
    pairs = amount_of[group_of[voter_of]] * len(ids) + indices.astype(np.int64) if n else np.zeros(0, np.int64)
    values, counts = np.unique(pairs, return_counts=True)
    distinct = list(amounts)
    left_money = [Fraction(0)] * len(ids)
    for value, count in zip(values.tolist(), counts.tolist(), strict=True):
        a, j = divmod(value, len(ids))
        left_money[j] += distinct[a] * count

    additions: list[Addition] = []
    left_at: dict[int, Amount] = {}
    if result.rule == EQUAL_SHARES_COMPLETED:  # the greedy completion, replayed in its order
        added = {o.id for o in outcomes if o.stage == STAGE_COMPLETION}
        chosen = set(bought_index)
        _, costs, _ = election.scaled()
        votes = [o.votes for o in outcomes]
        left = Fraction(election.budget) - Fraction(spent)
        for j in greedy_order(ids, costs, votes):
            if j in chosen:
                continue
            o = outcomes[j]
            if o.id in added:
                additions.append(Addition(o.id, o.name, o.cost, o.votes, _amount(left)))
                left -= o.cost
            else:
                left_at[j] = _amount(left)
    exclusions = [
        Exclusion(
            project=o.id,
            name=o.name,
            cost=o.cost,
            votes=o.votes,
            reason=NO_SUPPORTER if not o.votes else (DID_NOT_FIT if j in left_at else SHARES_RAN_OUT),
            supporters_money=left_money[j],
            left=left_at.get(j),
        )
        for j, o in enumerate(outcomes)
        if not o.selected
    ]
    exclusions.sort(key=lambda e: (-e.votes, e.project))
    return Explanation(
        rule=result.rule,
        budget=election.budget,
        voters=n,
        initial_share=Fraction(election.budget) / n if n else Fraction(0),
        share=share,
        rounds=tuple(rounds),
        additions=tuple(additions),
        exclusions=tuple(exclusions),
        spent=result.spent,
    )


def spending(
    share: Fraction, rounds: Sequence[tuple[str, Fraction]], approved: Collection[str]
) -> tuple[list[tuple[int, str, Fraction]], Fraction]:
    """What equal shares did with the share of a voter approving ``approved``.

    ``rounds`` are (project, cap) in round order. Returns (round number, project,
    amount paid) for each round's project the voter approved, and what was left.
    """
    paid: list[tuple[int, str, Fraction]] = []
    left = share
    for number, (project, cap) in enumerate(rounds, start=1):
        if project in approved:
            pay = min(left, cap)
            left -= pay
            paid.append((number, project, pay))
    return paid, left


@dataclass(frozen=True)
class Fairness:
    """How a selection serves the voters, ballot by ballot."""

    ballots: int
    winners_per_ballot: Fraction  # approved projects that won, averaged over ballots
    with_a_winner: int  # ballots approving at least one winning project

    @property
    def share_with_a_winner(self) -> Fraction:
        return Fraction(self.with_a_winner, self.ballots) if self.ballots else Fraction(0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ballots": self.ballots,
            "winners_per_ballot": exact(self.winners_per_ballot),
            "with_a_winner": self.with_a_winner,
            "share_with_a_winner": exact(self.share_with_a_winner),
        }


def fairness(election: Election, selected: Collection[str]) -> Fairness:
    ballots = election.ballots
    assert isinstance(ballots, Ballots)
    n = len(ballots)
    winning = np.array([p.id in selected for p in election.projects], dtype=np.int64)
    voter_of = np.repeat(np.arange(n, dtype=np.int64), np.diff(ballots.indptr))
    per_ballot = np.bincount(voter_of, weights=winning[ballots.indices], minlength=n).astype(np.int64)
    total = int(per_ballot.sum())
    return Fairness(n, Fraction(total, n) if n else Fraction(0), int((per_ballot > 0).sum()))
