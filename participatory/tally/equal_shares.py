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
- voters who paid in the same rounds hold the same budget, so budgets live on
  *classes* of voters: a float budget and the set of rounds paid in, from
  which exact budgets follow (``share - sum of the caps paid``);
- each project's cap is first computed in floating point with a generous error
  bound; only the projects whose interval can reach the round's minimum (the
  winner, and exact or near ties) are recomputed exactly, with rationals
  (gmpy2's ``mpq`` when installed, else ``Fraction``), and so is every budget
  that floats cannot place with certainty on one side of a cap: every
  decision -- which project, at what price, who runs out of money -- is exact.

``equal_shares_add_one`` is the "add one" completion of pabutools'
``method_of_equal_shares(..., voter_budget_increment=1)``: rerun MES with
every voter's share raised by one unit until the outcome would exceed the
budget (then keep the previous one) or leaves no eligible project that fits.
pabutools reruns MES for every unit (42,000 times on a Budapest file whose
shares are in forints); here each run also reports how far the share can grow
with exactly the same decisions (see ``mes_budgets``), so shares with a
certain outcome are skipped, and each run restarts from the last round of the
previous one certain to be decided the same way (its classes of voters are
kept; only the exact amounts are recomputed). Where that is not enough (a
city-wide file whose decisions shift at nearly every share), whole ranges of
shares are proven at once to let the completion go on (``mes_interval``), and
only the shares no range could settle are run exactly.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from participatory.tally.mes_budgets import SLOPE_TOL, Budgets, Evaluation, Exact, Snapshot, horizon
from participatory.tally.mes_interval import IntervalMES
from participatory.tally.model import Ballots


def as_fraction(x: Exact) -> Fraction:
    """A Fraction from an exact rational (gmpy2's mpq or Fraction)."""
    return Fraction(int(x.numerator), int(x.denominator))


@dataclass
class MESRun:
    """One run of MES at a given per-voter share (amounts in scaled units)."""

    voter_budget: Fraction
    selected: list[int] = field(default_factory=list)  # project indices, in rounds order
    payments: list[Exact] = field(default_factory=list)  # per round: the exact cap p (most paid by a voter)
    spent: int = 0
    # The share can grow by less than this with the very same rounds (see mes_budgets).
    horizon: float = 0.0
    trace: list[_Round] = field(default_factory=list, repr=False)


@dataclass
class _Round:
    """What a later run at a larger share needs to restart after this round."""

    winner: int
    horizon: float  # of every decision up to this round
    budgets: Snapshot  # the classes after it
    lower: np.ndarray  # the lazy bounds after it
    lower_slope: np.ndarray
    active: np.ndarray


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
        n = self.n_voters
        eligible = np.array([c > 0 for c in costs], dtype=bool)
        cols = ballots.indices  # int32; memory matters: this runs on 90,000 ballots
        rows = np.repeat(np.arange(n, dtype=np.int32), np.diff(ballots.indptr))
        if not eligible.all():
            keep = eligible[cols]
            rows, cols = rows[keep], cols[keep]

        # Merge identical ballots (restricted to eligible projects): exact, via bitsets.
        width = max(1, (m + 7) // 8)
        bits = np.zeros((n, width), dtype=np.uint8)
        np.bitwise_or.at(bits, (rows, cols >> 3), np.left_shift(1, cols & 7).astype(np.uint8))
        voters = np.flatnonzero(bits.any(axis=1))  # non-empty ballots
        keys = np.ascontiguousarray(bits[voters]).view(np.dtype((np.void, width))).ravel()
        del bits
        _, first, inverse, counts = np.unique(keys, return_index=True, return_inverse=True, return_counts=True)
        del keys
        group = np.full(n, -1, dtype=np.int32)
        group[voters] = inverse.ravel()
        is_rep = np.zeros(n, dtype=bool)
        is_rep[voters[first]] = True
        del voters, first, inverse
        rep = is_rep[rows]
        g, c = group[rows[rep]], cols[rep]
        del rows, cols, rep, group, is_rep
        order = np.argsort(c, kind="stable")
        self.weight = counts.astype(np.int64)  # voters per distinct ballot
        self.supporters = g[order].astype(np.int64)  # distinct ballots approving each project (CSC)
        self.supp_weight = self.weight[self.supporters].astype(np.float64)  # their weights, aligned
        self.supp_ptr = np.concatenate(([0], np.cumsum(np.bincount(c, minlength=m)))).astype(np.int64)
        self.support = np.bincount(c, weights=self.weight[g], minlength=m).astype(np.int64)
        self.candidates = [j for j in range(m) if costs[j] > 0 and self.support[j] > 0]

    # -- one run -------------------------------------------------------------

    def run(
        self,
        voter_budget: Fraction,
        resume: tuple[list[_Round], int, float] | None = None,
        keep_trace: float | None = None,
    ) -> MESRun:
        """MES at this per-voter share.

        ``resume=(trace, rounds, delta)`` takes the first ``rounds`` rounds from an
        earlier run whose share was ``delta`` smaller, known to decide the same
        (their horizon exceeds ``delta``): same winners, same voters running out of
        money; only the exact amounts are recomputed, without searching.
        ``keep_trace=d`` records what such a later run needs, for the rounds
        whose horizon exceeds ``d`` (a later run is at least ``d`` away).
        """
        result = MESRun(voter_budget)
        if self.n_voters == 0:
            result.horizon = np.inf
            return result  # pabutools returns the empty allocation for an empty profile
        m = len(self.ids)
        active = np.zeros(m, dtype=bool)
        active[self.candidates] = True
        # Lower bounds on each project's affordability rho: rho >= 1 / supporters always, and
        # rho only grows from round to round (a slightly smaller float keeps it a bound). Each
        # is also an affine function of the share: a project's cap is convex in the share
        # along fixed decisions, so its tangent (value and slope when evaluated) stays below it.
        lower = np.full(m, np.inf)
        lower[self.candidates] = (1.0 / self.support[self.candidates]) * (1 - 1e-12)
        lower_slope = np.zeros(m)
        round_horizon = np.inf
        if resume is not None and resume[1]:
            trace, rounds, delta = resume
            last = trace[rounds - 1]
            state = Budgets(self, voter_budget, start=last.budgets)
            for past, cap in zip(trace[:rounds], state.caps, strict=False):
                result.selected.append(past.winner)
                result.payments.append(cap)
                result.spent += self.costs[past.winner]
                if keep_trace is not None and past.horizon - delta > keep_trace:
                    result.trace.append(
                        _Round(
                            past.winner,
                            past.horizon - delta,
                            past.budgets,
                            past.lower + past.lower_slope * delta,
                            past.lower_slope,
                            past.active,
                        )
                    )
            lower = last.lower + last.lower_slope * delta
            lower_slope, active = last.lower_slope.copy(), last.active.copy()
            round_horizon = last.horizon - delta
        else:
            state = Budgets(self, voter_budget)
        while True:
            idx = np.flatnonzero(active)
            if not len(idx):
                break
            best_hi = np.inf
            evaluated: dict[int, Evaluation] = {}
            for j in idx[np.argsort(lower[idx], kind="stable")].tolist():
                if lower[j] > best_hi:
                    break  # its affordability can only be worse than the best found
                ev = state.evaluate(j)
                if ev is None:
                    active[j] = False  # its supporters can no longer pay for it
                    continue
                lower[j], lower_slope[j] = ev.rho - ev.tol, ev.rho_slope
                best_hi = min(best_hi, ev.rho + ev.tol)
                evaluated[j] = ev
            near = [j for j, ev in evaluated.items() if ev.rho - ev.tol <= best_hi]
            if not near:
                break
            rates = {j: state.exact_cap(j, evaluated[j]) / self.costs[j] for j in near}
            # Smallest cap / cost, exactly; ties to the smallest id (pabutools' lexico tie-breaking).
            winner = min(near, key=lambda j: (rates[j], self.ids[j]))
            ev = evaluated[winner]
            active[winner] = False
            round_horizon = min(
                round_horizon,
                ev.horizon(state.margin),
                self._stays_ahead(ev, rates, evaluated, winner, active, lower, lower_slope, float(voter_budget)),
            )
            cap = rates[winner] * self.costs[winner]
            state.pay(winner, ev, cap)
            result.selected.append(winner)
            result.payments.append(cap)
            result.spent += self.costs[winner]
            if keep_trace is not None and min(round_horizon, state.horizon) > keep_trace:
                result.trace.append(
                    _Round(
                        winner,
                        min(round_horizon, state.horizon),
                        state.snapshot(),
                        lower.copy(),
                        lower_slope.copy(),
                        active.copy(),
                    )
                )
        result.horizon = min(round_horizon, state.horizon)
        return result

    @staticmethod
    def _stays_ahead(
        ev: Evaluation,
        rates: dict[int, Exact],
        evaluated: dict[int, Evaluation],
        winner: int,
        active: np.ndarray,
        lower: np.ndarray,
        lower_slope: np.ndarray,
        share: float,
    ) -> float:
        """Share increase over which the winner keeps the smallest rate (and its ties, their order)."""
        others = np.flatnonzero(active)
        others = others[[j not in rates for j in others.tolist()]] if len(rates) > 1 else others
        noise = SLOPE_TOL * (np.abs(lower_slope[others]) + abs(ev.rho_slope)) + 1e-12 * ev.rho / share
        result = horizon(lower[others] - ev.rho, ev.tol, lower_slope[others] - ev.rho_slope, noise)
        for j, rate in rates.items():  # the near ties: their gap is known exactly
            if j == winner:
                continue
            other = evaluated[j]
            gap = rate - rates[winner]
            if gap == 0 and other.cut == 0 and ev.cut == 0:
                continue  # both rates are 1 / supporters, whatever the share: the tie persists
            noise = SLOPE_TOL * (abs(other.rho_slope) + abs(ev.rho_slope)) + 1e-12 * ev.rho / share
            result = min(result, horizon(float(gap), 1e-12 * ev.rho, other.rho_slope - ev.rho_slope, noise))
        return result


def _skip(run: MESRun, step: int | Fraction) -> int:
    """How many steps of the share keep this run's outcome: at least 1."""
    safe = run.horizon * (1 - 1e-6)  # horizons come from floats: keep well inside
    if not np.isfinite(safe) or safe <= step:
        return 1
    return max(1, math.ceil(safe / float(step)))


class _Ranges:
    """Skips ranges of shares at which MES certainly goes on (see ``mes_interval``).

    At every share of a range, MES buys all of ``bought`` and perhaps some of
    ``maybe``; if even all of them fit the budget with room left for a project
    outside them, every share of the range fits the budget without being
    exhaustive: pabutools goes on past them all. The range doubles after a
    success and shrinks fourfold after a failure (then shares are run exactly).

    A range is only tried when running its shares exactly would likely cost
    more (measured times): where the outcome changes at almost every share,
    exact runs restarting from the previous one are cheaper. Either way the
    outcome is the same; only the time differs.
    """

    MAX_STEPS = 1 << 16
    WASTE = 0.25

    def __init__(self, es: EqualShares, budget: int, step: int | Fraction) -> None:
        self.es, self.budget, self.step = es, budget, step
        self.interval: IntervalMES | None = None
        self.steps = 64
        self.per_step = 0.0  # seconds of exact runs per share they cover (moving average)
        self.per_range = 0.0  # seconds per range tried (moving average; 0 before the first)
        # Seconds in exact runs, in ranges that proved nothing, and saved by ranges (estimated).
        self.exact = self.wasted = self.saved = 0.0

    def skip(self, share: Fraction, exact_seconds: float, exact_steps: int) -> Fraction:
        """The first share from ``share`` on not proven to let MES go on."""
        cost = exact_seconds / exact_steps
        self.per_step = cost if not self.per_step else (self.per_step + cost) / 2
        self.exact += exact_seconds
        proven = 0
        tried = False
        while self.steps >= 1 and self.steps * self.per_step >= self.per_range and self.affordable():
            tried = True
            last = share + (self.steps - 1) * self.step
            started = time.perf_counter()
            if self.interval is None:
                self.interval = IntervalMES(self.es)
            goes_on = self.interval.goes_on(float(share), float(last), self.budget)
            seconds = time.perf_counter() - started
            self.per_range = seconds if not self.per_range else (self.per_range + seconds) / 2
            if goes_on:
                share, proven = last + self.step, self.steps
                self.saved += self.steps * self.per_step
                self.steps = min(2 * self.steps, self.MAX_STEPS)
            else:
                self.wasted += seconds
                self.steps //= 4
        if proven:
            self.steps = max(1, proven // 2)  # next time, a range about as long as the last proven
        elif not tried and self.affordable():
            self.steps = min(2 * self.steps, self.MAX_STEPS)  # not worth it yet: a longer one next time
        else:
            self.steps = max(1, self.steps)
        return share

    def affordable(self) -> bool:
        """Ski rental: failed tries cost at most a share of exact runs and of what ranges saved."""
        return self.wasted <= self.WASTE * (self.exact + self.saved)


def equal_shares_add_one(es: EqualShares, budget: int, step: int | Fraction = 1, *, skip: bool = True) -> MESRun:
    """MES with the "add one" completion (pabutools' ``voter_budget_increment=step``).

    Shares are tried one step at a time, as pabutools does, except that shares
    at which MES certainly goes on are skipped: shares strictly within a run's
    horizon (they have that run's outcome: same rounds, same selection) and
    ranges of shares proven at once (``_Ranges``): their outcomes fit the
    budget without being exhaustive, so pabutools would have gone on past them
    too. ``skip=False`` tries every share (for tests).
    """
    share = Fraction(budget, es.n_voters) if es.n_voters else Fraction(0)
    previous = MESRun(share)  # pabutools starts from the empty allocation
    if es.n_voters == 0:
        return previous
    tried = False
    resume = None
    ranges = _Ranges(es, budget, step) if skip and es.candidates else None
    while True:
        started = time.perf_counter()
        run = es.run(share, resume, keep_trace=float(step) if skip else None)
        seconds = time.perf_counter() - started
        resume = None
        if run.spent > budget:
            if tried and previous.voter_budget != share - step:
                previous = es.run(share - step)  # a skipped share, same outcome: get its details
            return previous
        chosen = set(run.selected)
        if all(j in chosen or run.spent + es.costs[j] > budget for j in es.candidates):
            run.trace = []
            return run  # exhaustive among the projects MES can buy
        previous, tried = run, True
        steps = _skip(run, step) if skip else 1
        share += steps * step
        if skip:
            # The next run starts after the rounds certain to be decided the same way.
            delta = float(steps * step)
            rounds = sum(1 for past in run.trace if past.horizon * (1 - 1e-6) > delta)
            resume = (run.trace[:rounds], rounds, delta)
        run.trace = []  # only the rounds kept above are needed: free the others
        if ranges is not None:
            further = ranges.skip(share, seconds, steps)
            if further != share:  # shares before it certainly go on: pabutools got past them
                share, resume = further, None
