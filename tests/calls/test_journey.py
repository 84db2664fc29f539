"""A whole call through the real pages, in French and in English: an MP creates it, residents
propose, the MP's team moderates and reviews, residents vote (change, cancel), the vote closes,
results are published and followed up. Time passing is simulated by moving the call's dates."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from constituencies.models import Constituency
from participatory import clock
from participatory.audit.models import AuditEvent
from participatory.calls import rules
from participatory.calls.forms import PARIS
from participatory.calls.models import Ballot, Call, CallResult, Proposal
from participatory.mail import read_outbox
from participatory.tally import Election, Project, tally
from tests.calls import builders
from tests.calls.conftest import sign_in

TEXT = {
    "fr": {
        "new_call": "Nouvel appel à projets",
        "propose": "Proposer un projet",
        "ballot": "Mon bulletin",
        "receipt": "Votre code de reçu",
        "results": "Projets retenus",
        "other_rules": "Et avec une autre règle ?",
        "hidden": "Ce projet a été masqué par la modération.",
        "timeline": "Suivi de la réalisation",
        "refused": "Seuls les habitants de la circonscription peuvent participer.",
    },
    "en": {
        "new_call": "New call for projects",
        "propose": "Propose a project",
        "ballot": "My ballot",
        "receipt": "Your receipt code",
        "results": "Selected projects",
        "other_rules": "And with another rule?",
        "hidden": "This project was hidden by the moderators.",
        "timeline": "Implementation",
        "refused": "Only residents of the constituency can take part.",
    },
}


def local(moment: datetime) -> str:
    return moment.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")


def png_with_exif() -> bytes:
    image = Image.new("RGB", (40, 30), "green")
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    out = io.BytesIO()
    image.save(out, "PNG", exif=exif)
    return out.getvalue()


def client_for(app, user, locale):
    client = app.test_client()
    client.get(f"/lang/{locale}")
    if user is not None:
        sign_in(client, user)
    return client


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_a_call_from_creation_to_published_results(app, session, outbox, uploads, locale):
    t = TEXT[locale]
    now = clock.now()
    mp = builders.mp(session, now)
    residents = [builders.user(session, now) for _ in range(4)]
    outsider = builders.user(session, now, "75-18")
    session.commit()
    constituency = session.get(Constituency, "33-04")
    where = {"lat": constituency.label_lat, "lon": constituency.label_lon} if constituency.has_geometry else {}

    # 1. The MP creates the call through the form (proposals open an hour ago).
    mp_client = client_for(app, mp, locale)
    form = mp_client.get("/circonscriptions/33-04/appel/nouveau")
    assert form.status_code == 200 and t["new_call"] in html(form)
    created = mp_client.post(
        "/circonscriptions/33-04/appel/nouveau",
        data={
            "year": "2026",
            "title": "Budget participatif 2026",
            "description": "Des projets pour la 4e.",
            "budget": "100000",
            "proposals_open_at": local(now - timedelta(hours=1)),
            "review_open_at": local(now + timedelta(days=10)),
            "voting_open_at": local(now + timedelta(days=20)),
            "voting_close_at": local(now + timedelta(days=30)),
            "min_projects": "1",
            "max_projects": "2",
            "knapsack": "y",
            "rule": "greedy",
            "verification_level": "residence",
        },
    )
    assert created.status_code == 302, html(created)
    call = session.scalars(select(Call)).one()
    assert created.headers["Location"].endswith(f"/appels/{call.id}")
    assert call.budget_cents == 100_000_00 and call.max_projects == 2 and call.rule == "greedy"
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "call.created")) is not None

    # 2. Residents propose; someone from another constituency cannot.
    costs = [60_000, 30_000, 20_000, 5_000]
    for resident, cost in zip(residents, costs, strict=False):
        c = client_for(app, resident, locale)
        assert t["propose"] in html(c.get(f"/appels/{call.id}/proposer"))
        data = {
            "title": f"Projet à {cost} €",
            "summary": "Résumé",
            "description": "Description",
            "category": "mobility",
            "estimated_cost": str(cost),
            **where,
        }
        if resident is residents[0]:
            data["image"] = (io.BytesIO(png_with_exif()), "photo.png")
        response = c.post(f"/appels/{call.id}/proposer", data=data, content_type="multipart/form-data")
        assert response.status_code == 302, html(response)
    refused = client_for(app, outsider, locale).post(
        f"/appels/{call.id}/proposer",
        data={
            "title": "Intrus",
            "summary": "s",
            "description": "d",
            "category": "other",
            "estimated_cost": "10",
            **where,
        },
    )
    assert refused.status_code == 403 and t["refused"] in html(refused), (
        refused.status_code,
        refused.headers.get("Location"),
    )
    p1, p2, p3, p4 = session.scalars(select(Proposal).order_by(Proposal.id)).all()
    assert session.scalar(select(Proposal).where(Proposal.title == "Intrus")) is None
    # The image was re-encoded without its metadata and is served.
    image = client_for(app, None, locale).get(f"/propositions/{p1.id}/image")
    assert image.status_code == 200 and b"SecretCam" not in image.data
    assert Image.open(io.BytesIO(image.data)).format == "PNG"

    # The author edits their proposal while proposals are open.
    author = client_for(app, residents[1], locale)
    edited = author.post(
        f"/propositions/{p2.id}/modifier",
        data={
            "title": "Pistes cyclables",
            "summary": "Résumé",
            "description": "Description",
            "category": "mobility",
            "estimated_cost": "30000",
            **where,
        },
    )
    assert edited.status_code == 302
    session.refresh(p2)
    assert p2.title == "Pistes cyclables"

    # 3. A resident reports p4; the MP hides it with a public reason.
    assert (
        client_for(app, residents[0], locale)
        .post(f"/propositions/{p4.id}/signaler", data={"report-reason": "Publicité"})
        .status_code
        == 302
    )
    assert mp_client.get(f"/appels/{call.id}/gestion").status_code == 200
    assert (
        mp_client.post(f"/propositions/{p4.id}/masquer", data={"hide-reason": "Publicité commerciale"}).status_code
        == 302
    )
    public = html(client_for(app, None, locale).get(f"/propositions/{p4.id}"))
    assert t["hidden"] in public and "Publicité commerciale" in public and "Projet à 5000" not in public

    # 4. Review: p1, p2 feasible with final costs, p3 not feasible (with its reason); authors are told.
    builders.move_to(session, call, rules.REVIEW, now)
    session.commit()
    assert mp_client.get(f"/propositions/{p1.id}/examen").status_code == 200
    for proposal, data in [
        (p1, {"decision": "feasible", "final_cost": "65000"}),
        (p2, {"decision": "feasible", "final_cost": "30000"}),
        (p3, {"decision": "infeasible", "reason": "Terrain privé"}),
    ]:
        response = mp_client.post(f"/propositions/{proposal.id}/examen", data=data)
        assert response.status_code == 302, html(response)
    missing_reason = mp_client.post(f"/propositions/{p3.id}/examen", data={"decision": "infeasible", "reason": ""})
    assert missing_reason.status_code == 400
    assert "Terrain privé" in html(client_for(app, None, locale).get(f"/propositions/{p3.id}"))
    subjects = [m["Subject"] for m in read_outbox(outbox)]
    assert sum("réalisable" in s for s in subjects) == 3

    # 5. Voting: the ballot page lists feasible projects only; the server checks the rules.
    builders.move_to(session, call, rules.VOTING, now)
    session.commit()
    voters = [client_for(app, r, locale) for r in residents]
    page = html(voters[0].get(f"/appels/{call.id}/vote"))
    assert t["ballot"] in page and f'value="{p1.id}"' in page and f'value="{p3.id}"' not in page
    assert 'id="budget-progress"' in page and "ballot.js" in page
    over = voters[0].post(f"/appels/{call.id}/vote", data={"projects": [str(p1.id), str(p2.id)]})  # 95,000 € fits
    assert over.status_code == 200
    code = re.search(r'id="receipt-code">([0-9A-Z-]+)<', html(over)).group(1)
    assert t["receipt"] in html(over)
    assert voters[0].post(f"/appels/{call.id}/vote", data={"projects": [str(p3.id)]}).status_code == 400
    assert voters[1].post(f"/appels/{call.id}/vote", data={"projects": [str(p2.id)]}).status_code == 200
    # Voter 2 votes, changes their mind, cancels, votes again.
    assert voters[2].post(f"/appels/{call.id}/vote", data={"projects": [str(p1.id)]}).status_code == 200
    assert voters[2].post(f"/appels/{call.id}/vote", data={"projects": [str(p2.id)]}).status_code == 200
    assert voters[2].post(f"/appels/{call.id}/vote/annuler").status_code == 302
    assert voters[2].post(f"/appels/{call.id}/vote", data={"projects": [str(p2.id)]}).status_code == 200
    assert voters[3].post(f"/appels/{call.id}/vote", data={"projects": [str(p1.id)]}).status_code == 200
    assert (
        client_for(app, outsider, locale).post(f"/appels/{call.id}/vote", data={"projects": [str(p1.id)]}).status_code
        == 403
    )
    assert session.query(Ballot).count() == 4
    assert any(code in m.get_content() for m in read_outbox(outbox))
    # Results are not out before the close.
    assert client_for(app, None, locale).get("/api/v1/calls/33-04/results").status_code == 404

    # 6. The vote closes: the first request computes the results, once.
    builders.move_to(session, call, rules.RESULTS, now)
    session.commit()
    anonymous = client_for(app, None, locale)
    results = html(anonymous.get(f"/appels/{call.id}/resultats"))
    assert t["results"] in results and t["other_rules"] in results
    stored = session.scalars(select(CallResult)).one()
    # Votes: p1 ×2, p2 ×3 → greedy takes p2 (30,000), then p1 (65,000): 95,000 of 100,000 €.
    assert stored.selected == [p2.id, p1.id] and stored.spent_cents == 95_000_00 and stored.ballots == 4
    assert stored.ballots_digest in results and 'id="audit-head"' in results
    api = anonymous.get("/api/v1/calls/33-04/results").get_json()
    assert api["rule"] == "greedy" and api["spent_cents"] == 95_000_00 and api["ballots"] == 4
    assert api["budget_cents"] == 100_000_00 and api["registered_voters"] == constituency.registered_voters
    assert [w["id"] for w in api["winners"]] == [p2.id, p1.id]
    assert {p["id"]: (p["votes"], p["selected"]) for p in api["projects"]} == {p1.id: (2, True), p2.id: (3, True)}
    # The same as the engine run on the ballots by hand.
    ballots = session.scalars(select(Ballot)).all()
    election = Election(
        budget=100_000_00,
        projects=[Project(rules.tally_project_id(p.id), p.final_cost_cents) for p in (p1, p2)],
        ballots=[[[p1.id, p2.id].index(i) for i in b.proposal_ids] for b in ballots],
    )
    assert tally(election, "greedy").selected == [rules.tally_project_id(p2.id), rules.tally_project_id(p1.id)]
    first_computed = stored.computed_at
    anonymous.get(f"/appels/{call.id}/resultats")
    session.refresh(stored)
    assert stored.computed_at == first_computed
    assert session.query(AuditEvent).filter_by(action="call.results_computed").count() == 1

    # The voter's receipt is found among the counted ballots, and says nothing of what the ballot holds:
    # no project, no public id (which would lead to its line in the .pb).
    checked = html(anonymous.post(f"/appels/{call.id}/recu", data={"code": code.lower()}))
    assert 'id="receipt-found"' in checked and 'id="receipt-why"' in checked
    assert p1.title not in checked and p2.title not in checked
    assert not any(b.public_id in checked for b in session.scalars(select(Ballot)))
    # After the close, the voter no longer sees their own ballot either.
    closed_ballot = voters[0].get(f"/appels/{call.id}/vote")
    assert closed_ballot.status_code == 403 and f'value="{p1.id}"' not in html(closed_ballot)
    assert 'id="receipt-not-found"' in html(
        anonymous.post(f"/appels/{call.id}/recu", data={"code": "0000-0000-0000-0000"})
    )

    # 7. Implementation: the MP posts dated updates on a winner; the timeline is public.
    assert mp_client.get(f"/propositions/{p1.id}/suivi").status_code == 200
    assert (
        mp_client.post(
            f"/propositions/{p1.id}/suivi",
            data={"status": "in_progress", "happened_on": "2026-12-01", "note": "Travaux commencés"},
        ).status_code
        == 302
    )
    assert (
        mp_client.post(
            f"/propositions/{p3.id}/suivi", data={"status": "planned", "happened_on": "2026-12-01", "note": ""}
        ).status_code
        == 409
    )  # not a winner
    page = html(anonymous.get(f"/propositions/{p1.id}"))
    assert t["timeline"] in page and "Travaux commencés" in page

    # 8. National view: the constituency page, the list of calls and the API show the call.
    detail = html(anonymous.get("/circonscriptions/33-04"))
    assert 'id="constituency-call"' in detail and "Budget participatif 2026" in detail and 'id="no-call"' not in detail
    listing = html(anonymous.get("/appels?phase=results"))
    assert "Budget participatif 2026" in listing
    assert "Budget participatif 2026" not in html(anonymous.get("/appels?phase=voting"))
    calls = anonymous.get("/api/v1/calls").get_json()
    assert [(c["code"], c["phase"], c["ballots"]) for c in calls["calls"]] == [("33-04", "results", 4)]
    described = anonymous.get("/api/v1/calls/33-04").get_json()
    assert described["phase"] == "results" and described["budget_cents"] == 100_000_00
    assert 'id="call-map-legend"' in html(anonymous.get("/"))
