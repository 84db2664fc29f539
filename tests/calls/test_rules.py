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
        ("greedy", "franceconnect", 2026, None),
        ("greedy", "census", 2026, "unknown_verification_level"),
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
        (rules.VOTING, None, True, "no_residence"),
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
        (rules.PROPOSALS, None, True, "no_residence"),
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
        (rules.VOTING, ["voting_close_at"], []),  # a running vote may be extended (reschedule_problem says how)
        (rules.VOTING, ["voting_open_at", "voting_close_at", "rule"], ["rule", "voting_open_at"]),
        (rules.RESULTS, ["rule", "voting_close_at"], ["rule", "voting_close_at"]),
        # The supports a proposal needs are counted when the proposals phase closes (issue 18).
        (rules.PROPOSALS, ["min_supports"], []),
        (rules.REVIEW, ["min_supports", "budget_cents"], ["min_supports"]),
        (rules.VOTING, ["min_supports"], ["min_supports"]),
        (rules.RESULTS, ["min_supports"], ["min_supports"]),
    ],
)
def test_frozen_changes(phase, changed, frozen):
    assert rules.frozen_changes(phase, changed) == frozen


# --- a schedule that cannot be bent ---------------------------------------------------------
# SCHEDULE: proposals T0, review T0+30d, voting T0+45d, close T0+60d (a 15-day vote).
WEEK = timedelta(days=7)
HOUR = timedelta(hours=1)
MOMENTS = {  # `now` in each phase of SCHEDULE
    "upcoming": T0 - D,
    "proposals": T0 + D,
    "review": T0 + 31 * D,
    "voting": T0 + 50 * D,
    "results": T0 + 61 * D,
}
# What moving each date one hour later and one hour earlier gives, with `now` in each phase.
# A date whose phase has started is frozen; a running vote can only move its close later.
MOVES = {
    "proposals_open_at": {
        "upcoming": (None, None),
        "proposals": ("proposals_started", "proposals_started"),
        "review": ("proposals_started", "proposals_started"),
        "voting": ("proposals_started", "proposals_started"),
        "results": ("proposals_started", "proposals_started"),
    },
    "review_open_at": {
        "upcoming": (None, None),
        "proposals": (None, None),
        "review": ("review_started", "review_started"),
        "voting": ("review_started", "review_started"),
        "results": ("review_started", "review_started"),
    },
    "voting_open_at": {
        "upcoming": (None, None),
        "proposals": (None, None),
        "review": (None, None),
        "voting": ("voting_started", "voting_started"),
        "results": ("voting_started", "voting_started"),
    },
    "voting_close_at": {
        "upcoming": (None, None),
        "proposals": (None, None),
        "review": (None, None),
        "voting": (None, "voting_shortened"),  # extended: fine; shortened: refused
        "results": ("voting_closed", "voting_closed"),  # a closed vote never reopens
    },
}


def moved(schedule: rules.Schedule, **shifts: timedelta) -> rules.Schedule:
    return rules.Schedule(*(getattr(schedule, name) + shifts.get(name, timedelta(0)) for name in rules.DATES))


@pytest.mark.parametrize(
    ("date", "moment", "later", "earlier"),
    [(date, moment, *MOVES[date][moment]) for date in rules.DATES for moment in MOMENTS],
)
def test_each_date_moves_only_before_its_phase_starts(date, moment, later, earlier):
    now = MOMENTS[moment]
    assert rules.reschedule_problem(SCHEDULE, moved(SCHEDULE, **{date: HOUR}), now, WEEK) == later
    assert rules.reschedule_problem(SCHEDULE, moved(SCHEDULE, **{date: -HOUR}), now, WEEK) == earlier


def test_the_rules_tables_cover_every_date_and_phase():
    assert set(MOVES) == set(rules.DATES) and all(set(row) == set(MOMENTS) for row in MOVES.values())
    assert [rules.phase_at(SCHEDULE, at) for at in MOMENTS.values()] == list(MOMENTS)


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


