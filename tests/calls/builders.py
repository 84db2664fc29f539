"""Builders for the calls tests: users, calls in a given phase, proposals, ballots (straight to the database)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from participatory.accounts.models import RoleGrant, User
from participatory.accounts.rules import ADMIN, MP
from participatory.calls import rules
from participatory.calls.models import Call, Proposal
from participatory.tally import GREEDY

DAY = timedelta(days=1)
# Offsets (in days from `now`) of the four dates for a call in each phase.
PHASE_OFFSETS = {
    rules.UPCOMING: (1, 2, 3, 4),
    rules.PROPOSALS: (-1, 1, 2, 3),
    rules.REVIEW: (-2, -1, 1, 2),
    rules.VOTING: (-3, -2, -1, 1),
    rules.RESULTS: (-4, -3, -2, -1),
}
_serial = itertools.count(1)


def user(
    session,
    now: datetime,
    constituency: str | None = "33-04",
    *,
    level: str = "letter",
    role: str | None = None,
    scope: str | None = None,
    email: str | None = None,
) -> User:
    """A user whose evidence meets `level` ('email', 'residence', 'letter' or None for unconfirmed)."""
    n = next(_serial)
    person = User(
        email=email or f"person{n}@example.test",
        display_name=f"Person {n}",
        created_at=now,
        email_confirmed_at=now if level else None,
        constituency_code=constituency,
        residence_declared_at=now if level in ("residence", "letter") and constituency else None,
        residence_verified_at=now if level == "letter" and constituency else None,
    )
    session.add(person)
    session.flush()
    if role:
        session.add(RoleGrant(user_id=person.id, role=role, constituency_code=scope, granted_at=now))
        session.flush()
        session.refresh(person)
    return person


def mp(session, now: datetime, code: str = "33-04") -> User:
    return user(session, now, code, role=MP, scope=code)


def admin(session, now: datetime) -> User:
    return user(session, now, "75-18", role=ADMIN)


def call(
    session, now: datetime, phase: str = rules.PROPOSALS, code: str = "33-04", year: int = 2026, **settings
) -> Call:
    a, b, c, d = (now + k * DAY for k in PHASE_OFFSETS[phase])
    item = Call(
        constituency_code=code,
        year=year,
        title=settings.pop("title", f"Budget {code} {year}"),
        description="",
        budget_cents=settings.pop("budget_cents", 100_000_00),
        proposals_open_at=a,
        review_open_at=b,
        voting_open_at=c,
        voting_close_at=d,
        min_projects=settings.pop("min_projects", 1),
        max_projects=settings.pop("max_projects", None),
        knapsack=settings.pop("knapsack", True),
        rule=settings.pop("rule", GREEDY),
        verification_level=settings.pop("verification_level", "residence"),
        created_at=now,
        updated_at=now,
    )
    assert not settings, f"unknown settings {settings}"
    session.add(item)
    session.flush()
    return item


def proposal(
    session,
    now: datetime,
    of: Call,
    author: User | None = None,
    *,
    cost: int = 10_000_00,
    feasible: bool | None = True,
    title: str | None = None,
    hidden: bool = False,
    withdrawn: bool = False,
    lat: float | None = None,
    lon: float | None = None,
) -> Proposal:
    n = next(_serial)
    item = Proposal(
        call_id=of.id,
        author_id=author.id if author else None,
        title=title or f"Projet {n}",
        summary="Résumé",
        description="Description",
        category="environment",
        estimated_cost_cents=cost,
        lat=lat,
        lon=lon,
        created_at=now,
        updated_at=now,
        review_reason="",
        hidden_reason="",
        feasibility=None if feasible is None else rules.FEASIBLE if feasible else rules.INFEASIBLE,
        final_cost_cents=cost if feasible else None,
        hidden_at=now if hidden else None,
        withdrawn_at=now if withdrawn else None,
    )
    if feasible is False:
        item.review_reason = "Hors compétence"
    session.add(item)
    session.flush()
    return item


def move_to(session, item: Call, phase: str, now: datetime) -> None:
    """Shift a call's dates so that it is in `phase` at `now`."""
    a, b, c, d = (now + k * DAY for k in PHASE_OFFSETS[phase])
    item.proposals_open_at, item.review_open_at, item.voting_open_at, item.voting_close_at = a, b, c, d
    session.flush()
