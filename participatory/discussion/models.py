"""Comments, supports, follows, notification preferences and notifications.

A subject is named by its kind and its id as text (subjects.py): ("proposal", "12"),
("call", "3"), ("constituency", "33-04"). Comments and reports name their author only
through `author_id`; pages show the author's public name (display name) and nothing else.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participatory.accounts.models import User
from participatory.extensions import Model


class Comment(Model):
    __tablename__ = "comment"
    __table_args__ = (Index("ix_comment_subject", "subject_kind", "subject_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[str] = mapped_column(String(40))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"), nullable=True, index=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True, index=True
    )
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Moderation: hidden with a public reason, shown in the comment's place.
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    hidden_reason: Mapped[str] = mapped_column(Text, default="")
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])


class CommentReport(Model):
    """A signed-in person's report of a comment to the moderators (one per person and comment)."""

    __tablename__ = "comment_report"
    __table_args__ = (UniqueConstraint("comment_id", "reporter_id", name="uq_comment_report_comment_reporter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Support(Model):
    """One person's support of a subject: the unique constraint is the one-support guarantee."""

    __tablename__ = "support"
    __table_args__ = (
        UniqueConstraint("subject_kind", "subject_id", "user_id", name="uq_support_subject_user"),
        Index("ix_support_subject", "subject_kind", "subject_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Follow(Model):
    __tablename__ = "follow"
    __table_args__ = (
        UniqueConstraint("user_id", "subject_kind", "subject_id", name="uq_follow_user_subject"),
        Index("ix_follow_subject", "subject_kind", "subject_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class NotificationPreference(Model):
    """How a person is told (rules.DELIVERIES); no row: rules.DEFAULT_DELIVERY."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    delivery: Mapped[str] = mapped_column(String(12))
    last_digest_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Notification(Model):
    """One event told to one person: on the site always, by email at once or in a digest.

    `event_key` names the event (e.g. "call:3:phase:review"): unique per person, so an event
    announced twice (two timers, a retried job) is told once."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("user_id", "event_key", name="uq_notification_user_event"),
        Index("ix_notification_user_read", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(20))
    event_key: Mapped[str] = mapped_column(String(120))
    subject_kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))  # the subject's title when it happened
    detail: Mapped[str] = mapped_column(String(80), default="")  # e.g. the new phase, the decision
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    digest_pending: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
