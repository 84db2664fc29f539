"""Writing, reading and verifying the audit log.

`record` is called by every service that changes something worth auditing, in
the same transaction as the change: the event commits or rolls back with it.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Select, func, insert, select, text
from sqlalchemy.orm import Session

from participatory.audit.models import AuditEvent
from participatory.audit.rules import (
    BODY_FIELDS,
    FIELD_LIMITS,
    GENESIS,
    AuditDetailsError,
    Verification,
    chain_hash,
    clean_details,
    event_body,
    export_line,
    verify_chain,
)

SYSTEM = "system"
AUDIT_LOCK_KEY = 0x41554454  # "AUDT"

__all__ = ["SYSTEM", "AuditDetailsError", "EventFilter", "Verification", "actor_of", "distinct_values",
           "export_lines", "filtered_events", "head", "head_hash", "record", "verify"]


def actor_of(user) -> str:
    """The pseudonym that names a user in the log ("system" for jobs and commands)."""
    return getattr(user, "pseudonym", None) or SYSTEM


def record(session: Session, *, now: datetime, actor: str, action: str, object_type: str,
           object_id: object, details: dict | None = None) -> dict:
    """Append one event after the current head (raises AuditDetailsError on bad input).

    On PostgreSQL a transaction-scoped advisory lock queues concurrent writers, so
    two transactions never compute the same seq; at READ COMMITTED each statement
    sees what the previous lock holder committed. SQLite serialises writers itself.
    The primary key on seq stays as the last guard against a forked chain.
    """
    fields = {"actor": actor, "action": action, "object_type": object_type, "object_id": str(object_id)}
    for name, value in fields.items():
        if not value or len(value) > FIELD_LIMITS[name]:
            raise AuditDetailsError(f"{name} must be 1 to {FIELD_LIMITS[name]} characters: {value!r}")
    details = clean_details(details)
    # Stored in UTC: SQLite keeps wall time without the offset, and the hash must survive the round trip.
    at = (now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC))
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})
    head = session.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    seq, prev = (head.seq + 1, head.hash) if head else (1, GENESIS)
    body = event_body(seq, at, fields["actor"], action, object_type, fields["object_id"], details)
    row = {"seq": seq, "at": at, "actor": fields["actor"], "action": action, "object_type": object_type,
           "object_id": fields["object_id"], "details": details, "prev_hash": prev, "hash": chain_hash(prev, body)}
    # A plain INSERT rather than the unit of work: ballots pass here while holding the log's lock.
    session.execute(insert(AuditEvent).values(row))
    return row


def head_hash(session: Session) -> str:
    return session.scalar(select(AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)) or GENESIS


def head(session: Session) -> tuple[int, str]:
    """(seq, hash) of the newest event; (0, GENESIS) for an empty log."""
    row = session.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    return (row.seq, row.hash) if row else (0, GENESIS)


def _as_mapping(event: AuditEvent) -> dict:
    return {**{f: getattr(event, f) for f in BODY_FIELDS}, "prev_hash": event.prev_hash, "hash": event.hash}


def _all_events(session: Session) -> Iterator[AuditEvent]:
    return iter(session.scalars(select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=1000)))


def verify(session: Session) -> Verification:
    """Recompute every hash from the stored events (see rules.verify_chain)."""
    return verify_chain(_as_mapping(e) for e in _all_events(session))


def export_lines(session: Session) -> Iterator[str]:
    """The whole log as JSON Lines, each line verifiable with the README recipe."""
    for event in _all_events(session):
        m = _as_mapping(event)
        yield export_line(event_body(*(m[f] for f in BODY_FIELDS)), m["prev_hash"], m["hash"]) + "\n"


@dataclass(frozen=True)
class EventFilter:
    """The auditors' filters; empty fields do not filter."""

    action: str = ""
    object_type: str = ""
    object_id: str = ""
    actor: str = ""
    since: datetime | None = None  # inclusive, UTC
    until: datetime | None = None  # exclusive, UTC

    def statement(self) -> Select:
        stmt = select(AuditEvent)
        for column, value in ((AuditEvent.action, self.action), (AuditEvent.object_type, self.object_type),
                              (AuditEvent.object_id, self.object_id), (AuditEvent.actor, self.actor)):
            if value:
                stmt = stmt.where(column == value)
        if self.since is not None:
            stmt = stmt.where(AuditEvent.at >= self.since)
        if self.until is not None:
            stmt = stmt.where(AuditEvent.at < self.until)
        return stmt


def filtered_events(session: Session, where: EventFilter, *, page: int, per_page: int) -> tuple[list[AuditEvent], int]:
    """One page of matching events, newest first, and the number of matches."""
    stmt = where.statement()
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(AuditEvent.seq.desc()).offset((page - 1) * per_page).limit(per_page))
    return list(rows), total


def distinct_values(session: Session, column) -> list[str]:
    """Known actions or object types, for the filter drop-downs."""
    return list(session.scalars(select(column).distinct().order_by(column)))
