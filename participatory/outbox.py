"""The durable outbox: mail the platform has promised, written in the transaction that promises it.

A view (or service) calls `add(session, mail, now)` before its commit: the built message is a row of
`outbox_message`, so the ballot and its receipt mail are committed together or not at all. After the
commit, `dispatch()` has the new messages sent: with Redis, it wakes a sender job, one for a whole burst
of requests (a flag in Redis says one is queued and has not started yet); the sender sends every message
due, oldest first, and RQ retries it while the relay is down. Without Redis (or Redis unreachable), the
request's own messages are sent here and now. A message is deleted once the relay accepted it, so a
receipt code never outlives its sending. A failed attempt is counted, and the message waits until
`next_attempt_at` for the next sender: the job's retry, the next burst's sender, or `flask mail
send-outbox` (run it from cron every minute: it is what delivers the messages a lost Redis never handed
to a worker). Logs name the message id and the error's class, never the address.

A sender claims a batch of messages under their row locks and holds them while it talks to the relay
(PostgreSQL: `FOR UPDATE SKIP LOCKED`, so two senders never send one message at the same time), over one
SMTP connection for the batch (a new one after a failure); it deletes the accepted ones and counts the
failed ones in one commit per batch. With Redis, a sender also notes "sent" there as soon as the relay
accepted the message: if the delete cannot commit (the database went down, the worker was killed), the
next sender finds the note and deletes the row without sending it again.
Delivery is at least once only when both fail together (or a crash falls between the relay's answer and
the note): the same message then goes again, with the same Message-ID.

A busy request may promise a mail without building it: `add_deferred(session, render, params, now)` stores
the name of a module-level function and its plain arguments (and the Date and Message-ID, chosen now), and
the sender builds the message (`render(**params)`, in both languages) just before handing it to the relay.
The ballot receipt goes this way: the request writes one small row instead of rendering two languages and
an RFC 5322 message. What is stored is what the built message would hold (address, receipt code), no more.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import logging
import math
import smtplib
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup
from redis.exceptions import RedisError
from rq import Retry
from sqlalchemy import DateTime, Integer, LargeBinary, Row, String, delete, event, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from participatory import clock, jobs
from participatory.extensions import Model, db
from participatory.mail import (
    DELIVERY_TIMEOUT,
    POLICY,
    RETRY_DELAYS,
    Mail,
    MailNotSent,
    Relay,
    build_message,
    message_headers,
)

log = logging.getLogger(__name__)
GIVE_UP_AFTER = 48  # attempts: the delays, then one an hour, about two days in all
# A deferred mail's row begins with this line (a built message begins with a header field, never with it).
DEFERRED = b"participatory deferred mail 1\n"


class OutboxMessage(Model):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    message: Mapped[bytes] = mapped_column(LargeBinary)  # the whole RFC 5322 message, as sent
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    last_error: Mapped[str | None] = mapped_column(String(80))  # the error's class and SMTP code only


# The ids a session's transaction added, for dispatch() after its commit; a rollback forgets them (the rows
# do not exist), whoever rolls back: a refused action, an error handler.
_PENDING = "outbox_ids"


def add(session: Session, mail: Mail, now: datetime) -> int:
    """Promise `mail` in the caller's transaction (its row's id); call `dispatch()` after the commit."""
    return _add(session, bytes(build_message(mail, current_app.config["MAIL_FROM"])), now)


def add_deferred(session: Session, render: Callable[..., Mail], params: dict[str, Any], now: datetime) -> int:
    """Promise the mail `render(**params)` builds, built by the sender rather than here (see the module
    docstring). `render` is a module-level function of the platform; `params` plain JSON values."""
    module, name = render.__module__, render.__qualname__
    if not module.startswith("participatory.") or "." in name or "<" in name:
        raise ValueError("a deferred mail is rendered by a module-level function of the platform")
    date, message_id = message_headers(current_app.config["MAIL_FROM"])
    payload = {"render": f"{module}:{name}", "params": params, "date": date, "message_id": message_id}
    return _add(session, DEFERRED + json.dumps(payload, ensure_ascii=False).encode(), now)


# On the session's connection, not through its unit of work: every ballot with a receipt writes one.
_ADD = insert(OutboxMessage).returning(OutboxMessage.id)


def _add(session: Session, message: bytes, now: datetime) -> int:
    row_id = (
        session.connection()
        .execute(_ADD, {"created_at": now, "message": message, "attempts": 0, "next_attempt_at": now})
        .scalar_one()
    )
    session.info.setdefault(_PENDING, []).append(row_id)
    return row_id


@event.listens_for(Session, "after_soft_rollback")
def _forget_pending(session: Session, previous_transaction) -> None:
    if not previous_transaction.nested:
        session.info.pop(_PENDING, None)


def dispatch() -> bool:
    """After the commit: have this request's new messages sent. False if one could not be sent inline
    (it stays in the outbox for the next attempt)."""
    ids = db.session.info.pop(_PENDING, [])
    if not ids or _wake_sender():
        return True
    # Inline (no queue, or Redis unreachable): the request's own messages, now; the rest is the cron's.
    return all([try_send(db.session, message_id, clock.now(), due_only=False) for message_id in ids])


SENDER_FLAG_SECONDS = 60  # a flag whose job was lost (Redis flushed) holds back no sender for longer
SEND_BATCH = 50  # messages claimed at once by the sender
SENDER_SECONDS = 60  # then the sender hands over to a new job: far below DELIVERY_TIMEOUT, which stops a job


def _sender_flag() -> str:
    return jobs.job_id("outbox-sender-wanted")


def _wake_sender() -> bool:
    """Have a sender job send the messages due, unless one is queued and has not started (the flag): one
    job for a burst of requests. False when there is no queue (inline mode, Redis unreachable)."""
    if not jobs.queued_mode():
        return False
    try:
        if not jobs.connection().set(_sender_flag(), 1, nx=True, ex=SENDER_FLAG_SECONDS):
            return True
    except RedisError:
        return False
    retry = Retry(max=len(RETRY_DELAYS), interval=list(RETRY_DELAYS))
    return jobs.try_enqueue(send_waiting_job, retry=retry, timeout=DELIVERY_TIMEOUT)


def send_waiting_job() -> int:
    """The job: send the messages due, oldest first; raise MailNotSent, naming the errors' classes, if one
    failed (its attempt is counted; RQ retries the job when that message's next attempt is due). Messages
    promised after the flag is cleared wake the next sender; those still due after SENDER_SECONDS too."""
    if jobs.queued_mode():
        with contextlib.suppress(RedisError):  # the flag expires on its own
            jobs.connection().delete(_sender_flag())
    sent, errors, finished = _send_due(db.session, clock.now(), deadline=time.monotonic() + SENDER_SECONDS)
    if not finished:
        _wake_sender()
    if errors:
        raise MailNotSent(", ".join(sorted(set(errors))))
    return sent


def try_send(session: Session, message_id: int, now: datetime, due_only: bool = True) -> bool:
    """Send one message under its row lock, delete it and commit; False (attempt counted) on failure.
    True as well when there was nothing to send (already sent, or another sender holds it)."""
    return not _send_claimed(session, _claim(session, now, message_id=message_id, due_only=due_only), now)[1]


def send_due(session: Session, now: datetime, limit: int = 1000) -> tuple[int, int]:
    """Every message due now, oldest first, a batch per transaction: (sent, failed)."""
    sent, errors, _ = _send_due(session, now, limit)
    return sent, len(errors)


def _send_due(
    session: Session, now: datetime, limit: int | None = None, deadline: float = math.inf
) -> tuple[int, list[str], bool]:
    """Send the messages due at `now`, a batch per transaction, until none is left, `limit` were tried or
    the deadline (time.monotonic) passed: how many were sent, the failures, and whether none is left. A
    tried message is sent and deleted, or no longer due: the loop ends."""
    sent = 0
    errors: list[str] = []
    while limit is None or sent + len(errors) < limit:
        batch = SEND_BATCH if limit is None else min(SEND_BATCH, limit - sent - len(errors))
        claimed = _claim(session, now, limit=batch)
        tried, failed = _send_claimed(session, claimed, now, deadline)
        sent, errors = sent + tried - len(failed), errors + failed
        if tried == len(claimed) and len(claimed) < batch:
            return sent, errors, True  # none is left due
        if time.monotonic() > deadline:
            break
    return sent, errors, False


def _claim(
    session: Session, now: datetime, *, message_id: int | None = None, limit: int = 1, due_only: bool = True
) -> list[Row]:
    """Lock waiting messages for this sender (PostgreSQL: rows another sender holds are skipped), oldest first."""
    query = select(OutboxMessage.id, OutboxMessage.message, OutboxMessage.attempts).with_for_update(skip_locked=True)
    if message_id is not None:
        query = query.where(OutboxMessage.id == message_id)
    if due_only:
        query = query.where(OutboxMessage.next_attempt_at <= now)
    return list(session.execute(query.order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)))


def _send_claimed(
    session: Session, rows: list[Row], now: datetime, deadline: float = math.inf
) -> tuple[int, list[str]]:
    """Hand the claimed messages to the relay until the deadline (time.monotonic), delete the accepted ones,
    count the failed ones, and commit, which releases the locks of all, tried or not. How many were tried,
    and the failures as stored in `last_error` (the error's class and SMTP code)."""
    accepted: list[int] = []
    errors: list[str] = []
    tried = 0
    with Relay() as relay:  # one SMTP connection for the batch
        for row in rows:
            if tried and time.monotonic() > deadline:
                break  # at least one per call: a sender always gets somewhere
            tried += 1
            if not _noted_sent(row.message):  # noted: the relay has it, only its delete was lost
                try:
                    relay.send(built(row.message))
                except (OSError, smtplib.SMTPException) as exc:
                    errors.append(_count_failure(session, row, exc, now))
                    continue
                _note_sent(row.message)
            accepted.append(row.id)
    if accepted:
        session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(accepted)))
    session.commit()
    return tried, errors


