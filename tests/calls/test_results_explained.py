"""The results page explains equal shares from the published explanations.json (Flask client)."""

from __future__ import annotations

import json
import re
from fractions import Fraction

import pytest
from sqlalchemy import select

from participatory import clock
from participatory.calls.exports import stored_files
from participatory.calls.models import Ballot, CallResult
from participatory.calls.views import money
from tests.builders import make_closed_call


def published(session, call_id: int) -> dict:
    return json.loads(stored_files(session, call_id)["explanations.json"].content)


@pytest.mark.parametrize("rule", ["equal-shares", "equal-shares-completed"])
def test_rounds_table_chart_and_exclusions_show_the_published_rounds(app, session, rule):
    world = make_closed_call(session, clock.now(), rule=rule, voters=25)
    document = published(session, world.call.id)
    explanation = document["explanation"]
    assert explanation["rule"] == rule and explanation["rounds"]
    response = app.test_client().get(f"/appels/{world.call.id}/resultats")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    table = page.split('id="rounds-table"', 1)[1].split("</table>", 1)[0]
    assert len(re.findall(r'<tr data-round="\d+">', table)) == len(explanation["rounds"])
    chart = page.split('id="rounds-chart"', 1)[1].split("</svg>", 1)[0]
    assert 'role="img"' in page.split('id="rounds-chart"', 1)[0][-200:] + chart[:200]
    assert len(re.findall(r'class="chart-round"', chart)) == len(explanation["rounds"])
    assert len(re.findall(r'class="chart-added"', chart)) == len(explanation["additions"])
    assert "<desc" in chart  # the chart's text alternative
    with app.test_request_context():
        first = explanation["rounds"][0]
        assert money(round(Fraction(first["max_payment"]))) in table.replace("&nbsp;", "\xa0")
    reasons = re.findall(r'data-reason="(\w+)"', page)
    assert len(reasons) == len(explanation["exclusions"])
    assert ('id="completion-explained"' in page) == (rule == "equal-shares-completed")


def test_greedy_call_shows_fairness_but_no_rounds(app, session):
    world = make_closed_call(session, clock.now(), rule="greedy")
    assert published(session, world.call.id)["explanation"] is None
    page = app.test_client().get(f"/appels/{world.call.id}/resultats").get_data(as_text=True)
    assert 'id="fairness-table"' in page and 'id="rounds-table"' not in page and 'id="my-share"' not in page


def test_fairness_figures_for_every_rule_match_the_ballots(app, session):
    world = make_closed_call(session, clock.now(), voters=20)
    result = session.scalar(select(CallResult).where(CallResult.call_id == world.call.id))
    ballots = [
        {i.proposal_id for i in b.items} for b in session.scalars(select(Ballot).where(Ballot.call_id == world.call.id))
    ]
    fairness = published(session, world.call.id)["fairness"]
    assert set(fairness) == {"greedy", "equal-shares", "equal-shares-completed"}
    for rule, figures in fairness.items():
        winners = set(result.alternatives[rule]["selected"])
        counts = [len(b & winners) for b in ballots]
        assert Fraction(figures["winners_per_ballot"]) == Fraction(sum(counts), len(ballots))
        assert figures["with_a_winner"] == sum(1 for c in counts if c)
    page = app.test_client().get(f"/appels/{world.call.id}/resultats").get_data(as_text=True)
    rows = page.split('id="fairness-table"', 1)[1].split("</table>", 1)[0]
    assert rows.count("<tr data-rule=") == 3


def test_hypothetical_ballot_shows_how_a_share_is_spent(app, session):
    world = make_closed_call(session, clock.now(), rule="equal-shares", voters=25)
    explanation = published(session, world.call.id)["explanation"]
    projects = {p["project"]: p["proposal_id"] for p in published(session, world.call.id)["projects"]}
    first = explanation["rounds"][0]
    chosen = projects[first["project"]]
    client = app.test_client()
    response = client.get(f"/appels/{world.call.id}/resultats?essai=1&projet={chosen}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    answer = page.split('id="my-share-result"', 1)[1].split("</div>", 1)[0]
    share = Fraction(explanation["share"])
    paid = min(share, Fraction(first["max_payment"]))  # round 1: every supporter still holds the whole share
    with app.test_request_context():
        assert money(round(paid)) in answer.replace("&nbsp;", "\xa0")
        assert money(round(share - paid)) in answer.replace("&nbsp;", "\xa0")
    assert f'value="{chosen}" id="essai-{chosen}" checked' in page
    # Nothing ticked: the share stays whole.
    page = client.get(f"/appels/{world.call.id}/resultats?essai=1").get_data(as_text=True)
    assert 'id="my-share-result"' in page


@pytest.mark.parametrize("query", ["projet=abc", "projet=999999", "projet=-1", "projet=" + "9" * 40])
def test_hypothetical_ballot_refuses_what_is_not_on_the_ballot(app, session, query):
    world = make_closed_call(session, clock.now(), rule="equal-shares")
    response = app.test_client().get(f"/appels/{world.call.id}/resultats?essai=1&{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page and 'id="my-share-result"' not in page


def test_hypothetical_ballot_is_bounded_by_the_number_of_projects(app, session):
    world = make_closed_call(session, clock.now(), rule="equal-shares", proposals=3)
    pid = world.proposals[0].id
    response = app.test_client().get(f"/appels/{world.call.id}/resultats?essai=1" + f"&projet={pid}" * 50)
    assert response.status_code == 400


def test_results_page_is_in_english_too(app, session):
    world = make_closed_call(session, clock.now(), rule="equal-shares-completed")
    client = app.test_client()
    client.set_cookie("lang", "en")
    page = client.get(f"/appels/{world.call.id}/resultats").get_data(as_text=True)
    assert "How equal shares spent the budget" in page and "What equal shares means for me" in page


def test_report_files_are_listed_in_the_manifest_and_standalone(app, session):
    world = make_closed_call(session, clock.now(), rule="equal-shares-completed")
    files = stored_files(session, world.call.id)
    manifest = json.loads(files["manifest.json"].content)
    listed = {f["name"]: f["sha256"] for f in manifest["files"]}
    for name in ("explanations.json", "report.html", "report.pdf"):
        assert listed[name] == files[name].sha256
    html = files["report.html"].content.decode("utf-8")
    assert "<style>" in html and not re.search(r'(src|href)=["\']?(https?:)?//', html)
    assert "<script" not in html and "<link" not in html
    for name in ("results.json", "ballots.pb", "explanations.json"):
        assert files[name].sha256 in html  # the report carries the data's hashes
    assert files["report.pdf"].content.startswith(b"%PDF-")
    client = app.test_client()
    code, year = world.call.constituency_code, world.call.year
    for name in ("report.html", "report.pdf", "explanations.json"):
        response = client.get(f"/api/v1/calls/{code}/exports/{name}?year={year}")
        assert response.status_code == 200 and response.data == files[name].content
        assert response.headers["Content-Disposition"].startswith("attachment")
