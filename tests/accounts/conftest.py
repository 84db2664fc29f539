"""Fixtures of the accounts tests: a per-test outbox, accounts with real passwords, signing in."""

from __future__ import annotations

import html
import re
from datetime import datetime

import pytest

from participatory import clock, create_app
from participatory.accounts.models import User
from participatory.accounts.rules import RESIDENCE_DECLARED
from participatory.accounts.services.identity import hasher
from participatory.extensions import db, limiter
from participatory.mail import read_outbox
from tests.builders import make_user
from tests.conftest import sign_in  # noqa: F401  (the one sign-in helper; this folder's tests import it from here)

PASSWORD = "correct horse battery staple"
_HASHES: dict[str, str] = {}  # argon2 is slow on purpose: hash each test password once per run


def password_hash(password: str) -> str:
    if password not in _HASHES:
        _HASHES[password] = hasher.hash(password)
    return _HASHES[password]


BORDEAUX = (44.8378, -0.5792)  # Gironde
AT_SEA = (45.5, -3.0)  # Bay of Biscay: in no constituency


@pytest.fixture
def outbox(app, tmp_path, monkeypatch):
    """The .eml files written during the test, oldest first."""
    monkeypatch.setitem(app.config, "OUTBOX_DIR", str(tmp_path))
    monkeypatch.setitem(app.config, "SMTP_URL", "")
    return lambda: read_outbox(tmp_path)


def link_in(message, path_prefix: str) -> str:
    """The path of the first link to `path_prefix` in an email body."""
    body = message.get_content()
    match = re.search(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"[^\s]+)", body)
    assert match, f"no {path_prefix} link in: {body}"
    return match.group(1)


def make_account(
    email: str = "ana@example.org",
    *,
    password: str = PASSWORD,
    confirmed: bool = True,
    constituency: str | None = None,
    roles: tuple[tuple[str, str | None], ...] = (),
    now: datetime | None = None,
) -> User:
    """A committed account with a real argon2 password, its residence declared (call inside an app context)."""
    user = make_user(
        db.session,
        now or clock.now(),
        email.split("@")[0],
        constituency,
        *roles,
        level=RESIDENCE_DECLARED if confirmed else None,
        email=email,
        display_name=email.split("@")[0],
        password_hash=password_hash(password),
    )
    db.session.commit()
    db.session.refresh(user)
    db.session.expunge(user)  # loaded and detached: later commits do not expire it, its fields stay readable
    return user


def login(client, email: str, password: str = PASSWORD):
    return client.post("/compte/connexion", data={"email": email, "password": password})


def text(response) -> str:
    """The page as a reader sees it (entities decoded: "d'abord" rather than "d'abord")."""
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def limited_app(app, database_url, tmp_path, monkeypatch):
    """A second app on the same database with rate limiting on (tiny limits, memory storage).

    The limiter is one object for the process: its `enabled` flag is restored afterwards
    so that the other tests run unlimited.
    """
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    limited = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SERVER_NAME": "localhost",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "OUTBOX_DIR": str(tmp_path),
            "RATELIMIT_LOGIN": "3 per minute",
            "RATELIMIT_LOGIN_PAIR": "3 per 15 minutes",
            "RATELIMIT_LOGIN_ACCOUNT": "4 per hour",
            "RATELIMIT_ACCOUNT_LOOKUP": "2 per hour",
            "RATELIMIT_REGISTER": "2 per hour",
            "RATELIMIT_RESET": "2 per hour",
            "RATELIMIT_LETTER_CODE": "2 per hour",
            "RATELIMIT_EMAIL": "2 per hour",
            "RATELIMIT_VOTE": "2 per minute",
        }
    )
    limiter.reset()
    yield limited
    limiter.reset()
    with limited.app_context():
        db.session.remove()
