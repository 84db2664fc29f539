"""The security baseline: CSRF, rate limits, headers, cookies, refusal of unsafe production settings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from participatory import create_app
from participatory.accounts.models import User
from participatory.config import ConfigError
from participatory.extensions import db, limiter
from tests.accounts.conftest import PASSWORD, make_account, sign_in, text
from tests.servers import requires_redis_server

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "accounts"
STATIC_JS = Path(__file__).resolve().parents[2] / "static" / "js" / "residence-map.js"
NEW = {"email": "nina@example.org", "display_name": "Nina", "password": PASSWORD, "password_confirm": PASSWORD}


def _users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def _csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1)


# --- CSRF -------------------------------------------------------------------------------


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def test_a_form_without_its_csrf_token_is_refused_and_nothing_is_stored(app, client, csrf_on):
    response = client.post("/compte/inscription", data=NEW)
    assert response.status_code == 400 and _users(app) == 0
    forged = client.post("/compte/inscription", data=NEW | {"csrf_token": "forged"})
    assert forged.status_code == 400 and _users(app) == 0


def test_a_form_with_its_csrf_token_goes_through(app, client, csrf_on):
    token = _csrf_token(text(client.get("/compte/inscription")))
    assert client.post("/compte/inscription", data=NEW | {"csrf_token": token}).status_code == 302
    assert _users(app) == 1


def test_signing_out_needs_the_token_too(app, client, csrf_on):
    with app.app_context():
        user = make_account("ana@example.org")
    sign_in(client, user)
    assert client.post("/compte/deconnexion").status_code == 400
    assert client.get("/compte").status_code == 200  # still signed in
    token = _csrf_token(text(client.get("/compte")))  # the sign-out form in the menu carries it
    assert client.post("/compte/deconnexion", data={"csrf_token": token}).status_code == 302
    assert client.get("/compte").status_code == 302


# --- Rate limits ------------------------------------------------------------------------


def _from(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_sign_in_is_limited_per_address(limited_app):
    client = limited_app.test_client()
    for _ in range(3):
        assert (
            client.post(
                "/compte/connexion", data={"email": "x@example.org", "password": "wrong password"}, **_from("10.0.0.1")
            ).status_code
            == 400
        )
    blocked = client.post(
        "/compte/connexion", data={"email": "x@example.org", "password": "wrong password"}, **_from("10.0.0.1")
    )
    assert blocked.status_code == 429 and "Trop de requêtes" in text(blocked)
    other = client.post(
        "/compte/connexion", data={"email": "y@example.org", "password": "wrong password"}, **_from("10.0.0.2")
    )
    assert other.status_code == 400  # another address is not affected


def test_failed_sign_ins_are_limited_per_account_across_addresses(limited_app):
    client = limited_app.test_client()
    for i in range(4):
        response = client.post(
            "/compte/connexion",
            data={"email": "victim@example.org", "password": "guess number"},
            **_from(f"10.1.0.{i}"),
        )
        assert response.status_code == 400
    blocked = client.post(
        "/compte/connexion", data={"email": "victim@example.org", "password": "guess number"}, **_from("10.1.0.99")
    )
    assert blocked.status_code == 429


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/compte/inscription", {"email": "bad"}),
        ("/compte/mot-de-passe-oublie", {"email": "bad"}),
        ("/compte/reinitialiser/some-token", {"password": "x"}),
    ],
)
def test_registration_and_reset_are_limited(limited_app, path, data):
    client = limited_app.test_client()
    statuses = [client.post(path, data=data, **_from("10.2.0.1")).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]


def test_letter_codes_are_limited_per_account(limited_app):
    with limited_app.app_context():
        user = make_account("ana@example.org", constituency="33-04")
    client = limited_app.test_client()
    sign_in(client, user)
    statuses = [
        client.post("/compte/verification/code", data={"code-code": "ABCDE-FGHJK"}, **_from(f"10.3.0.{i}")).status_code
        for i in range(3)
    ]
    assert statuses == [400, 400, 429]


def test_voting_is_limited(limited_app):
    """The ballot route (calls domain) uses RATELIMIT_VOTE."""
    client = limited_app.test_client()
    statuses = [client.post("/appels/999999/vote", **_from("10.4.0.1")).status_code for _ in range(3)]
    assert statuses[-1] == 429 and 429 not in statuses[:2]


def test_vote_limit_is_offered_to_other_domains():
    from participatory.accounts.ratelimits import vote_limit

    assert callable(vote_limit)


def test_redis_is_the_storage_when_redis_url_is_set(app, database_url, own_redis, monkeypatch):
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    configured = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": False,
            "REDIS_URL": own_redis.url,
        }
    )
    assert configured.config["RATELIMIT_STORAGE_URI"] == own_redis.url
    assert create_app({"TESTING": True, "RATELIMIT_ENABLED": False}).config["RATELIMIT_STORAGE_URI"] == "memory://"


@requires_redis_server
def test_limits_count_in_redis(app, database_url, own_redis, tmp_path, monkeypatch):
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    limited = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "REDIS_URL": own_redis.url,
            "RATELIMIT_LOGIN": "2 per minute",
            "OUTBOX_DIR": str(tmp_path),
            "WTF_CSRF_ENABLED": False,
        }
    )
    limiter.reset()
    try:
        client = limited.test_client()
        statuses = [
            client.post("/compte/connexion", data={"email": "bad"}, **_from("10.5.0.1")).status_code for _ in range(3)
        ]
        assert statuses == [400, 400, 429]
    finally:
        limiter.reset()


# --- Headers, cookies, production settings ----------------------------------------------


def test_security_headers_in_development(client):
    response = client.get("/compte/connexion")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "geolocation=(self)" in response.headers["Permissions-Policy"]
    assert response.headers["Cache-Control"] == "no-store"  # account pages
    assert "Strict-Transport-Security" not in response.headers


@pytest.fixture
def production(monkeypatch, database_url):
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    monkeypatch.setenv("PARTICIPATORY_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 48)
    monkeypatch.setenv("AUDIT_SIGNING_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
            "SERVER_NAME": "localhost",
        }
    )


def test_hsts_and_secure_cookies_in_production(app, production):
    with production.app_context():
        make_account("ana@example.org")
    client = production.test_client()
    response = client.post("/compte/connexion", data={"email": "ana@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SECRET_KEY": "short-but-not-default"}, "at least 32"),
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
    ],
)
def test_production_refuses_weak_secrets(monkeypatch, env, message):
    monkeypatch.setenv("PARTICIPATORY_ENV", "production")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match=message):
        create_app({"RATELIMIT_ENABLED": False})


def test_production_refuses_insecure_cookies(monkeypatch):
    monkeypatch.setenv("PARTICIPATORY_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 48)
    with pytest.raises(ConfigError, match="Secure"):
        create_app({"RATELIMIT_ENABLED": False, "SESSION_COOKIE_SECURE": False})


def test_proxy_fix_trusts_only_the_configured_hops(monkeypatch, database_url):
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    proxied = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False, "PROXY_FIX_HOPS": 1}
    )
    assert type(proxied.wsgi_app).__name__ == "ProxyFix"
    plain = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False})
    assert type(plain.wsgi_app).__name__ != "ProxyFix"


def test_account_templates_carry_no_inline_script_or_style():
    sources = [p.read_text(encoding="utf-8") for p in TEMPLATES.glob("*.html")]
    assert sources
    for source in sources:
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", source)
        assert not re.search(r"\son[a-z]+=", source) and " style=" not in source
    assert "innerHTML" not in STATIC_JS.read_text(encoding="utf-8")  # the map writes text only
