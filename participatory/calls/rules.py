"""Pure decisions of a participatory call (table-tested in tests/calls/test_rules.py).

Phases
    A call has four dates, each opening a phase that lasts until the next one:
    ``proposals_open_at`` < ``review_open_at`` < ``voting_open_at`` < ``voting_close_at``.
    Before the first date the call is ``upcoming``; from ``voting_close_at`` on it
    is in ``results`` (the results are computed once, on the first close).
    A date belongs to the phase it opens (``now == voting_open_at`` is voting).

A schedule that cannot be bent (``reschedule_problem``)
    The dates are the promise made to residents, so they move only forward in time:
    - a date that has passed is frozen: a started phase keeps its start, a closed vote
      never reopens (its close cannot change either);
    - a running vote may be extended, never shortened nor closed early (residents plan
      to vote before the announced close);
    - a date that is set or moved is not in the past, so no phase can be skipped and
      results never publish without a voting phase that really happened; the one
      exception is the opening of proposals before it has happened (creating a call
      "from this morning" just opens it at once);
    - a voting phase that has not started lasts at least the minimum (``VOTING_MIN_DAYS``,
      a week by default) whenever one of its dates is set.

Ballot digest (``ballots_digest``), so anyone can recompute it from an export
    One line per ballot, ``<public_id>;<ids>\\n``, where ``<ids>`` are the ballot's
    proposal ids in ascending numeric order written in decimal and joined by
    ``,`` (empty for an empty ballot); lines sorted by ``public_id`` (byte order);
    the digest is the SHA-256 hex of the UTF-8 concatenation of the lines.

Tally identifiers and ties (``tally_project_id``)
    The engine breaks ties by project id in string order; projects are passed to it
    as their proposal id zero-padded to 8 digits, so a tie goes to the proposal
    submitted first (the smaller number). This is the tie-break rule shown on the
    results page; exports and recomputations must use the same ids.

Receipt codes
    A receipt code is 16 characters of Crockford base 32 shown as 4 groups
    (``ABCD-EFGH-JKMN-PQRS``); ``receipt_hash`` is the SHA-256 hex of the code
    upper-cased without dashes or spaces, the only form stored and exported.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from participatory.accounts.rules import VERIFICATION_LEVELS
from participatory.settings import BY_NAME as SETTINGS_BY_NAME
from participatory.tally import EQUAL_SHARES_COMPLETED, RULES

UPCOMING, PROPOSALS, REVIEW, VOTING, RESULTS = "upcoming", "proposals", "review", "voting", "results"
PHASES = (UPCOMING, PROPOSALS, REVIEW, VOTING, RESULTS)

CATEGORIES = ("environment", "mobility", "culture", "sport", "solidarity", "education", "heritage", "digital", "other")
FEASIBLE, INFEASIBLE = "feasible", "infeasible"
IMPLEMENTATION_STATUSES = ("planned", "in_progress", "done", "cancelled")

DEFAULT_BUDGET_CENTS = 13_000_000  # 130,000 €, the old réserve parlementaire
# 20 M€: above is a typing error, and cents must fit the 32-bit integer columns (2 147 483 647).
MAX_BUDGET_CENTS = 20_000_000_00
TALLY_RULES = RULES  # greedy, equal-shares, equal-shares-completed
DEFAULT_RULE = EQUAL_SHARES_COMPLETED
# equal-shares-completed raises every voter's share by one euro at a time.
ADD_ONE_STEP_CENTS = 100
RECEIPT_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32: no I, L, O, U
RECEIPT_LENGTH = 16


def aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes: they were stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Schedule:
    proposals_open_at: datetime
    review_open_at: datetime
    voting_open_at: datetime
    voting_close_at: datetime

    @classmethod
    def of(cls, call: Any) -> Schedule:  # a Call, or a row of its columns
        return cls(
            aware(call.proposals_open_at),
            aware(call.review_open_at),
            aware(call.voting_open_at),
            aware(call.voting_close_at),
        )


def phase_at(schedule: Schedule, now: datetime) -> str:
    if now < schedule.proposals_open_at:
        return UPCOMING
    if now < schedule.review_open_at:
        return PROPOSALS
    if now < schedule.voting_open_at:
        return REVIEW
    if now < schedule.voting_close_at:
        return VOTING
    return RESULTS


DATES = ("proposals_open_at", "review_open_at", "voting_open_at", "voting_close_at")
# The shortest vote when no configuration says otherwise: the VOTING_MIN_DAYS setting's one default.
DEFAULT_VOTING_MIN_DAYS: int = SETTINGS_BY_NAME["VOTING_MIN_DAYS"].default
# Why a date that has passed cannot change: its phase has started (or, for the close, the vote is over).
PASSED = {
    "proposals_open_at": "proposals_started",
    "review_open_at": "review_started",
    "voting_open_at": "voting_started",
    "voting_close_at": "voting_closed",
}
# Refusals that depend on where the call stands, not on the dates typed (HTTP 409 rather than 400).
SCHEDULE_CONFLICTS = frozenset({*PASSED.values(), "voting_shortened"})


def changed_dates(before: Schedule | None, after: Schedule) -> list[str]:
    """The dates that differ (all of them for a new call, `before` None)."""
    return [name for name in DATES if before is None or getattr(before, name) != getattr(after, name)]


def reschedule_problem(before: Schedule | None, after: Schedule, now: datetime, min_voting: timedelta) -> str | None:
    """Why a call's dates cannot become `after` at `now` (`before`: its dates, None for a new call), or None.

    The rules are in the module docstring ("A schedule that cannot be bent").
    """
    problem = schedule_problem(after)
    if problem is not None:
        return problem
    changed = changed_dates(before, after)
    if before is not None:
        for name in changed:
            if getattr(before, name) <= now:
                return PASSED[name]
        # Here the close has not passed (it would be frozen above): the vote is running or ahead.
        running = before.voting_open_at <= now
        if running and after.voting_close_at < before.voting_close_at:
            return "voting_shortened"
    if any(getattr(after, name) < now for name in changed if name != "proposals_open_at"):
        return "date_in_past"
    voting_ahead = before is None or now < before.voting_open_at
    voting_set = {"voting_open_at", "voting_close_at"} & set(changed)
    if voting_ahead and voting_set and after.voting_close_at - after.voting_open_at < min_voting:
        return "voting_too_short"
    return None


def schedule_problem(schedule: Schedule) -> str | None:
    """'dates_out_of_order' unless each phase starts strictly after the previous one."""
    dates = (schedule.proposals_open_at, schedule.review_open_at, schedule.voting_open_at, schedule.voting_close_at)
    if any(d.tzinfo is None for d in dates):
        return "dates_without_timezone"
    if any(a >= b for a, b in zip(dates, dates[1:], strict=False)):
        return "dates_out_of_order"
    return None


@dataclass(frozen=True)
class BallotRules:
    budget_cents: int
    min_projects: int
    max_projects: int | None
    knapsack: bool

    @classmethod
    def of(cls, call: Any) -> BallotRules:  # a Call, or a row of its columns
        return cls(call.budget_cents, call.min_projects, call.max_projects, call.knapsack)


def ballot_rules_problem(rules: BallotRules) -> str | None:
    if not 0 < rules.budget_cents <= MAX_BUDGET_CENTS:
        return "bad_budget"
    if rules.min_projects < 1:
        return "bad_min_projects"
    if rules.max_projects is not None and rules.max_projects < rules.min_projects:
        return "max_below_min"
    return None


def call_problem(
    schedule: Schedule, rules: BallotRules, tally_rule: str, verification_level: str, year: int
) -> str | None:
    """Why a call's settings cannot be saved, or None."""
    if not 2000 <= year <= 2100:
        return "bad_year"
    if tally_rule not in TALLY_RULES:
        return "unknown_rule"
    if verification_level not in VERIFICATION_LEVELS:
        return "unknown_verification_level"
    return schedule_problem(schedule) or ballot_rules_problem(rules)


