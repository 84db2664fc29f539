"""The mandate in the personal-data download (accounts' registry), and what an account's deletion removes."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from participatory.accounts.models import User
from participatory.accounts.personal_data import register, when
from participatory.accounts.signals import account_deleted
from participatory.mandate.models import (
    Amendment,
    AmendmentSupport,
    BillComment,
    BillCommentReport,
    Consultation,
    Paragraph,
    WrittenContribution,
)


def _place(paragraph: Paragraph) -> dict:
    article = paragraph.article
    return {"consultation": article.consultation_id, "article": article.label, "paragraph": paragraph.position}


@register("mandate")
def mandate_part(session: Session, user: User) -> dict:
    comments = session.scalars(select(BillComment).where(BillComment.author_id == user.id).order_by(BillComment.id))
    amendments = session.scalars(select(Amendment).where(Amendment.author_id == user.id).order_by(Amendment.id))
    supports = session.execute(
        select(AmendmentSupport.created_at, Amendment.consultation_id, Amendment.number)
        .join(Amendment, Amendment.id == AmendmentSupport.amendment_id)
        .where(AmendmentSupport.user_id == user.id)
        .order_by(AmendmentSupport.id)
    )
    reports = session.scalars(
        select(BillCommentReport).where(BillCommentReport.reporter_id == user.id).order_by(BillCommentReport.id)
    )
    opened = session.scalars(select(Consultation.id).where(Consultation.created_by_id == user.id))
    published = session.scalars(select(WrittenContribution.id).where(WrittenContribution.created_by_id == user.id))
    return {
        "bill_comments": [
            {
                "id": c.id,
                "on": _place(c.paragraph),
                "public_name": c.author_name,
                "body": c.body,
                "at": when(c.created_at),
                "hidden_reason": c.hidden_reason if c.hidden_at else None,
            }
            for c in comments
        ],
        "amendments": [
            {
                "consultation": a.consultation_id,
                "number": a.number,
                "on": _place(a.paragraph),
                "public_name": a.author_name,
                "dispositif": a.dispositif,
                "expose": a.expose,
                "status": a.status,
                "status_reason": a.status_reason,
                "at": when(a.created_at),
            }
            for a in amendments
        ],
        "amendment_supports": [
            {"consultation": consultation, "number": number, "at": when(at)} for at, consultation, number in supports
        ],
        "bill_comment_reports": [{"comment": r.comment_id, "at": when(r.created_at)} for r in reports],
        "consultations_opened": list(opened),
        "written_contributions_published": list(published),
    }


@account_deleted.connect
def forget_mandate(session: Session, user: User, now, **_) -> None:
    """Supports are withdrawn; comments and amendments stay (a tabled amendment is on the record) under no
    name: pages and the export show "Participant"."""
    session.execute(delete(AmendmentSupport).where(AmendmentSupport.user_id == user.id))
    for model in (BillComment, Amendment):
        session.execute(update(model).where(model.author_id == user.id).values(author_name=""))