@pytest.mark.parametrize(
    ("case", "before", "after", "now", "problem"),
    [
        # A date belongs to the phase it opens: at that very instant it is frozen.
        (
            "review starts now",
            SCHEDULE,
            moved(SCHEDULE, review_open_at=HOUR),
            SCHEDULE.review_open_at,
            "review_started",
        ),
        ("vote opens now", SCHEDULE, moved(SCHEDULE, voting_open_at=HOUR), SCHEDULE.voting_open_at, "voting_started"),
        ("vote closes now", SCHEDULE, moved(SCHEDULE, voting_close_at=D), SCHEDULE.voting_close_at, "voting_closed"),
        (
            "last second of the vote",
            SCHEDULE,
            moved(SCHEDULE, voting_close_at=D),
            SCHEDULE.voting_close_at - SECOND,
            None,
        ),
        (
            "one second before review",
            SCHEDULE,
            moved(SCHEDULE, review_open_at=HOUR),
            SCHEDULE.review_open_at - SECOND,
            None,
        ),
        # Extending a running vote: by a second or by months.
        ("extend by a second", SCHEDULE, moved(SCHEDULE, voting_close_at=SECOND), at(50), None),
        ("extend by 90 days", SCHEDULE, moved(SCHEDULE, voting_close_at=90 * D), at(50), None),
        # Shortening a running vote, even keeping more than the minimum, or closing it now: refused.
        ("shorten by a second", SCHEDULE, moved(SCHEDULE, voting_close_at=-SECOND), at(50), "voting_shortened"),
        ("shorten to 8 days", SCHEDULE, moved(SCHEDULE, voting_close_at=-7 * D), at(50), "voting_shortened"),
        ("close it now", SCHEDULE, moved(SCHEDULE, voting_close_at=-10 * D), at(50), "voting_shortened"),
        ("close it before now", SCHEDULE, moved(SCHEDULE, voting_close_at=-12 * D), at(50), "voting_shortened"),
        # A running vote shorter than the minimum (made before the rule) may still be extended.
        (
            "extend a 2-day vote",
            rules.Schedule(at(0), at(1), at(2), at(4)),
            rules.Schedule(at(0), at(1), at(2), at(5)),
            at(3),
            None,
        ),
        # Minimum duration of a vote that has not started: the boundary is inclusive.
        ("vote of exactly a week", SCHEDULE, rules.Schedule(T0, at(30), at(45), at(52)), at(1), None),
        (
            "vote a second short",
            SCHEDULE,
            rules.Schedule(T0, at(30), at(45), at(52) - SECOND),
            at(1),
            "voting_too_short",
        ),
        ("later opening, a day left", SCHEDULE, moved(SCHEDULE, voting_open_at=14 * D), at(1), "voting_too_short"),
        (
            "later opening and close",
            SCHEDULE,
            moved(SCHEDULE, voting_open_at=14 * D, voting_close_at=7 * D),
            at(40),
            None,
        ),
        # An unchanged short vote is not re-judged when something else moves.
        (
            "short vote, review moves",
            rules.Schedule(at(0), at(30), at(45), at(46)),
            rules.Schedule(at(0), at(31), at(45), at(46)),
            at(1),
            None,
        ),
        # Skipping the vote: dates put in the past are refused, whatever phase the call is in.
        (
            "vote put in the past during review",
            SCHEDULE,
            rules.Schedule(T0, at(30), at(30.2), at(30.5)),
            at(31),
            "date_in_past",
        ),
        (
            "vote put in the past before it starts",
            SCHEDULE,
            rules.Schedule(T0, at(30), at(35), at(42)),
            at(40),
            "date_in_past",
        ),
        (
            "close put in the past during review",
            SCHEDULE,
            rules.Schedule(T0, at(30), at(30.5), at(30.9)),
            at(31),
            "date_in_past",
        ),
        (
            "every date in the past",
            SCHEDULE,
            rules.Schedule(at(-40), at(-30), at(-20), at(-10)),
            at(31),
            "proposals_started",
        ),
        ("review put in the past", SCHEDULE, moved(SCHEDULE, review_open_at=-29 * D), at(10), "date_in_past"),
        ("review moved to now", SCHEDULE, moved(SCHEDULE, review_open_at=-20 * D), at(10), None),
        ("proposals opened at once", SCHEDULE, moved(SCHEDULE, proposals_open_at=-2 * D), at(-1), None),
        # Order first: out-of-order dates are refused before anything else.
        ("out of order", SCHEDULE, moved(SCHEDULE, voting_open_at=20 * D), at(1), "dates_out_of_order"),
        ("nothing changed after the close", SCHEDULE, SCHEDULE, at(400), None),
        ("nothing changed mid-vote", SCHEDULE, SCHEDULE, at(50), None),
    ],
)
def test_reschedule_cases(case, before, after, now, problem):
    assert rules.reschedule_problem(before, after, now, WEEK) == problem, case