# Settings that can no longer change once residents have started voting: the ballot
# they fill and the way it is counted must be the same for everyone.
VOTING_FROZEN = frozenset(
    {
        "year",
        "budget_cents",
        "proposals_open_at",
        "review_open_at",
        "voting_open_at",
        "voting_close_at",
        "min_projects",
        "max_projects",
        "knapsack",
        "rule",
        "verification_level",
        "min_supports",
    }
)


# The supports a proposal needs are counted when the proposals phase closes: fixed from then on.
REVIEW_FROZEN = frozenset({"min_supports"})
MAX_MIN_SUPPORTS = 100_000


def min_supports_problem(min_supports: int) -> str | None:
    return None if 0 <= min_supports <= MAX_MIN_SUPPORTS else "bad_min_supports"


def frozen_changes(phase: str, changed: Iterable[str]) -> list[str]:
    """The changed fields that the phase no longer allows to change (a running vote may still be extended:
    reschedule_problem decides how its close may move)."""
    if phase == REVIEW:
        return sorted(set(changed) & REVIEW_FROZEN)
    if phase == VOTING:
        return sorted(set(changed) & (VOTING_FROZEN - {"voting_close_at"}))
    if phase == RESULTS:
        return sorted(set(changed) & VOTING_FROZEN)
    return []


