"""Proposals: residents submit, edit and withdraw them; anyone signed in reports them;
the MP's team hides them (with a public reason) and reviews them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BindParameter, and_, delete, func, or_, select
from sqlalchemy.orm import Session

from constituencies.models import Constituency
from participatory.accounts.policy import allowed
from participatory.audit.services import actor_of, record
from participatory.calls import rules
from participatory.calls.errors import CallError, Conflict, Forbidden, raise_if
from participatory.calls.models import BallotItem, Call, Proposal, ProposalReport
from participatory.calls.services.calls import phase_of
from participatory.calls.subjects import tell_about_proposal
from participatory.discussion import queries as discussion_queries
from participatory.discussion import rules as discussion_rules
from participatory.text import text_problem

RESIDENCE = "residence"  # proposing needs a confirmed email and a declared residence


@dataclass(frozen=True)
class ProposalInput:
    title: str
    summary: str
    description: str
    category: str
    estimated_cost_cents: int
    lat: float | None = None
    lon: float | None = None


def _may_propose(user, call: Call, now: datetime) -> None:
    raise_if(
        rules.proposal_refusal(
            phase_of(call, now), call.constituency_code, user.constituency_code, user.meets_verification(RESIDENCE)
        ),
        Forbidden,
    )


def _checked(session: Session, call: Call, data: ProposalInput) -> ProposalInput:
    raise_if(None if data.category in rules.CATEGORIES else "bad_category")
    one_line = (data.title, data.summary)
    if any(text_problem(v) for v in one_line) or text_problem(data.description, multiline=True):
        raise CallError("control_characters")
    raise_if(rules.cost_problem(data.estimated_cost_cents, call.budget_cents))
    constituency = session.get(Constituency, call.constituency_code)
    if constituency is None or constituency.geometry_wkb is None:
        # Constituencies abroad (and any without boundaries) have no polygon to check a point against.
        return ProposalInput(data.title, data.summary, data.description, data.category, data.estimated_cost_cents)
    raise_if("location_required" if data.lat is None or data.lon is None else None)
    raise_if(None if rules.location_inside(constituency.geometry_wkb, data.lat, data.lon) else "location_outside")
    return data


def submit(
    session: Session,
    user,
    now: datetime,
    call: Call,
    data: ProposalInput,
    image_name: str | None = None,
    *,
    max_per_author: int | None = None,
) -> Proposal:
    """`max_per_author` (the PROPOSALS_PER_AUTHOR setting) bounds one person's live proposals in a call."""
    _may_propose(user, call, now)
    data = _checked(session, call, data)
    if max_per_author is not None:
        live = session.scalar(
            select(func.count())
            .select_from(Proposal)
            .where(Proposal.call_id == call.id, Proposal.author_id == user.id, Proposal.withdrawn_at.is_(None))
        )
        raise_if("too_many_proposals" if live >= max_per_author else None)
    proposal = Proposal(
        call_id=call.id,
        author_id=user.id,
        created_at=now,
        updated_at=now,
        image_name=image_name,
        review_reason="",
        hidden_reason="",
        **data.__dict__,
    )
    session.add(proposal)
    session.flush()
    record(
        session,
        now=now,
        actor=actor_of(user),
        action="proposal.submitted",
        object_type="proposal",
        object_id=proposal.id,
        details={"call": call.id, "category": data.category, "estimated_cost_cents": data.estimated_cost_cents},
    )
    return proposal


def _own_open(session: Session, user, now: datetime, proposal: Proposal) -> None:
    if proposal.author_id != user.id:
        raise Forbidden("not_author")
    _may_propose(user, proposal.call, now)
    raise_if("withdrawn" if proposal.withdrawn_at else "hidden" if proposal.hidden_at else None, Conflict)


def edit(
    session: Session, user, now: datetime, proposal: Proposal, data: ProposalInput, image_name: str | None = None
) -> Proposal:
    _own_open(session, user, now, proposal)
    data = _checked(session, proposal.call, data)
    for name, value in data.__dict__.items():
        setattr(proposal, name, value)
    if image_name is not None:
        proposal.image_name = image_name
    proposal.updated_at = now
    session.flush()
    record(
        session,
        now=now,
        actor=actor_of(user),
        action="proposal.edited",
        object_type="proposal",
        object_id=proposal.id,
        details={"call": proposal.call_id},
    )
    return proposal


def withdraw(session: Session, user, now: datetime, proposal: Proposal) -> Proposal:
    _own_open(session, user, now, proposal)
    proposal.withdrawn_at = now
    proposal.updated_at = now
    session.flush()
    record(
        session,
        now=now,
        actor=actor_of(user),
        action="proposal.withdrawn",
        object_type="proposal",
        object_id=proposal.id,
        details={"call": proposal.call_id},
    )
    return proposal


def report(session: Session, user, now: datetime, proposal: Proposal, reason: str) -> ProposalReport:
    raise_if(None if reason.strip() else "reason_required")
    exists = session.scalar(
        select(ProposalReport.id).where(
            ProposalReport.proposal_id == proposal.id, ProposalReport.reporter_id == user.id
        )
    )
    raise_if("already_reported" if exists else None, Conflict)
    item = ProposalReport(proposal_id=proposal.id, reporter_id=user.id, reason=reason.strip(), created_at=now)
    session.add(item)
    session.flush()
    return item


