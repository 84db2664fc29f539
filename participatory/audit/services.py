"""Writing, reading and verifying the audit log.

`record` is called by every service that changes something worth auditing, in
the same transaction as the change: the event commits or rolls back with it.
Most events are chained at once, under a lock that makes writers take turns.
Ballots, the one write a national vote makes thousands of times a second, are
`deferred`: written beside the chain (audit_pending) with no lock, then chained
by `seal` (a background job, audit/jobs.py), and in any case before the next
chained event, such as a call's results.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, delete, func, insert, select, text
from sqlalchemy.orm import Session

from participatory.audit import checkpoints
from participatory.audit.models import AuditCheckpoint, AuditEvent, PendingAuditEvent
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
from participatory.audit.signing import Keys, PublicKey, current_keys

SYSTEM = "system"
AUDIT_LOCK_KEY = 0x41554454  # "AUDT"
_ADD_PENDING = insert(PendingAuditEvent)
SEAL_BATCH = 5000  # pending events chained per statement: the lock is held for one batch at a time

__all__ = [
    "SYSTEM",
    "AuditDetailsError",
    "CheckpointReport",
    "EventFilter",
    "Verification",
    "actor_of",
    "checkpoint_document",
    "checkpoint_list",
    "distinct_values",
    "export_lines",
    "filtered_events",
    "head",
    "head_hash",
    "make_checkpoint",
    "pending_count",
    "record",
    "seal",
    "verify",
    "verify_with_checkpoints",
]


def actor_of(user) -> str:
    """The pseudonym that names a user in the log ("system" for jobs and commands)."""
    return getattr(user, "pseudonym", None) or SYSTEM


def record(
    session: Session,
    *,
    now: datetime,
    actor: str,
    action: str,
    object_type: str,
    object_id: object,
    details: dict | None = None,
    deferred: bool = False,
) -> dict:
    """Append one event after the current head (raises AuditDetailsError on bad input).

    Events waiting to be chained go first, so the chain keeps the order in which things happened
    (a call's ballots before its results). `deferred` writes the event beside the chain instead,
    without the lock, for `seal` to chain later.
    """
    fields = {"actor": actor, "action": action, "object_type": object_type, "object_id": str(object_id)}
    for name, value in fields.items():
        if not value or len(value) > FIELD_LIMITS[name]:
            raise AuditDetailsError(f"{name} must be 1 to {FIELD_LIMITS[name]} characters: {value!r}")
    # Stored in UTC: SQLite keeps wall time without the offset, and the hash must survive the round trip.
    event = {
        **fields,
        "at": now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC),
        "details": clean_details(details),
    }
    if deferred:  # on the connection: no unit of work for the busiest writers
        session.connection().execute(_ADD_PENDING, event)
        return event
    seal(session, batch=None)
    return _chain(session, [event])[0]


def seal(session: Session, *, batch: int | None = SEAL_BATCH) -> int:
    """Chain up to `batch` pending events (all of them with None), oldest first; how many were chained.

    Each pending row is claimed by a DELETE … RETURNING, under the chain's lock on PostgreSQL (SQLite
    serialises writers itself), so two sealers never chain one event twice. Events committed while a
    sealer runs wait for the next one.
    """
    _lock(session)
    claim = select(PendingAuditEvent.id).order_by(PendingAuditEvent.id)
    if batch is not None:
        claim = claim.limit(batch)
    columns = [PendingAuditEvent.id, *(getattr(PendingAuditEvent, f) for f in BODY_FIELDS if f != "seq")]
    rows = session.execute(
        delete(PendingAuditEvent).where(PendingAuditEvent.id.in_(claim.scalar_subquery())).returning(*columns)
    ).all()
    events = [{f: getattr(row, f) for f in BODY_FIELDS if f != "seq"} for row in sorted(rows, key=lambda r: r.id)]
    # Read back from the database: SQLite returns naive UTC, JSON comes back as written by clean_details.
    for event in events:
        event["at"] = event["at"].replace(tzinfo=UTC) if event["at"].tzinfo is None else event["at"]
    if events:
        _chain(session, events)
    return len(events)


def _lock(session: Session) -> None:
    """Make chain writers take turns (PostgreSQL: a transaction-scoped advisory lock; at READ COMMITTED
    each later statement sees what the previous holder committed). SQLite serialises writers itself,
    and the primary key on seq stays as the last guard against a forked chain."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})


def _chain(session: Session, events: list[dict]) -> list[dict]:
    """Append events (checked fields, all but seq) after the head; the caller holds the lock."""
    seq, prev = head(session)
    rows = []
    for event in events:
        seq += 1
        body = event_body(
            seq,
            event["at"],
            event["actor"],
            event["action"],
            event["object_type"],
            event["object_id"],
            event["details"],
        )
        digest = chain_hash(prev, body)
        rows.append({**event, "seq": seq, "prev_hash": prev, "hash": digest})
        prev = digest
    # A plain INSERT rather than the unit of work: the lock is held until the commit.
    session.execute(insert(AuditEvent), rows)
    return rows