def _count_failure(session: Session, row: Row, exc: Exception, now: datetime) -> str:
    code = getattr(exc, "smtp_code", None)
    error = (type(exc).__name__ + (f" {code}" if code else ""))[:80]
    attempts = row.attempts + 1
    if attempts >= GIVE_UP_AFTER:
        log.error("outbox message %s dropped after %s attempts (%s)", row.id, attempts, error)
        session.execute(delete(OutboxMessage).where(OutboxMessage.id == row.id))
        return error
    log.warning("outbox message %s not sent (%s), attempt %s", row.id, error, attempts)
    delay = RETRY_DELAYS[attempts - 1] if attempts <= len(RETRY_DELAYS) else 3600
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row.id)
        .values(attempts=attempts, last_error=error, next_attempt_at=now + timedelta(seconds=delay))
    )
    return error


def built(stored: bytes) -> EmailMessage:
    """The message a row holds, built now if it was deferred (same Date and Message-ID at every attempt)."""
    if not stored.startswith(DEFERRED):
        return BytesParser(policy=POLICY).parsebytes(stored)
    payload = json.loads(stored[len(DEFERRED) :])
    module, name = payload["render"].split(":")
    if not module.startswith("participatory."):
        raise ValueError("a deferred mail is rendered by the platform's own code only")
    render = getattr(importlib.import_module(module), name)
    sender = current_app.config["MAIL_FROM"]
    return build_message(render(**payload["params"]), sender, (payload["date"], payload["message_id"]))


SENT_NOTE_SECONDS = 3 * 24 * 3600  # longer than a message waits in the outbox (GIVE_UP_AFTER)


def _sent_note(message: bytes) -> str:
    """Named by the message's digest (its Message-ID and Date make it unique), not by the row id alone,
    which a database restored from a backup gives again."""
    return jobs.job_id("outbox-sent-" + hashlib.sha256(message).hexdigest()[:32])


def _note_sent(message: bytes) -> None:
    if jobs.queued_mode():
        with contextlib.suppress(RedisError):  # Redis down: at least once, as without it
            jobs.connection().set(_sent_note(message), 1, ex=SENT_NOTE_SECONDS)


def _noted_sent(message: bytes) -> bool:
    if not jobs.queued_mode():
        return False
    try:
        return bool(jobs.connection().exists(_sent_note(message)))
    except RedisError:
        return False


group = AppGroup("mail", help="Outgoing mail: the durable outbox.")


@group.command("send-outbox")
def send_outbox_command() -> None:
    """Send every message due now (cron, every minute: what a lost Redis never handed to a worker)."""
    sent, failed = send_due(db.session, clock.now())
    click.echo(f"{sent} sent, {failed} failed (kept for a later attempt)")
