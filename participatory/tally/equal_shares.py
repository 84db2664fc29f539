"""The Method of Equal Shares with cost utilities, exact and fast.

Semantics are those of pabutools 1.2 ``method_of_equal_shares(instance,
profile, sat_class=Cost_Sat)`` (see ``pabutools/rules/mes/mes_rule.py``):

- every ballot (empty ones included) starts with ``e = budget / n``;
- only projects with a positive cost and at least one supporter take part
  (with ``Cost_Sat`` a free project gives zero satisfaction, so MES never buys it);
- in each round, for every project that its supporters can still pay for, the
  payment cap ``p`` is the unique value with ``sum(min(b_i, p)) == cost`` over
  its supporters' budgets ``b_i``; pabutools' "affordability" is ``p / cost``;
- the project with the smallest ``p / cost`` is bought, ties going to the
  smallest project id (string order); each supporter pays ``min(b_i, p)``;
- it stops when no remaining project is affordable.

pabutools evaluates projects lazily (by their affordability from earlier
rounds, which only grows) and in exact ``mpq`` arithmetic; both choices leave
the outcome equal to "exact argmin, ties by id", which is what this module
computes, faster:

- voters with identical ballots are merged (with a weight);
- voters whose ballots agree on the projects bought so far always hold the
  same budget, so budgets live on a few *classes* of voters (one exact
  ``Fraction`` each) instead of one per voter;
- each project's cap is first computed in floating point with a generous error
  bound; only the projects whose interval can reach the round's minimum (the
  winner, and exact or near ties) are recomputed exactly with Fractions, so
  every decision -- which project, at what price, who runs out of money --
  is exact.

``equal_shares_add_one`` is the "add one" completion of pabutools'
``method_of_equal_shares(..., voter_budget_increment=1)``: rerun MES with
every voter's share raised by one unit until the outcome would exceed the
budget (then keep the previous one) or leaves no eligible project that fits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from participatory.tally.model import Ballots

# Relative slack on floating-point caps: far above the rounding error of sums
# over even millions of budget classes, far below real gaps between projects.
_REL_TOL = 1e-7


@dataclass
class MESRun:
    """One run of MES at a given per-voter share (amounts in scaled units)."""

    voter_budget: Fraction
    selected: list[int] = field(default_factory=list)  # project indices, in rounds order
    payments: list[Fraction] = field(default_factory=list)  # per round: the cap p (most paid by a voter)
    spent: int = 0


@dataclass
class _Evaluation:
    """A project's float cap in one round, with what the exact check needs."""

    rho: float  # cap / cost, pabutools' affordability
    tol: float
    classes: np.ndarray  # budget classes of its supporters, by ascending float budget
    weights: list[int]  # number of supporters in each class
    cut: int  # float estimate of how many classes pay all they have
    cap: float


