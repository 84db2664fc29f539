"""The durable outbox: mail the platform has promised, written in the transaction that promises it.

A view (or service) calls `add(session, mail, now)` before its commit: the built message is a row of
`outbox_message`, so the ballot and its receipt mail are committed together or not at all. After the
commit, `dispatch()` has the new messages sent: with Redis, one job per message wakes a worker (RQ
retries it while the relay is down); without Redis (or Redis unreachable), they are sent here and now,
in the request. A message is deleted once the relay accepted it, so a receipt code never outlives its
sending. A failed attempt is counted, and the message waits until `next_attempt_at` for the next
sender: the worker's retry, or `flask mail send-outbox` (run it from cron every minute: it is what
delivers the messages a lost Redis never handed to a worker). Logs name the message id and the error's
class, never the address.

A sender holds the row's lock while it talks to the relay (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so two
senders never send one message at the same time). With Redis, a sender also notes "sent" there as soon as
the relay accepted the message: if the delete cannot commit (the database went down, the worker was
killed), the next sender finds the note and deletes the row without sending it again. Delivery is at
least once only when both fail together (or a crash falls between the relay's answer and the note): the
same message then goes again, with the same Message-ID.

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
import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup
from redis.exceptions import RedisError
from rq import Retry
from sqlalchemy import DateTime, Integer, LargeBinary, String, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from participatory import clock, jobs
from participatory.extensions import Model, db
from participatory.mail import DELIVERY_TIMEOUT, RETRY_DELAYS, Mail, MailNotSent, build_message, message_headers, relay

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


def add(session: Session, mail: Mail, now: datetime) -> OutboxMessage:
    """Promise `mail` in the caller's transaction; call `dispatch()` after the commit."""
    return _add(session, bytes(build_message(mail, current_app.config["MAIL_FROM"])), now)


def add_deferred(session: Session, render: Callable[..., Mail], params: dict[str, Any], now: datetime) -> OutboxMessage:
    """Promise the mail `render(**params)` builds, built by the sender rather than here (see the module
    docstring). `render` is a module-level function of the platform; `params` plain JSON values."""
    module, name = render.__module__, render.__qualname__
    if not module.startswith("participatory.") or "." in name or "<" in name:
        raise ValueError("a deferred mail is rendered by a module-level function of the platform")
    date, message_id = message_headers(current_app.config["MAIL_FROM"])
    payload = {"render": f"{module}:{name}", "params": params, "date": date, "message_id": message_id}
    return _add(session, DEFERRED + json.dumps(payload, ensure_ascii=False).encode(), now)


def _add(session: Session, message: bytes, now: datetime) -> OutboxMessage:
    row = OutboxMessage(created_at=now, message=message, attempts=0, next_attempt_at=now)
    session.add(row)
    session.flush()
    session.info.setdefault(_PENDING, []).append(row.id)
    return row


@event.listens_for(Session, "after_soft_rollback")
def _forget_pending(session: Session, previous_transaction) -> None:
    if not previous_transaction.nested:
        session.info.pop(_PENDING, None)


def dispatch() -> bool:
    """After the commit: have this request's new messages sent. False if one could not be sent inline
    (it stays in the outbox for the next attempt)."""
    ids = db.session.info.pop(_PENDING, [])
    sent = True
    for message_id in ids:
        try:
            jobs.enqueue(
                deliver_job,
                message_id,
                retry=Retry(max=len(RETRY_DELAYS), interval=list(RETRY_DELAYS)),
                timeout=DELIVERY_TIMEOUT,
            )
        except MailNotSent:  # inline: counted, the message waits for the next sender
            sent = False
    return sent


def deliver_job(message_id: int) -> None:
    """The job (and the inline path): send one message if it is still waiting; raise MailNotSent if the
    relay failed, after counting the attempt (RQ then retries the job)."""
    if not try_send(db.session, message_id, clock.now(), due_only=False):
        raise MailNotSent("see outbox_message.last_error")


def try_send(session: Session, message_id: int, now: datetime, due_only: bool = True) -> bool:
    """Send one message under its row lock, delete it and commit; False (attempt counted) on failure.
    True as well when there was nothing to send (already sent, or another sender holds it)."""
    query = select(OutboxMessage).where(OutboxMessage.id == message_id).with_for_update(skip_locked=True)
    if due_only:
        query = query.where(OutboxMessage.next_attempt_at <= now)
    row = session.scalars(query).first()
    if row is None:
        session.commit()
        return True
    if _noted_sent(row):  # the relay has it: only the delete was lost
        session.delete(row)
        session.commit()
        return True
    message = built(row.message)
    try:
        relay(message)
    except (OSError, smtplib.SMTPException) as exc:
        code = getattr(exc, "smtp_code", None)
        row.attempts += 1
        row.last_error = (type(exc).__name__ + (f" {code}" if code else ""))[:80]
        delay = RETRY_DELAYS[row.attempts - 1] if row.attempts <= len(RETRY_DELAYS) else 3600
        row.next_attempt_at = now + timedelta(seconds=delay)
        if row.attempts >= GIVE_UP_AFTER:
            log.error("outbox message %s dropped after %s attempts (%s)", row.id, row.attempts, row.last_error)
            session.delete(row)
        else:
            log.warning("outbox message %s not sent (%s), attempt %s", row.id, row.last_error, row.attempts)
        session.commit()
        return False
    _note_sent(row)
    session.delete(row)
    session.commit()
    return True


def built(stored: bytes) -> EmailMessage:
    """The message a row holds, built now if it was deferred (same Date and Message-ID at every attempt)."""
    if not stored.startswith(DEFERRED):
        return BytesParser(policy=policy.default).parsebytes(stored)
    payload = json.loads(stored[len(DEFERRED) :])
    module, name = payload["render"].split(":")
    if not module.startswith("participatory."):
        raise ValueError("a deferred mail is rendered by the platform's own code only")
    render = getattr(importlib.import_module(module), name)
    sender = current_app.config["MAIL_FROM"]
    return build_message(render(**payload["params"]), sender, (payload["date"], payload["message_id"]))


SENT_NOTE_SECONDS = 3 * 24 * 3600  # longer than a message waits in the outbox (GIVE_UP_AFTER)


def _sent_note(row: OutboxMessage) -> str:
    """Named by the message's digest (its Message-ID and Date make it unique), not by the row id alone,
    which a database restored from a backup gives again."""
    return jobs.job_id("outbox-sent-" + hashlib.sha256(row.message).hexdigest()[:32])


def _note_sent(row: OutboxMessage) -> None:
    if jobs.queued_mode():
        with contextlib.suppress(RedisError):  # Redis down: at least once, as without it
            jobs.connection().set(_sent_note(row), 1, ex=SENT_NOTE_SECONDS)


def _noted_sent(row: OutboxMessage) -> bool:
    if not jobs.queued_mode():
        return False
    try:
        return bool(jobs.connection().exists(_sent_note(row)))
    except RedisError:
        return False


def send_due(session: Session, now: datetime, limit: int = 1000) -> tuple[int, int]:
    """Every message due now, oldest first: (sent, failed)."""
    ids = session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    ).all()
    session.commit()
    sent = failed = 0
    for message_id in ids:
        if try_send(session, message_id, now):
            sent += 1
        else:
            failed += 1
    return sent, failed


group = AppGroup("mail", help="Outgoing mail: the durable outbox.")


@group.command("send-outbox")
def send_outbox_command() -> None:
    """Send every message due now (cron, every minute: what a lost Redis never handed to a worker)."""
    sent, failed = send_due(db.session, clock.now())
    click.echo(f"{sent} sent, {failed} failed (kept for a later attempt)")
