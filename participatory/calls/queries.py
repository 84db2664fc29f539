"""Read-only views of calls, shared by the pages, the JSON API and the national map."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from constituencies.models import Constituency
from participatory.calls import rules
from participatory.calls.models import Ballot, Call, CallResult, Proposal, ProposalReport
from participatory.calls.services.calls import phase_of


@dataclass(frozen=True)
class CallRow:
    """One line of the national list and map: a constituency's latest call."""

    id: int
    code: str
    constituency_name: str
    department_code: str
    year: int
    title: str
    phase: str
    budget_cents: int
    proposals: int
    ballots: int
    registered_voters: int

    @property
    def participation(self) -> float:
        return rules.participation(self.ballots, self.registered_voters)


def overview(session: Session, now: datetime) -> list[CallRow]:
    """Every constituency's latest call, with counts, in three queries whatever the number of calls."""
    latest = (
        select(Call.constituency_code, func.max(Call.year).label("year")).group_by(Call.constituency_code).subquery()
    )
    calls = session.execute(
        select(Call, Constituency.name, Constituency.department_code, Constituency.registered_voters)
        .join(latest, (latest.c.constituency_code == Call.constituency_code) & (latest.c.year == Call.year))
        .join(Constituency, Constituency.code == Call.constituency_code)
        .order_by(Call.constituency_code)
    ).all()
    ids = [row.Call.id for row in calls]
    ballots = (
        dict(
            session.execute(
                select(Ballot.call_id, func.count()).where(Ballot.call_id.in_(ids)).group_by(Ballot.call_id)
            )
            .tuples()
            .all()
        )
        if ids
        else {}
    )
    proposals = (
        dict(
            session.execute(
                select(Proposal.call_id, func.count())
                .where(Proposal.call_id.in_(ids), Proposal.withdrawn_at.is_(None), Proposal.hidden_at.is_(None))
                .group_by(Proposal.call_id)
            )
            .tuples()
            .all()
        )
        if ids
        else {}
    )
    return [
        CallRow(
            id=row.Call.id,
            code=row.Call.constituency_code,
            constituency_name=row.name,
            department_code=row.department_code,
            year=row.Call.year,
            title=row.Call.title,
            phase=phase_of(row.Call, now),
            budget_cents=row.Call.budget_cents,
            proposals=proposals.get(row.Call.id, 0),
            ballots=ballots.get(row.Call.id, 0),
            registered_voters=row.registered_voters,
        )
        for row in calls
    ]


def summary(session: Session, code: str, now: datetime) -> CallRow | None:
    """The constituency's latest call, for its page."""
    call = session.scalar(select(Call).where(Call.constituency_code == code).order_by(Call.year.desc()).limit(1))
    constituency = session.get(Constituency, code)
    if call is None or constituency is None:
        return None
    return CallRow(
        id=call.id,
        code=code,
        constituency_name=constituency.name,
        department_code=constituency.department_code,
        year=call.year,
        title=call.title,
        phase=phase_of(call, now),
        budget_cents=call.budget_cents,
        proposals=session.scalar(
            select(func.count())
            .select_from(Proposal)
            .where(Proposal.call_id == call.id, Proposal.withdrawn_at.is_(None), Proposal.hidden_at.is_(None))
        )
        or 0,
        ballots=ballot_count(session, call),
        registered_voters=constituency.registered_voters,
    )


def ballot_count(session: Session, call: Call) -> int:
    return session.scalar(select(func.count()).select_from(Ballot).where(Ballot.call_id == call.id)) or 0


def iso(moment: datetime) -> str:
    return rules.aware(moment).isoformat().replace("+00:00", "Z")


def call_as_dict(call: Call, now: datetime, ballots: int, registered_voters: int) -> dict:
    """The public description of a call (API)."""
    return {
        "id": call.id,
        "code": call.constituency_code,
        "year": call.year,
        "title": call.title,
        "description": call.description,
        "phase": phase_of(call, now),
        "budget_cents": call.budget_cents,
        "dates": {
            "proposals_open_at": iso(call.proposals_open_at),
            "review_open_at": iso(call.review_open_at),
            "voting_open_at": iso(call.voting_open_at),
            "voting_close_at": iso(call.voting_close_at),
        },
        "ballot_rules": {
            "min_projects": call.min_projects,
            "max_projects": call.max_projects,
            "knapsack": call.knapsack,
        },
        "rule": call.rule,
        "verification_level": call.verification_level,
        "ballots": ballots,
        "registered_voters": registered_voters,
        "participation": rules.participation(ballots, registered_voters),
    }


def proposal_as_dict(proposal: Proposal) -> dict:
    return {
        "id": proposal.id,
        "title": proposal.title,
        "summary": proposal.summary,
        "category": proposal.category,
        "estimated_cost_cents": proposal.estimated_cost_cents,
        "final_cost_cents": proposal.final_cost_cents,
        "feasibility": proposal.feasibility,
        "review_reason": proposal.review_reason or None,
        "lat": proposal.lat,
        "lon": proposal.lon,
    }


