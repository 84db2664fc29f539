"""The calls domain's objects as subjects of discussion (participatory/discussion/subjects.py).

A proposal is commented on during the proposals and review phases (read-only afterwards) by anyone
signed in, supported during the proposals phase by the residents who could propose in the call (its
constituency, a declared residence and the call's verification level), followed, and moderated by the
MP of the constituency or an admin. A call is followed (with its constituency above it); the start of
each phase is announced to its followers by `announce_phases`, an event source.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from participatory.accounts.rules import RESIDENCE_DECLARED
from participatory.calls import rules
from participatory.calls.models import Call, Proposal
from participatory.calls.services.calls import phase_of
from participatory.discussion import rules as discussion_rules
from participatory.discussion.services.notifications import notify
from participatory.discussion.subjects import Policy, Subject, int_id, link, register, register_source

COMMENT_PHASES = (rules.PROPOSALS, rules.REVIEW)


def call_subject(call: Call) -> Subject:
    return Subject(
        "call",
        str(call.id),
        call.title,
        call.constituency_code,
        parents=(("constituency", call.constituency_code),),
        obj=call,
    )


def proposal_subject(proposal: Proposal) -> Subject:
    call = proposal.call
    title = proposal.title if not proposal.hidden_during_call else f"#{proposal.id}"
    return Subject(
        "proposal",
        str(proposal.id),
        title,
        call.constituency_code,
        parents=(("call", str(call.id)), ("constituency", call.constituency_code)),
        obj=proposal,
    )


def tell_about_proposal(
    session: Session, now: datetime, event: str, proposal: Proposal, *, key: str, detail: str, actor_id: int
) -> None:
    """An event on a proposal (review decision, implementation update): told to its followers and to its
    author, who hears of their own proposal without having to follow it."""
    notify(
        session,
        now,
        event,
        proposal_subject(proposal),
        key=key,
        detail=detail,
        addressed=(proposal.author_id,) if proposal.author_id is not None else (),
        actor_id=actor_id,
        with_parents=False,
    )


class CallPolicy(Policy):
    kind = "call"

    def load(self, session: Session, subject_id: str) -> Subject | None:
        key = int_id(subject_id)
        call = session.get(Call, key) if key is not None else None
        return call_subject(call) if call is not None else None

    def url(self, subject_id: str, external: bool = False) -> str:
        return link("calls.show", external, call_id=int(subject_id))


class ProposalPolicy(Policy):
    kind = "proposal"
    commentable = True
    supportable = True

    def load(self, session: Session, subject_id: str) -> Subject | None:
        key = int_id(subject_id)
        proposal = session.get(Proposal, key) if key is not None else None
        return proposal_subject(proposal) if proposal is not None else None

    def url(self, subject_id: str, external: bool = False) -> str:
        return link("calls.proposal", external, proposal_id=int(subject_id))

    @staticmethod
    def _live(proposal: Proposal) -> bool:
        return proposal.withdrawn_at is None and proposal.hidden_at is None

    def comments_open(self, subject: Subject, now: datetime) -> bool:
        proposal: Proposal = subject.obj
        return self._live(proposal) and phase_of(proposal.call, now) in COMMENT_PHASES

    def comment_refusal(self, session: Session, user, subject: Subject, now: datetime) -> str | None:
        return None if self.comments_open(subject, now) else "comments_closed"

    def support_refusal(self, session: Session, user, subject: Subject, now: datetime) -> str | None:
        proposal: Proposal = subject.obj
        call = proposal.call
        return discussion_rules.support_refusal(
            phase_of(call, now) == rules.PROPOSALS,
            self._live(proposal),
            user.constituency_code == call.constituency_code,
            user.meets_verification(RESIDENCE_DECLARED) and user.meets_verification(call.verification_level),
        )


register(CallPolicy())
register(ProposalPolicy())


def announce_phases(session: Session, now: datetime) -> int:
    """Tell the followers of each call (and of its constituency) that a phase started, once per phase;
    only phases that started within the announce window (a late or first run does not dig up the past).
    The results phase is told by the publication of the results (calls/services/results.py)."""
    since = now - discussion_rules.ANNOUNCE_WINDOW
    dates = (Call.proposals_open_at, Call.review_open_at, Call.voting_open_at)
    calls = session.scalars(select(Call).where(or_(*((d > since) & (d <= now) for d in dates))).order_by(Call.id))
    made = 0
    for call in calls:
        phase = phase_of(call, now)
        if phase not in (rules.PROPOSALS, rules.REVIEW, rules.VOTING):
            continue
        made += len(
            notify(
                session,
                now,
                discussion_rules.PHASE,
                call_subject(call),
                key=f"call:{call.id}:phase:{phase}",
                detail=phase,
            )
        )
    return made


register_source(announce_phases)
