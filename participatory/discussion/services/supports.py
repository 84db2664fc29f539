"""Supports: one per person and subject, while the subject's policy allows them; withdrawable."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable

from participatory.audit.services import actor_of, record
from participatory.discussion.errors import Forbidden, raise_if
from participatory.discussion.models import Support
from participatory.discussion.subjects import Subject, policy_of


def _may_support(session: Session, user, subject: Subject, now: datetime) -> None:
    policy = policy_of(subject.kind)
    if policy is None or not policy.supportable:
        raise Forbidden("not_supportable")
    raise_if(policy.support_refusal(session, user, subject, now), Forbidden)


def support(session: Session, user, now: datetime, subject: Subject) -> bool:
    """Record the support; False when the person already supports it (also when a concurrent request
    stored it first: the unique constraint keeps one, `ON CONFLICT DO NOTHING` keeps both answers calm)."""
    _may_support(session, user, subject, now)
    values = {"subject_kind": subject.kind, "subject_id": subject.id, "user_id": user.id, "created_at": now}
    dialect = session.get_bind().dialect.name
    statement: Executable
    if dialect == "postgresql":
        statement = pg_insert(Support).values(**values).on_conflict_do_nothing().returning(Support.id)
    elif dialect == "sqlite":
        statement = sqlite_insert(Support).values(**values).on_conflict_do_nothing().returning(Support.id)
    else:  # pragma: no cover - the platform runs on PostgreSQL or SQLite
        statement = insert(Support).values(**values).returning(Support.id)
    added = session.execute(statement).scalar() is not None  # nothing returned: it was there already
    if added:
        record(
            session,
            now=now,
            actor=actor_of(user),
            action="support.given",
            object_type=subject.kind,
            object_id=subject.id,
            details={},
        )
    return added


def withdraw(session: Session, user, now: datetime, subject: Subject) -> bool:
    _may_support(session, user, subject, now)
    removed = (
        session.execute(
            delete(Support).where(
                Support.subject_kind == subject.kind, Support.subject_id == subject.id, Support.user_id == user.id
            )
        ).rowcount  # type: ignore[attr-defined]  # DML executes to a CursorResult
        > 0
    )
    if removed:
        record(
            session,
            now=now,
            actor=actor_of(user),
            action="support.withdrawn",
            object_type=subject.kind,
            object_id=subject.id,
            details={},
        )
    return removed
