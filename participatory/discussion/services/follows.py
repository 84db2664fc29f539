"""Follows and notification preferences: what a person wants to hear about, and how."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from participatory.discussion import rules
from participatory.discussion.errors import DiscussionError, Forbidden
from participatory.discussion.models import Follow, Notification, NotificationPreference
from participatory.discussion.subjects import Subject, policy_of


def follow(session: Session, user, now: datetime, subject: Subject) -> bool:
    """False when already followed."""
    policy = policy_of(subject.kind)
    if policy is None or not policy.followable:
        raise Forbidden("not_followable")
    exists = session.scalar(
        select(Follow.id).where(
            Follow.user_id == user.id, Follow.subject_kind == subject.kind, Follow.subject_id == subject.id
        )
    )
    if exists:
        return False
    try:
        with session.begin_nested():  # a double click racing itself: the unique constraint keeps one
            session.add(Follow(user_id=user.id, subject_kind=subject.kind, subject_id=subject.id, created_at=now))
    except IntegrityError:
        return False
    return True


def unfollow(session: Session, user, now: datetime, kind: str, subject_id: str) -> bool:
    result = session.execute(
        delete(Follow).where(Follow.user_id == user.id, Follow.subject_kind == kind, Follow.subject_id == subject_id)
    )
    return result.rowcount > 0  # type: ignore[attr-defined]  # DML executes to a CursorResult


def delivery_of(session: Session, user_id: int) -> str:
    row = session.get(NotificationPreference, user_id)
    return row.delivery if row is not None else rules.DEFAULT_DELIVERY


def set_delivery(session: Session, user, now: datetime, delivery: str) -> NotificationPreference:
    if delivery not in rules.DELIVERIES:
        raise DiscussionError("bad_delivery")
    row = session.get(NotificationPreference, user.id)
    if row is None:
        row = NotificationPreference(user_id=user.id, delivery=delivery, updated_at=now)
        session.add(row)
    else:
        row.delivery = delivery
        row.updated_at = now
    if not rules.waits_for_digest(delivery):  # nothing waits for a digest that will not come
        session.execute(
            update(Notification)
            .where(Notification.user_id == user.id, Notification.digest_pending.is_(True))
            .values(digest_pending=False)
        )
    session.flush()
    return row
