"""What is kept of a FranceConnect identity, in the personal-data download and after deletion."""

from __future__ import annotations

import html
import json
from datetime import timedelta

from sqlalchemy import func, select

from participatory import clock
from participatory.accounts.models import FranceConnectIdentity, User
from participatory.audit.models import AuditEvent
from participatory.extensions import db
from tests.franceconnect.conftest import FranceConnectBrowser

SUB = "c4ca4238a0b923820dcc509a6f75849bc81e728d9d4c2f636f067f89cc14862c"


def registered(app, client, provider):
    provider.add_identity(SUB, given_name="Ana", family_name="Dupont", email="ana@example.org", birthdate="1980-01-02")
    FranceConnectBrowser(client, provider).sign_in(SUB)
    with app.app_context():
        return db.session.scalar(select(User.id))


def test_the_download_holds_the_names_and_dates_never_the_subject(app, client, franceconnect):
    registered(app, client, franceconnect)
    document = json.loads(client.get("/compte/mes-donnees.json").get_data(as_text=True))
    part = document["franceconnect"]
    assert (part["given_name"], part["family_name"]) == ("Ana", "Dupont")
    assert part["linked_at"] and part["verified_at"]
    dumped = json.dumps(document)
    with app.app_context():
        subject_hash = db.session.scalar(select(FranceConnectIdentity.subject_hash))
    assert SUB not in dumped and subject_hash not in dumped and "1980-01-02" not in dumped


def test_deleting_an_account_made_with_franceconnect_erases_the_identity(app, client, franceconnect):
    user_id = registered(app, client, franceconnect)
    page = html.unescape(client.get("/compte/suppression").get_data(as_text=True))
    assert "connexion avec FranceConnect" in page and 'name="password"' not in page

    # Too long after the FranceConnect sign-in: refused, nothing changed.
    clock.freeze(clock.now() + timedelta(minutes=11))
    refused = client.post("/compte/suppression", data={"confirm": "y"})
    assert refused.status_code == 400 and "reconnectez-vous avec FranceConnect" in html.unescape(refused.get_data(True))
    with app.app_context():
        assert db.session.get(User, user_id).deleted_at is None

    clock.freeze(clock.now() - timedelta(minutes=11))  # just after the sign-in
    assert client.post("/compte/suppression", data={"confirm": "y"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FranceConnectIdentity)) == 0
        assert db.session.get(User, user_id).email is None
        assert "account.deleted" in db.session.scalars(select(AuditEvent.action))

    # The same person coming back gets a new account, and may link the identity again.
    home = FranceConnectBrowser(app.test_client(), franceconnect).sign_in(SUB)
    assert "Votre compte est créé avec votre identité FranceConnect." in home.text
