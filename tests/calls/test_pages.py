"""Pages and API details: CSRF, Paris times, filters, API errors, refusals that store nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from participatory import clock
from participatory.calls import rules
from participatory.calls.models import Ballot
from tests.calls import builders
from tests.calls.conftest import sign_in


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def test_a_ballot_without_its_csrf_token_is_refused(app, session, csrf_on):
    now = clock.now()
    call = builders.call(session, now, rules.VOTING)
    project = builders.proposal(session, now, call)
    voter = builders.user(session, now)
    session.commit()
    client = app.test_client()
    sign_in(client, voter)
    page = client.get(f"/appels/{call.id}/vote").get_data(as_text=True)
    assert 'name="csrf_token"' in page
    response = client.post(f"/appels/{call.id}/vote", data={"projects": [str(project.id)]})
    assert response.status_code == 400 and session.query(Ballot).count() == 0


def test_call_dates_are_shown_and_edited_in_paris_time(app, session):
    now = clock.now()
    mp = builders.mp(session, now)
    call = builders.call(session, now, rules.PROPOSALS)
    call.voting_close_at = datetime(2030, 7, 1, 20, 0, tzinfo=UTC)  # 22:00 in Paris (summer time)
    session.commit()
    client = app.test_client()
    sign_in(client, mp)
    assert 'value="2030-07-01T22:00"' in client.get(f"/appels/{call.id}/modifier").get_data(as_text=True)
    assert "22:00" in client.get(f"/appels/{call.id}").get_data(as_text=True)


def test_the_list_of_calls_filters_by_phase_department_and_text(client, session):
    now = clock.now()
    builders.call(session, now, rules.VOTING, code="33-04", title="Bordeaux vote")
    builders.call(session, now, rules.PROPOSALS, code="75-18", title="Paris propose")
    session.commit()

    def listed(query):
        html = client.get("/appels" + query).get_data(as_text=True)
        return [t for t in ("Bordeaux vote", "Paris propose") if t in html]

    assert listed("") == ["Bordeaux vote", "Paris propose"]
    assert listed("?phase=voting") == ["Bordeaux vote"]
    assert listed("?departement=75") == ["Paris propose"]
    assert listed("?q=paris") == ["Paris propose"]
    assert listed("?phase=results") == []


def test_api_errors_are_json(client, session):
    now = clock.now()
    builders.call(session, now, rules.VOTING)
    session.commit()
    assert client.get("/api/v1/calls/75-18").status_code == 404
    pending = client.get("/api/v1/calls/33-04/results")
    assert pending.status_code == 404 and pending.get_json()["status"] == 404
    assert client.get("/api/v1/calls?phase=nope").status_code == 400
    assert client.get("/api/v1/calls?phase=voting").get_json()["count"] == 1


def test_the_call_api_publishes_no_personal_data(client, session):
    now = clock.now()
    call = builders.call(session, now, rules.VOTING)
    author = builders.user(session, now, email="secret.author@example.test")
    builders.proposal(session, now, call, author)
    session.commit()
    body = client.get("/api/v1/calls/33-04").get_data(as_text=True)
    assert "secret.author" not in body and author.pseudonym not in body and author.display_name not in body


def test_a_constituency_without_a_call_keeps_its_notice(client):
    html = client.get("/circonscriptions/ZZ-05").get_data(as_text=True)
    assert 'id="no-call"' in html
    assert client.get("/circonscriptions/ZZ-05/appel").status_code == 404


def test_unknown_ids_are_404(client):
    for url in (
        "/appels/999999",
        "/propositions/999999",
        "/appels/999999/resultats",
        "/circonscriptions/00-00/appel/nouveau",
    ):
        assert client.get(url).status_code == 404, url
