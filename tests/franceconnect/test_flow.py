"""Signing in, registering, linking and unlinking with FranceConnect, against a real OpenID Connect
provider on loopback (oidc-provider, configured as FranceConnect v2): the happy paths, then every
refusal, each with a clear message and nothing changed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from participatory import clock
from participatory.accounts import franceconnect as fc_client
from participatory.accounts.models import FranceConnectIdentity, User, UserSession
from participatory.accounts.rules import subject_digest
from participatory.audit.models import AuditEvent
from participatory.extensions import db
from tests.accounts.conftest import make_account
from tests.conftest import open_session
from tests.franceconnect.conftest import LOGGED_OUT, FranceConnectBrowser, query_of

SUB_ANA = "b6048e95bb134ec5b1d1e1fa69f287172e91722b9354d637a1bcf2ebb0fd2ef5v1"
SUB_LEO = "0f1c2d3e4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff1"


def ana(provider, sub: str = SUB_ANA, **overrides) -> str:
    claims = {
        "given_name": "Ana Maria",
        "family_name": "Dupont-Lefèvre",
        "birthdate": "1984-02-29",
        "birthplace": "33063",
        "birthcountry": "99100",
        "gender": "female",
        "email": "ana.fc@example.org",
        "preferred_username": "",
    }
    claims.update(overrides)
    return provider.add_identity(sub, **{k: v for k, v in claims.items() if v is not ...})


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(User)),
            db.session.scalar(select(func.count()).select_from(FranceConnectIdentity)),
            db.session.scalar(select(func.count()).select_from(UserSession)),
        )


def actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


# --- off without configuration ----------------------------------------------------------------


def test_without_configuration_no_button_and_every_route_is_404(app, client):
    page = client.get("/compte/connexion").get_data(as_text=True)
    assert "FranceConnect" not in page
    assert "FranceConnect" not in client.get("/compte/inscription").get_data(as_text=True)
    for method, path in [
        ("POST", "/compte/franceconnect/connexion"),
        ("POST", "/compte/franceconnect/lier"),
        ("GET", "/compte/franceconnect/retour?code=x&state=y"),
        ("POST", "/compte/franceconnect/delier"),
        ("GET", "/compte/franceconnect/deconnecte"),
    ]:
        assert client.open(path, method=method).status_code == 404, path


# --- the happy paths ------------------------------------------------------------------------------


def test_register_with_franceconnect_then_sign_out_through_its_end_session(app, client, franceconnect):
    page = client.get("/compte/connexion").get_data(as_text=True)
    assert "S'identifier avec" in page and "Qu'est-ce que FranceConnect ?" in page
    browser = FranceConnectBrowser(client, franceconnect)
    ana(franceconnect)

    # Our button, FranceConnect's authorize with state, nonce and acr_values, then login and consent.
    start = client.post("/compte/franceconnect/connexion")
    assert start.status_code == 302
    asked = query_of(start.headers["Location"])
    assert asked["acr_values"] == "eidas1" and asked["response_type"] == "code"
    assert len(asked["state"]) >= 20 and len(asked["nonce"]) >= 20
    assert set(asked["scope"].split()) == {"openid", "given_name", "family_name", "email"}  # the minimum
    home = browser.sign_in(SUB_ANA)
    assert home.status == 200 and home.url.endswith("/compte"), home
    assert "Votre compte est créé avec votre identité FranceConnect." in home.text
    assert "Ana Maria Dupont-Lefèvre" in home.text

    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.email == "ana.fc@example.org" and user.email_confirmed_at is not None
        assert user.password_hash is None
        identity = user.franceconnect
        assert identity.subject_hash == subject_digest(SUB_ANA, "a subject secret for the tests")
        assert (identity.given_name, identity.family_name) == ("Ana Maria", "Dupont-Lefèvre")
        assert identity.verified_at is not None
        # The raw sub and the claims nobody needs are stored nowhere.
        dump = "\n".join(str(row) for row in db.session.execute(text("SELECT * FROM franceconnect_identity")))
        for absent in (SUB_ANA, "1984-02-29", "33063", "99100", "female"):
            assert absent not in dump
    assert actions(app)[-2:] == ["account.registered", "account.franceconnect_linked"]

    # Signing out ends our session, then FranceConnect's, and comes back with the state we gave.
    out = client.post("/compte/deconnexion")
    assert out.status_code == 302
    end = out.headers["Location"]
    assert end.startswith(franceconnect.url + "/api/v2/session/end")
    asked = query_of(end)
    assert asked["post_logout_redirect_uri"] == LOGGED_OUT and asked["state"] and asked["id_token_hint"]
    assert counts(app)[2] == 1  # the session row stays, revoked
    confirm = browser.go("GET", end)
    assert "sign-out" in confirm.text.lower()
    xsrf = confirm.text.split('name="xsrf" value="')[1].split('"')[0]
    back = browser.go("POST", franceconnect.url + "/api/v2/session/end/confirm", {"xsrf": xsrf, "logout": "yes"})
    assert browser.callbacks[-1].startswith(LOGGED_OUT) and query_of(browser.callbacks[-1])["state"] == asked["state"]
    assert back.status == 200
    assert "Vous êtes déconnecté, de FranceConnect aussi." in back.text
    assert client.get("/compte").status_code == 302  # signed out here


def test_signing_in_again_finds_the_same_account(app, client, franceconnect):
    ana(franceconnect)
    FranceConnectBrowser(client, franceconnect).sign_in(SUB_ANA)
    other = app.test_client()
    home = FranceConnectBrowser(other, franceconnect).sign_in(SUB_ANA)
    assert home.url.endswith("/compte") and "Votre compte est créé" not in home.text
    assert counts(app)[:2] == (1, 1)
