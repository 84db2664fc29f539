"""Roles: services, admin pages (one MP per constituency, history kept) and the `flask users` commands."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from participatory.accounts.errors import AccountError
from participatory.accounts.models import RoleGrant, User, current_mp_of
from participatory.accounts.rules import ADMIN, AUDITOR, CANDIDATE, MP
from participatory.accounts.services import roles
from participatory.audit.models import AuditEvent
from participatory.extensions import db
from tests.accounts.conftest import PASSWORD, login, make_account, sign_in, text

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def _get(user_id: int) -> User:
    return db.session.get(User, user_id)


def test_assigning_an_mp_replaces_the_previous_one_and_keeps_history(app_ctx):
    admin = make_account("admin@example.org", roles=((ADMIN, None),))
    first, second = make_account("first@example.org"), make_account("second@example.org")
    roles.assign_mp(db.session, _get(admin.id), constituency_code="33-04", email="first@example.org", now=NOW)
    roles.assign_mp(db.session, _get(admin.id), constituency_code="33-04", email="SECOND@example.org", now=NOW)
    db.session.commit()
    assert current_mp_of(db.session, "33-04").id == second.id
    history = roles.mp_history(db.session, "33-04")
    assert [(g.user_id, g.revoked_at is None) for g in history] == [(second.id, True), (first.id, False)]
    assert history[1].revoked_by_id == admin.id
    assert not _get(first.id).has_role(MP) and _get(second.id).has_role(MP, "33-04")
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
    assert actions == ["role.granted", "role.revoked", "role.granted"]


def test_an_mp_holds_one_constituency_at_a_time(app_ctx):
    mp = make_account("mp@example.org", roles=((MP, "33-04"),))
    with pytest.raises(AccountError, match="déjà député de 33-04"):
        roles.grant_role(db.session, None, _get(mp.id), role=MP, constituency_code="75-18", now=NOW)


@pytest.mark.parametrize(
    ("role", "code", "message"),
    [
        (MP, None, "exige une circonscription"),
        (MP, "99-99", "Circonscription inconnue"),
        (ADMIN, "33-04", "n'est pas lié"),
        ("emperor", None, "Rôle inconnu"),
    ],
)
def test_malformed_grants_are_refused(app_ctx, role, code, message):
    user = make_account()
    with pytest.raises(AccountError, match=message):
        roles.grant_role(db.session, None, _get(user.id), role=role, constituency_code=code, now=NOW)
    db.session.rollback()
    assert db.session.scalar(select(RoleGrant)) is None


def test_the_last_admin_cannot_be_removed(app_ctx):
    admin = make_account("admin@example.org", roles=((ADMIN, None),))
    with pytest.raises(AccountError, match="dernier administrateur"):
        roles.revoke_role(db.session, None, _get(admin.id), role=ADMIN, constituency_code=None, now=NOW)
    make_account("admin2@example.org", roles=((ADMIN, None),))
    roles.revoke_role(db.session, None, _get(admin.id), role=ADMIN, constituency_code=None, now=NOW)
    assert not _get(admin.id).has_role(ADMIN)


def test_admin_pages_grant_and_revoke(app, client):
    with app.app_context():
        admin = make_account("admin@example.org", roles=((ADMIN, None),))
        someone = make_account("someone@example.org")
    sign_in(client, admin)
    listing = text(client.get("/admin/utilisateurs?q=SOME"))
    assert "someone@example.org" in listing and "admin@example.org" not in listing
    assert client.post(f"/admin/utilisateurs/{someone.id}/roles", data={"role": AUDITOR}).status_code == 302
    again = client.post(f"/admin/utilisateurs/{someone.id}/roles", data={"role": AUDITOR})
    assert again.status_code == 400 and "a déjà le rôle Auditeur" in text(again)
    with app.app_context():
        grant = db.session.scalar(select(RoleGrant).where(RoleGrant.user_id == someone.id))
        grant_id = grant.id
    assert client.post(f"/admin/utilisateurs/{someone.id}/roles/{grant_id}/retrait").status_code == 302
    with app.app_context():
        assert not _get(someone.id).has_role(AUDITOR)
        assert db.session.get(RoleGrant, grant_id).revoked_by_id == admin.id
    # A grant of another user cannot be revoked through this user's page.
    with app.app_context():
        other = make_account("other@example.org", roles=((CANDIDATE, None),))
        other_grant = db.session.scalar(select(RoleGrant.id).where(RoleGrant.user_id == other.id))
    client.post(f"/admin/utilisateurs/{someone.id}/roles/{other_grant}/retrait")
    with app.app_context():
        assert _get(other.id).has_role(CANDIDATE)
    assert client.get("/admin/utilisateurs/999999").status_code == 404


def test_admin_assigns_the_mp_of_a_constituency(app, client):
    with app.app_context():
        admin = make_account("admin@example.org", roles=((ADMIN, None),))
        make_account("mp@example.org")
    sign_in(client, admin)
    missing = client.post("/admin/deputes/33-04", data={"email": "nobody@example.org"})
    assert missing.status_code == 400 and "Aucun compte n'a l'adresse nobody@example.org" in text(missing)
    assert 'value="nobody@example.org"' in text(missing)
    assert client.post("/admin/deputes/33-04", data={"email": "mp@example.org"}).status_code == 302
    page = text(client.get("/admin/deputes/33-04"))
    assert "mp@example.org" in page
    assert client.get("/admin/deputes/99-99").status_code == 404
    mp_client = client.application.test_client()
    login(mp_client, "mp@example.org", PASSWORD)
    assert mp_client.get("/gestion/courriers").headers["Location"].endswith("/gestion/courriers/33-04")


def _cli(app, *args, input=None):
    return app.test_cli_runner().invoke(args=["users", *args], input=input)


def test_cli_create_admin_grant_and_revoke(app):
    result = _cli(app, "create-admin", "Boss@Example.org", "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        boss = db.session.scalar(select(User).where(User.email == "boss@example.org"))
        assert boss.has_role(ADMIN) and boss.email_confirmed_at is not None
        make_account("mp@example.org")
    assert _cli(app, "create-admin", "boss@example.org").exit_code == 0  # already there: no password asked
    result = _cli(app, "grant", "mp@example.org", "mp", "--constituency", "33-04")
    assert result.exit_code == 0 and "mp of 33-04 granted" in result.output
    with app.app_context():
        assert current_mp_of(db.session, "33-04").email == "mp@example.org"
    assert _cli(app, "revoke", "mp@example.org", "mp").exit_code == 0
    with app.app_context():
        assert current_mp_of(db.session, "33-04") is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("grant", "nobody@example.org", "auditor"), "Aucun compte"),
        (("grant", "mp@example.org", "mp"), "exige une circonscription"),
        (("grant", "mp@example.org", "mp", "--constituency", "99-99"), "Circonscription inconnue"),
        (("grant", "mp@example.org", "king"), "Invalid value"),
        (("grant", "not-an-email", "auditor"), "n'est pas valide"),
        (("revoke", "mp@example.org", "auditor"), "n'a pas ce rôle"),
        (("create-admin", "new@example.org", "--password-stdin"), "au moins 12 caractères"),
    ],
)
def test_cli_refuses_bad_input_with_a_message_and_a_non_zero_exit(app, args, message):
    with app.app_context():
        make_account("mp@example.org")
    result = _cli(app, *args, input="short\n")
    assert result.exit_code != 0 and message in result.output
    with app.app_context():
        assert db.session.scalar(select(RoleGrant)) is None
        assert db.session.scalar(select(User).where(User.email == "new@example.org")) is None


def test_the_database_refuses_two_current_mps_of_one_constituency(app_ctx):
    from sqlalchemy.exc import IntegrityError

    first, second = make_account("first@example.org"), make_account("second@example.org")
    db.session.add(RoleGrant(user_id=first.id, role=MP, constituency_code="33-04", granted_at=NOW, revoked_at=NOW))
    db.session.add(RoleGrant(user_id=second.id, role=MP, constituency_code="33-04", granted_at=NOW))
    db.session.flush()  # a revoked grant is history: no conflict
    db.session.add(RoleGrant(user_id=first.id, role=MP, constituency_code="33-04", granted_at=NOW))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.postgres_only
def test_concurrent_assignments_leave_one_mp(app):
    """Two admins assign different MPs to the same constituency at the same moment."""
    import threading

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("concurrency claim checked on PostgreSQL (SQLite serialises writers anyway)")
        admin = make_account("admin@example.org", roles=((ADMIN, None),))
        make_account("first@example.org")
        make_account("second@example.org")
    barrier, outcomes = threading.Barrier(2), []

    def assign(email: str) -> None:
        with app.app_context():
            actor = db.session.get(User, admin.id)
            barrier.wait()
            try:
                roles.assign_mp(db.session, actor, constituency_code="33-04", email=email, now=NOW)
                db.session.commit()
                outcomes.append("ok")
            except AccountError:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=assign, args=(e,)) for e in ("first@example.org", "second@example.org")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    with app.app_context():
        current = list(
            db.session.scalars(select(RoleGrant).where(RoleGrant.role == MP, RoleGrant.revoked_at.is_(None)))
        )
    assert len(current) == 1 and sorted(outcomes) in (["ok", "ok"], ["ok", "refused"])
