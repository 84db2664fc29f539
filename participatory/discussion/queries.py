"""Read-only summaries of discussion: threads, support counts, follows, notifications."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from participatory.discussion.models import Comment, CommentReport, Follow, Notification, Support


@dataclass(frozen=True)
class Thread:
    comment: Comment
    replies: list[Comment]


def threads(session: Session, kind: str, subject_id: str) -> list[Thread]:
    """Top-level comments, oldest first, each with its replies, oldest first."""
    rows = session.scalars(
        select(Comment)
        .where(Comment.subject_kind == kind, Comment.subject_id == subject_id)
        .options(selectinload(Comment.author))
        .order_by(Comment.created_at, Comment.id)
    ).all()
    replies: dict[int, list[Comment]] = {}
    for row in rows:
        if row.parent_id is not None:
            replies.setdefault(row.parent_id, []).append(row)
    return [Thread(row, replies.get(row.id, [])) for row in rows if row.parent_id is None]


def report_counts(session: Session, kind: str, subject_id: str) -> dict[int, int]:
    rows = session.execute(
        select(CommentReport.comment_id, func.count())
        .join(Comment, Comment.id == CommentReport.comment_id)
        .where(Comment.subject_kind == kind, Comment.subject_id == subject_id)
        .group_by(CommentReport.comment_id)
    )
    return {comment_id: n for comment_id, n in rows}


def support_count(session: Session, kind: str, subject_id: str) -> int:
    return support_counts(session, kind, [subject_id]).get(subject_id, 0)


def support_counts(session: Session, kind: str, subject_ids: Iterable[str]) -> dict[str, int]:
    ids = [str(i) for i in subject_ids]
    if not ids:
        return {}
    rows = session.execute(
        select(Support.subject_id, func.count())
        .where(Support.subject_kind == kind, Support.subject_id.in_(ids))
        .group_by(Support.subject_id)
    )
    counts = dict.fromkeys(ids, 0)
    counts.update({subject_id: n for subject_id, n in rows})
    return counts


def supports(session: Session, user_id: int | None, kind: str, subject_id: str) -> bool:
    if user_id is None:
        return False
    query = select(Support.id).where(
        Support.subject_kind == kind, Support.subject_id == subject_id, Support.user_id == user_id
    )
    return session.scalar(query) is not None


def follows(session: Session, user_id: int | None, kind: str, subject_id: str) -> bool:
    if user_id is None:
        return False
    query = select(Follow.id).where(
        Follow.user_id == user_id, Follow.subject_kind == kind, Follow.subject_id == subject_id
    )
    return session.scalar(query) is not None


def follows_of(session: Session, user_id: int) -> list[Follow]:
    return list(session.scalars(select(Follow).where(Follow.user_id == user_id).order_by(Follow.created_at, Follow.id)))


def notifications_of(session: Session, user_id: int, limit: int = 100) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def unread_count(session: Session, user_id: int) -> int:
    query = (
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )
    return session.scalar(query) or 0