def hide(session: Session, user, now: datetime, proposal: Proposal, reason: str) -> Proposal:
    if not allowed(user, "proposal.moderate", proposal.call.constituency_code):
        raise Forbidden("not_your_constituency")
    raise_if(None if reason.strip() else "reason_required")
    if proposal.hidden_at is not None:
        return proposal
    proposal.hidden_at = now
    proposal.hidden_reason = reason.strip()
    proposal.hidden_by_id = user.id
    # Once the vote has closed, ballots and published results are evidence: the hide is only a public
    # note beside the project. Before that it leaves the ballots too, so stored ballots are what is counted.
    after_vote = phase_of(proposal.call, now) == rules.RESULTS or proposal.call.result is not None
    if not after_vote:
        session.execute(delete(BallotItem).where(BallotItem.proposal_id == proposal.id))
    session.flush()
    record(
        session,
        now=now,
        actor=actor_of(user),
        action="proposal.hidden",
        object_type="proposal",
        object_id=proposal.id,
        details={"call": proposal.call_id, "reason": proposal.hidden_reason, "after_vote": after_vote},
    )
    return proposal


def review(
    session: Session, user, now: datetime, proposal: Proposal, decision: str, final_cost_cents: int | None, reason: str
) -> Proposal:
    """Mark a proposal feasible (with its final cost) or not (with a public reason), during review."""
    call = proposal.call
    if not allowed(user, "proposal.moderate", call.constituency_code):
        raise Forbidden("not_your_constituency")
    raise_if(None if phase_of(call, now) == rules.REVIEW else "not_in_review", Conflict)
    raise_if("withdrawn" if proposal.withdrawn_at else "hidden" if proposal.hidden_at else None, Conflict)
    raise_if(None if is_selected(session, call, proposal) else "not_selected", Conflict, min=call.min_supports)
    reason = reason.strip()
    if decision == rules.FEASIBLE:
        raise_if("final_cost_required" if final_cost_cents is None else None)
        raise_if(rules.cost_problem(final_cost_cents, call.budget_cents))
        proposal.final_cost_cents = final_cost_cents
    elif decision == rules.INFEASIBLE:
        raise_if(None if reason else "reason_required")
        proposal.final_cost_cents = None
    else:
        raise CallError("bad_decision")
    proposal.feasibility = decision
    proposal.review_reason = reason
    proposal.reviewed_at = now
    proposal.reviewed_by_id = user.id
    session.flush()
    record(
        session,
        now=now,
        actor=actor_of(user),
        action="proposal.reviewed",
        object_type="proposal",
        object_id=proposal.id,
        details={
            "call": call.id,
            "feasibility": decision,
            "final_cost_cents": proposal.final_cost_cents,
            "reason": reason,
        },
    )
    tell_about_proposal(
        session,
        now,
        discussion_rules.REVIEW,
        proposal,
        key=f"proposal:{proposal.id}:review:{now.timestamp():.6f}",
        detail=decision,
        actor_id=user.id,
    )
    return proposal


def visible_proposals(session: Session, call: Call, include_hidden: bool = False) -> list[Proposal]:
    """Proposals the public sees; one moderated after the vote closed stays, with its note."""
    query = select(Proposal).where(Proposal.call_id == call.id, Proposal.withdrawn_at.is_(None))
    if not include_hidden:
        query = query.where(or_(Proposal.hidden_at.is_(None), Proposal.hidden_at >= call.voting_close_at))
    return list(session.scalars(query.order_by(Proposal.id)))


def on_ballot_of(call_id: int | BindParameter[int]):
    """The condition on proposals residents vote on: feasible, neither withdrawn nor hidden."""
    return and_(
        Proposal.call_id == call_id,
        Proposal.feasibility == rules.FEASIBLE,
        Proposal.withdrawn_at.is_(None),
        Proposal.hidden_at.is_(None),
    )


def ballot_proposals(session: Session, call: Call) -> list[Proposal]:
    return list(session.scalars(select(Proposal).where(on_ballot_of(call.id)).order_by(Proposal.id)))


def counted_proposals(session: Session, call: Call) -> list[Proposal]:
    """The projects the vote was on, as the count reads them: a hide after the vote closed is a note,
    and does not take a project out of the count."""
    query = select(Proposal).where(
        Proposal.call_id == call.id,
        Proposal.feasibility == rules.FEASIBLE,
        Proposal.withdrawn_at.is_(None),
        or_(Proposal.hidden_at.is_(None), Proposal.hidden_at >= call.voting_close_at),
    )
    return list(session.scalars(query.order_by(Proposal.id)))


def report_counts(session: Session, call: Call) -> dict[int, int]:
    rows = session.execute(
        select(ProposalReport.proposal_id, func.count())
        .join(Proposal)
        .where(Proposal.call_id == call.id)
        .group_by(ProposalReport.proposal_id)
    )
    return {pid: n for pid, n in rows}


def support_counts(session: Session, proposals: list[Proposal]) -> dict[int, int]:
    counts = discussion_queries.support_counts(session, "proposal", [str(p.id) for p in proposals])
    return {int(key): n for key, n in counts.items()}


def is_selected(session: Session, call: Call, proposal: Proposal) -> bool:
    """Whether the proposal goes to review (and may reach the ballot): at least the call's `min_supports`
    supports, counted when the proposals phase closed (supports only change during it)."""
    if not call.min_supports:
        return True
    supports = discussion_queries.support_count(session, "proposal", str(proposal.id))
    return discussion_rules.selected(supports, call.min_supports)
