"""Who has an account cannot be learned from registration or the password-reset request:
the same answer and a comparable delay for a known and an unknown address (and rate limits)."""

from __future__ import annotations

import statistics
import time

import pytest

from tests.accounts.conftest import PASSWORD, make_account, text

KNOWN = "ana@example.org"
ROUNDS = 5
MAX_RATIO = 1.5  # generous: the machine is shared, what matters is no systematic gap


def _answer(client, path: str, data: dict) -> tuple[int, str, str]:
    """Status, redirect target and the page the person then sees (their own address blanked)."""
    response = client.post(path, data=data)
    location = response.headers.get("Location", "")
    page = text(client.get(location)) if response.status_code == 302 else text(response)
    return response.status_code, location, page.replace(data["email"], "EMAIL")


def _median_seconds(client, path: str, data_for) -> float:
    times = []
    for i in range(ROUNDS):
        started = time.perf_counter()
        client.post(path, data=data_for(i))
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _comparable(known: float, unknown: float) -> None:
    print(f"median delay: known {known * 1000:.0f} ms, unknown {unknown * 1000:.0f} ms")  # shown with -s
    assert max(known, unknown) / min(known, unknown) < MAX_RATIO, f"known {known:.3f}s, unknown {unknown:.3f}s"


@pytest.fixture
def ana(app):
    with app.app_context():
        return make_account(KNOWN)


def _registration(email: str, password: str = PASSWORD) -> dict:
    return {"email": email, "display_name": "Someone", "password": password, "password_confirm": password}


@pytest.mark.parametrize("password", [PASSWORD, "short", "aaaaaaaaaaaaaa"], ids=["good", "too short", "too simple"])
def test_registration_answers_the_same_for_a_taken_address(app, ana, outbox, password):
    known = _answer(app.test_client(), "/compte/inscription", _registration(KNOWN, password))
    unknown = _answer(app.test_client(), "/compte/inscription", _registration("nina@example.org", password))
    assert known == unknown


def test_registration_takes_as_long_for_a_taken_address(app, ana, outbox):
    client = app.test_client()
    client.post("/compte/inscription", data=_registration("warm-up@example.org"))  # first-request costs
    known = _median_seconds(client, "/compte/inscription", lambda i: _registration(KNOWN))
    unknown = _median_seconds(client, "/compte/inscription", lambda i: _registration(f"new{i}@example.org"))
    _comparable(known, unknown)


@pytest.mark.parametrize("email", [KNOWN, "ANA@example.org ", "nobody@example.org", "nobody@elsewhere.org"])
def test_reset_request_answers_the_same(app, ana, outbox, email):
    assert _answer(app.test_client(), "/compte/mot-de-passe-oublie", {"email": email}) == _answer(
        app.test_client(), "/compte/mot-de-passe-oublie", {"email": "someone-else@example.org"}
    )


def test_reset_request_takes_as_long_for_a_known_address(app, ana, outbox):
    client = app.test_client()
    client.post("/compte/mot-de-passe-oublie", data={"email": "warm-up@example.org"})
    known = _median_seconds(client, "/compte/mot-de-passe-oublie", lambda i: {"email": KNOWN})
    unknown = _median_seconds(client, "/compte/mot-de-passe-oublie", lambda i: {"email": f"x{i}@example.org"})
    assert len(outbox()) == ROUNDS  # the known address did get its links
    _comparable(known, unknown)


def test_reset_request_waits_only_when_it_sends_inline(app, ana, outbox, monkeypatch):
    """With a queue, nothing account-specific happens in the request: no need to wait."""
    sent = []
    monkeypatch.setattr("participatory.accounts.views.auth.enqueue", lambda *args: sent.append(args) or True)
    started = time.perf_counter()
    assert app.test_client().post("/compte/mot-de-passe-oublie", data={"email": KNOWN}).status_code == 302
    assert time.perf_counter() - started < app.config["ACCOUNT_ANSWER_MIN_MS"] / 1000
    assert len(sent) == 1 and outbox() == []


def test_naming_accounts_in_the_application_form_is_rate_limited(limited_app):
    from tests.accounts.conftest import sign_in

    with limited_app.app_context():
        user = make_account("candidate@example.org")
    client = limited_app.test_client()
    sign_in(client, user)
    statuses = [client.post("/elections/999999/candidater", data={}).status_code for _ in range(3)]
    assert statuses[-1] == 429 and 429 not in statuses[:2]