def vote_refusal(phase: str, call_constituency: str, voter_constituency: str | None, verified: bool) -> str | None:
    """Why a user may not vote (or change or cancel a ballot) in a call, or None."""
    if phase != VOTING:
        return "wrong_phase"
    if voter_constituency is None:
        return "no_residence"
    if voter_constituency != call_constituency:
        return "wrong_constituency"
    if not verified:
        return "unverified"
    return None


def proposal_refusal(
    phase: str, call_constituency: str, author_constituency: str | None, residence_declared: bool
) -> str | None:
    """Why a user may not submit (or edit, or withdraw) a proposal in a call, or None."""
    if phase != PROPOSALS:
        return "proposals_closed"
    if author_constituency is None:
        return "no_residence"
    if author_constituency != call_constituency:
        return "wrong_constituency"
    if not residence_declared:
        return "unverified"
    return None


def ballot_problem(rules: BallotRules, chosen: Sequence[int], on_ballot: Mapping[int, int]) -> str | None:
    """Why a set of proposal ids is not a valid ballot, or None.

    ``on_ballot`` maps the ids of the proposals residents can vote for in this call
    (feasible, not withdrawn, not hidden) to their final cost in cents; anything
    else (another call's proposal, an infeasible or hidden one) is refused.
    """
    if len(set(chosen)) != len(chosen):
        return "duplicate_project"
    if any(pid not in on_ballot for pid in chosen):
        return "not_on_ballot"
    if len(chosen) < rules.min_projects:
        return "too_few"
    if rules.max_projects is not None and len(chosen) > rules.max_projects:
        return "too_many"
    if rules.knapsack and sum(on_ballot[pid] for pid in chosen) > rules.budget_cents:
        return "over_budget"
    return None


def cost_problem(cost_cents: int, budget_cents: int) -> str | None:
    if cost_cents <= 0:
        return "cost_not_positive"
    if cost_cents > budget_cents:
        return "cost_over_budget"
    return None


@lru_cache(maxsize=64)
def _prepared(geometry_wkb: bytes) -> BaseGeometry:
    geometry = shapely.from_wkb(geometry_wkb)
    shapely.prepare(geometry)
    return geometry


def location_inside(geometry_wkb: bytes, lat: float, lon: float) -> bool:
    """Whether the point is inside (or on the border of) the constituency's polygon (WKB, WGS84)."""
    return bool(_prepared(geometry_wkb).intersects(Point(lon, lat)))


def tally_project_id(proposal_id: int) -> str:
    return f"{proposal_id:08d}"


def ballots_digest(ballots: Iterable[tuple[str, Iterable[int]]]) -> str:
    """SHA-256 over the canonical serialization described in the module docstring."""
    digest = hashlib.sha256()
    for public_id, ids in sorted(ballots, key=lambda ballot: ballot[0].encode("utf-8")):
        digest.update(f"{public_id};{','.join(str(i) for i in sorted(ids))}\n".encode())
    return digest.hexdigest()


def normalise_receipt(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch not in "- \t")


def receipt_hash(code: str) -> str:
    return hashlib.sha256(normalise_receipt(code).encode("ascii", "ignore")).hexdigest()


def format_receipt(raw: str) -> str:
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def participation(ballots: int, registered_voters: int) -> float:
    return ballots / registered_voters if registered_voters > 0 else 0.0


# Browsing a call's proposals: filters and sorting from the query string (GET), checked here.
BROWSE_STATUSES = ("pending", FEASIBLE, INFEASIBLE, "selected")
BROWSE_SORTS = ("newest", "cost", "cost_desc", "title")
BROWSE_PAGE_SIZE = 20


@dataclass(frozen=True)
class BrowseQuery:
    category: str | None = None
    status: str | None = None
    sort: str = "newest"
    page: int = 1


def browse_query(args: Mapping[str, str]) -> tuple[BrowseQuery, list[str]]:
    """The filters asked for, and the names of the parameters refused (left out of the query)."""
    bad: list[str] = []
    category = args.get("categorie") or None
    if category is not None and category not in CATEGORIES:
        bad.append("categorie")
        category = None
    status = args.get("statut") or None
    if status is not None and status not in BROWSE_STATUSES:
        bad.append("statut")
        status = None
    sort = args.get("tri") or "newest"
    if sort not in BROWSE_SORTS:
        bad.append("tri")
        sort = "newest"
    raw_page = args.get("page") or "1"
    page = int(raw_page) if raw_page.isascii() and raw_page.isdigit() and len(raw_page) <= 6 else 0
    if page < 1:
        bad.append("page")
        page = 1
    return BrowseQuery(category, status, sort, page), bad
