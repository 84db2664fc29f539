"""The append-only, hash-chained audit log, the events waiting to be chained into it, its signed
checkpoints, and the files of published results (frozen at publication, their hashes in the log)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from participatory.extensions import Model


class AuditEvent(Model):
    __tablename__ = "audit_event"
    # The auditors' filters: by object (type, id) and by date.
    __table_args__ = (Index("ix_audit_event_object", "object_type", "object_id"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(40))  # a pseudonym ("u_…") or "system"
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(60))
    details: Mapped[dict] = mapped_column(JSON, default=dict)  # never personal data
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class PendingAuditEvent(Model):
    """An event written with its change but not chained yet (ballots: see services.record).

    Written without the chain's lock, so a national vote's ballots never queue on it; `seal` moves
    these rows into audit_event, in id order, under the lock and in batches.
    """

    __tablename__ = "audit_pending"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(60))
    details: Mapped[dict] = mapped_column(JSON, default=dict)


class PublishedFile(Model):
    """One file of a call's published results, rendered once when the results are published.

    Served as stored by every route and `flask export call`, so nothing done after publication
    (moderation, account deletion, an import) can change it; its SHA-256 is in the audit log's
    `call.files_published` event. The database refuses UPDATE (migration 0011).
    """

    __tablename__ = "published_file"
    __table_args__ = (UniqueConstraint("call_id", "name", name="uq_published_file_call_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    media_type: Mapped[str] = mapped_column(String(60))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditCheckpoint(Model):
    """A signed statement "the log had `seq` events, ending with `head_hash`, at `at`".

    Published so that auditors keep copies: cutting or rebuilding the log then contradicts a
    signature made with a key the database never holds (see signing.py, checkpoints.py).
    Append-only like the log (triggers in migration 0014). No foreign key to audit_event on
    purpose: a checkpoint must outlive the events it vouches for, to show they went missing.
    """

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    head_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    key_id: Mapped[str] = mapped_column(String(16))
    signature: Mapped[str] = mapped_column(String(100))  # base64 of the 64-byte Ed25519 signature
