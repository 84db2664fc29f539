"""One support per person under concurrency, on PostgreSQL: real threads, each with its own connection,
released together by a barrier (SQLite serialises writers: nothing to show there)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from participatory import clock
from participatory.accounts.models import User
from participatory.calls.models import Proposal
from participatory.calls.subjects import proposal_subject
from participatory.discussion.models import Follow, Support
from participatory.discussion.services import follows, supports
from tests.calls import builders
from tests.calls.test_concurrency import _postgres_only, run_together  # noqa: F401  (threads behind a barrier; skip off PostgreSQL)

pytestmark = pytest.mark.postgres_only


def test_concurrent_supports_by_one_person_store_one(app, session):
    now = clock.now()
    item = builders.proposal(session, now, builders.call(session, now), feasible=None)
    person = builders.user(session, now)
    session.commit()
    proposal_id, person_id = item.id, person.id

    def support(s, i):
        return supports.support(s, s.get(User, person_id), now, proposal_subject(s.get(Proposal, proposal_id)))

    outcomes = run_together(app, 8, support)
    assert sorted(outcomes) == [False] * 7 + [True], outcomes  # no error: one stored, the others calm
    assert session.scalar(select(func.count()).select_from(Support)) == 1


def test_concurrent_follows_by_one_person_store_one(app, session):
    now = clock.now()
    call = builders.call(session, now)
    person = builders.user(session, now)
    session.commit()
    call_id, person_id = call.id, person.id

    def follow(s, i):
        from participatory.calls.models import Call
        from participatory.calls.subjects import call_subject

        return follows.follow(s, s.get(User, person_id), now, call_subject(s.get(Call, call_id)))

    outcomes = run_together(app, 6, follow)
    stored = session.scalar(select(func.count()).select_from(Follow))
    assert stored == 1 and outcomes.count(True) >= 1, outcomes
