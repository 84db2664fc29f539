"""One person, one ballot in a call that requires "identity verified with FranceConnect", whatever their
accounts: the ballots of such a call are keyed on the FranceConnect identity, the identity is linked to
one account at a time, and the ballot follows it. Identities are linked through the real flow against
the local provider; ballots go through the voting pages."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from sqlalchemy import select

from participatory import clock
from participatory.accounts import voter_keys
from participatory.accounts.models import User
from participatory.accounts.rules import subject_digest
from participatory.calls import rules
from participatory.calls.forms import PARIS
from participatory.calls.models import Ballot
from participatory.extensions import db
from tests.accounts.conftest import make_account
from tests.calls import builders
from tests.conftest import open_session
from tests.franceconnect.conftest import FranceConnectBrowser

SUB_X = "7d865e959b2466918c9863afca942d0fb89d7c9ac0c99bafc3749504ded97730"


@pytest.fixture
def calls(app):
    """Two calls voting in 33-04: one requires FranceConnect, the other a declared residence."""
    with app.app_context():
        now = clock.now()
        made = {}
        for level, year in (("franceconnect", 2026), ("residence", 2025)):
            call = builders.call(db.session, now, rules.VOTING, year=year, max_projects=1, verification_level=level)
            a, b = (builders.proposal(db.session, now, call, title=f"{level} {n}") for n in "AB")
            made[level] = (call.id, a.id, b.id)
        db.session.commit()
        return made


def person(app, email: str):
    with app.app_context():
        user_id = make_account(email, constituency="33-04").id
    client = app.test_client()
    open_session(client, user_id)
    return user_id, client


def link(client, provider, sub: str = SUB_X):
    page = FranceConnectBrowser(client, provider).sign_in(sub, start="/compte/franceconnect/lier")
    assert "Votre compte est lié à votre identité FranceConnect." in page.text, page.text[:500]


def vote(client, call_id: int, proposal_id: int) -> str:
    response = client.post(f"/appels/{call_id}/vote", data={"projects": [str(proposal_id)]})
    return html.unescape(response.get_data(as_text=True))


def ballots(app, call_id: int) -> list[Ballot]:
    with app.app_context():
        return list(db.session.scalars(select(Ballot).where(Ballot.call_id == call_id).order_by(Ballot.id)))


def test_two_accounts_of_one_person_cast_one_ballot(app, franceconnect, calls):
    call_id, first, second = calls["franceconnect"]
    franceconnect.add_identity(SUB_X, given_name="Ana", family_name="Dupont", email="ana@example.org")
    a_id, a = person(app, "ana.a@example.org")
    b_id, b = person(app, "ana.b@example.org")

    # Without FranceConnect, account B cannot vote in this call at all.
    assert "Votre bulletin est enregistré" not in vote(b, call_id, first)
    assert ballots(app, call_id) == []

    link(a, franceconnect)
    assert "Votre bulletin est enregistré" in vote(a, call_id, first)
    [ballot] = ballots(app, call_id)
    with app.app_context():
        hashed = subject_digest(SUB_X, app.config["FRANCECONNECT_SUBJECT_SECRET"])
        expected = voter_keys.voter_key(voter_keys.FRANCECONNECT, hashed, voter_keys.configured_key())
    assert ballot.voter_key == expected and ballot.voter_id == a_id  # keyed on the person, not the email

    # B cannot take the identity while A holds it.
    page = FranceConnectBrowser(b, franceconnect).sign_in(SUB_X, start="/compte/franceconnect/lier")
    assert "déjà liée à un autre compte" in page.text

    # A lets it go (and can no longer vote here); B links it and votes: the same ballot, replaced.
    a.post("/compte/franceconnect/delier")
    assert "Votre bulletin est enregistré" not in vote(a, call_id, second)
    link(b, franceconnect)
    assert "Votre bulletin est modifié" in vote(b, call_id, second)
    [replaced] = ballots(app, call_id)
    assert (replaced.id, replaced.voter_key, replaced.voter_id) == (ballot.id, expected, b_id)
    with app.app_context():
        assert db.session.get(Ballot, replaced.id).proposal_ids == [second]


def test_linking_during_a_vote_keyed_on_emails_changes_nothing(app, franceconnect, calls):
    """In a call requiring less, the key stays the email: linking mid-vote neither splits nor blocks a ballot."""
    call_id, first, second = calls["residence"]
    franceconnect.add_identity(SUB_X, given_name="Ana", family_name="Dupont", email="ana@example.org")
    user_id, client = person(app, "ana.a@example.org")
    assert "Votre bulletin est enregistré" in vote(client, call_id, first)
    link(client, franceconnect)
    assert "Votre bulletin est modifié" in vote(client, call_id, second)
    [ballot] = ballots(app, call_id)
    with app.app_context():
        user = db.session.get(User, user_id)
        assert ballot.voter_key == voter_keys.key_of(user, voter_keys.configured_key())  # the email's key


def test_the_ballot_page_names_the_level_and_the_account_page_shows_it(app, franceconnect, calls):
    call_id, _, _ = calls["franceconnect"]
    franceconnect.add_identity(SUB_X, given_name="Ana", family_name="Dupont", email="ana@example.org")
    _, client = person(app, "ana.a@example.org")
    page = html.unescape(client.get(f"/appels/{call_id}").get_data(as_text=True))
    assert "Identité vérifiée avec FranceConnect" in page
    account = html.unescape(client.get("/compte").get_data(as_text=True))
    assert 'data-level="franceconnect"' in account
    link(client, franceconnect)
    account = client.get("/compte").get_data(as_text=True)
    assert 'data-level="franceconnect"><span class="badge text-bg-success">' in account


def local(moment) -> str:
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def _new_call(client, level: str):
    start = clock.now() + timedelta(days=1)
    data = {
        "year": "2027",
        "title": "Budget 2027",
        "description": "",
        "budget": "130000",
        "proposals_open_at": local(start),
        "review_open_at": local(start + timedelta(days=10)),
        "voting_open_at": local(start + timedelta(days=20)),
        "voting_close_at": local(start + timedelta(days=30)),
        "min_projects": "1",
        "knapsack": "y",
        "rule": "greedy",
        "verification_level": level,
    }
    return client.post("/circonscriptions/33-04/appel/nouveau", data=data)


@pytest.mark.parametrize("configured", [False, True])
def test_the_level_is_offered_only_while_franceconnect_is_configured(app, configured, request):
    if configured:
        request.getfixturevalue("franceconnect")
    with app.app_context():
        mp_id = builders.mp(db.session, clock.now()).id
        db.session.commit()
    client = app.test_client()
    open_session(client, mp_id)
    form = client.get("/circonscriptions/33-04/appel/nouveau").get_data(as_text=True)
    assert ('value="franceconnect"' in form) is configured
    assert _new_call(client, "franceconnect").status_code == (302 if configured else 400)
