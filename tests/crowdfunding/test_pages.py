"""Pages, exports, open data and CLI of the donation module, through the Flask client."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import flask_babel
import pytest
from sqlalchemy import select

from participatory.accounts.models import User
from participatory.accounts.rules import CANDIDATE, FINANCIAL_AGENT
from participatory.crowdfunding import rules
from participatory.crowdfunding.forms import country_choices
from participatory.crowdfunding.models import Candidacy, Donation, Election
from participatory.crowdfunding.services.donations import start_donation
from tests.crowdfunding.conftest import FORM, donor, make_user, reload, sign_in
from tests.crowdfunding.localstripe import WEBHOOK_SECRET, intent_event, signed

PERSONAL = ["Anaïs", "Le Gall", "anais@example.org", "rue des Lilas", "Bordeaux", "33000"]


def signed_in_client(app, user):
    client = app.test_client()
    sign_in(client, user)
    return client


@pytest.fixture
def paid(app, session, world, fake_gateway, monkeypatch, tmp_path):
    """Two succeeded donations from two donors to the world's candidacy (through the webhook)."""
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setitem(app.config, "OUTBOX_DIR", str(tmp_path))
    ids = []
    for i, (who, amount) in enumerate([(donor(), 5000), (donor(first_name="Bernard", email="b@example.org"), 120_000)]):
        d = start_donation(
            session,
            world.now,
            fake_gateway,
            candidacy=world.candidacy,
            donor=who,
            amount_cents=amount,
            cap_cents=460_000,
            pending_ttl=timedelta(minutes=30),
        ).donation
        session.commit()
        body, headers = signed(intent_event(f"evt_paid{i}", "payment_intent.succeeded", d.payment_intent_id, amount))
        assert app.test_client().post("/stripe/webhook", data=body, headers=headers).status_code == 200
        ids.append(d.id)
    return ids


def test_admin_creates_an_election_with_the_legal_window(app, session, world):
    admin = signed_in_client(app, world.admin)
    response = admin.post(
        "/elections/nouvelle",
        data={"name": "Législatives 2027", "first_round": "2027-06-13", "second_round": "2027-06-20"},
    )
    assert response.status_code == 302
    election = session.scalar(select(Election).where(Election.name == "Législatives 2027"))
    page = app.test_client().get(f"/elections/{election.id}")
    assert page.status_code == 200 and "1 décembre 2026".encode() in page.data and "20 août 2027".encode() in page.data


def test_an_early_election_takes_a_window_set_by_hand(app, session, world):
    admin = signed_in_client(app, world.admin)
    response = admin.post(
        f"/elections/{world.election.id}/modifier",
        data={
            "name": "Anticipées",
            "first_round": world.election.first_round.isoformat(),
            "opens_at": "2024-06-10T00:00",
            "closes_at": "2024-09-06T18:00",
        },
    )
    assert response.status_code == 302
    election = session.get(Election, world.election.id)
    session.refresh(election)
    assert election.collection_closes_at.replace(tzinfo=None).isoformat().startswith("2024-09-06T16:00")
    bad = admin.post(
        f"/elections/{world.election.id}/modifier",
        data={"name": "X", "first_round": "2024-06-30", "second_round": "2024-06-29"},
    )
    assert bad.status_code == 400


def test_the_application_form_does_not_tell_who_has_an_account(app, session, world):
    """Naming a mandataire address with or without an account: the same answer, the same page."""
    agent = make_user(session, world.now, "known-agent")
    candidates = [make_user(session, world.now, f"candidate-{i}") for i in range(2)]
    session.commit()
    data = {
        "constituency_code": "33-04",
        "candidate_name": "Jeanne Test",
        "party_label": "Sans étiquette",
        "agent_kind": "mandataire",
        "agent_name": "Luc Agent",
        "agent_designated_on": "2024-01-15",
    }
    answers = []
    for candidate, agent_email in zip(candidates, (agent.email, "nobody-here@example.org"), strict=True):
        client = signed_in_client(app, candidate)
        response = client.post(f"/elections/{world.election.id}/candidater", data={**data, "agent_email": agent_email})
        followed = client.get(response.headers["Location"])
        answers.append((response.status_code, followed.status_code, followed.get_data(as_text=True).count("alert")))
    assert answers[0] == answers[1] and answers[0][0] == 302
    ids = [c.id for c in candidates]
    linked = dict(
        session.execute(select(Candidacy.user_id, Candidacy.agent_user_id).where(Candidacy.user_id.in_(ids))).all()
    )
    assert linked == {candidates[0].id: agent.id, candidates[1].id: None}  # the admin sees which has none
    page = signed_in_client(app, world.admin).get("/admin/candidatures").get_data(as_text=True)
    assert page.count("aucun compte à l'adresse déclarée") == 1


