"""Discussion in the personal-data download (accounts' registry), and what an account's deletion removes."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from participatory.accounts.models import User
from participatory.accounts.personal_data import register, when
from participatory.accounts.signals import account_deleted
from participatory.discussion import rules
from participatory.discussion.models import (
    Comment,
    Follow,
    Notification,
    NotificationPreference,
    Support,
)


@register("discussion")
def discussion_part(session: Session, user: User) -> dict:
    preference = session.get(NotificationPreference, user.id)
    follows = session.scalars(select(Follow).where(Follow.user_id == user.id).order_by(Follow.id))
    supports = session.scalars(select(Support).where(Support.user_id == user.id).order_by(Support.id))
    comments = session.scalars(select(Comment).where(Comment.author_id == user.id).order_by(Comment.id))
    notifications = session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
    )
    return {
        "notification_preference": {
            "delivery": preference.delivery if preference else rules.DEFAULT_DELIVERY,
            "last_digest_at": when(preference.last_digest_at) if preference else None,
        },
        "follows": [{"kind": f.subject_kind, "id": f.subject_id, "since": when(f.created_at)} for f in follows],
        "supports": [{"kind": s.subject_kind, "id": s.subject_id, "at": when(s.created_at)} for s in supports],
        "comments": [
            {
                "id": c.id,
                "on": {"kind": c.subject_kind, "id": c.subject_id},
                "reply_to": c.parent_id,
                "body": c.body,
                "at": when(c.created_at),
                "edited_at": when(c.edited_at),
                "hidden_reason": c.hidden_reason if c.hidden_at else None,
            }
            for c in comments
        ],
        "notifications": [
            {"event": n.event, "on": {"kind": n.subject_kind, "id": n.subject_id}, "at": when(n.created_at)}
            for n in notifications
        ],
    }


@account_deleted.connect
def forget_discussion(session: Session, user: User, now, **_) -> None:
    """Follows, preferences and notifications go with the account; comments stay, under no name
    (the page shows "Participant" for a deleted account); supports are withdrawn."""
    for model in (Follow, Notification, Support):
        session.execute(delete(model).where(model.user_id == user.id))
    session.execute(delete(NotificationPreference).where(NotificationPreference.user_id == user.id))
