"""Pages and API details: CSRF, Paris times, filters, API errors, refusals that store nothing."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest

from participatory import clock
from participatory.calls import rules
from participatory.calls.models import Ballot
from participatory.calls.views import money
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


@pytest.mark.parametrize(
    ("rule", "alert"), [("equal-shares", "alert-warning"), ("equal-shares-completed", "alert-light")]
)
def test_the_call_form_warns_that_plain_equal_shares_may_leave_budget_unspent(app, session, rule, alert):
    now = clock.now()
    call = builders.call(session, now, rules.PROPOSALS, rule=rule)
    mp = builders.mp(session, now)
    session.commit()
    client = app.test_client()
    sign_in(client, mp)
    page = client.get(f"/appels/{call.id}/modifier").get_data(as_text=True)
    assert 'id="rule-warning"' in page and "non dépensée" in page
    # Highlighted only when the call's rule is plain equal shares.
    assert f'id="rule-warning" class="alert {alert}' in page


def test_the_results_page_says_what_completion_did_with_the_rest_of_the_budget(app, session):
    from tests.builders import make_closed_call

    now = clock.now()
    world = make_closed_call(session, now, proposals=8, voters=20, rule="equal-shares-completed")
    result = world.result
    plain = result.alternatives["equal-shares"]["spent_cents"]
    by_stage = {"equal-shares": 0, "greedy-completion": 0}
    for line in result.projects:
        if line["stage"] in by_stage:
            by_stage[line["stage"]] += line["cost_cents"]
    assert sum(by_stage.values()) == result.spent_cents
    page = app.test_client().get(f"/appels/{world.call.id}/resultats").get_data(as_text=True)
    sentence = page.split('id="completion-summary">', 1)[1].split("</p>", 1)[0]
    with app.test_request_context():
        shown = [money(c) for c in (plain, by_stage["equal-shares"], by_stage["greedy-completion"])]
    # The three amounts, in order: plain equal shares, equal shares at the raised share, the greedy top-up.
    at = [sentence.index(html.escape(a)) for a in shown]
    assert at == sorted(at), (sentence, shown)


def test_the_results_page_has_no_completion_sentence_for_other_rules(app, session):
    from tests.builders import make_closed_call

    world = make_closed_call(session, clock.now(), rule="equal-shares")
    page = app.test_client().get(f"/appels/{world.call.id}/resultats").get_data(as_text=True)
    assert 'id="completion-summary"' not in page
