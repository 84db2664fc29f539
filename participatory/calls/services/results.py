"""Closing a call: its results are computed once, with its rule, by the tally engine.

`close_call` is idempotent and safe under concurrent closers: it locks the call row
(FOR UPDATE on PostgreSQL; SQLite serialises writers) and returns the stored result
when there is one; `call_result.call_id` is unique as the last guard. It is run by
`flask calls close-due` (scheduled by the operator) and on the first request to a
call's pages after its close date. Publishing also stores the call's files once
(calls/exports.py `freeze_files`): they are served as stored ever after.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

import participatory.tally as engine
from constituencies.models import Constituency
from participatory.audit.services import SYSTEM, make_checkpoint, record
from participatory.calls import rules
from participatory.calls.exports import freeze_files
from participatory.calls.models import Ballot, BallotItem, Call, CallResult
from participatory.calls.services.ballots import forget_voter_keys
from participatory.calls.services.calls import phase_of
from participatory.calls.services.proposals import counted_proposals
from participatory.calls.subjects import call_subject
from participatory.discussion import rules as discussion_rules
from participatory.discussion.services.notifications import notify
from participatory.tally import Election, Project, tally
from participatory.tally.explain import json_number

ENGINE_VERSION = f"participatory.tally {getattr(engine, '__version__', '0+unversioned')}"


def counted_ballots(session: Session, call: Call) -> list[tuple[str, list[int]]]:
    """(public_id, proposal ids) of every ballot of the call, as the digest and the tally read them.

    One row per (ballot, item) rather than ORM objects: a national call can have tens of
    thousands of ballots, and closing must not spend a millisecond on each.
    """
    rows = session.execute(
        select(Ballot.public_id, BallotItem.proposal_id)
        .outerjoin(BallotItem, BallotItem.ballot_id == Ballot.id)
        .where(Ballot.call_id == call.id)
        .order_by(Ballot.public_id, BallotItem.proposal_id)
    )
    ballots: list[tuple[str, list[int]]] = []
    for public_id, proposal_id in rows:
        if not ballots or ballots[-1][0] != public_id:
            ballots.append((public_id, []))
        if proposal_id is not None:
            ballots[-1][1].append(proposal_id)
    return ballots


def election_of(session: Session, call: Call) -> tuple[Election, list[int], list[tuple[str, list[int]]]]:
    """The call as the engine's input: the projects on the ballot (ids padded, see rules) and the ballots."""
    proposals = counted_proposals(session, call)
    index = {p.id: i for i, p in enumerate(proposals)}
    ballots = counted_ballots(session, call)
    election = Election(
        budget=call.budget_cents,
        projects=[Project(rules.tally_project_id(p.id), p.final_cost_cents, name=p.title) for p in proposals],
        ballots=[[index[pid] for pid in ids if pid in index] for _, ids in ballots],
    )
    return election, [p.id for p in proposals], ballots


def _run(election: Election, ids: list[int], rule: str):
    result = tally(election, rule, add_one_step=rules.ADD_ONE_STEP_CENTS)
    by_key = {rules.tally_project_id(pid): pid for pid in ids}
    return result, [by_key[key] for key in result.selected]


def compute(session: Session, call: Call, now: datetime) -> CallResult:
    election, ids, ballots = election_of(session, call)
    main, selected = _run(election, ids, call.rule)
    projects = []
    for pid, outcome in zip(ids, main.projects, strict=False):
        projects.append(
            {
                "proposal_id": pid,
                "cost_cents": outcome.cost,
                "votes": outcome.votes,
                "selected": outcome.selected,
                "reason": outcome.reason,
                "stage": outcome.stage,
                "round": outcome.round,
                "max_payment_cents": json_number(outcome.max_payment),
                "position": outcome.position,
            }
        )
    alternatives = {}
    for rule in rules.TALLY_RULES:
        outcome, chosen = (main, selected) if rule == call.rule else _run(election, ids, rule)
        alternatives[rule] = {"selected": chosen, "spent_cents": json_number(outcome.spent)}
    constituency = session.get(Constituency, call.constituency_code)
    return CallResult(
        call_id=call.id,
        rule=call.rule,
        engine_version=ENGINE_VERSION,
        ballots_digest=rules.ballots_digest(ballots),
        computed_at=now,
        selected=selected,
        spent_cents=json_number(main.spent),
        budget_cents=call.budget_cents,
        ballots=len(ballots),
        registered_voters=constituency.registered_voters if constituency else 0,
        projects=projects,
        alternatives=alternatives,
    )


def close_call(session: Session, call_id: int, now: datetime) -> CallResult | None:
    """The call's results, computing and storing them if voting has closed; None before that."""
    call = session.scalars(
        select(Call).where(Call.id == call_id).with_for_update().execution_options(populate_existing=True)
    ).one()
    if phase_of(call, now) != rules.RESULTS:
        return None
    existing = session.scalar(
        select(CallResult).where(CallResult.call_id == call.id).execution_options(populate_existing=True)
    )
    if existing is not None:
        return existing
    result = compute(session, call, now)
    session.add(result)
    session.flush()
    forget_voter_keys(session, call.id)  # published: the keys protect no vote any more
    record(
        session,
        now=now,
        actor=SYSTEM,
        action="call.results_computed",
        object_type="call",
        object_id=call.id,
        details={
            "rule": result.rule,
            "ballots_digest": result.ballots_digest,
            "selected": result.selected,
            "engine_version": result.engine_version,
            "ballots": result.ballots,
            "spent_cents": result.spent_cents,
        },
    )
    freeze_files(session, call, result, now)
    make_checkpoint(session, now)  # the published head (files included), signed: cutting the log later contradicts it
    notify(session, now, discussion_rules.RESULTS, call_subject(call), key=f"call:{call.id}:results")
    return result


def due_call_ids(session: Session, now: datetime) -> list[int]:
    return list(
        session.scalars(
            select(Call.id)
            .outerjoin(CallResult, CallResult.call_id == Call.id)
            .where(Call.voting_close_at <= now, CallResult.id.is_(None))
            .order_by(Call.id)
        )
    )
