"""Supports: who may support when (the proposing eligibility at the call's level), one per person, counted
and shown; a call's `min_supports` keeps the proposals below it out of review and off the ballot."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from participatory import clock
from participatory.calls import rules as call_rules
from participatory.calls.errors import CallError, Conflict
from participatory.calls.services import proposals
from participatory.calls.services.calls import CallSettings, create_call
from participatory.calls.subjects import proposal_subject
from participatory.discussion.errors import Forbidden
from participatory.discussion.models import Support
from participatory.discussion.services import supports
from tests.calls import builders
from tests.discussion.conftest import sign_in


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(Support))


@pytest.mark.parametrize(
    ("phase", "level", "home", "call_level", "state", "refusal"),
    [
        (call_rules.PROPOSALS, "residence", "33-04", "residence", {}, None),
        (call_rules.PROPOSALS, "letter", "33-04", "letter", {}, None),
        (call_rules.PROPOSALS, "residence", "33-04", "letter", {}, "unverified"),  # the call's level
        (call_rules.PROPOSALS, "email", "33-04", "email", {}, "unverified"),  # a declared residence, as to propose
        (call_rules.PROPOSALS, "residence", "75-18", "residence", {}, "wrong_constituency"),
        (call_rules.PROPOSALS, "residence", "33-04", "residence", {"withdrawn": True}, "not_live"),
        (call_rules.PROPOSALS, "residence", "33-04", "residence", {"hidden": True}, "not_live"),
        (call_rules.UPCOMING, "residence", "33-04", "residence", {}, "supports_closed"),
        (call_rules.REVIEW, "residence", "33-04", "residence", {}, "supports_closed"),
        (call_rules.VOTING, "residence", "33-04", "residence", {}, "supports_closed"),
    ],
)
def test_who_may_support_when(session, phase, level, home, call_level, state, refusal):
    now = clock.now()
    call = builders.call(session, now, phase, verification_level=call_level)
    item = builders.proposal(session, now, call, feasible=None, **state)
    person = builders.user(session, now, home, level=level)
    if refusal is None:
        assert supports.support(session, person, now, proposal_subject(item)) is True
        assert _count(session) == 1
    else:
        with pytest.raises(Forbidden) as refused:
            supports.support(session, person, now, proposal_subject(item))
        assert refused.value.code == refusal
        assert _count(session) == 0


def test_one_support_per_person_withdrawable_and_counted_on_the_pages(app, session, client):
    now = clock.now()
    call = builders.call(session, now)
    item = builders.proposal(session, now, call, feasible=None, title="Un verger")
    people = [builders.user(session, now) for _ in range(3)]
    subject = proposal_subject(item)
    assert supports.support(session, people[0], now, subject) is True
    assert supports.support(session, people[0], now, subject) is False  # twice: one support
    supports.support(session, people[1], now, subject)
    supports.support(session, people[2], now, subject)
    assert supports.withdraw(session, people[2], now, subject) is True
    assert supports.withdraw(session, people[2], now, subject) is False
    session.commit()
    assert _count(session) == 2
    page = client.get(f"/propositions/{item.id}").get_data(as_text=True)
    assert "2 soutiens" in page
    listing = client.get(f"/appels/{call.id}").get_data(as_text=True)
    assert "2 soutiens" in listing
    sign_in(client, people[0])
    assert "Retirer mon soutien" in client.get(f"/propositions/{item.id}").get_data(as_text=True)
    assert client.post(f"/debats/proposal/{item.id}/retirer-soutien").status_code == 302
    assert _count(session) == 1


def test_a_support_outside_the_proposals_phase_stores_nothing(app, session, client):
    now = clock.now()
    item = builders.proposal(session, now, builders.call(session, now, call_rules.REVIEW), feasible=None)
    person = builders.user(session, now)
    session.commit()
    sign_in(client, person)
    assert client.post(f"/debats/proposal/{item.id}/soutenir").status_code == 403
    assert client.post(f"/debats/proposal/{item.id}x/soutenir").status_code == 404
    assert _count(session) == 0


def _supported(session, now, call, count: int):
    item = builders.proposal(session, now, call, feasible=None)
    for _ in range(count):
        session.add(
            Support(
                subject_kind="proposal",
                subject_id=str(item.id),
                user_id=builders.user(session, now).id,
                created_at=now,
            )
        )
    session.flush()
    return item


def test_min_supports_keeps_the_proposals_below_it_out_of_review_and_off_the_ballot(app, session, client):
    now = clock.now()
    call = builders.call(session, now, call_rules.REVIEW)
    call.min_supports = 2
    enough = _supported(session, now, call, 2)
    short = _supported(session, now, call, 1)
    mp = builders.mp(session, now)
    proposals.review(session, mp, now, enough, call_rules.FEASIBLE, 1_000_00, "")
    with pytest.raises(Conflict) as refused:
        proposals.review(session, mp, now, short, call_rules.FEASIBLE, 1_000_00, "")
    assert refused.value.code == "not_selected"
    session.commit()
    sign_in(client, mp)
    manage = client.get(f"/appels/{call.id}/gestion").get_data(as_text=True)
    assert "Non retenu pour l’examen (2 soutiens requis)" in manage.replace("&#39;", "’").replace("'", "’")
    assert f"/propositions/{short.id}/examen" not in manage and f"/propositions/{enough.id}/examen" in manage
    builders.move_to(session, call, call_rules.VOTING, now)
    assert [p.id for p in proposals.ballot_proposals(session, call)] == [enough.id]


def test_without_min_supports_every_proposal_is_reviewed(session):
    now = clock.now()
    call = builders.call(session, now, call_rules.REVIEW)
    item = builders.proposal(session, now, call, feasible=None)
    proposals.review(session, builders.mp(session, now), now, item, call_rules.FEASIBLE, 1_000_00, "")
    assert item.feasibility == call_rules.FEASIBLE


def test_min_supports_is_a_call_setting_fixed_once_review_starts(session):
    now = clock.now()
    admin = builders.admin(session, now)
    base = dict(
        year=2027,
        title="Budget 2027",
        description="",
        budget_cents=call_rules.DEFAULT_BUDGET_CENTS,
        proposals_open_at=now + timedelta(days=1),
        review_open_at=now + timedelta(days=30),
        voting_open_at=now + timedelta(days=45),
        voting_close_at=now + timedelta(days=60),
    )
    with pytest.raises(CallError) as refused:
        create_call(session, admin, now, "33-04", CallSettings(**base, min_supports=-1))
    assert refused.value.code == "bad_min_supports"
    call = create_call(session, admin, now, "33-04", CallSettings(**base, min_supports=25))
    assert call.min_supports == 25
