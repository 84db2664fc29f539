"""POST /stripe/webhook with payloads signed like Stripe: signature, replay, order, amounts, refunds."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from participatory.crowdfunding import rules
from participatory.crowdfunding.models import StripeEvent
from participatory.crowdfunding.services.donations import start_donation
from participatory.mail import read_outbox
from tests.crowdfunding.conftest import donor, reload
from tests.crowdfunding.localstripe import WEBHOOK_SECRET, intent_event, refund_event, signed


@pytest.fixture(autouse=True)
def webhook_secret(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setitem(app.config, "OUTBOX_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def pending(session, world, fake_gateway):
    started = start_donation(
        session,
        world.now,
        fake_gateway,
        candidacy=world.candidacy,
        donor=donor(),
        amount_cents=5000,
        cap_cents=460_000,
        pending_ttl=timedelta(minutes=30),
    )
    session.commit()
    return started.donation


def post(client, event, **kwargs):
    body, headers = signed(event, **kwargs)
    return client.post("/stripe/webhook", data=body, headers=headers)


def events(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(StripeEvent))


def test_success_marks_the_donation_succeeded_numbers_it_and_emails_the_receipt(
    client, session, pending, webhook_secret
):
    response = post(client, intent_event("evt_1", "payment_intent.succeeded", pending.payment_intent_id, 5000))
    assert response.status_code == 200 and response.json["outcome"] == "succeeded"
    donation = reload(pending.id)
    assert donation.status == rules.SUCCEEDED and donation.receipt_number == 1 and donation.receipt_sent_at
    [mail] = read_outbox(webhook_secret)
    assert mail["To"] == "anais@example.org"
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename().endswith(".pdf") and attachment.get_content().startswith(b"%PDF")


def test_receipt_numbers_are_sequential_per_candidate(client, session, world, fake_gateway):
    ids = []
    for i, candidacy in enumerate([world.candidacy, world.candidacy, world.other]):
        d = start_donation(
            session,
            world.now,
            fake_gateway,
            candidacy=candidacy,
            donor=donor(first_name=f"P{i}"),
            amount_cents=1000,
            cap_cents=460_000,
            pending_ttl=timedelta(minutes=30),
        ).donation
        session.commit()
        ids.append((d.id, d.payment_intent_id))
    for n, (_, pi) in enumerate(ids):
        assert post(client, intent_event(f"evt_s{n}", "payment_intent.succeeded", pi, 1000)).status_code == 200
    assert [reload(i).receipt_number for i, _ in ids] == [1, 2, 1]


def test_a_replayed_event_changes_nothing(client, session, pending, webhook_secret):
    event = intent_event("evt_replay", "payment_intent.succeeded", pending.payment_intent_id, 5000)
    assert post(client, event).json["outcome"] == "succeeded"
    again = post(client, event)
    assert again.status_code == 200 and again.json["outcome"] == "duplicate"
    assert events(session) == 1 and len(read_outbox(webhook_secret)) == 1
    assert reload(pending.id).receipt_number == 1


@pytest.mark.parametrize(
    "mangle",
    [
        lambda body, headers: (body, {**headers, "Stripe-Signature": headers["Stripe-Signature"][:-4] + "0000"}),
        lambda body, headers: (body.replace(b"5000", b"9000"), headers),  # tampered after signing
        lambda body, headers: (body, {"Content-Type": "application/json"}),  # no signature at all
    ],
    ids=["wrong-mac", "tampered-body", "missing"],
)
def test_a_bad_signature_is_refused_and_changes_nothing(client, session, pending, mangle):
    body, headers = mangle(
        *signed(intent_event("evt_bad", "payment_intent.succeeded", pending.payment_intent_id, 5000))
    )
    response = client.post("/stripe/webhook", data=body, headers=headers)
    assert response.status_code == 400
    assert reload(pending.id).status == rules.PENDING and events(session) == 0


def test_a_stale_signature_is_refused(client, session, pending):
    event = intent_event("evt_old", "payment_intent.succeeded", pending.payment_intent_id, 5000)
    response = post(client, event, timestamp=int(time.time()) - 3600)  # signed an hour ago: a replayed capture
    assert response.status_code == 400
    assert reload(pending.id).status == rules.PENDING and events(session) == 0


def test_a_signature_with_another_secret_is_refused(client, session, pending):
    event = intent_event("evt_other", "payment_intent.succeeded", pending.payment_intent_id, 5000)
    assert post(client, event, secret="whsec_someone_else").status_code == 400
    assert reload(pending.id).status == rules.PENDING


@pytest.mark.parametrize("amount, currency", [(4999, "eur"), (500000, "eur"), (5000, "usd")])
def test_an_amount_or_currency_mismatch_does_not_count_as_paid(client, session, pending, amount, currency):
    response = post(
        client, intent_event("evt_mm", "payment_intent.succeeded", pending.payment_intent_id, amount, currency)
    )
    assert response.status_code == 200 and response.json["outcome"] == "amount_mismatch"
    donation = reload(pending.id)
    assert donation.status == rules.PENDING and donation.anomaly.startswith("amount_mismatch")
    assert donation.receipt_number is None


def test_a_failure_arriving_after_a_success_does_not_undo_it(client, session, pending):
    post(client, intent_event("evt_ok", "payment_intent.succeeded", pending.payment_intent_id, 5000))
    late = post(client, intent_event("evt_late", "payment_intent.payment_failed", pending.payment_intent_id, 5000))
    assert late.json["outcome"] == "no_change"
    canceled = post(client, intent_event("evt_cx", "payment_intent.canceled", pending.payment_intent_id, 5000))
    assert canceled.json["outcome"] == "no_change"
    assert reload(pending.id).status == rules.SUCCEEDED and events(session) == 3


def test_a_success_after_a_failed_attempt_is_recorded(client, session, pending):
    assert (
        post(client, intent_event("evt_f", "payment_intent.payment_failed", pending.payment_intent_id, 5000)).json[
            "outcome"
        ]
        == "failed"
    )
    assert reload(pending.id).status == rules.FAILED
    assert (
        post(client, intent_event("evt_s", "payment_intent.succeeded", pending.payment_intent_id, 5000)).json["outcome"]
        == "succeeded"
    )
    assert reload(pending.id).status == rules.SUCCEEDED


def test_a_late_success_past_the_cap_is_flagged_for_refund(client, session, world, fake_gateway):
    ttl = timedelta(minutes=30)
    old = start_donation(
        session,
        world.now - timedelta(hours=1),
        fake_gateway,
        candidacy=world.candidacy,
        donor=donor(),
        amount_cents=400_000,
        cap_cents=460_000,
        pending_ttl=ttl,
    ).donation
    session.commit()
    # The reservation lapsed, so the donor could give again elsewhere...
    new = start_donation(
        session,
        world.now,
        fake_gateway,
        candidacy=world.other,
        donor=donor(),
        amount_cents=100_000,
        cap_cents=460_000,
        pending_ttl=ttl,
    ).donation
    session.commit()
    old_id, new_id = old.id, new.id
    post(client, intent_event("evt_n", "payment_intent.succeeded", new.payment_intent_id, 100_000))
    # ...then the first payment went through after all: real money, over the cap, to be refunded.
    post(client, intent_event("evt_o", "payment_intent.succeeded", old.payment_intent_id, 400_000))
    assert reload(old_id).status == rules.SUCCEEDED and reload(old_id).over_cap is True
    assert reload(new_id).over_cap is False


def test_refund_confirmation_moves_refund_requested_to_refunded(client, session, pending):
    post(client, intent_event("evt_ok", "payment_intent.succeeded", pending.payment_intent_id, 5000))
    donation = reload(pending.id)
    donation.status = rules.REFUND_REQUESTED
    session.commit()
    response = post(client, refund_event("evt_refund", pending.payment_intent_id, 5000))
    assert response.json["outcome"] == "refunded" and reload(pending.id).status == rules.REFUNDED
    late_success = post(
        client, intent_event("evt_late_ok", "payment_intent.succeeded", pending.payment_intent_id, 5000)
    )
    assert late_success.json["outcome"] == "no_change" and reload(pending.id).status == rules.REFUNDED


def test_a_partial_refund_is_flagged_not_applied(client, session, pending):
    post(client, intent_event("evt_ok", "payment_intent.succeeded", pending.payment_intent_id, 5000))
    assert (
        post(client, refund_event("evt_part", pending.payment_intent_id, 5000, refunded=False)).json["outcome"]
        == "partial_refund"
    )
    assert reload(pending.id).status == rules.SUCCEEDED


def test_events_for_another_connected_account_are_not_applied(client, session, pending):
    event = intent_event("evt_acct", "payment_intent.succeeded", pending.payment_intent_id, 5000, account="acct_other1")
    assert post(client, event).json["outcome"] == "account_mismatch"
    assert reload(pending.id).status == rules.PENDING


def test_unknown_events_and_payments_are_acknowledged_and_change_nothing(client, session, pending):
    # A payment we do not know yet may be ours before its donation is committed: kept, not applied.
    assert (
        post(client, intent_event("evt_x", "payment_intent.succeeded", "pi_not_ours", 5000)).json["outcome"]
        == "deferred"
    )
    assert (
        post(client, {"id": "evt_y", "type": "customer.created", "data": {"object": {"id": "cus_1"}}}).json["outcome"]
        == "ignored"
    )
    assert events(session) == 2
    assert reload(pending.id).status == rules.PENDING


@pytest.mark.parametrize("payload", [b"not json", b"[]", b'{"id": 3, "type": "x"}'])
def test_malformed_signed_payloads_are_refused(client, payload):
    import stripe

    ts = int(time.time())
    signature = stripe.WebhookSignature._compute_signature(f"{ts}.{payload.decode()}", WEBHOOK_SECRET)
    response = client.post("/stripe/webhook", data=payload, headers={"Stripe-Signature": f"t={ts},v1={signature}"})
    assert response.status_code == 400


def test_webhook_logs_carry_ids_only(client, session, pending, caplog):
    caplog.set_level(logging.INFO)
    post(client, intent_event("evt_log", "payment_intent.succeeded", pending.payment_intent_id, 5000))
    text = caplog.text.lower()
    assert "evt_log" in text
    for personal in ("anaïs", "anais", "gall", "lilas", "33000", "bordeaux"):
        assert personal not in text


# --- Events out of order: the final state does not depend on the order of delivery -------------


def _final_state(donation_id: int) -> tuple:
    donation = reload(donation_id)
    return (donation.status, donation.receipt_number, donation.refunded_at is not None, donation.anomaly)


def _deliver(client, pending, order: tuple[str, ...]) -> None:
    made = {
        "failed": intent_event("evt_f", "payment_intent.payment_failed", pending.payment_intent_id, 5000),
        "succeeded": intent_event("evt_s", "payment_intent.succeeded", pending.payment_intent_id, 5000),
        "refunded": refund_event("evt_r", pending.payment_intent_id, 5000),
    }
    for name in order:
        assert post(client, made[name]).status_code == 200


@pytest.mark.parametrize(
    "order",
    [
        ("succeeded", "refunded"),
        ("refunded", "succeeded"),
        ("failed", "succeeded", "refunded"),
        ("failed", "refunded", "succeeded"),
        ("refunded", "failed", "succeeded"),
        ("refunded", "succeeded", "failed"),
        ("succeeded", "failed", "refunded"),
        ("succeeded", "refunded", "failed"),
    ],
)
def test_a_refund_is_never_lost_whatever_the_order(client, session, pending, order):
    _deliver(client, pending, order)
    assert _final_state(pending.id) == (rules.REFUNDED, 1, True, None)
    session.expire_all()
    assert session.scalar(select(func.count()).where(StripeEvent.outcome == "deferred")) == 0
    assert events(session) == len(order)


def test_a_refund_before_its_success_waits_and_no_receipt_goes_out_for_money_sent_back(
    client, session, pending, webhook_secret
):
    response = post(client, refund_event("evt_r", pending.payment_intent_id, 5000))
    assert response.json["outcome"] == "deferred" and reload(pending.id).status == rules.PENDING
    response = post(client, intent_event("evt_s", "payment_intent.succeeded", pending.payment_intent_id, 5000))
    assert response.json["outcome"] == "succeeded"
    assert reload(pending.id).status == rules.REFUNDED and not reload(pending.id).receipt_sent_at
    assert read_outbox(webhook_secret) == []


def test_a_success_before_the_donation_exists_is_kept_and_applied_by_the_housekeeping_command(
    app, client, session, world, fake_gateway
):
    fake_gateway.next_intent_id = "pi_early_1"
    early = intent_event("evt_early", "payment_intent.succeeded", "pi_early_1", 5000)
    assert post(client, early).json["outcome"] == "deferred"
    donation = start_donation(
        session,
        world.now,
        fake_gateway,
        candidacy=world.candidacy,
        donor=donor(),
        amount_cents=5000,
        cap_cents=460_000,
        pending_ttl=timedelta(minutes=30),
    ).donation
    session.commit()
    assert donation.payment_intent_id == "pi_early_1" and reload(donation.id).status == rules.PENDING
    result = app.test_cli_runner().invoke(args=["donations", "expire-pending"])
    assert result.exit_code == 0 and "1 waiting Stripe events applied, 0 expired" in result.output, result.output
    assert _final_state(donation.id) == (rules.SUCCEEDED, 1, False, None)


def test_events_of_payment_intents_that_are_not_ours_are_kept_but_change_nothing(client, session, pending):
    assert post(client, refund_event("evt_other", "pi_of_someone_else", 5000)).json["outcome"] == "deferred"
    assert reload(pending.id).status == rules.PENDING
    session.expire_all()
    kept = session.get(StripeEvent, "evt_other")
    assert kept.deferred["object"] == {"amount": 5000, "currency": "eur", "refunded": True, "amount_refunded": 5000}


def _signed_raw(payload: str) -> tuple[bytes, dict]:
    import stripe

    ts = int(time.time())
    signature = stripe.WebhookSignature._compute_signature(f"{ts}.{payload}", WEBHOOK_SECRET)
    return payload.encode(), {"Stripe-Signature": f"t={ts},v1={signature}"}


HOSTILE_EVENTS = {
    "data is a list": '{"id": "evt_1", "type": "payment_intent.succeeded", "data": [1, 2]}',
    "data is a string": '{"id": "evt_1", "type": "payment_intent.succeeded", "data": "x"}',
    "data is a number": '{"id": "evt_1", "type": "payment_intent.succeeded", "data": 3}',
    "data.object is a list": '{"id": "evt_1", "type": "charge.refunded", "data": {"object": ["pi_1"]}}',
    "lone surrogate in the id": '{"id": "evt_\\ud800", "type": "payment_intent.succeeded", "data": {}}',
    "lone surrogate in the type": '{"id": "evt_1", "type": "payment_intent.\\udfff", "data": {}}',
    "lone surrogate in the object": '{"id": "evt_1", "type": "x.y", "data": {"object": {"id": "pi_\\ud83d"}}}',
    "empty id": '{"id": "", "type": "payment_intent.succeeded", "data": {}}',
    "id too long": '{"id": "' + "e" * 300 + '", "type": "x", "data": {}}',
    "account is a number": '{"id": "evt_1", "type": "x", "account": 7, "data": {}}',
    "deep nesting": '{"id": "evt_1", "type": "x", "data": {"object": ' + "[" * 100_000 + "]" * 100_000 + "}}",
}


@pytest.mark.parametrize("payload", HOSTILE_EVENTS.values(), ids=HOSTILE_EVENTS.keys())
def test_signed_events_of_a_wrong_shape_are_a_400_and_change_nothing(client, session, pending, payload):
    body, headers = _signed_raw(payload)
    response = client.post("/stripe/webhook", data=body, headers=headers)
    assert response.status_code == 400 and response.json["error"].startswith("malformed event")
    assert events(session) == 0
    assert reload(pending.id).status == "pending"
