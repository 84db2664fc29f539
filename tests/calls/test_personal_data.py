"""The personal-data download holds the person's part of the calls: proposals, ballots while linked,
reports, and an MP's reviews, moderations and implementation updates; nobody else's."""

from __future__ import annotations

import json
from datetime import date

from participatory import clock
from participatory.calls import rules
from participatory.calls.models import ImplementationUpdate, ProposalReport
from participatory.calls.services import ballots
from tests.calls import builders
from tests.calls.conftest import sign_in


def test_the_download_holds_proposals_ballots_reports_and_mp_work(app, session):
    now = clock.now()
    person = builders.user(session, now)
    other = builders.user(session, now)
    mp = builders.mp(session, now)
    call = builders.call(session, now, rules.VOTING)
    mine = builders.proposal(session, now, call, person, title="Mon banc", lat=44.84, lon=-0.58)
    theirs = builders.proposal(session, now, call, other, title="Leur fontaine")
    mine.reviewed_by_id = mp.id
    ballots.cast(session, person, now, call.id, [mine.id, theirs.id])
    ballots.cast(session, other, now, call.id, [theirs.id])
    session.add(ProposalReport(proposal_id=theirs.id, reporter_id=person.id, reason="Doublon", created_at=now))
    session.add(
        ImplementationUpdate(
            proposal_id=mine.id,
            status="planned",
            note="",
            happened_on=date(2026, 1, 5),
            created_at=now,
            author_id=mp.id,
        )
    )
    session.commit()
    client = app.test_client()
    sign_in(client, person)
    document = json.loads(client.get("/compte/mes-donnees.json").get_data(as_text=True))
    assert [p["title"] for p in document["proposals"]] == ["Mon banc"]
    assert document["proposals"][0]["call"]["constituency"] == "33-04"
    assert len(document["ballots"]) == 1
    assert [p["title"] for p in document["ballots"][0]["projects"]] == ["Mon banc", "Leur fontaine"]
    assert document["proposal_reports"] == [
        {
            "proposal": {"id": theirs.id, "title": "Leur fontaine"},
            "reason": "Doublon",
            "reported_at": document["proposal_reports"][0]["reported_at"],
        }
    ]
    assert "residence_letters" in document and "donations" in document
    sign_in(client, mp)
    work = json.loads(client.get("/compte/mes-donnees.json").get_data(as_text=True))["calls_work"]
    assert work["reviews"][0]["proposal"] == mine.id and work["implementation_updates"][0]["status"] == "planned"
