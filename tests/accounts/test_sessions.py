"""Server-side sessions: signing out (or changing the password, deleting the account) ends every
copy of the cookie; sessions end after SESSION_IDLE_MINUTES unused and SESSION_MAX_HOURS in all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from participatory import clock, create_app
from participatory.accounts import signin
from participatory.accounts.models import UserSession
from participatory.config import ConfigError
from participatory.extensions import db
from tests.accounts.conftest import PASSWORD, login, make_account

PRIVATE_PAGES = ("/compte", "/compte/mes-donnees.json", "/compte/profil")


def _signed_in_client(app, email: str = "ana@example.org"):
    client = app.test_client()
    assert login(client, email).status_code == 302
    return client


def _copy(app, client):
    """Another browser holding a copy of `client`'s session cookie (stolen, or a second tab)."""
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie.value)
    return thief


def _opens(client, path: str = "/compte") -> bool:
    return client.get(path).status_code == 200


def _rows(app):
    with app.app_context():
        return db.session.scalars(select(UserSession).order_by(UserSession.created_at)).all()


@pytest.fixture
def ana(app):
    with app.app_context():
        return make_account("ana@example.org")


def test_a_copied_cookie_dies_with_the_sign_out(app, ana):
    client = _signed_in_client(app)
    thief = _copy(app, client)
    assert all(_opens(thief, path) for path in PRIVATE_PAGES)  # the copy works while the session lives
    assert client.post("/compte/deconnexion").status_code == 302
    for path in PRIVATE_PAGES:
        response = thief.get(path)
        assert response.status_code == 302 and "/compte/connexion" in response.headers["Location"], path
    [row] = _rows(app)
    assert row.revoked_at is not None


def test_a_dead_session_cookie_is_emptied(app, ana):
    client = _signed_in_client(app)
    thief = _copy(app, client)
    client.post("/compte/deconnexion")
    thief.get("/compte")
    with thief.session_transaction() as flask_session:
        assert "_user_id" not in flask_session and signin.SESSION_KEY not in flask_session


def test_a_forged_or_missing_session_id_opens_nothing(app, ana):
    client = app.test_client()
    for session_id in (None, "", "forged", "x" * 200, 12):
        with client.session_transaction() as flask_session:
            flask_session.clear()
            flask_session["_user_id"] = str(ana.id)
            if session_id is not None:
                flask_session[signin.SESSION_KEY] = session_id
        assert not _opens(client), session_id


def test_a_session_of_one_user_does_not_open_another_account(app, ana):
    with app.app_context():
        ben = make_account("ben@example.org")
    client = _signed_in_client(app)
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = str(ben.id)  # the cookie is signed, but say the key leaked
    assert not _opens(client)


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/compte/mot-de-passe", {"current_password": PASSWORD, "password": "a new passphrase here"}),
        ("/compte/suppression", {"password": PASSWORD, "confirm": "y"}),
    ],
)
def test_password_change_and_deletion_end_the_other_sessions(app, ana, path, data):
    client = _signed_in_client(app)
    other = _signed_in_client(app)
    copy_of_other = _copy(app, other)
    if "password_confirm" not in data and "current_password" in data:
        data = data | {"password_confirm": data["password"]}
    assert client.post(path, data=data).status_code == 302
    assert not _opens(other) and not _opens(copy_of_other)
    if path == "/compte/mot-de-passe":
        assert _opens(client)  # the session that changed the password stays
    else:
        assert not _opens(client)
        assert _rows(app) == []  # the deleted person's sign-in times are erased with them


def test_sign_out_everywhere_ends_every_session(app, ana):
    client, other = _signed_in_client(app), _signed_in_client(app)
    copy = _copy(app, client)
    assert "Me déconnecter partout" in client.get("/compte").get_data(as_text=True)
    assert client.post("/compte/deconnexion-partout").status_code == 302
    assert not any(_opens(c) for c in (client, other, copy))
    assert all(row.revoked_at is not None for row in _rows(app))
    assert _opens(_signed_in_client(app))  # signing in again works


def test_an_idle_session_ends(app, ana):
    idle = app.config["SESSION_IDLE_MINUTES"]
    client = _signed_in_client(app)
    start = clock.now()
    clock.freeze(start + timedelta(minutes=idle - 1))
    assert _opens(client)  # used in time: it lives on, counted from now
    clock.freeze(start + timedelta(minutes=2 * idle - 2))
    assert _opens(client)
    clock.freeze(start + timedelta(minutes=3 * idle))
    assert not _opens(client)


def test_a_session_ends_after_its_lifetime_however_busy(app, ana):
    hours = app.config["SESSION_MAX_HOURS"]
    client = _signed_in_client(app)
    start = clock.now()
    step = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] // 2)
    moment = start
    while moment + step < start + timedelta(hours=hours):
        moment += step
        clock.freeze(moment)
        assert _opens(client), moment - start
    clock.freeze(start + timedelta(hours=hours, minutes=1))
    assert not _opens(client)


def test_the_limits_are_configurable(app, database_url, monkeypatch):
    short = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
            "SESSION_IDLE_MINUTES": 5,
            "SESSION_MAX_HOURS": 1,
        }
    )
    assert short.config["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=1)  # not Flask's 31 days
    with short.app_context():
        make_account("ana@example.org")
    client = _signed_in_client(short)
    start = clock.now()
    clock.freeze(start + timedelta(minutes=4))
    assert _opens(client)
    clock.freeze(start + timedelta(minutes=10))
    assert not _opens(client)
    with short.app_context():
        db.session.remove()


@pytest.mark.parametrize("key", ["SESSION_IDLE_MINUTES", "SESSION_MAX_HOURS"])
def test_a_session_limit_must_be_positive(key):
    with pytest.raises(ConfigError, match=key):
        create_app({"RATELIMIT_ENABLED": False, key: 0})


def test_last_seen_is_written_at_most_once_a_minute(app, ana):
    client = _signed_in_client(app)
    start = clock.now()
    [row] = _rows(app)
    assert row.last_seen_at.replace(tzinfo=None) == start.replace(tzinfo=None)
    clock.freeze(start + timedelta(seconds=59))
    assert _opens(client)
    assert _rows(app)[0].last_seen_at.replace(tzinfo=None) == start.replace(tzinfo=None)
    clock.freeze(start + timedelta(seconds=61))
    assert _opens(client)
    assert _rows(app)[0].last_seen_at.replace(tzinfo=None) == (start + timedelta(seconds=61)).replace(tzinfo=None)


def test_loading_the_signed_in_user_is_one_statement(app, ana):
    client = _signed_in_client(app)
    with client.session_transaction() as flask_session:
        cookie = dict(flask_session)
    statements = []
    with app.test_request_context("/compte"):
        from flask import session

        session.update(cookie)

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            user = signin.load_user(cookie["_user_id"])
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    assert user is not None and user.email == "ana@example.org"
    assert len(statements) == 1 and "user_session" in statements[0]


def test_the_personal_data_download_lists_the_sessions(app, ana):
    client = _signed_in_client(app)
    _signed_in_client(app).post("/compte/deconnexion")
    data = client.get("/compte/mes-donnees.json").get_json(force=True)
    assert len(data["sessions"]) == 2
    assert sorted(s["signed_out_at"] is None for s in data["sessions"]) == [False, True]
    assert not any(len(value or "") > 40 for s in data["sessions"] for value in s.values())  # times only
