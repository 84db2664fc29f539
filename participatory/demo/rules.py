"""Pure decisions of the demo seeder (table-tested in tests/demo/test_rules.py).

Phases
    With N calls, the first five take one phase each (so every phase is shown as soon
    as N >= 5), the rest are spread by fixed shares (PHASE_SHARES). The counts depend
    on N only, never on the seed, so the number of calls with ballots (voting and
    results) is known before seeding: ``ballot_calls(N)``.

Ballots
    ``--voters-per-call M`` is the average number of ballots of a call that has
    ballots: the M x K ballots of the K calls in voting or results are shared out in
    proportion to each constituency's registered voters (largest remainders, so the
    total is exactly M x K). ``voters_per_call_for(total, N)`` gives the smallest M
    reaching a total, e.g. 1,000,000 ballots with 577 calls.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from participatory.calls.rules import PHASES, RESULTS, VOTING

MIN_CALLS = len(PHASES)  # one call per phase at least
MAX_CALLS = 577  # one call per constituency
MAX_VOTERS_PER_CALL = 1_000_000
DEFAULT_CALLS = 40
DEFAULT_VOTERS_PER_CALL = 200
DEFAULT_SEED = 2027

# Share of the calls beyond the first five in each phase (sums to 1).
PHASE_SHARES = {"upcoming": 0.10, "proposals": 0.15, "review": 0.10, "voting": 0.30, "results": 0.35}
BALLOT_PHASES = (VOTING, RESULTS)


def arguments_problem(calls: int, voters_per_call: int, seed: int, available: int) -> str | None:
    """Why the seed command's arguments cannot be used, or None. `available`: constituencies without a call."""
    if not MIN_CALLS <= calls <= MAX_CALLS:
        return (
            f"--calls must be between {MIN_CALLS} and {MAX_CALLS} (one call per constituency, one per phase at least)"
        )
    if not 0 <= voters_per_call <= MAX_VOTERS_PER_CALL:
        return f"--voters-per-call must be between 0 and {MAX_VOTERS_PER_CALL:,}"
    if seed < 0:
        return "--seed must be a non-negative integer"
    if calls > available:
        return f"--calls {calls}: only {available} constituencies have no call yet"
    return None


def phase_counts(calls: int) -> dict[str, int]:
    """How many calls in each phase: one each, then the rest by PHASE_SHARES (remainder to results)."""
    rest = calls - len(PHASES)
    counts = {phase: 1 + math.floor(rest * PHASE_SHARES[phase]) for phase in PHASES}
    counts[RESULTS] += calls - sum(counts.values())
    return counts


def phase_plan(calls: int) -> list[str]:
    """The phases of the calls, in a fixed order (the seeder shuffles the constituencies, not this list)."""
    counts = phase_counts(calls)
    return [phase for phase in PHASES for _ in range(counts[phase])]


def ballot_calls(calls: int) -> int:
    counts = phase_counts(calls)
    return sum(counts[phase] for phase in BALLOT_PHASES)


def voters_per_call_for(total_ballots: int, calls: int) -> int:
    return math.ceil(total_ballots / ballot_calls(calls))


def apportion(total: int, weights: Sequence[int]) -> list[int]:
    """`total` shared in proportion to `weights` (largest remainders; ties to the first): sums to `total`."""
    whole = sum(weights)
    if whole <= 0:
        return [0] * len(weights)
    quotas = [total * w / whole for w in weights]
    shares = [math.floor(q) for q in quotas]
    left = total - sum(shares)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - shares[i]), i))
    for i in by_remainder[:left]:
        shares[i] += 1
    return shares


def schedule_for(phase: str, now: datetime, offset_days: int) -> tuple[datetime, datetime, datetime, datetime]:
    """Four strictly increasing dates that put `now` inside `phase`; `offset_days` (0-9) varies them."""
    day = timedelta(days=1)
    starts = {  # days from now to proposals_open_at: now falls inside the wanted phase
        "upcoming": 10 + offset_days,
        "proposals": -(5 + offset_days),
        "review": -(35 + offset_days),
        "voting": -(55 + offset_days),
        "results": -(100 + 3 * offset_days),
    }
    opens = now + starts[phase] * day
    return opens, opens + 30 * day, opens + 50 * day, opens + 80 * day


def sign_ins_refusal(env_name: str, allowed: bool) -> str | None:
    """Why the demo's sign-ins (accounts with a known password) may not be created here, or None.

    They are allowed when DEMO_ACCOUNTS_ALLOWED is on, which it is by default everywhere but in
    production; a public demo instance running in production turns it on explicitly.
    """
    if allowed:
        return None
    if env_name == "production":
        return (
            "demo sign-ins (accounts with a printed password) are refused in production: "
            "set DEMO_ACCOUNTS_ALLOWED=1 for a public demo instance, or seed with --no-sign-ins"
        )
    return "demo sign-ins are turned off (DEMO_ACCOUNTS_ALLOWED=0): seed with --no-sign-ins"
