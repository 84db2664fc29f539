"""Pure rules of a call, table-driven: phases, dates, ballots, eligibility, locations, digests, receipts."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import shapely
from shapely.geometry import box

from participatory.calls import rules

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
SCHEDULE = rules.Schedule(T0, T0 + timedelta(days=30), T0 + timedelta(days=45), T0 + timedelta(days=60))
SECOND = timedelta(seconds=1)
PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("moment", "phase"),
    [
        (T0 - timedelta(days=10), rules.UPCOMING),
        (T0 - SECOND, rules.UPCOMING),
        (T0, rules.PROPOSALS),  # a date belongs to the phase it opens
        (T0 + timedelta(days=29), rules.PROPOSALS),
        (SCHEDULE.review_open_at - SECOND, rules.PROPOSALS),
        (SCHEDULE.review_open_at, rules.REVIEW),
        (SCHEDULE.voting_open_at - SECOND, rules.REVIEW),
        (SCHEDULE.voting_open_at, rules.VOTING),
        (SCHEDULE.voting_close_at - SECOND, rules.VOTING),
        (SCHEDULE.voting_close_at, rules.RESULTS),
        (SCHEDULE.voting_close_at + timedelta(days=400), rules.RESULTS),
        # Voting opens at 09:00 UTC, 11:00 in Paris (summer time): instants in any zone compare correctly.
        (datetime(2026, 4, 15, 10, 59, tzinfo=PARIS), rules.REVIEW),
        (datetime(2026, 4, 15, 11, 0, tzinfo=PARIS), rules.VOTING),
    ],
)
def test_phase_at(moment, phase):
    assert rules.phase_at(SCHEDULE, moment) == phase


def test_phase_of_naive_sqlite_datetimes_reads_them_as_utc():
    class Row:
        proposals_open_at = T0.replace(tzinfo=None)
        review_open_at = SCHEDULE.review_open_at.replace(tzinfo=None)
        voting_open_at = SCHEDULE.voting_open_at.replace(tzinfo=None)
        voting_close_at = SCHEDULE.voting_close_at.replace(tzinfo=None)

    assert rules.phase_at(rules.Schedule.of(Row), T0) == rules.PROPOSALS


D = timedelta(days=1)


@pytest.mark.parametrize(
    ("offsets", "problem"),
    [
        ((0, 1, 2, 3), None),
        ((0, 0, 2, 3), "dates_out_of_order"),
        ((0, 2, 1, 3), "dates_out_of_order"),
        ((0, 1, 2, 2), "dates_out_of_order"),
        ((3, 2, 1, 0), "dates_out_of_order"),
    ],
)
def test_schedule_dates_must_be_in_order(offsets, problem):
    assert rules.schedule_problem(rules.Schedule(*(T0 + k * D for k in offsets))) == problem


def test_schedule_refuses_naive_dates():
    naive = T0.replace(tzinfo=None)
    assert (
        rules.schedule_problem(rules.Schedule(naive, naive + D, naive + 2 * D, naive + 3 * D))
        == "dates_without_timezone"
    )


@pytest.mark.parametrize(
    ("budget", "low", "high", "problem"),
    [
        (13_000_000, 1, None, None),
        (13_000_000, 1, 1, None),
        (0, 1, None, "bad_budget"),
        (rules.MAX_BUDGET_CENTS + 1, 1, None, "bad_budget"),
        (13_000_000, 0, None, "bad_min_projects"),
        (13_000_000, 3, 2, "max_below_min"),
    ],
)
def test_ballot_rules(budget, low, high, problem):
    assert rules.ballot_rules_problem(rules.BallotRules(budget, low, high, True)) == problem


@pytest.mark.parametrize(
    ("rule", "level", "year", "problem"),
    [
        ("greedy", "email", 2026, None),
        ("equal-shares", "residence", 2026, None),
        ("equal-shares-completed", "letter", 2026, None),
        ("borda", "letter", 2026, "unknown_rule"),
        ("greedy", "franceconnect", 2026, "unknown_verification_level"),
        ("greedy", "email", 1999, "bad_year"),
    ],
)
def test_call_settings(rule, level, year, problem):
    ok = rules.BallotRules(13_000_000, 1, None, True)
    assert rules.call_problem(SCHEDULE, ok, rule, level, year) == problem


# Projects on the ballot: id -> final cost (cents). 4 is infeasible, 5 hidden, 9 in another call: absent.
ON_BALLOT = {1: 40_000_00, 2: 50_000_00, 3: 30_000_00, 6: 10_000_00}
RULES = rules.BallotRules(budget_cents=100_000_00, min_projects=2, max_projects=3, knapsack=True)


@pytest.mark.parametrize(
    ("chosen", "ballot_rules", "problem"),
    [
        ([1, 2], RULES, None),
        ([1, 3, 6], RULES, None),  # 80,000 € of 100,000 €
        ([2, 1, 6], RULES, None),  # exactly the budget
        ([1], RULES, "too_few"),
        ([], RULES, "too_few"),
        ([1, 3, 6, 2], rules.BallotRules(200_000_00, 2, 3, True), "too_many"),
        ([1, 2, 3], RULES, "over_budget"),  # 120,000 €
        ([1, 2, 3], rules.BallotRules(100_000_00, 2, 3, False), None),  # not a knapsack ballot
        ([1, 4], RULES, "not_on_ballot"),  # infeasible
        ([1, 5], RULES, "not_on_ballot"),  # hidden
        ([1, 9], RULES, "not_on_ballot"),  # another call's project
        ([1, 1], RULES, "duplicate_project"),
        ([1, 2, 3, 6], rules.BallotRules(200_000_00, 1, None, True), None),  # no maximum
    ],
)
def test_ballot_problem(chosen, ballot_rules, problem):
    assert rules.ballot_problem(ballot_rules, chosen, ON_BALLOT) == problem


@pytest.mark.parametrize(
    ("phase", "voter_code", "verified", "refusal"),
    [
        (rules.VOTING, "33-04", True, None),
        (rules.PROPOSALS, "33-04", True, "wrong_phase"),
        (rules.REVIEW, "33-04", True, "wrong_phase"),
        (rules.RESULTS, "33-04", True, "wrong_phase"),
        (rules.UPCOMING, "33-04", True, "wrong_phase"),
        (rules.VOTING, "75-18", True, "wrong_constituency"),
        (rules.VOTING, None, True, "wrong_constituency"),
        (rules.VOTING, "33-04", False, "unverified"),
    ],
)
def test_vote_refusal(phase, voter_code, verified, refusal):
    assert rules.vote_refusal(phase, "33-04", voter_code, verified) == refusal


@pytest.mark.parametrize(
    ("phase", "author_code", "declared", "refusal"),
    [
        (rules.PROPOSALS, "33-04", True, None),
        (rules.UPCOMING, "33-04", True, "proposals_closed"),
        (rules.REVIEW, "33-04", True, "proposals_closed"),
        (rules.PROPOSALS, "75-18", True, "wrong_constituency"),
        (rules.PROPOSALS, "33-04", False, "unverified"),
    ],
)
def test_proposal_refusal(phase, author_code, declared, refusal):
    assert rules.proposal_refusal(phase, "33-04", author_code, declared) == refusal


@pytest.mark.parametrize(
    ("phase", "changed", "frozen"),
    [
        (rules.PROPOSALS, ["budget_cents", "rule", "title"], []),
        (rules.REVIEW, ["voting_close_at"], []),
        (rules.VOTING, ["title", "description"], []),
        (rules.VOTING, ["title", "budget_cents"], ["budget_cents"]),
        (rules.RESULTS, ["rule", "voting_close_at"], ["rule", "voting_close_at"]),
    ],
)
def test_frozen_changes(phase, changed, frozen):
    assert rules.frozen_changes(phase, changed) == frozen


SQUARE = shapely.to_wkb(box(-0.6, 44.8, -0.5, 44.9))  # lon/lat box near Bordeaux


@pytest.mark.parametrize(
    ("lat", "lon", "inside"),
    [
        (44.85, -0.55, True),
        (44.8, -0.55, True),  # on the border counts as inside
        (44.95, -0.55, False),
        (44.85, -0.45, False),
        (-0.55, 44.85, False),  # latitude and longitude swapped
        (48.89, 2.34, False),  # Paris
    ],
)
def test_location_inside_polygon(lat, lon, inside):
    assert rules.location_inside(SQUARE, lat, lon) is inside


@pytest.mark.parametrize(
    ("cost", "problem"),
    [
        (1, None),
        (100_000_00, None),
        (0, "cost_not_positive"),
        (-5, "cost_not_positive"),
        (100_000_01, "cost_over_budget"),
    ],
)
def test_cost_problem(cost, problem):
    assert rules.cost_problem(cost, 100_000_00) == problem


def test_ballots_digest_follows_the_documented_serialisation():
    ballots = [("b2", [10, 3]), ("a1", [7]), ("c3", [])]
    text = "a1;7\nb2;3,10\nc3;\n"
    assert rules.ballots_digest(ballots) == hashlib.sha256(text.encode()).hexdigest()
    # Order of ballots and of ids within a ballot does not matter; content does.
    assert rules.ballots_digest(list(reversed(ballots))) == rules.ballots_digest(ballots)
    assert rules.ballots_digest([("b2", [10]), ("a1", [7]), ("c3", [])]) != rules.ballots_digest(ballots)


def test_tally_ids_sort_like_proposal_numbers():
    ids = [9, 10, 100, 2]
    assert sorted(ids, key=rules.tally_project_id) == sorted(ids)


@pytest.mark.parametrize(
    "typed", ["ABCD-EFGH-JKMN-PQRS", "abcd efgh jkmn pqrs", "ABCDEFGHJKMNPQRS", " abcd-efgh-jkmn-pqrs "]
)
def test_receipt_hash_ignores_case_dashes_and_spaces(typed):
    assert rules.receipt_hash(typed) == hashlib.sha256(b"ABCDEFGHJKMNPQRS").hexdigest()


@pytest.mark.parametrize(("ballots", "registered", "share"), [(0, 100, 0.0), (25, 100, 0.25), (5, 0, 0.0)])
def test_participation(ballots, registered, share):
    assert rules.participation(ballots, registered) == share
