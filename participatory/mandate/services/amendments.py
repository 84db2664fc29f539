"""Citizens during an open consultation: comments on a paragraph (reported, hidden with a public reason
by the MP's team), amendments (supported once per person, answered by the MP's team with a public
status and reason, reworded into new kept versions)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from participatory.audit.services import actor_of, record
from participatory.mandate import rules
from participatory.mandate.errors import Conflict, MandateError, raise_if
from participatory.mandate.models import (
    Amendment,
    AmendmentSupport,
    AmendmentVersion,
    BillComment,
    BillCommentReport,
    Consultation,
    Paragraph,
)
from participatory.mandate.services.consultations import check_manager
from participatory.text import text_problem


def _consultation_of(paragraph: Paragraph) -> Consultation:
    return paragraph.article.consultation


def _check_open(consultation: Consultation, now: datetime) -> None:
    raise_if(
        None if rules.is_open(consultation.opens_at, consultation.closes_at, now) else "consultation_closed", Conflict
    )


def _check_texts(*one_line: str, free: tuple[str, ...] = ()) -> None:
    if any(text_problem(v) for v in one_line) or any(text_problem(v, multiline=True) for v in free):
        raise MandateError("control_characters")


def _audit(session: Session, user, now: datetime, action: str, kind: str, ident: int, **details: object) -> None:
    record(session, now=now, actor=actor_of(user), action=action, object_type=kind, object_id=ident, details=details)


# --- Comments -------------------------------------------------------------------------------------------


def post_comment(
    session: Session, user, now: datetime, paragraph: Paragraph, author_name: str, body: str
) -> BillComment:
    consultation = _consultation_of(paragraph)
    _check_open(consultation, now)
    _check_texts(author_name, free=(body,))
    raise_if("display_name_required" if not author_name.strip() else None)
    comment = BillComment(
        paragraph=paragraph, author_id=user.id, author_name=author_name.strip(), body=body.strip(), created_at=now
    )
    session.add(comment)
    session.flush()
    _audit(session, user, now, "comment.posted", "bill_comment", comment.id, consultation=consultation.id)
    return comment


def report_comment(session: Session, user, now: datetime, comment: BillComment) -> None:
    raise_if("hidden" if comment.hidden_at else None, Conflict)
    exists = session.scalar(
        select(BillCommentReport.id).where(
            BillCommentReport.comment_id == comment.id, BillCommentReport.reporter_id == user.id
        )
    )
    raise_if("already_reported" if exists else None, Conflict)
    session.add(BillCommentReport(comment_id=comment.id, reporter_id=user.id, created_at=now))
    session.flush()
    _audit(session, user, now, "comment.reported", "bill_comment", comment.id)


def hide_comment(session: Session, user, now: datetime, comment: BillComment, reason: str) -> None:
    check_manager(user, _consultation_of(comment.paragraph).constituency_code)
    raise_if("hidden" if comment.hidden_at else None, Conflict)
    _check_texts(free=(reason,))
    raise_if("reason_required" if not reason.strip() else None)
    comment.hidden_at, comment.hidden_reason = now, reason.strip()
    session.flush()
    _audit(session, user, now, "comment.hidden", "bill_comment", comment.id)


def report_counts(session: Session, consultation: Consultation) -> dict[int, int]:
    from participatory.mandate.models import Article

    rows = session.execute(
        select(BillCommentReport.comment_id, func.count())
        .join(BillComment, BillComment.id == BillCommentReport.comment_id)
        .join(Paragraph, Paragraph.id == BillComment.paragraph_id)
        .join(Article, Article.id == Paragraph.article_id)
        .where(Article.consultation_id == consultation.id)
        .group_by(BillCommentReport.comment_id)
    ).all()
    return {comment_id: count for comment_id, count in rows}


# --- Amendments -----------------------------------------------------------------------------------------


def propose_amendment(
    session: Session, user, now: datetime, paragraph: Paragraph, author_name: str, dispositif: str, expose: str
) -> Amendment:
    consultation = _consultation_of(paragraph)
    _check_open(consultation, now)
    _check_texts(author_name, free=(dispositif, expose))
    raise_if("display_name_required" if not author_name.strip() else None)
    raise_if("same_wording" if dispositif.split() == paragraph.text.split() else None)
    number = (
        session.scalar(select(func.max(Amendment.number)).where(Amendment.consultation_id == consultation.id)) or 0
    ) + 1
    amendment = Amendment(
        consultation_id=consultation.id,
        paragraph=paragraph,
        number=number,
        author_id=user.id,
        author_name=author_name.strip(),
        dispositif=dispositif.strip(),
        expose=expose.strip(),
        version=1,
        status=rules.UNDER_REVIEW,
        created_at=now,
    )
    session.add(amendment)
    session.add(
        AmendmentVersion(
            amendment=amendment, number=1, dispositif=amendment.dispositif, expose=amendment.expose, created_at=now
        )
    )
    session.flush()
    _audit(
        session, user, now, "amendment.proposed", "citizen_amendment", amendment.id,
        consultation=consultation.id, number=number, paragraph=paragraph.id,
    )  # fmt: skip
    return amendment


def support_amendment(session: Session, user, now: datetime, amendment: Amendment) -> None:
    consultation = session.get(Consultation, amendment.consultation_id)
    assert consultation is not None
    _check_open(consultation, now)
    raise_if("own_amendment" if amendment.author_id == user.id else None, Conflict)
    exists = session.scalar(
        select(AmendmentSupport.id).where(
            AmendmentSupport.amendment_id == amendment.id, AmendmentSupport.user_id == user.id
        )
    )
    raise_if("already_supported" if exists else None, Conflict)
    try:
        with session.begin_nested():  # a concurrent double click meets the unique constraint
            session.add(AmendmentSupport(amendment_id=amendment.id, user_id=user.id, created_at=now))
    except IntegrityError as error:
        raise Conflict("already_supported") from error
    _audit(session, user, now, "amendment.supported", "citizen_amendment", amendment.id)


def answer_amendment(
    session: Session,
    user,
    now: datetime,
    amendment: Amendment,
    status: str,
    reason: str,
    merged_into_number: int | None,
) -> None:
    """The MP team's public answer: under review, tabled, merged with another amendment, not retained."""
    consultation = session.get(Consultation, amendment.consultation_id)
    assert consultation is not None
    check_manager(user, consultation.constituency_code)
    _check_texts(free=(reason,))
    rows = session.execute(select(Amendment.number, Amendment.id).where(Amendment.consultation_id == consultation.id))
    siblings: dict[int, int] = {number: ident for number, ident in rows}
    target = siblings.get(merged_into_number) if merged_into_number is not None else None
    if merged_into_number is not None and target is None:
        target = -1  # a number that names no amendment: refused by the rule
    raise_if(rules.answer_problem(status, reason, target, amendment.id, set(siblings.values())))
    amendment.status = status
    amendment.status_reason = reason.strip()
    amendment.merged_into_id = target if status == rules.MERGED else None
    amendment.answered_at = now
    if status == rules.TABLED and amendment.tabled_at is None:
        amendment.tabled_at = now
    elif status != rules.TABLED:
        amendment.tabled_at = None
    session.flush()
    _audit(
        session, user, now, "amendment.answered", "citizen_amendment", amendment.id,
        status=status, merged_into=amendment.merged_into_id,
    )  # fmt: skip


def reword_amendment(
    session: Session, user, now: datetime, amendment: Amendment, dispositif: str, expose: str, note: str
) -> AmendmentVersion:
    """A new wording proposed by the MP's team with the author: a new version; the earlier ones are kept."""
    consultation = session.get(Consultation, amendment.consultation_id)
    assert consultation is not None
    check_manager(user, consultation.constituency_code)
    _check_texts(free=(dispositif, expose, note))
    raise_if("same_wording" if not dispositif.strip() or dispositif.split() == amendment.dispositif.split() else None)
    amendment.version += 1
    amendment.dispositif, amendment.expose = dispositif.strip(), (expose.strip() or amendment.expose)
    version = AmendmentVersion(
        amendment=amendment,
        number=amendment.version,
        dispositif=amendment.dispositif,
        expose=amendment.expose,
        by_team=True,
        note=note.strip(),
        created_at=now,
    )
    session.add(version)
    session.flush()
    _audit(session, user, now, "amendment.reworded", "citizen_amendment", amendment.id, version=amendment.version)
    return version