def test_apply_then_admin_approval_grants_the_roles(app, session, world):
    resident = make_user(session, world.now, "future-candidate")
    agent = make_user(session, world.now, "future-agent")
    session.commit()
    client = signed_in_client(app, resident)
    data = {
        "constituency_code": "33-04",
        "candidate_name": "Jeanne Test",
        "party_label": "Sans étiquette",
        "agent_kind": "mandataire",
        "agent_name": "Luc Agent",
        "agent_designated_on": "2024-01-15",
        "agent_email": agent.email,
    }
    assert client.post(f"/elections/{world.election.id}/candidater", data=data).status_code == 302
    candidacy = session.scalar(select(Candidacy).where(Candidacy.candidate_name == "Jeanne Test"))
    assert candidacy.status == rules.APPLIED
    assert app.test_client().get(f"/candidats/{candidacy.id}").status_code == 404  # not public yet
    admin = signed_in_client(app, world.admin)
    assert admin.post(f"/admin/candidatures/{candidacy.id}/decision", data={"decision": "approve"}).status_code == 302
    session.expire_all()
    assert session.get(Candidacy, candidacy.id).status == rules.APPROVED
    assert session.get(User, resident.id).has_role(CANDIDATE) and session.get(User, agent.id).has_role(FINANCIAL_AGENT)
    # The mandataire connects the campaign's Stripe account (tests/crowdfunding/test_connect.py); the candidate cannot.
    assert signed_in_client(app, resident).post(f"/mandataire/campagnes/{candidacy.id}/stripe").status_code == 403
    assert signed_in_client(app, agent).post(f"/mandataire/campagnes/{candidacy.id}/stripe").status_code == 302


def test_campaign_page_shows_the_ceiling_and_the_l52_9_notices(app, world):
    page = app.test_client().get(f"/candidats/{world.candidacy.id}").get_data(as_text=True)
    assert "Plafond des dépenses" in page and "Estimé" in page
    assert "Paul Mandataire" in page and "Article L52-8" in page and "L113-1" in page
    assert "Faire un don" in page


def test_a_configured_population_gives_an_exact_ceiling(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "CAMPAIGN_POPULATION", {"33-04": 100_000})
    page = app.test_client().get(f"/candidats/{world.candidacy.id}").get_data(as_text=True)
    assert "66\u202f780,00\u00a0€" in page and "Estimé" not in page


def test_an_edited_legal_text_appears_on_the_campaign_page(app, world):
    admin = signed_in_client(app, world.admin)
    response = admin.post("/admin/textes-legaux/l52_9_notice", data={"body": "Mandataire de $candidate : $agent_name."})
    assert response.status_code == 302
    page = app.test_client().get(f"/candidats/{world.candidacy.id}").get_data(as_text=True)
    assert f"Mandataire de {world.candidacy.candidate_name} : Paul Mandataire." in page


def test_an_invalid_donation_form_stores_nothing(app, session, world):
    client = app.test_client()
    for change in (
        {"natural_person": ""},
        {"email": "nope"},
        {"amount_choice": "other", "amount_other": "0.5"},
        {"amount_choice": "other"},
        {"country": "France"},  # a country is chosen from the ISO list by its code
        {"country": "XX"},
        {"first_name": "."},
        {"last_name": "-"},
        {"postal_code": "3300"},
        {"postal_code": "33000 PARIS"},
        {"country": "BE", "postal_code": "33000 CEDEX", "eligibility": "nationality"},
    ):
        response = client.post(f"/candidats/{world.candidacy.id}/don", data={**FORM, **change})
        assert response.status_code == 400, change
    assert session.scalar(select(Donation.id)) is None


def test_the_donation_form_lists_countries_by_name_in_the_page_language(app, world):
    page = app.test_client().get(f"/candidats/{world.candidacy.id}/don").get_data(as_text=True)
    assert '<option selected value="FR">France</option>' in page
    assert '<option value="DE">Allemagne</option>' in page and '<option value="GP">Guadeloupe</option>' in page
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        flask_babel.refresh()  # the test's outer app context keeps the first request's locale
        choices = country_choices()
    pairs = [(choice.value, choice.label) for choice in choices]
    assert pairs[0] == ("FR", "France") and ("DE", "Germany") in pairs and len(pairs) == 249
    flask_babel.refresh()


def test_without_payments_configured_the_donation_is_refused_cleanly(app, session, world):
    response = app.test_client().post(f"/candidats/{world.candidacy.id}/don", data=FORM)
    assert response.status_code == 503 and "indisponible" in response.get_data(as_text=True)
    assert session.scalar(select(Donation.id)) is None


