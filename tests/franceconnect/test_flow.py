"""Signing in, registering, linking and unlinking with FranceConnect, against a real OpenID Connect
provider on loopback (oidc-provider, configured as FranceConnect v2): the happy paths, then every
refusal, each with a clear message and nothing changed."""

from __future__ import annotations

import html

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


# --- linking and unlinking ------------------------------------------------------------------------


def test_link_to_an_existing_account_then_unlink(app, client, franceconnect):
    with app.app_context():
        user_id = make_account("leo@example.org").id
    open_session(client, user_id)
    assert "Lier mon compte avec" in client.get("/compte").get_data(as_text=True)
    ana(franceconnect, SUB_LEO, email="leo.other@example.org", given_name="Léo", family_name="Martin")
    home = FranceConnectBrowser(client, franceconnect).sign_in(SUB_LEO, start="/compte/franceconnect/lier")
    assert "Votre compte est lié à votre identité FranceConnect." in home.text
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.franceconnect.given_name == "Léo"
        assert user.email == "leo@example.org"  # the account's address is kept
    assert counts(app)[:2] == (1, 1)
    assert actions(app)[-1] == "account.franceconnect_linked"

    unlinked = client.post("/compte/franceconnect/delier", follow_redirects=True)
    assert "Votre compte n'est plus lié à FranceConnect." in html.unescape(unlinked.get_data(as_text=True))
    assert counts(app)[:2] == (1, 0)
    assert actions(app)[-1] == "account.franceconnect_unlinked"
    with app.app_context():  # content-free events: the pseudonym, nothing of the identity
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert "Léo" not in str(event.details) and event.object_id == db.session.get(User, user_id).pseudonym


def test_unlinking_is_refused_while_it_is_the_only_way_in(app, client, franceconnect):
    ana(franceconnect)
    FranceConnectBrowser(client, franceconnect).sign_in(SUB_ANA)  # registered: no password
    page = html.unescape(client.post("/compte/franceconnect/delier", follow_redirects=True).get_data(as_text=True))
    assert "choisissez d" in page and "avant de délier" in page
    assert counts(app)[:2] == (1, 1)


def test_an_identity_linked_to_one_account_cannot_be_linked_to_another(app, client, franceconnect):
    ana(franceconnect)
    FranceConnectBrowser(client, franceconnect).sign_in(SUB_ANA)  # account A holds the identity
    with app.app_context():
        other_id = make_account("other@example.org").id
    other = app.test_client()
    open_session(other, other_id)
    before = actions(app)
    page = FranceConnectBrowser(other, franceconnect).sign_in(SUB_ANA, start="/compte/franceconnect/lier")
    assert page.status == 400
    assert "Cette identité FranceConnect est déjà liée à un autre compte" in page.text
    assert counts(app)[1] == 1 and actions(app) == before
    with app.app_context():
        assert db.session.get(User, other_id).franceconnect is None


def test_the_unique_constraints_hold_without_the_service_checks(app, franceconnect):
    """Two accounts, one identity: the database refuses it, whatever the code above it does."""
    from sqlalchemy.exc import IntegrityError

    with app.app_context():
        first, second = make_account("a@example.org"), make_account("b@example.org")
        now = clock.now()
        for user in (first, second):
            db.session.add(
                FranceConnectIdentity(
                    user_id=user.id,
                    subject_hash="f" * 64,
                    given_name="A",
                    family_name="B",
                    linked_at=now,
                    verified_at=now,
                )
            )
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_registration_refused_when_the_email_already_has_an_account(app, client, franceconnect):
    with app.app_context():
        make_account("ana.fc@example.org")
    ana(franceconnect)
    page = FranceConnectBrowser(client, franceconnect).sign_in(SUB_ANA)
    assert page.status == 400 and "Un compte utilise déjà l" in page.text and "puis liez FranceConnect" in page.text
    assert counts(app) == (1, 0, 0)


# --- refusals: each gives a clear message and changes nothing ---------------------------------------


def test_refused_consent(app, client, franceconnect):
    ana(franceconnect)
    browser = FranceConnectBrowser(client, franceconnect)
    page = browser.login(browser.go("POST", "/compte/franceconnect/connexion"), SUB_ANA)
    page = browser.abort(page)
    assert page.status == 400 and "Vous avez annulé la connexion avec FranceConnect" in page.text
    assert counts(app) == (0, 0, 0)


def test_wrong_state_is_refused(app, client, franceconnect):
    ana(franceconnect)
    browser = FranceConnectBrowser(client, franceconnect)
    back = browser.sign_in(SUB_ANA, stop_at_callback=True)
    url = back.location.replace("state=", "state=x")
    page = browser.go("GET", url)
    assert page.status == 400 and "La connexion avec FranceConnect n'a pas abouti" in page.text
    assert counts(app) == (0, 0, 0)
    # The refusal changed nothing, not even the flow waiting for its real answer; that answer is single use.
    assert browser.go("GET", back.location).url.endswith("/compte")
    client.post("/compte/deconnexion")
    assert browser.go("GET", back.location).status == 400
    assert counts(app)[:2] == (1, 1)


def test_a_code_is_used_once(app, client, franceconnect):
    ana(franceconnect)
    browser = FranceConnectBrowser(client, franceconnect)
    first = browser.sign_in(SUB_ANA, stop_at_callback=True)
    assert browser.go("GET", first.location).url.endswith("/compte")
    client.post("/compte/deconnexion")
    # A new flow (fresh state and nonce in this browser), answered with the old code: FranceConnect refuses it.
    second = browser.sign_in(SUB_ANA, stop_at_callback=True)
    replay = second.location.replace(
        "code=" + query_of(second.location)["code"], "code=" + query_of(first.location)["code"]
    )
    page = browser.go("GET", replay)
    assert page.status == 400 and "n'a pas abouti" in page.text
    assert counts(app)[:2] == (1, 1) and client.get("/compte").status_code == 302


