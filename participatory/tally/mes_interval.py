"""One MES run for a whole range of shares: the outcome, when it is certain to be the same.

The "add one" completion needs the outcome of MES at hundreds of consecutive
shares, and most give the same set of projects. This module proves that for a
range of shares ``[s1, s2]`` at once, or gives up (then the caller runs MES
share by share, exactly). It never decides anything it cannot prove.

Why it can. Under MES a project's affordability rho (its cap divided by its
cost) only grows as voters pay, and buying a project only changes the budgets
of its own supporters. So a project ``j`` whose rho (ties: id) is below that of
every remaining project sharing a supporter who still has money is bought by
MES, in its current state, before any of them: its rho cannot change before
one of them is bought, and none of them can be bought first, as their rho is
higher and only grows. Buying it first commutes with every purchase made
before it in MES's own order (those touch other voters). So MES's outcome is
obtained by buying such "locally first" projects in any order -- here, all of
them at once, round after round.

How. Every voter's budget is kept as an interval containing its value for
every share of the range (MES at each share, in the order above). Caps are
monotone in the budgets (less money, higher cap), so each project's cap lies
between its cap at the high budgets and at the low ones, and paying it keeps
budgets inside their intervals. A project is bought only if it is affordable
at the low budgets and its rho interval lies wholly below those of its
neighbours; it is dropped only if unaffordable at the high budgets. Otherwise
the run gives up. Floats are widened by far more than their rounding error; a
rho that is exactly ``1 / supporters`` at every share of the range (nobody runs
out of money) is compared exactly, as ties between such projects are common.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import numpy as np

# Widening of float amounts: relative, and absolute per unit of the money summed (rounding is ~1e-16).
REL = 1e-9
# Widening of caps, whose cut (who pays all they have) floats may misplace near a tie.
CAP_REL = 1e-8


class Supporters(Protocol):
    """What a run needs from :class:`EqualShares` (avoids importing it: no cycle)."""

    ids: list[str]
    costs: list[int]
    weight: np.ndarray
    supporters: np.ndarray
    supp_weight: np.ndarray
    supp_ptr: np.ndarray
    candidates: list[int]


class IntervalMES:
    """Prepared once per election; :meth:`outcome` for any range of shares."""

    def __init__(self, es: Supporters) -> None:
        self.es = es
        m = len(es.ids)
        self.m = m
        self.cost = np.array([float(c) for c in es.costs])
        self.candidates = np.array(es.candidates, dtype=np.int64)
        rank = np.empty(m, dtype=np.int64)
        rank[sorted(range(m), key=es.ids.__getitem__)] = np.arange(m)
        self.rank = rank
        # Projects sharing a supporter (distinct ballot): only they can change each other's rho.
        ptr = es.supp_ptr
        project_of = np.repeat(np.arange(m), np.diff(ptr))
        groups = es.supporters
        order = np.argsort(groups, kind="stable")
        g_sorted, p_sorted = groups[order], project_of[order]
        g_ptr = np.searchsorted(g_sorted, np.arange(len(es.weight) + 1))
        lengths = np.diff(g_ptr)
        adj = np.zeros((m, m), dtype=bool)
        for length in np.unique(lengths).tolist():
            if length < 2:
                continue
            starts = g_ptr[:-1][lengths == length]
            ballots = p_sorted[starts[:, None] + np.arange(length)[None, :]]
            adj[ballots[:, :, None], ballots[:, None, :]] = True
        np.fill_diagonal(adj, False)
        self.adj = adj

    def _evaluate(
        self, projects: np.ndarray, lo: np.ndarray, hi: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """For each project: (money at lo, money at hi, cap at hi budgets, cap at lo budgets, exact count or 0)."""
        es = self.es
        ptr = es.supp_ptr
        starts, lengths = ptr[projects], ptr[projects + 1] - ptr[projects]
        total = int(lengths.sum())
        seg_start = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        entry = np.arange(total) - np.repeat(seg_start - starts, lengths)
        seg = np.repeat(np.arange(len(projects)), lengths)
        g = es.supporters[entry]
        w = es.supp_weight[entry]
        cost = self.cost[projects]
        out = []
        top = float(hi.max()) * 2 + 1.0
        for b in (lo[g], hi[g]):
            # By project, then budget: one float key (budgets closer than ~1e-13 of the share may
            # swap, which moves a cap by as little: far inside CAP_REL).
            order = np.argsort(seg + b / top)
            bs, ws = b[order], w[order]
            wb = ws * bs
            cwb, cw = np.cumsum(wb), np.cumsum(ws)
            base_wb = (cwb - wb)[seg_start]
            base_w = (cw - ws)[seg_start]
            money = cwb[seg_start + lengths - 1] - base_wb
            voters = cw[seg_start + lengths - 1] - base_w
            before = cwb - wb - base_wb[seg]
            rich = voters[seg] - (cw - ws - base_w[seg])
            caps = (cost[seg] - before) / rich
            idx = np.where(caps <= bs, np.arange(total), total)
            first = np.minimum.reduceat(idx, seg_start)
            found = first < total
            at = np.minimum(first, total - 1)
            err = REL * (cwb[-1] + cost.max())  # absolute error bound on any partial sum
            # Error of the cap: that of the money of the poorer supporters, shared by the rich ones.
            with np.errstate(divide="ignore"):
                out.append((money, np.where(found, caps[at], np.inf), np.where(found, err / rich[at], np.inf), voters))
        (money_lo, cap_hi, e_lo, _), (money_hi, cap_lo, e_hi, voters) = out  # err: that of the high budgets
        # No cut found (float doubt): the cap is at least cost / supporters whatever the budgets.
        with np.errstate(invalid="ignore"):
            cap_lo = np.where(np.isfinite(cap_lo), cap_lo * (1 - CAP_REL) - e_hi, cost / voters * (1 - CAP_REL))
        cap_hi = cap_hi * (1 + CAP_REL) + e_lo
        # Exact regime: every supporter with any money keeps at least the cap, at every share.
        has_money = hi[g] > 0
        w_rich = np.bincount(seg, weights=w * has_money, minlength=len(projects))
        poor = np.bincount(seg, weights=(has_money & (lo[g] < cap_hi[seg])).astype(float), minlength=len(projects))
        exact = np.where((poor == 0) & (w_rich > 0) & (money_lo - err >= cost), w_rich, 0.0).astype(np.int64)
        return money_lo - err, money_hi + err, cap_lo, cap_hi, exact

    def outcome(self, s1: float, s2: float) -> tuple[list[int], list[int]]:
        """``(bought, maybe)``: at every share in [s1, s2], MES buys every project of
        ``bought``, perhaps some of ``maybe``, and no other project."""
        for bought, active, final in self._rounds(s1, s2):
            if final:
                return bought, np.flatnonzero(active).tolist()
        raise AssertionError("unreachable")

    def goes_on(self, s1: float, s2: float, budget: int) -> bool:
        """Does MES, at every share in [s1, s2], buy projects that fit ``budget`` and leave out
        one that would still fit (so that the "add one" completion goes on past them all)?

        Decided as soon as the rounds settle it: every project MES may still buy is
        among those bought so far and those still active.
        """
        costs = self.es.costs
        candidates = self.candidates.tolist()
        for bought, active, final in self._rounds(s1, s2):
            done = set(bought)
            spent = sum(costs[j] for j in bought)
            others = [costs[j] for j in candidates if j not in done]
            if spent > budget or not others or spent + min(others) > budget:
                return False  # over budget, or exhaustive, at every share
            most = spent + sum(costs[j] for j in np.flatnonzero(active).tolist())
            left = [costs[j] for j in candidates if j not in done and not active[j]]
            if most <= budget and left and most + min(left) <= budget:
                return True
            if final:
                return False
        raise AssertionError("unreachable")

    def _rounds(self, s1: float, s2: float) -> Iterator[tuple[list[int], np.ndarray, bool]]:
        """Yields (bought so far, still active, final) after each round of purchases."""
        es, m = self.es, self.m
        n_groups = len(es.weight)
        lo = np.full(n_groups, s1 * (1 - REL))
        hi = np.full(n_groups, s2 * (1 + REL))
        active = np.zeros(m, dtype=bool)
        active[self.candidates] = True
        rho_lo, rho_hi = np.zeros(m), np.zeros(m)
        cap_lo, cap_hi = np.zeros(m), np.zeros(m)
        exact = np.zeros(m, dtype=np.int64)
        sure = np.zeros(m, dtype=bool)  # certainly affordable
        bought: list[int] = []
        dirty = self.candidates
        adj, cost, rank = self.adj, self.cost, self.rank
        while True:
            if len(dirty):
                money_lo, money_hi, c_lo, c_hi, ex = self._evaluate(dirty, lo, hi)
                gone = money_hi < cost[dirty]
                active[dirty[gone]] = False
                sure[dirty] = money_lo >= cost[dirty]
                cap_lo[dirty], cap_hi[dirty], exact[dirty] = c_lo, c_hi, ex
                rho_lo[dirty] = c_lo / cost[dirty]
                rho_hi[dirty] = np.where(sure[dirty], c_hi / cost[dirty], np.inf)
            idx = np.flatnonzero(active)
            if not len(idx):
                yield bought, active, True
                return
            a_lo, a_hi, a_ex, a_rank = rho_lo[idx], rho_hi[idx], exact[idx], rank[idx]
            both = (a_ex[:, None] > 0) & (a_ex[None, :] > 0)
            # "j before k" for sure: rho_j < rho_k at every share, or the same 1/supporters and a smaller id.
            before = (a_hi[:, None] < a_lo[None, :]) | (
                both
                & (
                    (a_ex[:, None] > a_ex[None, :])
                    | ((a_ex[:, None] == a_ex[None, :]) & (a_rank[:, None] < a_rank[None, :]))
                )
            )
            blocked = (adj[np.ix_(idx, idx)] & ~before).any(axis=1)
            chosen = idx[sure[idx] & ~blocked]
            if not len(chosen):
                # A near tie, or an affordability that depends on the share: MES at each share
                # buys these projects or not; it buys nothing else (see module docstring).
                yield bought, active, True
                return
            yield bought, active, False
            active[chosen] = False
            bought.extend(chosen.tolist())
            ptr = es.supp_ptr
            lengths = ptr[chosen + 1] - ptr[chosen]
            seg_start = np.concatenate(([0], np.cumsum(lengths)[:-1]))
            entry = np.arange(int(lengths.sum())) - np.repeat(seg_start - ptr[chosen], lengths)
            g = es.supporters[entry]
            # Chosen projects share no supporter with money: these updates never overlap where it matters.
            lo[g] = np.maximum(lo[g] - np.repeat(cap_hi[chosen], lengths), 0.0)
            hi[g] = np.maximum(hi[g] - np.repeat(cap_lo[chosen], lengths), 0.0)
            dirty = np.flatnonzero(adj[chosen].any(axis=0) & active)
