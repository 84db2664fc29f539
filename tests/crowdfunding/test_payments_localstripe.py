"""Acceptance against localstripe (a real Stripe-like server on loopback), its webhooks delivered to the
live app: a donation end to end, a declined card, a refund approved by the mandataire, reconciliation."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from participatory.crowdfunding import rules
from participatory.crowdfunding.gateway import CardDeclined, StripeGateway
from participatory.crowdfunding.models import Donation
from participatory.crowdfunding.services import ledger
from participatory.extensions import db
from participatory.mail import read_outbox
from tests.crowdfunding.conftest import FORM, reload, sign_in, wait_for
from tests.crowdfunding.localstripe import refund_event, signed

PERSONAL = ("anaïs", "anais", "le gall", "lilas", "bordeaux", "anais@")


@pytest.fixture
def outbox(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "OUTBOX_DIR", str(tmp_path))
    return tmp_path


def donate_through_the_form(client, candidacy_id, amount_choice="5000") -> Donation:
    response = client.post(f"/candidats/{candidacy_id}/don", data={**FORM, "amount_choice": amount_choice})
    assert response.status_code == 302 and "/paiement" in response.headers["Location"]
    db.session.rollback()
    return db.session.scalars(select(Donation).order_by(Donation.id.desc())).first()


def pay(payments, donation: Donation, payment_method: str) -> None:
    """What the donor's browser does with Stripe.js: a card on the intent, then confirmation."""
    account = donation.candidacy.stripe_account_id
    payments.client().v1.payment_intents.update(
        donation.payment_intent_id, params={"payment_method": payment_method}, options={"stripe_account": account}
    )
    StripeGateway.from_config(
        {"STRIPE_API_KEY": "sk_test_localstripe", "STRIPE_API_BASE": payments.url}
    ).confirm_intent(donation.payment_intent_id, account=account)


def test_successful_donation_end_to_end_through_the_webhook(app, client, world, payments, outbox):
    donation = donate_through_the_form(client, world.candidacy.id)
    assert donation.status == rules.PENDING and donation.payment_intent_id.startswith("pi_")
    page = client.get(f"/dons/{donation.ref}/paiement")
    assert page.status_code == 200 and b"_secret_" in page.data
    assert payments.url in page.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]

    pay(payments, donation, "pm_card_visa")
    done = wait_for(lambda: reload(donation.id).receipt_sent_at is not None)  # emailed right after the commit
    assert done, "the payment_intent.succeeded webhook never reached the app"
    paid = reload(donation.id)
    assert paid.status == rules.SUCCEEDED and paid.receipt_number == 1
    # The receipt is written to the outbox with the payment, and delivered just after the commit.
    assert wait_for(lambda: len(read_outbox(outbox)) == 1), "the receipt was never delivered"
    [mail] = read_outbox(outbox)
    assert mail["To"] == "anais@example.org" and [a.get_filename() for a in mail.iter_attachments()] == [
        f"don-{world.candidacy.id}-00001.pdf"
    ]
    assert client.get(f"/dons/{donation.ref}/statut").json == {"status": "succeeded"}

    # What Stripe holds about the donation: amount in cents, EUR, and ids only.
    intent = payments.client().v1.payment_intents.retrieve(donation.payment_intent_id)
    assert (intent["amount"], intent["currency"]) == (5000, "eur")
    assert intent["metadata"].to_dict() == {
        "platform": "participatory",
        "donation": str(donation.id),
        "candidacy": str(world.candidacy.id),
        "election": str(world.election.id),
    }
    dumped = json.dumps(intent.to_dict()).lower()
    assert not any(p in dumped for p in PERSONAL)


def test_a_declined_card_fails_the_donation_and_releases_the_cap(app, client, world, payments, outbox):
    donation = donate_through_the_form(client, world.candidacy.id)
    with pytest.raises(CardDeclined):
        pay(payments, donation, "pm_card_chargeCustomerFail")
    assert wait_for(lambda: reload(donation.id).status == rules.FAILED), "payment_failed webhook not applied"
    assert reload(donation.id).receipt_number is None and read_outbox(outbox) == []
    assert client.get(f"/dons/{donation.ref}").status_code == 200


def test_a_refund_approved_by_the_mandataire(app, client, world, payments, outbox):
    donation = donate_through_the_form(client, world.candidacy.id)
    pay(payments, donation, "pm_card_visa")
    assert wait_for(lambda: reload(donation.id).receipt_sent_at is not None)

    candidate = app.test_client()
    sign_in(candidate, world.candidate)
    assert (
        candidate.post(f"/mandataire/dons/{donation.id}/rembourser", data={"reason": "donor_request"}).status_code
        == 403
    )
    assert reload(donation.id).status == rules.SUCCEEDED  # only the mandataire may approve (R39-1-1)

    agent = app.test_client()
    sign_in(agent, world.agent)
    response = agent.post(f"/mandataire/dons/{donation.id}/rembourser", data={"reason": "donor_request"})
    assert response.status_code == 302
    requested = reload(donation.id)
    assert requested.status == rules.REFUND_REQUESTED and requested.refund_id.startswith("re_")
    refund = payments.client().v1.refunds.retrieve(requested.refund_id)
    assert refund["payment_intent"] == donation.payment_intent_id and refund["amount"] == 5000

    # localstripe sends no refund webhooks: Stripe's charge.refunded, signed with the same secret.
    body, headers = signed(refund_event("evt_refund_1", donation.payment_intent_id, 5000))
    assert client.post("/stripe/webhook", data=body, headers=headers).json["outcome"] == "refunded"
    assert reload(donation.id).status == rules.REFUNDED


def test_reconciliation_compares_the_ledger_with_stripe(app, client, world, payments, outbox):
    payments.flush()  # earlier tests' payments would look like this campaign's (ids restart, one shared store)
    paid = donate_through_the_form(client, world.candidacy.id)
    pay(payments, paid, "pm_card_visa")
    assert wait_for(lambda: reload(paid.id).receipt_sent_at is not None)
    unpaid = donate_through_the_form(client, world.candidacy.id, amount_choice="1000")
    gateway = StripeGateway.from_config(app.config)
    with app.app_context():
        report = ledger.reconcile(db.session, gateway, db.session.merge(world.candidacy))
    assert {line.payment_intent: line.problem for line in report.lines} == {
        paid.payment_intent_id: None,
        unpaid.payment_intent_id: None,
    }

    # A payment Stripe holds for this campaign that the ledger lost, and a ledger success Stripe never saw.
    stray = payments.client().v1.payment_intents.create(
        params={
            "amount": 700,
            "currency": "eur",
            "metadata": {"platform": "participatory", "candidacy": str(world.candidacy.id)},
        }
    )
    with app.app_context():
        row = db.session.get(Donation, unpaid.id)
        row.status = rules.SUCCEEDED
        db.session.commit()
        report = ledger.reconcile(db.session, gateway, db.session.merge(world.candidacy))
    problems = {line.payment_intent: line.problem for line in report.problems}
    assert problems == {stray["id"]: "unknown_to_ledger", unpaid.payment_intent_id: "status_differs"}

    agent = app.test_client()
    sign_in(agent, world.agent)
    page = agent.get(f"/mandataire/campagnes/{world.candidacy.id}/rapprochement")
    assert page.status_code == 200 and stray["id"].encode() in page.data
