"""Voters' budgets during one run of the Method of Equal Shares, exact where it matters.

Voters who paid in the same rounds hold the same budget, so budgets live on
*classes* of voters. A class carries a float budget (to screen quickly), its
number of voters, and the set of rounds it paid in (a bitset row): its exact
budget is ``share - sum(cap[r] for those rounds)``, and the exact sum of the
budgets of any voters is ``share * voters - sum(count_r * cap[r])``, a few
rational operations per round rather than one per voter or per class.

Every quantity is also tracked as an affine function of the share (the
"slope" of each budget): along a fixed sequence of decisions, budgets and caps
move linearly with the share. Each decision records how far the share may grow
before it could flip (its *horizon*); the "add one" completion uses that to
skip shares whose outcome is certainly the same, and to restart a run from
the last round certain to repeat. Horizons are conservative: near any doubt
they are 0, which only costs an extra run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Protocol, TypeAlias

import numpy as np

try:  # GMP rationals: the same exact results as Fraction, faster
    from gmpy2 import mpq as Q
except ImportError:  # pragma: no cover - exercised when gmpy2 is not installed
    Q = Fraction

# An exact rational: gmpy2's mpq or a Fraction, with the same arithmetic. Any, because gmpy2 ships
# no types: mypy sees its values as Any, so a Fraction here would be a promise it cannot check.
Exact: TypeAlias = Any
# What one round's exact cap was made of: (cost, voters paying all, {round: how many of them paid in it}, payers).
ExactRound = tuple[int, int, list[tuple[int, int]], int]

# Relative slack on floating-point caps: far above the rounding error of sums
# over even millions of budget classes, far below real gaps between projects.
REL_TOL = 1e-7
# Relative uncertainty granted to float slopes (their rounding error is ~1e-15).
SLOPE_TOL = 1e-9


def horizon(g0: np.ndarray | float, noise: np.ndarray | float, g1: np.ndarray | float, slope_noise: float) -> float:
    """How far the share can grow while every ``g0 + g1 * d`` stays >= 0.

    ``noise`` and ``slope_noise`` bound the float errors of values and slopes.
    A value within noise of 0 is only safe if its slope is clearly positive.
    """
    # speed > 0 where the constraint tightens; arrays (0-d for scalars) so that one code types both
    room, speed = np.asarray(g0 - noise, dtype=float), np.asarray(slope_noise - g1, dtype=float)
    if room.ndim == 0 and speed.ndim == 0:
        return np.inf if speed <= 0 else (0.0 if room <= 0 else float(room / speed))
    tight = speed > 0
    if not tight.any():
        return np.inf
    room = room[tight]
    if (room <= 0).any():
        return 0.0
    return float((room / speed[tight]).min())


@dataclass
class Evaluation:
    """A project's float cap in one round, with what the exact check needs."""

    rho: float  # cap / cost, pabutools' affordability
    tol: float  # bound on the float error of rho
    classes: np.ndarray  # budget classes of its supporters (may repeat), by ascending float budget
    weights: np.ndarray  # number of supporters in each entry
    cut: int  # float estimate of how many classes pay all they have
    cap: float
    cap_slope: float  # d cap / d share along the current decisions
    rho_slope: float  # d rho / d share
    budgets: np.ndarray  # float budgets and slopes of ``classes``
    slopes: np.ndarray
    poor: (
        tuple[int, list[tuple[int, int]], int] | tuple[()]
    ) = ()  # set by exact_cap: (voters paying all, {round: how many of them paid in it})

    def horizon(self, margin: float) -> float:
        """Share increase over which the same classes pay all they have (only needed for winners)."""
        b, s, cut = self.budgets, self.slopes, self.cut
        cs = self.cap_slope
        poor = np.arange(len(b)) < cut
        return horizon(
            np.where(poor, self.cap - b, b - self.cap),
            margin + self.tol * self.cap / self.rho,
            np.where(poor, cs - s, s - cs),
            SLOPE_TOL * (np.abs(s) + abs(cs) + 1.0),
        )


@dataclass
class Snapshot:
    """The classes after some round: a later run at a larger share, deciding the same, restarts here."""

    cls: np.ndarray
    slope: np.ndarray
    total: np.ndarray
    rounds: np.ndarray
    compact_at: int
    exact: list[ExactRound] = field(default_factory=list)  # per round: (cost, voters paying all, their rounds, payers)


