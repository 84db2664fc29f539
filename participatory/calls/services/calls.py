"""Creating and changing a call (the MP of the constituency, or an admin)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from constituencies.models import Constituency
from participatory.accounts.policy import allowed
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

    @classmethod
    def of(cls, call: Call) -> CallSettings:
        return cls(**{name: getattr(call, name) for name in cls.__dataclass_fields__})

    def values(self) -> dict:
        """The settings as column values, dates in UTC (SQLite compares them as stored text)."""
        return {
            name: value.astimezone(UTC) if isinstance(value, datetime) else value
            for name, value in asdict(self).items()
        }

    def problem(self) -> str | None:
        schedule = rules.Schedule(
            self.proposals_open_at, self.review_open_at, self.voting_open_at, self.voting_close_at
        )
        ballot = rules.BallotRules(self.budget_cents, self.min_projects, self.max_projects, self.knapsack)
        if not self.title.strip():
            return "title_required"
        if text_problem(self.title) or text_problem(self.description, multiline=True):
            return "control_characters"
        return rules.call_problem(schedule, ballot, self.rule, self.verification_level, self.year)


def phase_of(call: Call, now: datetime) -> str:
    return rules.phase_at(rules.Schedule.of(call), now)


def _audit_details(settings: CallSettings) -> dict:
    data = asdict(settings)
    data.pop("description")
    for key, value in data.items():
        if isinstance(value, datetime):
            data[key] = rules.aware(value).isoformat()
    return data


def create_call(session: Session, user, now: datetime, constituency_code: str, settings: CallSettings) -> Call:
    if not allowed(user, "call.manage", constituency_code):
        raise Forbidden("not_your_constituency")
    if session.get(Constituency, constituency_code) is None:
        raise CallError("unknown_constituency")
    raise_if(settings.problem())
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


def update_call(session: Session, user, now: datetime, call: Call, settings: CallSettings) -> Call:
    if not allowed(user, "call.manage", call.constituency_code):
        raise Forbidden("not_your_constituency")
    raise_if(settings.problem())
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
    values = settings.values()
    for name in changed:
        setattr(call, name, values[name])
    call.title = call.title.strip()
    call.updated_at = now
    session.flush()
    after = _audit_details(settings)
    record(
        session,
        now=now,
        actor=actor_of(user),
        action="call.changed",
        object_type="call",
        object_id=call.id,
        details={
            "changed": {name: after[name] for name in changed if name in after},
            "description_changed": "description" in changed,
        },
    )
    return call


def _normal(value):
    return rules.aware(value) if isinstance(value, datetime) else value


def latest_call(session: Session, constituency_code: str) -> Call | None:
    """The constituency's call: its most recent edition."""
    return session.scalar(
        select(Call).where(Call.constituency_code == constituency_code).order_by(Call.year.desc()).limit(1)
    )