def test_the_donation_form_needs_its_csrf_token_but_the_webhook_does_not(app, world, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    client = app.test_client()
    assert client.post(f"/candidats/{world.candidacy.id}/don", data=FORM).status_code == 400
    body, headers = signed(intent_event("evt_csrf", "payment_intent.succeeded", "pi_unknown", 100))
    assert client.post("/stripe/webhook", data=body, headers=headers).status_code == 200


def test_the_ledger_export_has_the_r39_1_fields_and_stripe_ids(app, world, paid):
    for user in (world.agent, world.auditor, world.admin):
        assert signed_in_client(app, user).get(f"/mandataire/campagnes/{world.candidacy.id}").status_code == 200
    assert signed_in_client(app, world.candidate).get(f"/mandataire/campagnes/{world.candidacy.id}").status_code == 403
    response = signed_in_client(app, world.agent).get(f"/mandataire/campagnes/{world.candidacy.id}/registre.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["receipt"] for r in rows] == [f"{world.candidacy.id}-00001", f"{world.candidacy.id}-00002"]
    first = rows[0]
    assert (first["last_name"], first["first_name"], first["amount_eur"], first["status"]) == (
        "Le Gall",
        "Anaïs",
        "50.00",
        "succeeded",
    )
    assert first["address"] and first["postal_code"] == "33000" and first["eligibility"] == "nationality"
    assert first["payment_intent"].startswith("pi_") and first["payment_means"] == "carte bancaire"
    filtered = (
        signed_in_client(app, world.agent)
        .get(f"/mandataire/campagnes/{world.candidacy.id}/registre.csv?min=100")
        .get_data(as_text=True)
    )
    assert "Bernard" in filtered and "Anaïs" not in filtered
    assert (
        signed_in_client(app, world.agent).get(f"/mandataire/campagnes/{world.candidacy.id}?min=abc").status_code == 400
    )


def test_open_data_summary_has_aggregates_and_no_personal_data(app, world, paid):
    client = app.test_client()
    summary = client.get(f"/api/v1/candidates/{world.candidacy.id}/donations/summary")
    assert summary.status_code == 200 and summary.headers["ETag"]
    body = summary.json
    assert (body["donations"], body["donors"], body["total_cents"], body["median_cents"]) == (2, 2, 125_000, 62_500)
    assert body["distribution"] == {"le_50_eur": 1, "le_150_eur": 0, "le_1000_eur": 0, "over_1000_eur": 1}
    national = client.get("/api/v1/national/donations.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(national)))
    mine = next(r for r in rows if r["candidacy_id"] == str(world.candidacy.id))
    assert mine["total_cents"] == "125000" and mine["donors"] == "2"
    for text in (
        summary.get_data(as_text=True),
        national,
        client.get(f"/candidats/{world.candidacy.id}").get_data(as_text=True),
    ):
        for personal in PERSONAL + ["Bernard", "b@example.org"]:
            assert personal not in text


def test_unapproved_candidates_have_no_public_summary(app, session, world):
    world.other.status = rules.APPLIED
    session.commit()
    assert app.test_client().get(f"/api/v1/candidates/{world.other.id}/donations/summary").status_code == 404
    assert app.test_client().get("/api/v1/candidates/999999/donations/summary").status_code == 404


def test_cli_expires_pending_donations_and_resends_receipts(app, session, world, fake_gateway, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "OUTBOX_DIR", str(tmp_path))
    old = start_donation(
        session,
        world.now - timedelta(hours=2),
        fake_gateway,
        candidacy=world.candidacy,
        donor=donor(),
        amount_cents=1000,
        cap_cents=460_000,
        pending_ttl=timedelta(minutes=30),
    ).donation
    old.payment_intent_id = None  # never reached Stripe: expires without a call
    session.commit()
    old_id = old.id
    result = app.test_cli_runner().invoke(args=["donations", "expire-pending"])
    assert result.exit_code == 0 and "1 expired" in result.output
    assert reload(old_id).status == rules.EXPIRED
    donation = reload(old_id)
    donation.status, donation.receipt_number = rules.SUCCEEDED, 1
    session.commit()
    result = app.test_cli_runner().invoke(args=["donations", "send-receipts"])
    assert result.exit_code == 0 and "1 receipts sent" in result.output
    assert reload(old_id).receipt_sent_at is not None
    assert "1 receipts sent" not in app.test_cli_runner().invoke(args=["donations", "send-receipts"]).output


def test_the_donation_pages_follow_the_donation(app, session, world, fake_gateway):
    d = start_donation(
        session,
        world.now,
        fake_gateway,
        candidacy=world.candidacy,
        donor=donor(),
        amount_cents=2000,
        cap_cents=460_000,
        pending_ttl=timedelta(minutes=30),
    ).donation
    session.commit()
    client = app.test_client()
    assert client.get(f"/dons/{d.ref}/statut").json == {"status": "pending"}
    page = client.get(f"/dons/{d.ref}").get_data(as_text=True)
    assert "Paiement en cours" in page and "Anaïs" not in page
    assert client.get("/dons/not-a-ref/statut").status_code == 404
    assert client.get(f"/dons/{d.ref}/paiement").status_code == 503  # payments not configured here


def test_a_signed_in_donors_donations_are_in_their_personal_data(app, session, world, fake_gateway):
    from participatory.accounts.personal_data import collect

    user = make_user(session, world.now, "donor")
    start_donation(
        session,
        world.now,
        fake_gateway,
        candidacy=world.candidacy,
        donor=donor(),
        amount_cents=2000,
        cap_cents=460_000,
        pending_ttl=timedelta(minutes=30),
        user=user,
    )
    session.commit()
    [part] = collect(session, user, world.now)["donations"]
    assert part["amount_cents"] == 2000 and part["identity"]["last_name"] == "Le Gall"
    assert collect(session, world.agent, world.now)["donations"] == []
