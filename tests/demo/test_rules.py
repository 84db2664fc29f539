"""The demo seeder's pure decisions: arguments, phases, sharing ballots out, schedules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from participatory.calls.rules import PHASES, Schedule, phase_at
from participatory.demo import rules


@pytest.mark.parametrize(
    "calls, voters, seed, available, problem",
    [
        (40, 200, 2027, 577, None),
        (5, 0, 0, 5, None),
        (577, 1_000_000, 1, 577, None),
        (4, 200, 1, 577, "--calls must be between 5 and 577"),
        (578, 200, 1, 577, "--calls must be between 5 and 577"),
        (40, -1, 1, 577, "--voters-per-call must be between 0"),
        (40, 1_000_001, 1, 577, "--voters-per-call must be between 0"),
        (40, 200, -1, 577, "--seed must be a non-negative integer"),
        (40, 200, 1, 39, "--calls 40: only 39 constituencies have no call yet"),
    ],
)
def test_arguments_problem(calls, voters, seed, available, problem):
    found = rules.arguments_problem(calls, voters, seed, available)
    assert (found is None) if problem is None else found.startswith(problem)


@pytest.mark.parametrize("calls", [5, 6, 10, 40, 100, 577])
def test_every_phase_has_a_call_and_counts_add_up(calls):
    counts = rules.phase_counts(calls)
    assert set(counts) == set(PHASES)
    assert all(n >= 1 for n in counts.values())
    assert sum(counts.values()) == calls
    assert rules.phase_plan(calls).count("voting") == counts["voting"]
    assert rules.ballot_calls(calls) == counts["voting"] + counts["results"]


def test_phase_counts_do_not_depend_on_anything_but_the_number_of_calls():
    assert rules.phase_counts(577) == {"upcoming": 58, "proposals": 86, "review": 58, "voting": 172, "results": 203}


@pytest.mark.parametrize("total, calls, expected", [(1_000_000, 577, 2667), (375, 577, 1), (376, 577, 2), (0, 40, 0)])
def test_voters_per_call_for_reaches_the_total(total, calls, expected):
    assert rules.voters_per_call_for(total, calls) == expected
    assert expected * rules.ballot_calls(calls) >= total


@pytest.mark.parametrize(
    "total, weights, expected",
    [
        (10, [1, 1], [5, 5]),
        (10, [1, 1, 1], [4, 3, 3]),  # ties go to the first
        (7, [100, 200, 400], [1, 2, 4]),
        (5, [0, 0], [0, 0]),
        (0, [3, 5], [0, 0]),
        (100, [81_000, 120_000, 59_000], [31, 46, 23]),
    ],
)
def test_apportion_is_proportional_and_exact(total, weights, expected):
    shares = rules.apportion(total, weights)
    assert shares == expected
    if sum(weights):
        assert sum(shares) == total
        assert all(abs(s - total * w / sum(weights)) < 1 for s, w in zip(shares, weights, strict=False))


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("offset", [0, 5, 9])
def test_schedule_puts_now_inside_the_phase(phase, offset):
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    dates = rules.schedule_for(phase, now, offset)
    assert list(dates) == sorted(set(dates))  # strictly increasing
    assert phase_at(Schedule(*dates), now) == phase


@pytest.mark.parametrize(
    ("env", "allowed", "refused"),
    [("development", True, False), ("production", True, False), ("production", False, True), ("testing", False, True)],
)
def test_sign_ins_refusal(env, allowed, refused):
    assert (rules.sign_ins_refusal(env, allowed) is not None) == refused
