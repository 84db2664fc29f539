"""A person's part of the calls in their personal-data download (accounts' registry): their proposals,
their ballots while still linked to the account, their reports, and the reviews, moderations and
implementation updates they wrote as an MP."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from participatory.accounts.models import User
from participatory.accounts.personal_data import register, when
from participatory.calls.models import Ballot, Call, ImplementationUpdate, Proposal, ProposalReport


def _call(call: Call) -> dict:
    return {"id": call.id, "constituency": call.constituency_code, "year": call.year, "title": call.title}


@register("proposals")
def proposals_part(session: Session, user: User) -> list:
    rows = session.scalars(select(Proposal).where(Proposal.author_id == user.id).order_by(Proposal.id))
    return [
        {
            "id": p.id,
            "call": _call(p.call),
            "title": p.title,
            "summary": p.summary,
            "description": p.description,
            "category": p.category,
            "estimated_cost_cents": p.estimated_cost_cents,
            "place": {"lat": p.lat, "lon": p.lon} if p.lat is not None else None,  # public, not the home point
            "image": bool(p.image_name),
            "created_at": when(p.created_at),
            "updated_at": when(p.updated_at),
            "withdrawn_at": when(p.withdrawn_at),
            "review": {
                "feasibility": p.feasibility,
                "final_cost_cents": p.final_cost_cents,
                "reason": p.review_reason,
                "reviewed_at": when(p.reviewed_at),
            },
            "hidden": {"at": when(p.hidden_at), "reason": p.hidden_reason} if p.hidden_at else None,
        }
        for p in rows
    ]


@register("ballots")
def ballots_part(session: Session, user: User) -> list:
    """Ballots still linked to the account (a ballot is unlinked when the account is deleted)."""
    rows = session.scalars(select(Ballot).where(Ballot.voter_id == user.id).order_by(Ballot.id))
    out = []
    for ballot in rows:
        chosen = session.execute(
            select(Proposal.id, Proposal.title).where(Proposal.id.in_(ballot.proposal_ids)).order_by(Proposal.id)
        ).all()
        out.append(
            {
                "call": _call(session.get_one(Call, ballot.call_id)),
                "projects": [{"id": pid, "title": title} for pid, title in chosen],
                "public_id": ballot.public_id,
                "cast_at": when(ballot.created_at),
                "changed_at": when(ballot.updated_at),
            }
        )
    return out


@register("proposal_reports")
def reports_part(session: Session, user: User) -> list:
    rows = session.execute(
        select(ProposalReport, Proposal.title)
        .join(Proposal, Proposal.id == ProposalReport.proposal_id)
        .where(ProposalReport.reporter_id == user.id)
        .order_by(ProposalReport.id)
    ).all()
    return [
        {"proposal": {"id": r.proposal_id, "title": title}, "reason": r.reason, "reported_at": when(r.created_at)}
        for r, title in rows
    ]


@register("calls_work")
def work_part(session: Session, user: User) -> dict:
    """What the person did as an MP (or admin): reviews, moderations and implementation updates."""
    reviewed = session.scalars(select(Proposal).where(Proposal.reviewed_by_id == user.id).order_by(Proposal.id))
    updates = session.scalars(
        select(ImplementationUpdate).where(ImplementationUpdate.author_id == user.id).order_by(ImplementationUpdate.id)
    )
    return {
        "reviews": [
            {"proposal": p.id, "feasibility": p.feasibility, "reviewed_at": when(p.reviewed_at)} for p in reviewed
        ],
        "moderations": [
            {"proposal": p.id, "reason": p.hidden_reason, "hidden_at": when(p.hidden_at)}
            for p in session.scalars(select(Proposal).where(Proposal.hidden_by_id == user.id).order_by(Proposal.id))
        ],
        "implementation_updates": [
            {"proposal": u.proposal_id, "status": u.status, "note": u.note, "happened_on": u.happened_on.isoformat()}
            for u in updates
        ],
    }