class Supporters(Protocol):
    """What budgets need from an election prepared by ``equal_shares.EqualShares``.

    A protocol rather than an import, so that this module does not import
    ``equal_shares`` (which imports it): no import cycle, even for type checkers.
    """

    costs: list[int]
    weight: np.ndarray  # voters per distinct ballot
    supporters: np.ndarray  # distinct ballots approving each project (CSC)
    supp_weight: np.ndarray
    supp_ptr: np.ndarray
    candidates: list[int]


class Budgets:
    """The budget classes of one MES run at a given per-voter share."""

    def __init__(self, es: Supporters, share: Fraction, start: Snapshot | None = None) -> None:
        self.es = es
        self.share = Q(int(share.numerator), int(share.denominator))
        # Chained float budgets drift by at most one ulp of the share per round:
        # closer than this to a cap, a budget is compared exactly.
        self.margin = float(share) * 1e-10
        self.horizon = np.inf  # of the decisions made so far (see module docstring)
        if start is not None:
            self._restore(start)
            return
        self.caps: list[Exact] = []  # exact cap paid per round
        self.exact_rounds: list[ExactRound] = []  # what each round's exact cap was made of
        self.cls = np.ones(len(es.weight), dtype=np.int32)  # class 0: out of money, 1: untouched
        size = 64
        self.approx = np.zeros(size)  # float budget of each class
        self.approx[1] = float(share)
        self.slope = np.zeros(size)  # d budget / d share
        self.slope[1] = 1.0
        self.total = np.zeros(size, dtype=np.int64)  # voters in each class
        self.total[1] = int(es.weight.sum())
        self.rounds = np.zeros((size, max(1, (len(es.candidates) + 7) // 8)), dtype=np.uint8)
        self.n_classes = 2
        self.compact_at = 1024  # renumber live classes when there are more ids than this

    # -- restarting from an earlier run ------------------------------------------

    def snapshot(self) -> Snapshot:
        n = self.n_classes
        return Snapshot(
            self.cls.copy(),
            self.slope[:n].copy(),
            self.total[:n].copy(),
            self.rounds[:n].copy(),
            self.compact_at,
            list(self.exact_rounds),
        )

    def _restore(self, start: Snapshot) -> None:
        """Same classes, this share: recompute the exact caps round by round, then the floats."""
        self.cls = start.cls.copy()
        n = self.n_classes = len(start.total)
        size = max(64, 2 * n)
        self.slope, self.total = np.zeros(size), np.zeros(size, dtype=np.int64)
        self.rounds = np.zeros((size, start.rounds.shape[1]), dtype=np.uint8)
        self.slope[:n], self.total[:n], self.rounds[:n] = start.slope, start.total, start.rounds
        self.compact_at = start.compact_at
        self.exact_rounds = list(start.exact)
        self.caps = []
        for cost, poor, paid, payers in self.exact_rounds:
            money = self.share * poor - sum((count * self.caps[r] for r, count in paid), Q(0))
            self.caps.append((cost - money) / payers)
        self.approx = np.zeros(size)
        spent = np.zeros(n)
        if self.caps:
            bits = np.unpackbits(self.rounds[:n], axis=1, count=len(self.caps), bitorder="little")
            spent = bits @ np.array([float(c) for c in self.caps])
        self.approx[1:n] = float(self.share) - spent[1:]

    # -- exact values, from the rounds each class paid in ---------------------

    def _paid(self, classes: np.ndarray, weights: np.ndarray) -> list[tuple[int, int]]:
        """For these voters: (round, how many of them paid in it), for rounds where some did."""
        if not self.caps:
            return []
        bits = np.unpackbits(self.rounds[classes], axis=1, count=len(self.caps), bitorder="little")
        rows, rounds = np.nonzero(bits)
        paid = np.bincount(rounds, weights=weights[rows], minlength=len(self.caps))
        return [(r, int(c)) for r, c in enumerate(paid.tolist()) if c]

    def exact_sum(self, classes: np.ndarray, weights: np.ndarray) -> Exact:
        """Exact sum of budgets of ``weights[i]`` voters of ``classes[i]``."""
        weights = np.asarray(weights, dtype=np.int64)
        total = self.share * int(weights.sum())
        for r, count in self._paid(classes, weights):
            total -= count * self.caps[r]
        return total

    def exact(self, c: int) -> Exact:
        return self.exact_sum(np.array([c]), np.array([1]))

    # -- the float screen -----------------------------------------------------

    def evaluate(self, j: int) -> Evaluation | None:
        """Float cap of project j with its error bound, or None if it is unaffordable (exactly)."""
        es = self.es
        lo, hi = es.supp_ptr[j], es.supp_ptr[j + 1]
        if hi - lo > self.n_classes:  # many supporters: gather them by class
            counts = np.bincount(
                self.cls[es.supporters[lo:hi]], weights=es.supp_weight[lo:hi], minlength=self.n_classes
            )
            counts[0] = 0  # voters out of money pay nothing, now and at any larger share
            classes = counts.nonzero()[0]
            w = counts[classes]
        else:  # few: one entry per supporter (a class may repeat; sums are the same)
            classes = self.cls[es.supporters[lo:hi]]
            money_left = classes != 0
            classes, w = classes[money_left], es.supp_weight[lo:hi][money_left]
        if not len(classes):
            return None
        b = self.approx[classes]
        order = b.argsort(kind="stable")
        classes, w, b = classes[order], w[order], np.maximum(b[order], 0.0)
        s = self.slope[classes]
        cost = float(es.costs[j])
        wb, ws = w * b, w * s
        money, voters = wb.cumsum(), w.cumsum()
        total, everyone = float(money[-1]), float(voters[-1])
        slack = self.margin * everyone
        if total < cost * (1 - REL_TOL) - slack or (
            total <= cost * (1 + REL_TOL) + slack and self.exact_sum(classes, w) < es.costs[j]
        ):
            # Unaffordable; it stays so while its supporters' money stays below the cost.
            self.horizon = min(
                self.horizon,
                horizon(
                    cost - total, cost * REL_TOL + slack, -float(ws.sum()), SLOPE_TOL * (float(np.abs(ws).sum()) + 1.0)
                ),
            )
            return None
        before = money - wb  # money of the poorer classes
        rich = everyone - voters + w  # voters in this class and richer ones
        caps = (cost - before) / rich
        fits = caps <= b
        cut = int(fits.argmax()) if fits.any() else len(b) - 1  # no fit (float doubt): all but the richest
        cap = float(caps[cut])
        r = float(rich[cut])
        tol = (REL_TOL * (cap + (cost + float(before[cut])) / r) + slack / r) / cost
        # Along these decisions cap = (cost - money of the poor) / rich voters, so:
        cap_slope = -float(ws[:cut].sum()) / r
        return Evaluation(cap / cost, tol, classes, w.astype(np.int64), cut, cap, cap_slope, cap_slope / cost, b, s)

    # -- exact decisions -------------------------------------------------------

    def _certainly(self, classes: np.ndarray, cap: Exact, below: bool) -> bool:
        """Are all these classes' budgets <= cap (below) or >= cap (not below), exactly?"""
        f = float(cap)
        a = self.approx[classes]
        unsure = classes[(a >= f - self.margin) if below else (a <= f + self.margin)]
        for c in unsure.tolist():
            b = self.exact(c)
            if (b > cap) if below else (b < cap):
                return False
        return True

    def exact_cap(self, j: int, ev: Evaluation) -> Exact:
        """The exact cap p with sum(min(b_i, p)) == cost, starting from the float guess."""
        cost = self.es.costs[j]
        k = ev.cut
        poor = ev.classes[:k], ev.weights[:k]
        paid = self._paid(*poor)
        money = self.share * int(poor[1].sum()) - sum((count * self.caps[r] for r, count in paid), Q(0))
        payers = int(ev.weights[k:].sum())
        cap = (cost - money) / payers
        if (not k or self._certainly(ev.classes[:k], cap, True)) and self._certainly(ev.classes[k:], cap, False):
            ev.poor = (int(poor[1].sum()), paid, payers)
            return cap
        # Floats could not order near-equal budgets: scan in exact order (and trust no slope).
        self.horizon = 0.0
        exact = [self.exact(c) for c in ev.classes.tolist()]
        order = sorted(range(len(exact)), key=exact.__getitem__)
        payers, money = int(ev.weights.sum()), Q(0)
        for i, at in enumerate(order):
            cap = (cost - money) / payers
            if cap <= exact[at]:
                classes = ev.classes[order[:i]]
                weights = ev.weights[order[:i]]
                ev.poor = (int(weights.sum()), self._paid(classes, weights), payers)
                return cap
            money += int(ev.weights[at]) * exact[at]
            payers -= int(ev.weights[at])
        raise AssertionError("exact_cap called on an unaffordable project")

    def pay(self, j: int, ev: Evaluation, cap: Exact) -> None:
        """Supporters of j pay min(budget, cap); classes split where not all their voters did."""
        r = len(self.caps)
        self.caps.append(cap)
        self.exact_rounds.append((self.es.costs[j], *ev.poor))
        f = float(cap)
        counts = np.bincount(ev.classes, weights=ev.weights, minlength=self.n_classes)
        classes = counts.nonzero()[0]
        moved = counts[classes].astype(np.int64)
        a = self.approx[classes]
        broke = a < f - self.margin
        for i in np.flatnonzero(~broke & (a <= f + self.margin)).tolist():
            b = self.exact(int(classes[i]))
            broke[i] = b <= cap  # paying exactly all it had counts as broke
            if b == cap:
                self.horizon = 0.0  # at a larger share this class would keep a little money
        keep = ~broke
        split_mask = keep & (moved != self.total[classes])
        inplace, split = classes[keep & ~split_mask], classes[split_mask]
        byte, bit = r >> 3, np.uint8(1 << (r & 7))
        # Whole classes that keep money are updated in place; others split off a new class.
        if len(inplace):
            self.approx[inplace] -= f
            self.slope[inplace] -= ev.cap_slope
            self.rounds[inplace, byte] |= bit
        n, remap = self.n_classes, None
        if len(split):
            self._grow(n + len(split))
            new = np.arange(n, n + len(split))
            self.approx[new] = self.approx[split] - f
            self.slope[new] = self.slope[split] - ev.cap_slope
            self.rounds[new] = self.rounds[split]
            self.rounds[new, byte] |= bit
            self.total[new] = moved[split_mask]
            self.total[split] -= moved[split_mask]
            self.n_classes += len(split)
            remap = np.arange(self.n_classes, dtype=np.int32)
            remap[split] = new
        if broke.any():
            self.total[classes[broke]] -= moved[broke]
            self.total[0] += int(moved[broke].sum())
            if remap is None:
                remap = np.arange(self.n_classes, dtype=np.int32)
            remap[classes[broke]] = 0
        if remap is not None:
            es = self.es
            s = es.supporters[es.supp_ptr[j] : es.supp_ptr[j + 1]]
            self.cls[s] = remap[self.cls[s]]
        if self.n_classes > self.compact_at:
            self._compact()

    def _compact(self) -> None:
        """Renumber the classes still holding voters: evaluations cost O(classes)."""
        live = np.flatnonzero(self.total[: self.n_classes])
        live = np.concatenate(([0], live[live > 0]))  # class 0 (out of money) stays 0
        renumber = np.zeros(self.n_classes, dtype=np.int32)
        renumber[live] = np.arange(len(live))
        self.cls = renumber[self.cls]
        k = len(live)
        for array in (self.approx, self.slope, self.total, self.rounds):
            array[:k] = array[live]
            array[k : self.n_classes] = 0
        self.n_classes = k
        self.compact_at = max(1024, 4 * k)

    def _grow(self, size: int) -> None:
        if size <= len(self.approx):
            return
        extra = max(size, 2 * len(self.approx)) - len(self.approx)
        self.approx = np.concatenate((self.approx, np.zeros(extra)))
        self.slope = np.concatenate((self.slope, np.zeros(extra)))
        self.total = np.concatenate((self.total, np.zeros(extra, dtype=np.int64)))
        self.rounds = np.concatenate((self.rounds, np.zeros((extra, self.rounds.shape[1]), dtype=np.uint8)))
