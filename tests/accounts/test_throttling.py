"""Rate limits nobody can turn against someone else.

Sign-in (limits of the `limited_app` fixture: 3 failures per minute per address, 3 per 15 minutes
per account and browser, 4 per hour per account from unknown browsers): an attacker is stopped,
the owner's own browsers and address still get in. Voting is counted per account.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from participatory import create_app
from participatory.accounts.ratelimits import DEVICE_COOKIE
from participatory.extensions import db, limiter
from participatory.mail import read_outbox
from tests.accounts.conftest import PASSWORD, link_in, make_account, sign_in
from tests.servers import requires_redis_server

OWNER_HOME = "10.9.0.1"
WRONG = {"email": "ana@example.org", "password": "not the password"}
RIGHT = {"email": "ana@example.org", "password": PASSWORD}


def _from(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def _sign_in(client, address: str, data=RIGHT) -> int:
    return client.post("/compte/connexion", data=data, **_from(address)).status_code


@pytest.fixture
def owner(limited_app):
    """Ana signed in once from home (her browser and her address are known), then signed out."""
    with limited_app.app_context():
        make_account("ana@example.org")
    browser = limited_app.test_client()
    assert _sign_in(browser, OWNER_HOME) == 302
    assert browser.get_cookie(DEVICE_COOKIE, path="/compte") is not None
    assert browser.post("/compte/deconnexion", **_from(OWNER_HOME)).status_code == 302
    return browser


def _attack_from_many_addresses(app, attempts: int = 12) -> list[int]:
    attacker = app.test_client()
    return [_sign_in(attacker, f"203.0.113.{i}", WRONG) for i in range(attempts)]


def test_failures_from_many_addresses_do_not_lock_the_owner_out(limited_app, owner):
    statuses = _attack_from_many_addresses(limited_app)
    assert statuses[:4] == [400] * 4 and set(statuses[4:]) == {429}  # the account is held back for strangers
    # ... even the right password from an unknown browser at an unknown address waits:
    assert _sign_in(limited_app.test_client(), "198.51.100.7") == 429
    # ... but the owner's own browser gets in from anywhere, and any browser at her usual address.
    assert _sign_in(owner, "192.0.2.50") == 302
    assert _sign_in(limited_app.test_client(), OWNER_HOME) == 302


def test_an_attacker_at_one_address_is_stopped_even_with_the_right_password(limited_app, owner):
    attacker = limited_app.test_client()
    statuses = [_sign_in(attacker, "203.0.113.9", WRONG) for _ in range(3)]
    assert statuses == [400, 400, 400]
    assert _sign_in(attacker, "203.0.113.9") == 429  # the guess that would have been right is not tried
    assert _sign_in(owner, OWNER_HOME) == 302  # the owner is untouched


def test_one_address_guessing_many_accounts_is_stopped(limited_app):
    attacker = limited_app.test_client()
    statuses = [
        _sign_in(attacker, "203.0.113.20", {"email": f"user{i}@example.org", "password": "guess"}) for i in range(5)
    ]
    assert statuses[:3] == [400] * 3 and statuses[3:] == [429, 429]


def test_a_forged_device_cookie_earns_no_trust(limited_app, owner):
    _attack_from_many_addresses(limited_app)
    forger = limited_app.test_client()
    stolen_shape = owner.get_cookie(DEVICE_COOKIE, path="/compte").value
    forger.set_cookie(DEVICE_COOKIE, stolen_shape[:-4] + "AAAA", path="/compte")  # signature broken
    assert _sign_in(forger, "198.51.100.8") == 429
    forger.set_cookie(DEVICE_COOKIE, "garbage", path="/compte")
    assert _sign_in(forger, "198.51.100.8") == 429


def test_a_password_reset_makes_the_browser_trusted(limited_app, owner):
    _attack_from_many_addresses(limited_app)
    laptop = limited_app.test_client()  # a new browser at a new address: held back
    assert _sign_in(laptop, "198.51.100.9") == 429
    assert laptop.post("/compte/mot-de-passe-oublie", data={"email": "ana@example.org"}).status_code == 302
    link = link_in(read_outbox(Path(limited_app.config["OUTBOX_DIR"]))[-1], "/compte/reinitialiser/")
    new = "another long passphrase"
    reset = laptop.post(link, data={"password": new, "password_confirm": new}, **_from("198.51.100.9"))
    assert reset.status_code == 302
    assert _sign_in(laptop, "198.51.100.9", {"email": "ana@example.org", "password": new}) == 302


def test_a_successful_sign_in_does_not_spend_the_budget(limited_app, owner):
    for _ in range(6):  # more than every limit: only failures count
        assert _sign_in(owner, OWNER_HOME) == 302
        owner.post("/compte/deconnexion", **_from(OWNER_HOME))


# --- Voting -------------------------------------------------------------------------------------


def test_voters_behind_one_address_each_have_their_own_budget(limited_app):
    """RATELIMIT_VOTE is 2 per minute here; a family behind one NAT address."""
    with limited_app.app_context():
        first, second = make_account("first@example.org"), make_account("second@example.org")
    family = "10.4.0.1"
    anonymous = limited_app.test_client()
    assert [anonymous.post("/appels/999999/vote", **_from(family)).status_code for _ in range(3)][-1] == 429
    one, two = limited_app.test_client(), limited_app.test_client()
    sign_in(one, first)
    sign_in(two, second)
    statuses_one = [one.post("/appels/999999/vote", **_from(family)).status_code for _ in range(3)]
    assert 429 not in statuses_one[:2] and statuses_one[2] == 429  # the limit is real
    statuses_two = [two.post("/appels/999999/vote", **_from(family)).status_code for _ in range(2)]
    assert 429 not in statuses_two  # neither the anonymous requests nor the first voter spent it
    # ... and a voter keeps their own budget from another address.
    assert one.post("/appels/999999/vote", **_from("10.4.0.2")).status_code == 429


@requires_redis_server
def test_known_addresses_are_shared_through_redis(app, database_url, own_redis, tmp_path, monkeypatch):
    """With several app servers the known addresses live in Redis with the counters."""
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)
    settings = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SERVER_NAME": "localhost",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": True,
        "REDIS_URL": own_redis.url,
        "JOBS_INLINE": True,
        "OUTBOX_DIR": str(tmp_path),
        "RATELIMIT_LOGIN_ACCOUNT": "2 per hour",
    }
    first = create_app(settings)
    limiter.reset()
    try:
        with first.app_context():
            make_account("ana@example.org")
        assert _sign_in(first.test_client(), OWNER_HOME) == 302
        second = create_app(settings)  # another server: nothing in its memory
        assert [_sign_in(second.test_client(), f"203.0.113.{i}", WRONG) for i in range(3)][-1] == 429
        assert _sign_in(second.test_client(), OWNER_HOME) == 302
    finally:
        limiter.reset()
        with first.app_context():
            db.session.remove()
