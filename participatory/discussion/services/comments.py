"""Comments on any registered subject: post, reply (one level), edit within the window, report, hide."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from participatory.accounts.rules import utc
from participatory.audit.services import actor_of, record
from participatory.discussion import rules
from participatory.discussion.errors import Conflict, DiscussionError, Forbidden, NotFound, raise_if
from participatory.discussion.models import Comment, CommentReport
from participatory.discussion.services.notifications import notify
from participatory.discussion.subjects import Subject, policy_of
from participatory.text import text_problem


def _text(body: str) -> str:
    body = body.strip()
    problem = rules.comment_problem(body)
    raise_if(problem, limit=rules.MAX_COMMENT_CHARS) if problem == "too_long" else raise_if(problem)
    if text_problem(body, multiline=True):
        raise DiscussionError("control_characters")
    return body


def _reason(reason: str) -> str:
    reason = reason.strip()
    problem = rules.reason_problem(reason)
    raise_if(problem, limit=rules.MAX_REASON_CHARS) if problem == "reason_too_long" else raise_if(problem)
    if text_problem(reason):
        raise DiscussionError("control_characters")
    return reason


def _may_comment(session: Session, user, subject: Subject, now: datetime) -> None:
    policy = policy_of(subject.kind)
    if policy is None or not policy.commentable:
        raise Forbidden("unknown_kind")
    signed_in = bool(user is not None and getattr(user, "is_authenticated", False))
    refusal = rules.comment_refusal(
        signed_in, policy.comment_refusal(session, user, subject, now) if signed_in else None
    )
    raise_if(refusal, Forbidden)


def post(session: Session, user, now: datetime, subject: Subject, body: str, parent_id: int | None = None) -> Comment:
    """A comment on `subject`, or a reply to its top-level comment `parent_id`; the parent's author is told."""
    _may_comment(session, user, subject, now)
    body = _text(body)
    parent = None
    if parent_id is not None:
        parent = session.get(Comment, parent_id)
        if parent is None:
            raise NotFound("not_found")
        raise_if(
            rules.reply_problem(
                (parent.subject_kind, parent.subject_id) == subject.key,
                parent.parent_id is not None,
                parent.hidden_at is not None,
            ),
            Conflict,
        )
    comment = Comment(
        subject_kind=subject.kind,
        subject_id=subject.id,
        parent_id=parent.id if parent else None,
        author_id=user.id,
        body=body,
        created_at=now,
        hidden_reason="",
    )
    session.add(comment)
    session.flush()
    record(
        session,
        now=now,
        actor=actor_of(user),
        action="comment.posted",
        object_type="comment",
        object_id=comment.id,
        details={"subject": f"{subject.kind}:{subject.id}", "parent": comment.parent_id},
    )
    if parent is not None and parent.author_id is not None:
        notify(
            session,
            now,
            rules.REPLY,
            subject,
            key=f"comment:{comment.id}:reply",
            addressed=(parent.author_id,),
            actor_id=user.id,
            with_followers=False,
        )
    return comment


def edit(session: Session, user, now: datetime, comment: Comment, subject: Subject, body: str) -> Comment:
    refusal = rules.edit_refusal(
        comment.author_id == user.id, comment.hidden_at is not None, utc(comment.created_at), now
    )
    kind = Forbidden if refusal == "not_author" else Conflict
    raise_if(refusal, kind, minutes=int(rules.EDIT_WINDOW.total_seconds() // 60))
    _may_comment(session, user, subject, now)
    body = _text(body)
    if body == comment.body:
        return comment
    comment.body = body
    comment.edited_at = now
    session.flush()
    record(
        session,
        now=now,
        actor=actor_of(user),
        action="comment.edited",
        object_type="comment",
        object_id=comment.id,
        details={"subject": f"{subject.kind}:{subject.id}"},
    )
    return comment


def report(session: Session, user, now: datetime, comment: Comment, reason: str) -> CommentReport:
    reason = _reason(reason)
    exists = session.scalar(
        select(CommentReport.id).where(CommentReport.comment_id == comment.id, CommentReport.reporter_id == user.id)
    )
    raise_if("already_reported" if exists else None, Conflict)
    item = CommentReport(comment_id=comment.id, reporter_id=user.id, reason=reason, created_at=now)
    session.add(item)
    session.flush()
    record(
        session,
        now=now,
        actor=actor_of(user),
        action="comment.reported",
        object_type="comment",
        object_id=comment.id,
        details={"subject": f"{comment.subject_kind}:{comment.subject_id}"},
    )
    return item


def hide(session: Session, user, now: datetime, comment: Comment, subject: Subject, reason: str) -> Comment:
    """The MP's team of the subject's constituency or an admin hides a comment; the reason is published."""
    policy = policy_of(subject.kind)
    if policy is None or not policy.may_moderate(user, subject):
        raise Forbidden("not_moderator")
    reason = _reason(reason)
    if comment.hidden_at is not None:
        return comment
    comment.hidden_at = now
    comment.hidden_reason = reason
    comment.hidden_by_id = user.id
    session.flush()
    record(
        session,
        now=now,
        actor=actor_of(user),
        action="comment.hidden",
        object_type="comment",
        object_id=comment.id,
        details={"subject": f"{subject.kind}:{subject.id}"},
    )
    return comment