def test_an_expired_id_token_is_refused(app, client, franceconnect):
    """The provider's clock runs two hours behind ours: its tokens are expired when they arrive."""
    from datetime import timedelta

    ana(franceconnect)
    franceconnect.set_clock(clock.now() - timedelta(hours=2))
    page = FranceConnectBrowser(client, franceconnect).sign_in(SUB_ANA)
    assert page.status == 400 and "n'a pas abouti" in page.text
    assert counts(app) == (0, 0, 0)


@pytest.mark.parametrize(
    "mode",
    [
        "id_token_alg_none",
        "id_token_other_key",
        "id_token_wrong_aud",
        "id_token_wrong_iss",
        "id_token_wrong_nonce",
        "id_token_expired",
        "id_token_wrong_acr",
        "id_token_unsigned_garbage",
        "userinfo_other_key",
        "userinfo_other_sub",
        "userinfo_alg_none",
        "userinfo_plain_json",
    ],
)
def test_tampered_answers_are_refused(app, client, franceconnect, mode, caplog):
    ana(franceconnect)
    franceconnect.tamper(mode)
    with caplog.at_level("INFO", logger="participatory.accounts.views.franceconnect"):
        page = FranceConnectBrowser(client, franceconnect).sign_in(SUB_ANA)
    assert page.status == 400 and "n'a pas abouti" in page.text
    assert counts(app) == (0, 0, 0)
    assert "Ana" not in caplog.text and SUB_ANA not in caplog.text  # the log says why, never who


@pytest.mark.parametrize(
    "claims",
    [
        {"given_name": ...},
        {"family_name": ""},
        {"given_name": "Ana\x00"},
        {"family_name": "Dupont\u202e"},
        {"given_name": "<script>"},
        {"family_name": "D" * 201},
        {"given_name": "---"},
        {"given_name": ["Ana"]},
        {"family_name": 42},
        {"email": "not-an-email"},
        {"email": "ana@example.org\r\nBcc: x@example.org"},
        {"birthdate": "1984-13-01"},
        {"birthdate": "yesterday"},
        {"birthplace": "Bordeaux"},
        {"birthcountry": 99100},
        {"gender": "unknown"},
        {"preferred_username": "X\u200b"},
    ],
    ids=lambda claims: next(iter(claims)) + ":" + repr(next(iter(claims.values())))[:12],
)
def test_hostile_claims_are_refused(app, client, franceconnect, claims, monkeypatch):
    # Every claim FranceConnect may send is asked for here, so that each one's check is exercised.
    everything = "openid given_name family_name email birthdate birthplace birthcountry gender preferred_username"
    monkeypatch.setitem(app.config, "FRANCECONNECT_SCOPES", everything)
    ana(franceconnect, **claims)
    page = FranceConnectBrowser(client, franceconnect).sign_in(SUB_ANA)
    assert page.status == 400
    assert "FranceConnect a transmis une identité que la plateforme ne peut pas accepter" in page.text
    assert counts(app) == (0, 0, 0)


def test_a_hostile_sub_is_refused(app, client, franceconnect):
    sub = "ana\u00e9" + "x" * 10  # not printable ASCII
    ana(franceconnect, sub)
    page = FranceConnectBrowser(client, franceconnect).sign_in(sub)
    assert page.status == 400 and counts(app) == (0, 0, 0)


def test_provider_down_is_a_clear_refusal(app, client, franceconnect, monkeypatch):
    monkeypatch.setitem(app.config, "FRANCECONNECT_ISSUER", "http://127.0.0.1:9")  # nothing listens there
    page = client.post("/compte/franceconnect/connexion")
    assert page.status_code == 400 and "FranceConnect ne répond pas" in page.get_data(as_text=True)


# --- every route, every role, with FranceConnect on -------------------------------------------------


@pytest.mark.parametrize("signed_in", [False, True])
def test_routes_per_role_when_configured(app, franceconnect, signed_in):
    client = app.test_client()
    if signed_in:
        with app.app_context():
            open_session(client, make_account("who@example.org").id)
    expected = {
        ("POST", "/compte/franceconnect/connexion"): 302,  # to FranceConnect, or home when signed in
        ("POST", "/compte/franceconnect/lier"): 302,  # to FranceConnect, or the login page
        ("GET", "/compte/franceconnect/retour"): 400,  # no flow started
        ("POST", "/compte/franceconnect/delier"): 302,  # the login page, or home with "not linked"
        ("GET", "/compte/franceconnect/deconnecte"): 302,
    }
    for (method, path), status in expected.items():
        response = client.open(path, method=method)
        assert response.status_code == status, (method, path)
    link = client.post("/compte/franceconnect/lier").headers["Location"]
    assert link.startswith(franceconnect.url) == signed_in
    login = client.post("/compte/franceconnect/connexion").headers["Location"]
    assert login.startswith(franceconnect.url) != signed_in


def test_the_client_checks_the_issuer_of_the_configuration(app):
    with app.test_request_context():
        assert fc_client.issuer({"FRANCECONNECT_ISSUER": "", "FRANCECONNECT_ENV": "integration"}).startswith(
            "https://fcp-low.integ01.dev-franceconnect.fr/api/v2"
        )
