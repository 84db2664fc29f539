"""Implementation tracking: the MP's dated status updates on winning projects (a public timeline)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from participatory.accounts.policy import allowed
from participatory.audit.services import actor_of, record
from participatory.calls import rules
from participatory.calls.errors import Conflict, Forbidden, raise_if
from participatory.calls.models import ImplementationUpdate, Proposal
from participatory.calls.subjects import tell_about_proposal
from participatory.discussion import rules as discussion_rules


def post_update(
    session: Session, user, now: datetime, proposal: Proposal, status: str, note: str, happened_on: date
) -> ImplementationUpdate:
    call = proposal.call
    if not allowed(user, "call.manage", call.constituency_code):
        raise Forbidden("not_your_constituency")
    raise_if(None if status in rules.IMPLEMENTATION_STATUSES else "bad_status")
    winners = call.result.selected if call.result is not None else []
    raise_if(None if proposal.id in winners else "not_a_winner", Conflict)
    update = ImplementationUpdate(
        proposal_id=proposal.id,
        status=status,
        note=note.strip(),
        happened_on=happened_on,
        created_at=now,
        author_id=user.id,
    )
    session.add(update)
    session.flush()
    record(
        session,
        now=now,
        actor=actor_of(user),
        action="proposal.implementation",
        object_type="proposal",
        object_id=proposal.id,
        details={"call": call.id, "status": status, "on": happened_on.isoformat()},
    )
    tell_about_proposal(
        session,
        now,
        discussion_rules.IMPLEMENTATION,
        proposal,
        key=f"update:{update.id}",
        detail=status,
        actor_id=user.id,
    )
    return update
