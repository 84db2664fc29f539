"""The country in one command: 577 constituency calls tallied with every rule.

Generates a national demo shaped like real constituencies -- registered voters
from data/constituencies.csv, a few percent turnout, 100 to 200 proposals whose
costs add up to far more than the 130,000 € budget, approval ballots of one to
five proposals, mostly from the voter's own neighbourhood, so that a proposal
has a few dozen supporters (a few hundred for the popular ones) -- the shape of
France_Toulouse_2022.pb. Everything is deterministic for a given ``--seed``.

Each call is then tallied as the platform does when it closes (amounts in
cents, "add one" by one euro), with each rule, and the table gives per rule:
the total time, the median and the largest per call, and the projection for
577 calls against the goal (every call with equal-shares-completed in under
5 minutes on one core). Times are wall clock on one core; the process's CPU
time is shown too, with its own projection: on a shared machine the wall clock
also counts the waits for a core, the CPU time does not.

Usage::

    .venv/bin/python benchmarks/national_tally.py                    # all 577 calls
    .venv/bin/python benchmarks/national_tally.py --calls 60         # 60 calls spread over the country
    .venv/bin/python benchmarks/national_tally.py --rules equal-shares-completed --max-seconds 120
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from participatory.tally import RULES, Ballots, Election, Project, tally  # noqa: E402

CONSTITUENCIES = ROOT / "data" / "constituencies.csv"
BUDGET_CENTS = 13_000_000  # participatory.calls.rules.DEFAULT_BUDGET_CENTS (not imported: no web stack)
ADD_ONE_STEP_CENTS = 100  # participatory.calls.rules.ADD_ONE_STEP_CENTS: "add one" by one euro
GOAL_TOTAL_SECONDS = 300  # 577 calls with equal-shares-completed, one core
GOAL_RULE = "equal-shares-completed"
NATIONAL_CALLS = 577


def constituencies(path: Path = CONSTITUENCIES) -> list[tuple[str, int]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [(row["code"], int(row["registered_voters"])) for row in csv.DictReader(f)]


def demo_call(code: str, registered: int, seed: int) -> Election:
    """One constituency's call: proposals in ~10 neighbourhoods, ballots mostly local."""
    rng = np.random.default_rng([seed, *code.encode()])
    turnout = rng.uniform(0.02, 0.06)
    n = max(1, round(registered * turnout))
    m = int(rng.integers(100, 201))
    areas = int(rng.integers(6, 15))
    area_of = rng.integers(0, areas, size=m)
    # Costs from 1,000 € to 60,000 €, rounded to 100 €: they add up to millions, for 130,000 €.
    costs = (np.round(rng.lognormal(np.log(12_000), 0.7, size=m) / 100).clip(10, 600) * 10_000).astype(np.int64)
    appeal = rng.pareto(1.5, size=m) + 0.2  # a few popular proposals, many with a few dozen supporters
    lengths = rng.integers(1, 6, size=n)
    home = rng.integers(0, areas, size=n)
    local = rng.random(n) < 0.85
    pools = [np.flatnonzero(area_of == a) for a in range(areas)] + [np.arange(m)]
    pool_of = np.where(local, home, areas)  # the last pool: the whole constituency
    picked: list[np.ndarray] = [np.empty(0, dtype=np.int64)] * n
    for p, pool in enumerate(pools):
        who = np.flatnonzero(pool_of == p)
        if not len(who) or not len(pool):
            continue
        # Weighted sampling without replacement, all voters at once: top-k of log(weight) + Gumbel noise.
        keys = np.log(appeal[pool])[None, :] + rng.gumbel(size=(len(who), len(pool)))
        order = np.argsort(-keys, axis=1)
        for row, v in enumerate(who.tolist()):
            picked[v] = pool[order[row, : min(int(lengths[v]), len(pool))]]
    sizes = np.array([len(p) for p in picked])
    ballots = Ballots.from_arrays(np.concatenate(([0], np.cumsum(sizes))), np.concatenate(picked))
    projects = [Project(f"{j + 1}", int(c)) for j, c in enumerate(costs.tolist())]
    return Election(BUDGET_CENTS, projects, ballots)


def pick(places: list[tuple[str, int]], calls: int) -> list[tuple[str, int]]:
    """``calls`` constituencies spread evenly over the list (all of them by default)."""
    if calls >= len(places):
        return places
    return [places[round(i * (len(places) - 1) / max(1, calls - 1))] for i in range(calls)]


def fmt(seconds: float) -> str:
    return f"{seconds:.3f}" if seconds < 10 else f"{seconds:.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=NATIONAL_CALLS, help="calls to tally (default: all 577)")
    parser.add_argument("--rules", default=",".join(RULES))
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--max-seconds", type=float, default=None, help="stop a rule after this many seconds (projected from the rest)"
    )
    parser.add_argument("--json", type=Path, help="also write per-call times to this file")
    args = parser.parse_args(argv)
    rules = [r for r in args.rules.split(",") if r]
    for rule in rules:
        if rule not in RULES:
            parser.error(f"unknown rule {rule!r}")
    if args.calls < 1:
        parser.error("--calls must be at least 1")
    places = pick(constituencies(), args.calls)

    started = time.perf_counter()
    elections = [(code, demo_call(code, registered, args.seed)) for code, registered in places]
    generated = time.perf_counter() - started
    voters = [e.num_voters for _, e in elections]
    projects = [len(e.projects) for _, e in elections]
    supporters = [float(np.median(e.approvals())) for _, e in elections]
    print(
        f"{len(elections)} calls generated in {fmt(generated)} s: voters median {statistics.median(voters):.0f} "
        f"(max {max(voters)}), proposals {min(projects)}-{max(projects)}, "
        f"median supporters per proposal {statistics.median(supporters):.0f}",
        flush=True,
    )

    header = (
        "rule",
        "calls",
        "total s",
        "cpu s",
        "median s/call",
        "max s/call",
        "slowest",
        f"projected {NATIONAL_CALLS} s",
        f"projected {NATIONAL_CALLS} cpu s",
        "goal",
    )
    print(" | ".join(header))
    print("-|-".join("-" * len(h) for h in header), flush=True)
    report = {}
    for rule in rules:
        times: list[float] = []
        cpu_started = time.process_time()
        slowest = ""
        for code, election in elections:
            t0 = time.perf_counter()
            tally(election, rule, add_one_step=ADD_ONE_STEP_CENTS)
            times.append(time.perf_counter() - t0)
            if times[-1] == max(times):
                slowest = code
            if args.max_seconds is not None and sum(times) > args.max_seconds:
                break
        cpu = time.process_time() - cpu_started
        total = sum(times)
        projected = total / len(times) * NATIONAL_CALLS
        projected_cpu = cpu / len(times) * NATIONAL_CALLS
        goal = "-"
        if rule == GOAL_RULE:
            verdict = "met" if projected < GOAL_TOTAL_SECONDS else "NOT met"
            verdict_cpu = "met" if projected_cpu < GOAL_TOTAL_SECONDS else "NOT met"
            goal = f"< {GOAL_TOTAL_SECONDS} s: wall {verdict}, cpu {verdict_cpu}"
        row = (
            rule,
            len(times),
            fmt(total),
            fmt(cpu),
            fmt(statistics.median(times)),
            fmt(max(times)),
            slowest,
            fmt(projected),
            fmt(projected_cpu),
            goal,
        )
        print(" | ".join(str(c) for c in row), flush=True)
        report[rule] = {"codes": [c for c, _ in elections[: len(times)]], "seconds": times, "cpu": cpu}
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
