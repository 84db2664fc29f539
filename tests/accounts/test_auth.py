"""Registration, email confirmation, sign-in and sign-out, password reset: through the pages and the outbox."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from participatory import clock
from participatory.accounts.models import AccountToken, User, UserSession
from participatory.audit.models import AuditEvent
from participatory.extensions import db
from tests.accounts.conftest import PASSWORD, link_in, login, make_account, sign_in, text

NEW = {"email": "Nina@Example.org ", "display_name": "Nina", "password": PASSWORD, "password_confirm": PASSWORD}


def _users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_register_confirm_then_sign_in(app, client, outbox):
    response = client.post("/compte/inscription", data=NEW)
    assert response.status_code == 302 and response.headers["Location"].endswith("/compte/connexion")
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.email == "nina@example.org"  # lower-cased, trimmed
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
        assert user.email_confirmed_at is None
        assert db.session.scalar(select(AuditEvent.action)) == "account.registered"
    [message] = outbox()
    assert message["To"] == "nina@example.org"
    confirm = client.get(link_in(message, "/compte/confirmer/"))
    assert confirm.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User)).email_confirmed_at is not None
    signed = login(client, "NINA@example.org")
    assert signed.status_code == 302 and signed.headers["Location"].endswith("/compte")
    assert "nina@example.org" in text(client.get("/compte"))


def test_registering_a_taken_address_says_the_same_and_warns_the_owner(app, client, outbox):
    with app.app_context():
        make_account("nina@example.org")
    response = client.post("/compte/inscription", data=NEW)
    assert response.status_code == 302 and response.headers["Location"].endswith("/compte/connexion")
    assert _users(app) == 1
    [message] = outbox()
    assert "/compte/confirmer/" not in message.get_content() and "/compte/mot-de-passe-oublie" in message.get_content()


def test_wrong_password_and_unknown_email_get_the_same_answer(app, client):
    with app.app_context():
        make_account("nina@example.org")
    wrong = login(client, "nina@example.org", "not the right password")
    unknown = login(client, "nobody@example.org", "not the right password")
    assert wrong.status_code == unknown.status_code == 400
    assert "Adresse électronique ou mot de passe incorrect." in text(wrong)
    assert "Adresse électronique ou mot de passe incorrect." in text(unknown)
    assert 'value="nina@example.org"' in text(wrong) and "not the right password" not in text(wrong)


def test_sign_in_goes_back_only_to_a_local_page(app, client):
    with app.app_context():
        make_account("nina@example.org")
    response = client.post(
        "/compte/connexion?next=https://evil.example/", data={"email": "nina@example.org", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"
    client.post("/compte/deconnexion")
    response = client.post(
        "/compte/connexion?next=/compte/residence", data={"email": "nina@example.org", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/compte/residence"


def test_signed_out_visitors_sign_in_and_come_back(app, client):
    with app.app_context():
        make_account("nina@example.org")
    response = client.get("/compte/residence")
    assert response.status_code == 302 and "/compte/connexion?next=" in response.headers["Location"]
    form_page = client.get(response.headers["Location"])
    assert "Connectez-vous pour accéder à cette page." in text(form_page)
    signed = client.post(response.headers["Location"], data={"email": "nina@example.org", "password": PASSWORD})
    assert signed.headers["Location"] == "/compte/residence"


def test_sign_out_is_a_post_and_ends_the_session(app, client):
    with app.app_context():
        user = make_account("nina@example.org")
    sign_in(client, user)
    assert client.get("/compte/deconnexion").status_code == 405
    assert client.post("/compte/deconnexion").status_code == 302
    assert client.get("/compte").status_code == 302


def test_signing_in_starts_a_fresh_session(app, client):
    with app.app_context():
        make_account("nina@example.org")
    with client.session_transaction() as flask_session:
        flask_session["planted"] = "by an attacker"
    login(client, "nina@example.org")
    with client.session_transaction() as flask_session:
        assert "planted" not in flask_session and flask_session["_user_id"]


def test_password_reset_then_old_sessions_end(app, client, outbox):
    with app.app_context():
        user = make_account("nina@example.org")
    other_device = app.test_client()
    login(other_device, "nina@example.org")
    assert other_device.get("/compte").status_code == 200
    response = client.post("/compte/mot-de-passe-oublie", data={"email": "nina@example.org"})
    assert response.status_code == 302
    [message] = outbox()
    link = link_in(message, "/compte/reinitialiser/")
    assert client.get(link).status_code == 200
    new = "a brand new passphrase"
    assert client.post(link, data={"password": new, "password_confirm": new}).status_code == 302
    assert login(client, "nina@example.org").status_code == 400  # the old password no longer works
    assert login(client, "nina@example.org", new).status_code == 302
    assert other_device.get("/compte").status_code == 302  # signed out everywhere else
    with app.app_context():
        live = db.session.scalars(
            select(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        ).all()
        assert len(live) == 1  # only the sign-in made after the reset


def test_forgotten_password_for_an_unknown_address_looks_the_same(client, outbox):
    response = client.post("/compte/mot-de-passe-oublie", data={"email": "nobody@example.org"})
    assert response.status_code == 302 and outbox() == []


def test_reset_link_is_single_use(app, client, outbox):
    with app.app_context():
        make_account("nina@example.org")
    client.post("/compte/mot-de-passe-oublie", data={"email": "nina@example.org"})
    link = link_in(outbox()[0], "/compte/reinitialiser/")
    new = "a brand new passphrase"
    assert client.post(link, data={"password": new, "password_confirm": new}).status_code == 302
    again = client.post(link, data={"password": "yet another passphrase", "password_confirm": "yet another passphrase"})
    assert again.status_code == 400 and "Ce lien a déjà été utilisé." in text(again)
    assert client.get(link).status_code == 400
    assert login(client, "nina@example.org", new).status_code == 302


def test_reset_link_expires_after_an_hour(app, client, outbox):
    with app.app_context():
        make_account("nina@example.org")
    client.post("/compte/mot-de-passe-oublie", data={"email": "nina@example.org"})
    link = link_in(outbox()[0], "/compte/reinitialiser/")
    with app.app_context():
        db.session.execute(update(AccountToken).values(expires_at=clock.now() - timedelta(seconds=1)))
        db.session.commit()
    new = "a brand new passphrase"
    response = client.post(link, data={"password": new, "password_confirm": new})
    assert response.status_code == 400 and "Ce lien a expiré" in text(response)
    assert login(client, "nina@example.org").status_code == 302  # unchanged


def test_a_new_reset_link_cancels_the_previous_one(app, client, outbox):
    with app.app_context():
        make_account("nina@example.org")
    client.post("/compte/mot-de-passe-oublie", data={"email": "nina@example.org"})
    client.post("/compte/mot-de-passe-oublie", data={"email": "nina@example.org"})
    first, second = (link_in(m, "/compte/reinitialiser/") for m in outbox())
    assert client.get(first).status_code == 400 and client.get(second).status_code == 200


def test_confirmation_link_expiry_and_reuse(app, client, outbox):
    client.post("/compte/inscription", data=NEW)
    link = link_in(outbox()[0], "/compte/confirmer/")
    assert client.get(link).status_code == 302
    reused = client.get(link)
    assert reused.status_code == 400 and "Ce lien a déjà été utilisé." in text(reused)
    with app.app_context():
        user = db.session.scalar(select(User))
        user.email_confirmed_at = None
        db.session.commit()
        sign_in(client, user)
    client.post("/compte/confirmation")  # a new link
    fresh = link_in(outbox()[-1], "/compte/confirmer/")
    with app.app_context():
        db.session.execute(
            update(AccountToken)
            .where(AccountToken.used_at.is_(None))
            .values(expires_at=clock.now() - timedelta(minutes=1))
        )
        db.session.commit()
    expired = client.get(fresh)
    assert expired.status_code == 400 and "Ce lien a expiré" in text(expired)
    with app.app_context():
        assert db.session.scalar(select(User)).email_confirmed_at is None
    assert client.get("/compte/confirmer/" + "x" * 500).status_code == 400


def test_tokens_are_stored_hashed(app, client, outbox):
    client.post("/compte/inscription", data=NEW)
    token = link_in(outbox()[0], "/compte/confirmer/").rsplit("/", 1)[1]
    with app.app_context():
        stored = db.session.scalar(select(AccountToken.token_hash))
    assert token not in stored and len(stored) == 64


def test_change_password_needs_the_current_one_and_keeps_this_session(app, client):
    with app.app_context():
        make_account("nina@example.org")
    login(client, "nina@example.org")
    new = "a brand new passphrase"
    wrong = client.post(
        "/compte/mot-de-passe", data={"current_password": "nope", "password": new, "password_confirm": new}
    )
    assert wrong.status_code == 400 and "Le mot de passe actuel est incorrect." in text(wrong)
    ok = client.post(
        "/compte/mot-de-passe", data={"current_password": PASSWORD, "password": new, "password_confirm": new}
    )
    assert ok.status_code == 302 and client.get("/compte").status_code == 200


def test_smtp_delivery_of_the_reset_link(app, client, monkeypatch):
    """Email through a real local SMTP server (aiosmtpd) when SMTP_URL is set."""
    from aiosmtpd.controller import Controller

    from tests.test_mail import _free_port

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    port = _free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{port}")
        with app.app_context():
            make_account("nina@example.org")
        client.post("/compte/mot-de-passe-oublie", data={"email": "nina@example.org"})
    finally:
        controller.stop()
    assert [e.rcpt_tos for e in received] == [["nina@example.org"]]
    assert b"/compte/reinitialiser/" in received[0].content


def test_an_unreachable_mail_server_is_not_a_500(app, client, monkeypatch):
    from tests.test_mail import _free_port

    monkeypatch.setitem(app.config, "SMTP_URL", f"smtp://127.0.0.1:{_free_port()}")  # nobody listens
    response = client.post("/compte/inscription", data=NEW)
    assert response.status_code == 302 and _users(app) == 1
