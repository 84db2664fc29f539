"""Deleting an account and downloading one's data: the person goes, their ballots stay counted."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from participatory import clock
from participatory.accounts import personal_data
from participatory.accounts.models import AccountToken, ResidenceLetter, RoleGrant, User
from participatory.accounts.rules import CANDIDATE, LETTER_REQUESTED, LETTER_VOID, utc
from participatory.accounts.services.deletion import erase_account
from participatory.accounts.signals import account_deleted
from participatory.audit.models import AuditEvent
from participatory.calls.models import Ballot
from participatory.calls.services.results import close_call
from participatory.extensions import db
from tests.accounts.conftest import PASSWORD, login, make_account, sign_in, text
from tests.builders import make_closed_call


def test_deleting_keeps_the_ballots_counted_but_unlinked(app_ctx, now):
    world = make_closed_call(db.session, now, voters=6, close=False)
    voter = world.voters[1]
    voter_id, call_id = voter.id, world.call.id
    ballots_before = db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.call_id == call_id))
    [ballot] = db.session.scalars(select(Ballot).where(Ballot.voter_id == voter_id))
    ballot_id, items = ballot.id, sorted(i.proposal_id for i in ballot.items)
    erase_account(db.session, db.session.get(User, voter_id), now=now)
    db.session.commit()
    ballot = db.session.get(Ballot, ballot_id)
    assert ballot.voter_id is None and ballot.proposal_ids == items
    ballots_after = db.session.scalar(select(func.count()).select_from(Ballot).where(Ballot.call_id == call_id))
    assert ballots_after == ballots_before
    result = close_call(db.session, call_id, utc(world.call.voting_close_at) + timedelta(minutes=1))
    assert result.ballots == ballots_before  # counted in the results
    gone = db.session.get(User, voter_id)
    assert (gone.email, gone.password_hash, gone.display_name, gone.home_lat, gone.constituency_code) == (
        None,
        None,
        "",
        None,
        None,
    )
    assert gone.deleted_at is not None and gone.pseudonym.startswith("u_")


def test_deletion_through_the_page(app, client):
    with app.app_context():
        user = make_account("ana@example.org", constituency="33-04", roles=((CANDIDATE, None),))
        stored = db.session.get(User, user.id)
        stored.home_lat, stored.home_lon = 44.81, -0.58
        db.session.add(
            ResidenceLetter(
                user_id=user.id,
                constituency_code="33-04",
                status=LETTER_REQUESTED,
                requested_at=clock.now(),
                recipient="Ana",
                street="1 rue",
                postcode="33000",
                city="Bordeaux",
                attempts=0,
            )
        )
        db.session.add(
            AccountToken(
                user_id=user.id,
                purpose="reset",
                token_hash="0" * 64,
                created_at=clock.now(),
                expires_at=clock.now() + timedelta(hours=1),
            )
        )
        db.session.commit()
    heard = []

    def receiver(session, user, now, **_):
        heard.append((user.email, session is db.session))  # before anonymisation, in the same session

    account_deleted.connect(receiver)
    try:
        login(client, "ana@example.org")
        wrong = client.post("/compte/suppression", data={"password": "not my password", "confirm": "y"})
        assert wrong.status_code == 400 and "Le mot de passe est incorrect." in text(wrong)
        unchecked = client.post("/compte/suppression", data={"password": PASSWORD})
        assert unchecked.status_code == 400 and "Cochez la case pour confirmer." in text(unchecked)
        assert heard == []
        done = client.post("/compte/suppression", data={"password": PASSWORD, "confirm": "y"})
        assert done.status_code == 302
    finally:
        account_deleted.disconnect(receiver)
    assert heard == [("ana@example.org", True)]
    assert client.get("/compte").status_code == 302  # signed out
    assert login(client, "ana@example.org").status_code == 400  # and cannot sign in again
    with app.app_context():
        gone = db.session.get(User, user.id)
        assert gone.email is None and gone.home_lat is None and gone.deleted_at is not None
        assert all(g.revoked_at is not None for g in db.session.scalars(select(RoleGrant)))
        assert db.session.scalar(select(AccountToken)) is None
        letter = db.session.scalar(select(ResidenceLetter))
        assert letter.status == LETTER_VOID and letter.street is None
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.deleted"))
        assert event.object_id == gone.pseudonym and event.details == {}
    # The address is free again.
    again = client.post(
        "/compte/inscription",
        data={"email": "ana@example.org", "display_name": "Ana", "password": PASSWORD, "password_confirm": PASSWORD},
    )
    assert again.status_code == 302


def test_personal_data_download(app, client):
    with app.app_context():
        user = make_account("ana@example.org", constituency="33-04", roles=((CANDIDATE, None),))
    sign_in(client, user)
    response = client.get("/compte/mes-donnees.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data())
    assert data["account"]["email"] == "ana@example.org"
    assert data["account"]["residence"]["constituency"] == "33-04"
    assert [r["role"] for r in data["account"]["roles"]] == ["candidate"]
    assert "residence_letters" in data and "password" not in json.dumps(data)


def test_other_domains_add_their_part(app, client):
    with app.app_context():
        user = make_account("ana@example.org")

    def extra(session, person):
        return {"who": person.email}

    personal_data.register("test_part")(extra)
    try:
        sign_in(client, user)
        data = json.loads(client.get("/compte/mes-donnees.json").get_data())
        assert data["test_part"] == {"who": "ana@example.org"}
    finally:
        personal_data._parts.pop("test_part")
