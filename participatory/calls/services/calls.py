"""Creating and changing a call (the MP of the constituency, or an admin)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from constituencies.models import Constituency
from participatory.accounts.policy import allowed
from participatory.audit.models import AuditEvent
from participatory.audit.services import actor_of, record
from participatory.calls import rules
from participatory.calls.errors import CallError, Conflict, Forbidden, raise_if
from participatory.calls.models import Call
from participatory.text import text_problem


@dataclass(frozen=True)
class CallSettings:
    year: int
    title: str
    description: str
    budget_cents: int
    proposals_open_at: datetime
    review_open_at: datetime
    voting_open_at: datetime
    voting_close_at: datetime
    min_projects: int = 1
    max_projects: int | None = None
    knapsack: bool = True
    rule: str = rules.DEFAULT_RULE
    verification_level: str = "residence"
    min_supports: int = 0

    @classmethod
    def of(cls, call: Call) -> CallSettings:
        return cls(**{name: getattr(call, name) for name in cls.__dataclass_fields__})

    def values(self) -> dict:
        """The settings as column values, dates in UTC (SQLite compares them as stored text)."""
        return {
            name: value.astimezone(UTC) if isinstance(value, datetime) else value
            for name, value in asdict(self).items()
        }

    def schedule(self) -> rules.Schedule:
        return rules.Schedule(self.proposals_open_at, self.review_open_at, self.voting_open_at, self.voting_close_at)

    def problem(self) -> str | None:
        schedule = self.schedule()
        ballot = rules.BallotRules(self.budget_cents, self.min_projects, self.max_projects, self.knapsack)
        if not self.title.strip():
            return "title_required"
        if text_problem(self.title) or text_problem(self.description, multiline=True):
            return "control_characters"
        return rules.call_problem(schedule, ballot, self.rule, self.verification_level, self.year) or (
            rules.min_supports_problem(self.min_supports)
        )


MIN_VOTING = timedelta(days=rules.DEFAULT_VOTING_MIN_DAYS)
RESCHEDULED = "call.rescheduled"


def phase_of(call: Call | Row[Any], now: datetime) -> str:
    return rules.phase_at(rules.Schedule.of(call), now)


def _check_schedule(before: rules.Schedule | None, settings: CallSettings, now: datetime, min_voting: timedelta):
    code = rules.reschedule_problem(before, settings.schedule(), now, min_voting)
    kind = Conflict if code in rules.SCHEDULE_CONFLICTS else CallError
    raise_if(code, kind, days=f"{min_voting / timedelta(days=1):g}")


def _audit_details(settings: CallSettings) -> dict:
    data = asdict(settings)
    data.pop("description")
    for key, value in data.items():
        if isinstance(value, datetime):
            data[key] = rules.aware(value).isoformat()
    return data


def create_call(
    session: Session,
    user,
    now: datetime,
    constituency_code: str,
    settings: CallSettings,
    *,
    min_voting: timedelta = MIN_VOTING,
) -> Call:
    """A new call; its dates must leave every phase ahead (see rules.reschedule_problem)."""
    if not allowed(user, "call.manage", constituency_code):
        raise Forbidden("not_your_constituency")
    if session.get(Constituency, constituency_code) is None:
        raise CallError("unknown_constituency")
    raise_if(settings.problem())
    _check_schedule(None, settings, now, min_voting)
    exists = session.scalar(
        select(Call.id).where(Call.constituency_code == constituency_code, Call.year == settings.year)
    )
    raise_if("call_exists" if exists else None, Conflict)
    call = Call(
        constituency_code=constituency_code, created_at=now, updated_at=now, created_by_id=user.id, **settings.values()
    )
    call.title = settings.title.strip()
    session.add(call)
    session.flush()
    record(
        session,
        now=now,
        actor=actor_of(user),
        action="call.created",
        object_type="call",
        object_id=call.id,
        details={"constituency": constituency_code, **_audit_details(settings)},
    )
    return call


def update_call(
    session: Session, user, now: datetime, call: Call, settings: CallSettings, *, min_voting: timedelta = MIN_VOTING
) -> Call:
    """Change a call's settings. Dates only move forward (rules.reschedule_problem); each date change is a
    `call.rescheduled` event with the old and new values (the call page's public history), the other
    fields a `call.changed` event."""
    if not allowed(user, "call.manage", call.constituency_code):
        raise Forbidden("not_your_constituency")
    raise_if(settings.problem())
    # Judge the change against the dates as committed, the row locked until commit (PostgreSQL; SQLite
    # serialises writers): two editors racing cannot shorten a vote the other has just extended.
    session.refresh(call, with_for_update=True)
    old_schedule = rules.Schedule.of(call)
    _check_schedule(old_schedule, settings, now, min_voting)
    before = CallSettings.of(call)
    changed = [
        name
        for name in CallSettings.__dataclass_fields__
        if _normal(getattr(before, name)) != _normal(getattr(settings, name))
    ]
    raise_if("frozen" if rules.frozen_changes(phase_of(call, now), changed) else None, Conflict)
    if settings.year != call.year:
        exists = session.scalar(
            select(Call.id).where(
                Call.constituency_code == call.constituency_code, Call.year == settings.year, Call.id != call.id
            )
        )
        raise_if("call_exists" if exists else None, Conflict)
    if not changed:
        return call
    phase = phase_of(call, now)
    values = settings.values()
    for name in changed:
        setattr(call, name, values[name])
    call.title = call.title.strip()
    call.updated_at = now
    session.flush()
    after = _audit_details(settings)
    dates = rules.changed_dates(old_schedule, settings.schedule())
    others = [name for name in changed if name not in dates]
    if dates:
        record(
            session,
            now=now,
            actor=actor_of(user),
            action=RESCHEDULED,
            object_type="call",
            object_id=call.id,
            details={
                "phase": phase,
                "dates": {
                    name: {"old": getattr(old_schedule, name).isoformat(), "new": values[name].isoformat()}
                    for name in dates
                },
            },
        )
    if others:
        record(
            session,
            now=now,
            actor=actor_of(user),
            action="call.changed",
            object_type="call",
            object_id=call.id,
            details={
                "changed": {name: after[name] for name in others if name in after},
                "description_changed": "description" in others,
            },
        )
    return call


@dataclass(frozen=True)
class DateChange:
    field: str
    old: datetime
    new: datetime


@dataclass(frozen=True)
class Rescheduling:
    at: datetime
    phase: str  # the phase the call was in when its dates changed
    changes: list[DateChange]


def schedule_history(session: Session, call: Call) -> list[Rescheduling]:
    """Every change of the call's dates, oldest first, read from the audit log (public: no actor)."""
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "call", AuditEvent.object_id == str(call.id), AuditEvent.action == RESCHEDULED)
        .order_by(AuditEvent.seq)
    )
    history = []
    for event in events:
        dates = event.details.get("dates", {})
        changes = [
            DateChange(name, datetime.fromisoformat(dates[name]["old"]), datetime.fromisoformat(dates[name]["new"]))
            for name in rules.DATES
            if name in dates
        ]
        history.append(Rescheduling(rules.aware(event.at), event.details.get("phase", ""), changes))
    return history


def _normal(value):
    return rules.aware(value) if isinstance(value, datetime) else value


def latest_call(session: Session, constituency_code: str) -> Call | None:
    """The constituency's call: its most recent edition."""
    return session.scalar(
        select(Call).where(Call.constituency_code == constituency_code).order_by(Call.year.desc()).limit(1)
    )
