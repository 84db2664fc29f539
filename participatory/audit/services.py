"""Writing and verifying the audit log.

`record` is called by every service that changes something worth auditing, in
the same transaction as the change: the event commits or rolls back with it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from participatory.audit.models import AuditEvent
from participatory.audit.rules import GENESIS, chain_hash, event_body

SYSTEM = "system"
AUDIT_LOCK_KEY = 0x41554454  # "AUDT"


def actor_of(user) -> str:
    return getattr(user, "pseudonym", None) or SYSTEM


def record(session: Session, *, now: datetime, actor: str, action: str, object_type: str,
           object_id: object, details: dict | None = None) -> AuditEvent:
    """Append one event after the current head.

    On PostgreSQL a transaction-scoped advisory lock queues concurrent writers, so
    two transactions never compute the same seq (SQLite serialises writers itself);
    the primary key on seq stays as the last guard against a forked chain.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})
    head = session.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    seq, prev = (head.seq + 1, head.hash) if head else (1, GENESIS)
    details = details or {}
    body = event_body(seq, now, actor, action, object_type, str(object_id), details)
    event = AuditEvent(seq=seq, at=now, actor=actor, action=action, object_type=object_type,
                       object_id=str(object_id), details=details, prev_hash=prev, hash=chain_hash(prev, body))
    session.add(event)
    session.flush()
    return event


def head_hash(session: Session) -> str:
    return session.scalar(select(AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)) or GENESIS


@dataclass(frozen=True)
class Verification:
    ok: bool
    events: int
    broken_seq: int | None = None
    problem: str = ""


def verify(session: Session) -> Verification:
    prev, expected_seq, count = GENESIS, 1, 0
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).yield_per(1000):
        if event.seq != expected_seq:
            return Verification(False, count, expected_seq, f"sequence {expected_seq} is missing")
        if event.prev_hash != prev:
            return Verification(False, count, event.seq, "previous hash does not match")
        body = event_body(event.seq, event.at, event.actor, event.action, event.object_type, event.object_id, event.details)
        if chain_hash(prev, body) != event.hash:
            return Verification(False, count, event.seq, "hash does not match the event")
        prev, expected_seq, count = event.hash, expected_seq + 1, count + 1
    return Verification(True, count)