def results_as_dict(call: Call, result: CallResult, proposals: dict[int, Proposal]) -> dict:
    """The published results (API and results page): winners, every project's line, totals, other rules."""
    projects = []
    for line in result.projects:
        proposal = proposals.get(line["proposal_id"])
        projects.append(
            {
                "id": line["proposal_id"],
                "title": proposal.title if proposal else "",
                "category": proposal.category if proposal else None,
                "cost_cents": line["cost_cents"],
                "votes": line["votes"],
                "selected": line["selected"],
                "reason": line["reason"],
                "stage": line["stage"],
                "round": line["round"],
                "max_payment_cents": line["max_payment_cents"],
                "position": line["position"],
                "lat": proposal.lat if proposal else None,
                "lon": proposal.lon if proposal else None,
            }
        )
    by_id = {p["id"]: p for p in projects}
    return {
        "call_id": call.id,
        "code": call.constituency_code,
        "year": call.year,
        "rule": result.rule,
        "engine_version": result.engine_version,
        "ballots_digest": result.ballots_digest,
        "computed_at": iso(result.computed_at),
        "winners": [by_id[pid] for pid in result.selected if pid in by_id],
        "projects": projects,
        "budget_cents": result.budget_cents,
        "spent_cents": result.spent_cents,
        "left_cents": result.budget_cents - result.spent_cents,
        "ballots": result.ballots,
        "registered_voters": result.registered_voters,
        "participation": rules.participation(result.ballots, result.registered_voters),
        "other_rules": result.alternatives,
        "tie_break": "lowest proposal id",
    }


@dataclass(frozen=True)
class Desk:
    """What waits for an MP in one constituency: its latest call, its phase and the work to do."""

    constituency: Constituency
    call: Call | None
    phase: str | None
    to_review: list[Proposal]  # not yet reviewed (the review happens in the review phase)
    reported: list[tuple[Proposal, int]]  # proposals reported by residents and still shown, with their count
    without_news: list[Proposal]  # winning projects without any implementation update


def desk(session: Session, code: str, now: datetime) -> Desk | None:
    constituency = session.get(Constituency, code)
    if constituency is None:
        return None
    call = session.scalar(select(Call).where(Call.constituency_code == code).order_by(Call.year.desc()).limit(1))
    if call is None:
        return Desk(constituency, None, None, [], [], [])
    live = (Proposal.call_id == call.id, Proposal.withdrawn_at.is_(None), Proposal.hidden_at.is_(None))
    to_review = list(
        session.scalars(select(Proposal).where(*live, Proposal.feasibility.is_(None)).order_by(Proposal.id))
    )
    reported = [
        (proposal, count)
        for proposal, count in session.execute(
            select(Proposal, func.count(ProposalReport.id))
            .join(ProposalReport, ProposalReport.proposal_id == Proposal.id)
            .where(*live)
            .group_by(Proposal.id)
            .order_by(func.count(ProposalReport.id).desc(), Proposal.id)
        ).tuples()
    ]
    without_news: list[Proposal] = []
    if call.result is not None and call.result.selected:
        winners = session.scalars(select(Proposal).where(Proposal.id.in_(call.result.selected)).order_by(Proposal.id))
        without_news = [p for p in winners if not p.updates]
    return Desk(constituency, call, phase_of(call, now), to_review, reported, without_news)


@dataclass(frozen=True)
class ProposalPage:
    proposals: list[Proposal]
    total: int
    page: int
    pages: int


def browse(session: Session, call: Call, query: rules.BrowseQuery) -> ProposalPage:
    """The call's public proposals (not withdrawn, not hidden before the vote closed), filtered, sorted, paged."""
    shown = (
        Proposal.call_id == call.id,
        Proposal.withdrawn_at.is_(None),
        or_(Proposal.hidden_at.is_(None), Proposal.hidden_at >= call.voting_close_at),
    )
    statement = select(Proposal).where(*shown)
    if query.category:
        statement = statement.where(Proposal.category == query.category)
    if query.status == "pending":
        statement = statement.where(Proposal.feasibility.is_(None))
    elif query.status in (rules.FEASIBLE, rules.INFEASIBLE):
        statement = statement.where(Proposal.feasibility == query.status)
    elif query.status == "selected":
        selected = call.result.selected if call.result is not None else []
        statement = statement.where(Proposal.id.in_(selected or [-1]))
    cost = func.coalesce(Proposal.final_cost_cents, Proposal.estimated_cost_cents)
    order: tuple[Any, ...] = {
        "newest": (Proposal.created_at.desc(), Proposal.id.desc()),
        "cost": (cost, Proposal.id),
        "cost_desc": (cost.desc(), Proposal.id),
        "title": (func.lower(Proposal.title), Proposal.id),
    }[query.sort]
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    size = rules.BROWSE_PAGE_SIZE
    pages = max(1, -(-total // size))
    page = min(query.page, pages)
    items = list(session.scalars(statement.order_by(*order).limit(size).offset((page - 1) * size)))
    return ProposalPage(items, total, page, pages)
