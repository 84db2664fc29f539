"""Ballots: cast, change and cancel during the vote; one ballot per voter per call.

The database guarantees the "one": the unique constraint (call_id, voter_id) and an
INSERT … ON CONFLICT DO NOTHING, then a locked read of whichever row won, so any
number of concurrent submissions by the same voter end with exactly one ballot
(the last one to commit). The call row is read FOR SHARE so that closing (which
locks it FOR UPDATE) waits for ballots in flight, and no ballot lands after the count.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from participatory.accounts.signals import account_deleted
from participatory.audit.services import actor_of, record
from participatory.calls import rules
from participatory.calls.errors import Conflict, Forbidden, raise_if
from participatory.calls.models import Ballot, BallotItem, Call, CallResult
from participatory.calls.services.calls import phase_of
from participatory.calls.services.proposals import ballot_proposals


@dataclass(frozen=True)
class Receipt:
    code: str  # shown and emailed once, never stored
    ballot: Ballot
    changed: bool  # an earlier ballot was replaced


def new_receipt_code() -> str:
    return rules.format_receipt("".join(secrets.choice(rules.RECEIPT_ALPHABET) for _ in range(rules.RECEIPT_LENGTH)))


def _locked_call(session: Session, call_id: int) -> Call:
    """The call, re-read under a shared lock (PostgreSQL) that a closer's FOR UPDATE waits for."""
    return session.scalars(select(Call).where(Call.id == call_id).with_for_update(read=True)
                           .execution_options(populate_existing=True)).one()


def _may_vote(session: Session, user, now: datetime, call: Call) -> None:
    closed = session.scalar(select(CallResult.id).where(CallResult.call_id == call.id)) is not None
    phase = rules.RESULTS if closed else phase_of(call, now)
    raise_if(rules.vote_refusal(phase, call.constituency_code, user.constituency_code,
                                user.meets_verification(call.verification_level)), Forbidden)


def _insert(session: Session):
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def ballot_of(session: Session, call: Call, user) -> Ballot | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return session.scalar(select(Ballot).where(Ballot.call_id == call.id, Ballot.voter_id == user.id))


def cast(session: Session, user, now: datetime, call_id: int, proposal_ids: list[int]) -> Receipt:
    call = _locked_call(session, call_id)
    _may_vote(session, user, now, call)
    on_ballot = {p.id: p.final_cost_cents for p in ballot_proposals(session, call)}
    raise_if(rules.ballot_problem(rules.BallotRules.of(call), proposal_ids, on_ballot))
    code = new_receipt_code()
    mine = select(Ballot).where(Ballot.call_id == call.id, Ballot.voter_id == user.id) \
        .with_for_update().execution_options(populate_existing=True)
    ballot = session.scalar(mine)
    created = False
    if ballot is None:
        inserted = session.execute(
            _insert(session)(Ballot).values(
                call_id=call.id, voter_id=user.id, public_id=secrets.token_hex(16),
                receipt_hash=rules.receipt_hash(code), created_at=now, updated_at=now,
            ).on_conflict_do_nothing(index_elements=["call_id", "voter_id"]).returning(Ballot.id)
        ).scalar()
        created = inserted is not None
        ballot = session.scalars(mine).one()  # ours, or the one a concurrent submission committed first
    if not created:
        ballot.receipt_hash = rules.receipt_hash(code)
        ballot.updated_at = now
        session.execute(delete(BallotItem).where(BallotItem.ballot_id == ballot.id))
    session.add_all(BallotItem(ballot_id=ballot.id, proposal_id=pid) for pid in sorted(proposal_ids))
    session.flush()
    session.expire(ballot, ["items"])
    # Pseudonymous and content-free: who voted is public in the log, never for what.
    record(session, now=now, actor=actor_of(user), action="ballot.cast" if created else "ballot.changed",
           object_type="call", object_id=call.id, details={"call": call.id})
    return Receipt(code=code, ballot=ballot, changed=not created)


def cancel(session: Session, user, now: datetime, call_id: int) -> None:
    call = _locked_call(session, call_id)
    closed = session.scalar(select(CallResult.id).where(CallResult.call_id == call.id)) is not None
    raise_if("wrong_phase" if closed or phase_of(call, now) != rules.VOTING else None, Forbidden)
    ballot = session.scalar(select(Ballot).where(Ballot.call_id == call.id, Ballot.voter_id == user.id)
                            .with_for_update())
    raise_if("no_ballot" if ballot is None else None, Conflict)
    session.delete(ballot)
    session.flush()
    record(session, now=now, actor=actor_of(user), action="ballot.cancelled", object_type="call",
           object_id=call.id, details={"call": call.id})


def find_by_receipt(session: Session, call: Call, code: str) -> Ballot | None:
    if len(rules.normalise_receipt(code)) != rules.RECEIPT_LENGTH:
        return None
    return session.scalar(select(Ballot).where(Ballot.call_id == call.id,
                                               Ballot.receipt_hash == rules.receipt_hash(code)))


@account_deleted.connect
def unlink_deleted_voter(session: Session, user, now: datetime | None = None, **_: object) -> None:
    """A deleted account's ballots stay counted, unlinked from the person."""
    session.execute(update(Ballot).where(Ballot.voter_id == user.id).values(voter_id=None))