class EqualShares:
    """Method of Equal Shares on one election, prepared once and run at any share.

    ``costs`` and amounts are integers (scaled by the caller, see
    :meth:`Election.scaled`), ``n_voters`` counts every ballot.
    """

    def __init__(self, ids: list[str], costs: list[int], ballots: Ballots) -> None:
        self.ids = ids
        self.costs = costs
        self.n_voters = len(ballots)
        m = len(ids)
        eligible = np.array([c > 0 for c in costs], dtype=bool)
        indices = ballots.indices.astype(np.int64)
        rows = np.repeat(np.arange(self.n_voters, dtype=np.int64), np.diff(ballots.indptr))
        keep = eligible[indices] if len(indices) else np.zeros(0, dtype=bool)
        rows, cols = rows[keep], indices[keep]

        # Merge identical ballots (restricted to eligible projects): exact, via bitsets.
        width = max(1, (m + 7) // 8)
        bits = np.zeros((self.n_voters, width), dtype=np.uint8)
        np.bitwise_or.at(bits, (rows, cols >> 3), (1 << (cols & 7)).astype(np.uint8))
        voters = np.flatnonzero(np.bincount(rows, minlength=self.n_voters))  # non-empty ballots
        if len(voters):
            keys = np.ascontiguousarray(bits[voters]).view(np.dtype((np.void, width))).ravel()
            _, first, inverse, counts = np.unique(keys, return_index=True, return_inverse=True,
                                                  return_counts=True)
        else:
            first = inverse = counts = np.zeros(0, dtype=np.int64)
        del bits
        group = np.full(self.n_voters, -1, dtype=np.int64)
        group[voters] = inverse.ravel()
        is_rep = np.zeros(self.n_voters, dtype=bool)
        is_rep[voters[first]] = True
        rep = is_rep[rows]
        g, c = group[rows[rep]], cols[rep]
        order = np.argsort(c, kind="stable")
        self.weight = counts.astype(np.int64)  # voters per distinct ballot
        self.supporters = g[order]  # distinct ballots approving each project (CSC)
        self.supp_ptr = np.concatenate(([0], np.cumsum(np.bincount(c, minlength=m)))).astype(np.int64)
        self.support = np.bincount(c, weights=self.weight[g], minlength=m).astype(np.int64)
        self.candidates = [j for j in range(m) if costs[j] > 0 and self.support[j] > 0]

    # -- one run -------------------------------------------------------------

    def run(self, voter_budget: Fraction) -> MESRun:
        result = MESRun(voter_budget)
        if self.n_voters == 0:
            return result  # pabutools returns the empty allocation for an empty profile
        state = _State(self, voter_budget)
        m = len(self.ids)
        active = np.zeros(m, dtype=bool)
        active[self.candidates] = True
        # rho = cap / cost >= 1 / support always; a slightly smaller float keeps it a lower bound.
        lower = np.full(m, np.inf)
        support = self.support[self.candidates].astype(float)
        lower[self.candidates] = (1.0 / support) * (1 - 1e-12)
        while True:
            idx = np.flatnonzero(active)
            if not len(idx):
                break
            best_hi = np.inf
            evaluated: dict[int, _Evaluation] = {}
            for j in idx[np.argsort(lower[idx], kind="stable")].tolist():
                if lower[j] > best_hi:
                    break  # its affordability can only be worse than the best found
                ev = state.evaluate(j)
                if ev is None:
                    active[j] = False  # its supporters can no longer pay for it
                    continue
                lower[j] = ev.rho - ev.tol
                best_hi = min(best_hi, ev.rho + ev.tol)
                evaluated[j] = ev
            near = [j for j, ev in evaluated.items() if ev.rho - ev.tol <= best_hi]
            if not near:
                break
            caps = {j: state.exact_cap(j, evaluated[j]) for j in near}
            # Smallest cap / cost, exactly; ties to the smallest id (pabutools' lexico tie-breaking).
            winner = min(near, key=lambda j: (caps[j] / self.costs[j], self.ids[j]))
            state.pay(winner, evaluated[winner], caps[winner])
            active[winner] = False
            result.selected.append(winner)
            result.payments.append(caps[winner])
            result.spent += self.costs[winner]
        return result


class _State:
    """Budgets during one MES run: a budget class per voter, one exact budget per class."""

    def __init__(self, es: EqualShares, voter_budget: Fraction) -> None:
        self.es = es
        self.cls = np.ones(len(es.weight), dtype=np.int64)  # class 0: out of money, 1: untouched
        self.exact: list[Fraction] = [Fraction(0), Fraction(voter_budget)]
        self.approx = np.zeros(64)
        self.approx[1] = float(voter_budget)

    def _levels(self, j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        es = self.es
        s = es.supporters[es.supp_ptr[j]:es.supp_ptr[j + 1]]
        counts = np.bincount(self.cls[s], weights=es.weight[s], minlength=len(self.exact))
        counts[0] = 0  # voters out of money pay nothing
        classes = np.flatnonzero(counts)
        budgets = self.approx[classes]
        order = np.argsort(budgets, kind="stable")
        return classes[order], counts[classes[order]], budgets[order]

    def _exact_total(self, classes: np.ndarray, weights: list[int]) -> Fraction:
        return sum((w * self.exact[c] for c, w in zip(classes.tolist(), weights)), Fraction(0))

    def evaluate(self, j: int) -> _Evaluation | None:
        """Float cap of project j with its error bound, or None if it is unaffordable (exactly)."""
        cost = float(self.es.costs[j])
        classes, w, b = self._levels(j)
        weights = w.astype(np.int64).tolist()
        wb = w * b
        total = float(wb.sum())
        if total < cost * (1 - _REL_TOL):
            return None
        if total <= cost * (1 + _REL_TOL) and self._exact_total(classes, weights) < self.es.costs[j]:
            return None
        before = np.cumsum(wb) - wb  # money of the poorer classes
        rich = w.sum() - (np.cumsum(w) - w)  # voters in this class and richer ones
        caps = (cost - before) / rich
        fits = caps <= b
        cut = int(np.argmax(fits)) if fits.any() else len(b) - 1
        cap = float(caps[cut])
        rho = cap / cost
        tol = _REL_TOL * (rho + (cost + float(before[cut])) / (float(rich[cut]) * cost))
        return _Evaluation(rho, tol, classes, weights, cut, cap)

    def exact_cap(self, j: int, ev: _Evaluation) -> Fraction:
        """The exact cap p with sum(min(b_i, p)) == cost, starting from the float guess."""
        cost = self.es.costs[j]
        budgets = [self.exact[c] for c in ev.classes.tolist()]
        weights = ev.weights
        k = ev.cut
        poor = sum((w * b for w, b in zip(weights[:k], budgets[:k])), Fraction(0))
        cap = (cost - poor) / sum(weights[k:])
        if all(b <= cap for b in budgets[:k]) and all(cap <= b for b in budgets[k:]):
            return cap
        # The float order or cut was off (near-equal budgets): scan in exact order.
        pairs = sorted(zip(budgets, weights))
        rich = sum(weights)
        poor = Fraction(0)
        for b, w in pairs:
            cap = (cost - poor) / rich
            if cap <= b:
                return cap
            poor += w * b
            rich -= w
        raise AssertionError("exact_cap called on an unaffordable project")

    def pay(self, j: int, ev: _Evaluation, cap: Fraction) -> None:
        """Supporters of j pay min(budget, cap): new classes for those left with money."""
        remap = np.arange(len(self.exact), dtype=np.int64)
        for c in ev.classes.tolist():
            b = self.exact[c]
            if b <= cap:
                remap[c] = 0
            else:
                remap[c] = len(self.exact)
                left = b - cap
                self.exact.append(left)
                if len(self.exact) > len(self.approx):
                    self.approx = np.concatenate((self.approx, np.zeros(len(self.approx))))
                self.approx[len(self.exact) - 1] = float(left)
        es = self.es
        s = es.supporters[es.supp_ptr[j]:es.supp_ptr[j + 1]]
        self.cls[s] = remap[self.cls[s]]


def equal_shares_add_one(es: EqualShares, budget: int, step: int | Fraction = 1) -> MESRun:
    """MES with the "add one" completion (pabutools' ``voter_budget_increment=step``)."""
    share = Fraction(budget, es.n_voters) if es.n_voters else Fraction(0)
    previous = MESRun(share)
    if es.n_voters == 0:
        return previous
    while True:
        run = es.run(share)
        if run.spent > budget:
            return previous
        chosen = set(run.selected)
        if all(j in chosen or run.spent + es.costs[j] > budget for j in es.candidates):
            return run  # exhaustive among the projects MES can buy
        previous = run
        share += step