@pytest.mark.parametrize(
    ("dates", "minimum", "problem"),
    [
        ((1, 10, 20, 27), WEEK, None),  # a week exactly
        ((1, 10, 20, 27 - 1 / 86400), WEEK, "voting_too_short"),  # a second short
        ((1, 10, 20, 21), timedelta(days=1), None),  # the minimum is configurable
        ((1, 10, 20, 30), timedelta(days=14), "voting_too_short"),
        ((-1, 10, 20, 30), WEEK, None),  # proposals may open at once, from a moment already past
        ((-2, -1, 20, 30), WEEK, "date_in_past"),  # not review: no proposals phase would have been held
        ((-3, -2, -1, 30), WEEK, "date_in_past"),  # nor the vote
        ((-4, -3, -2, -1), WEEK, "date_in_past"),  # a call born closed would publish results with no vote
        ((0, 0, 20, 30), WEEK, "dates_out_of_order"),
    ],
)
def test_a_new_call_has_every_phase_ahead_and_a_vote_of_the_minimum(dates, minimum, problem):
    now = T0
    assert (
        rules.reschedule_problem(None, rules.Schedule(*(now + timedelta(days=d) for d in dates)), now, minimum)
        == problem
    )


def test_reschedule_refuses_dates_without_timezone():
    naive = rules.Schedule(*(at(d).replace(tzinfo=None) for d in (1, 10, 20, 30)))
    assert rules.reschedule_problem(None, naive, T0, WEEK) == "dates_without_timezone"


@pytest.mark.parametrize(
    ("before", "after", "changed"),
    [
        (None, SCHEDULE, list(rules.DATES)),
        (SCHEDULE, SCHEDULE, []),
        (SCHEDULE, moved(SCHEDULE, voting_close_at=D), ["voting_close_at"]),
        # The same instant written in another time zone is no change.
        (SCHEDULE, rules.Schedule(T0.astimezone(PARIS), *(getattr(SCHEDULE, n) for n in rules.DATES[1:])), []),
    ],
)
def test_changed_dates(before, after, changed):
    assert rules.changed_dates(before, after) == changed


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


@pytest.mark.parametrize(
    ("args", "query", "bad"),
    [
        ({}, rules.BrowseQuery(), []),
        (
            {"categorie": "sport", "statut": "feasible", "tri": "cost", "page": "3"},
            rules.BrowseQuery("sport", "feasible", "cost", 3),
            [],
        ),
        ({"categorie": "", "statut": "", "tri": "", "page": ""}, rules.BrowseQuery(), []),
        ({"categorie": "sports"}, rules.BrowseQuery(), ["categorie"]),
        ({"statut": "won"}, rules.BrowseQuery(), ["statut"]),
        ({"tri": "price;drop"}, rules.BrowseQuery(), ["tri"]),
        ({"page": "0"}, rules.BrowseQuery(), ["page"]),
        ({"page": "-2"}, rules.BrowseQuery(), ["page"]),
        ({"page": "１"}, rules.BrowseQuery(), ["page"]),  # a full-width digit is not a page number
        ({"page": "99999999999"}, rules.BrowseQuery(), ["page"]),
        (
            {"tri": "title", "page": "x", "statut": "selected"},
            rules.BrowseQuery(None, "selected", "title", 1),
            ["page"],
        ),
    ],
)
def test_browse_query(args, query, bad):
    assert rules.browse_query(args) == (query, bad)


@pytest.mark.parametrize(
    ("minimum", "problem"),
    [(0, None), (25, None), (100_000, None), (-1, "bad_min_supports"), (100_001, "bad_min_supports")],
)
def test_min_supports_problem(minimum, problem):
    assert rules.min_supports_problem(minimum) == problem