def head_hash(session: Session) -> str:
    return session.scalar(select(AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)) or GENESIS


def head(session: Session) -> tuple[int, str]:
    """(seq, hash) of the newest event; (0, GENESIS) for an empty log."""
    row = session.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    return (row.seq, row.hash) if row else (0, GENESIS)


def pending_count(session: Session) -> int:
    """Events written but not chained yet (ballots between two runs of `seal`)."""
    return session.scalar(select(func.count()).select_from(PendingAuditEvent)) or 0


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
        for column, value in (
            (AuditEvent.action, self.action),
            (AuditEvent.object_type, self.object_type),
            (AuditEvent.object_id, self.object_id),
            (AuditEvent.actor, self.actor),
        ):
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


# --- checkpoints: the head, signed with a key the database does not hold ------------------------------------------


def make_checkpoint(session: Session, now: datetime, keys: Keys | None = None) -> AuditCheckpoint | None:
    """Sign the current head (seq, hash, now) and store it; None on an empty log.

    Taken under the chain's lock, so the head is the newest committed one and stays it until the
    commit. Idempotent while the log has not moved: the newest checkpoint is returned again, so a
    publication and the daily cron in the same minute make one checkpoint, not two.
    """
    _lock(session)
    seq, digest = head(session)
    if seq == 0:
        return None
    newest = session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(1))
    if newest is not None and newest.seq == seq:
        return newest
    keys = keys or current_keys()
    at = now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)
    document = checkpoints.payload(seq, digest, at, keys.public.key_id)
    checkpoint = AuditCheckpoint(
        seq=seq, head_hash=digest, at=at, key_id=keys.public.key_id, signature=keys.sign(checkpoints.message(document))
    )
    session.add(checkpoint)
    session.flush()
    return checkpoint


def checkpoint_document(checkpoint: AuditCheckpoint) -> dict:
    """The published form of a stored checkpoint (what auditors download and keep)."""
    document = checkpoints.payload(checkpoint.seq, checkpoint.head_hash, checkpoint.at, checkpoint.key_id)
    return {**document, "signature": checkpoint.signature}


def checkpoint_list(session: Session, *, newest_first: bool = False, limit: int | None = None) -> list[AuditCheckpoint]:
    order = AuditCheckpoint.seq.desc() if newest_first else AuditCheckpoint.seq
    return list(session.scalars(select(AuditCheckpoint).order_by(order).limit(limit)))


@dataclass(frozen=True)
class CheckpointReport:
    """The chain's verification and, for every checkpoint checked, what is wrong with the log."""

    chain: Verification
    checked: int  # checkpoints checked (stored and given)
    problems: list[str]
    newest: dict | None  # the newest stored checkpoint's document
    last_seq: int

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.problems


def _hashes_at(session: Session, seqs: set[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    ordered = sorted(seqs)
    for start in range(0, len(ordered), 500):  # well under SQLite's bound-parameter limit
        chunk = ordered[start : start + 500]
        found.update(
            session.execute(select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.seq.in_(chunk))).tuples().all()
        )
    return found


def verify_with_checkpoints(
    session: Session,
    given: Sequence[tuple[str, object]] = (),
    trusted: dict[str, PublicKey] | None = None,
) -> CheckpointReport:
    """Verify the chain, then every stored checkpoint and every `given` one ((source name, parsed JSON)).

    Each checkpoint must be well formed and signed by a trusted key (default: the configured key and
    the retired ones), and the log must hold its event with its hash: a log that ends before a
    checkpoint lost its newest events; a different hash at that event means the log was rebuilt.
    A valid given checkpoint that is not stored means stored checkpoints were deleted.
    """
    chain = verify(session)
    trusted = trusted if trusted is not None else current_keys().trusted()
    stored = checkpoint_list(session)
    # (source, parsed JSON, stored): a given document is anything until malformed() has checked it.
    documents: list[tuple[str, Any, bool]] = [
        (f"stored checkpoint at sequence {c.seq}", checkpoint_document(c), True) for c in stored
    ]
    documents += [(source, doc, False) for source, doc in given]
    problems: list[str] = []
    valid: list[tuple[str, dict, bool]] = []
    for source, document, is_stored in documents:
        problem = checkpoints.malformed(document) or checkpoints.signature_problem(document, trusted)
        if problem:
            problems.append(f"{source}: {problem}")
        else:
            valid.append((source, document, is_stored))
    last_seq = head(session)[0]
    log = checkpoints.LogState(last_seq, _hashes_at(session, {d["seq"] for _, d, _ in valid}))
    stored_heads = {(c.seq, c.head_hash) for c in stored}
    for source, document, is_stored in valid:
        problem = checkpoints.log_problem(document, log)
        if problem:
            problems.append(f"{source}: {problem}")
        if not is_stored and (document["seq"], document["head"]) not in stored_heads:
            problems.append(f"{source}: this signed checkpoint is missing from the stored checkpoints (deleted)")
    newest = checkpoint_document(stored[-1]) if stored else None
    return CheckpointReport(chain, len(documents), problems, newest, last_seq)
