"""Notifications: an event told to the followers of its subject (and to whom it is addressed), on the site
and, as each person chose, by email at once (through the outbox) or in a digest; reading them;
unsubscribing from every email in one click (a signed token, no sign-in)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from participatory import outbox
from participatory.accounts.models import User
from participatory.accounts.rules import utc
from participatory.discussion import mail, rules
from participatory.discussion.errors import NotFound
from participatory.discussion.models import Follow, Notification, NotificationPreference
from participatory.discussion.subjects import Subject, sources

UNSUBSCRIBE_SALT = "discussion-unsubscribe"


def _followers(session: Session, keys: Iterable[tuple[str, str]]) -> set[int]:
    keys = list(keys)
    if not keys:
        return set()
    condition = or_(*((Follow.subject_kind == kind) & (Follow.subject_id == sid) for kind, sid in keys))
    return set(session.scalars(select(Follow.user_id).where(condition)))


def notify(
    session: Session,
    now: datetime,
    event: str,
    subject: Subject,
    *,
    key: str,
    detail: str = "",
    addressed: Iterable[int] = (),
    actor_id: int | None = None,
    with_followers: bool = True,
    with_parents: bool = True,
) -> list[Notification]:
    """Tell `event` on `subject` once per person (`key` names the event: told twice, it is told once)."""
    keys = [subject.key, *(subject.parents if with_parents else ())] if with_followers else []
    people = rules.recipients(_followers(session, keys), addressed, actor_id)
    if not people:
        return []
    told = set(
        session.scalars(
            select(Notification.user_id).where(Notification.event_key == key, Notification.user_id.in_(people))
        )
    )
    users = session.scalars(
        select(User).where(User.id.in_(people - told), User.deleted_at.is_(None)).order_by(User.id)
    ).all()
    deliveries: dict[int, str] = dict(
        session.execute(  # type: ignore[arg-type]  # rows of two columns
            select(NotificationPreference.user_id, NotificationPreference.delivery).where(
                NotificationPreference.user_id.in_([u.id for u in users])
            )
        ).all()
    )
    made = []
    for user in users:
        delivery = deliveries.get(user.id, rules.DEFAULT_DELIVERY)
        item = Notification(
            user_id=user.id,
            event=event,
            event_key=key[:120],
            subject_kind=subject.kind,
            subject_id=subject.id,
            title=subject.title[:200],
            detail=detail[:80],
            created_at=now,
            digest_pending=rules.waits_for_digest(delivery),
        )
        session.add(item)
        made.append(item)
        if rules.emails_now(delivery) and user.email:
            session.flush()
            outbox.add(session, mail.notification_mail(user.email, item, unsubscribe_token(user.id)), now)
    session.flush()
    return made


def mark_read(session: Session, user, now: datetime) -> int:
    result = session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=now)
    )
    return result.rowcount  # type: ignore[attr-defined]  # DML executes to a CursorResult


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(user_id: int) -> str:
    return str(_serializer().dumps({"u": user_id}))


def user_of_token(session: Session, token: str) -> User:
    try:
        data = _serializer().loads(token)
    except BadSignature:
        raise NotFound("bad_token") from None
    user = session.get(User, data.get("u")) if isinstance(data, dict) and isinstance(data.get("u"), int) else None
    if user is None or user.deleted_at is not None:
        raise NotFound("bad_token")
    return user


def unsubscribe(session: Session, token: str, now: datetime) -> User:
    """Stop every email to the token's person (notifications stay on the site); harmless twice."""
    from participatory.discussion.services.follows import set_delivery

    user = user_of_token(session, token)
    set_delivery(session, user, now, rules.SITE)
    return user


def send_digests(session: Session, now: datetime) -> int:
    """One email per person whose digest is due, grouping the events waiting for it; returns how many."""
    waiting = session.execute(
        select(Notification.user_id, NotificationPreference.delivery, NotificationPreference.last_digest_at)
        .join(NotificationPreference, NotificationPreference.user_id == Notification.user_id)
        .where(Notification.digest_pending.is_(True))
        .distinct()
        .order_by(Notification.user_id)
    ).all()
    sent = 0
    for user_id, delivery, last in waiting:
        if not rules.digest_due(delivery, utc(last) if last else None, now):
            continue
        items = session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id, Notification.digest_pending.is_(True))
            .order_by(Notification.created_at, Notification.id)
        ).all()
        user = session.get(User, user_id)
        if user is not None and user.deleted_at is None and user.email and items:
            groups = rules.group_digest(
                [rules.DigestItem((n.subject_kind, n.subject_id), n.title, n.event, utc(n.created_at)) for n in items]
            )
            details = {(n.subject_kind, n.subject_id, n.event, utc(n.created_at)): n.detail for n in items}
            outbox.add(
                session, mail.digest_mail(user.email, delivery, groups, details, unsubscribe_token(user_id)), now
            )
            sent += 1
        for n in items:
            n.digest_pending = False
        preference = session.get(NotificationPreference, user_id)
        if preference is not None:
            preference.last_digest_at = now
        session.flush()
    return sent


def run_sources(session: Session, now: datetime) -> int:
    """Every registered event source (a call's phase starting...): how many notifications they made."""
    return sum(source(session, now) for source in sources())
