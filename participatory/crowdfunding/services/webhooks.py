"""Applying verified Stripe events to donations, exactly once and never backwards.

Each event id is inserted into `stripe_event` (primary key) in the same transaction as the
change it causes: a replay is recognised and changes nothing; two concurrent deliveries of
one event collide on the key and the loser rolls back. The donation row is locked while
its state moves along rules.TRANSITIONS, so a late failure cannot undo a success.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from participatory.audit.services import record
from participatory.crowdfunding import rules
from participatory.crowdfunding.models import Candidacy, Donation, StripeEvent
from participatory.crowdfunding.services.donations import counted_cents, lock_donor

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    outcome: str
    donation_id: int | None = None
    receipt_due: bool = False


def _donation_for_intent(session: Session, intent_id: object) -> Donation | None:
    if not isinstance(intent_id, str) or not intent_id:
        return None
    return session.scalar(select(Donation).where(Donation.payment_intent_id == intent_id).with_for_update())


def _audit(session: Session, now: datetime, donation: Donation, action: str, **details: object) -> None:
    record(
        session,
        now=now,
        actor="system",
        action=action,
        object_type="donation",
        object_id=donation.id,
        details={"candidacy": donation.candidacy_id, "amount_cents": donation.amount_cents, **details},
    )


def _next_receipt_number(session: Session, candidacy_id: int) -> int:
    # The candidacy row lock queues concurrent successes; the unique constraint is the last guard.
    session.execute(select(Candidacy.id).where(Candidacy.id == candidacy_id).with_for_update())
    current = session.scalar(select(func.max(Donation.receipt_number)).where(Donation.candidacy_id == candidacy_id))
    return (current or 0) + 1


def _succeeded(
    session: Session, now: datetime, donation: Donation, intent: dict, *, cap_cents: int, pending_ttl: timedelta
) -> Outcome:
    amount, currency = intent.get("amount"), str(intent.get("currency", "")).lower()
    if amount != donation.amount_cents or currency != donation.currency:
        donation.anomaly = (
            f"amount_mismatch: expected {donation.amount_cents} {donation.currency}, got {amount} {currency}"[:200]
        )
        _audit(
            session,
            now,
            donation,
            "donation.amount_mismatch",
            received_cents=amount if isinstance(amount, int) else None,
        )
        return Outcome("amount_mismatch", donation.id)
    if not rules.can_transition(donation.status, rules.SUCCEEDED):
        return Outcome("no_change", donation.id)
    late = donation.status != rules.PENDING
    donation.status, donation.succeeded_at = rules.SUCCEEDED, now
    donation.receipt_number = _next_receipt_number(session, donation.candidacy_id)
    session.flush()
    # A late success (after a lapsed reservation or a failed attempt) may take the donor past the cap.
    lock_donor(session, donation.election_id, donation.donor_key, now)
    donation.over_cap = counted_cents(session, donation.election_id, donation.donor_key, now, pending_ttl) > cap_cents
    _audit(
        session,
        now,
        donation,
        "donation.succeeded",
        receipt=donation.receipt_number,
        late=late,
        over_cap=donation.over_cap,
    )
    return Outcome("succeeded", donation.id, receipt_due=True)


def _failed(session: Session, now: datetime, donation: Donation, target: str) -> Outcome:
    if not rules.can_transition(donation.status, target):
        return Outcome("no_change", donation.id)
    donation.status, donation.closed_at = target, now
    _audit(session, now, donation, f"donation.{target}")
    return Outcome(target, donation.id)


def _refunded(session: Session, now: datetime, donation: Donation, charge: dict) -> Outcome:
    if not charge.get("refunded") or charge.get("amount_refunded") != donation.amount_cents:
        donation.anomaly = "partial_refund"
        _audit(session, now, donation, "donation.partial_refund")
        return Outcome("partial_refund", donation.id)
    if not rules.can_transition(donation.status, rules.REFUNDED):
        return Outcome("no_change", donation.id)
    outside = donation.status == rules.SUCCEEDED  # refunded from the Stripe dashboard, not through the platform
    donation.status, donation.refunded_at = rules.REFUNDED, now
    _audit(session, now, donation, "donation.refunded", outside_platform=outside)
    return Outcome("refunded", donation.id)


def handle_event(session: Session, now: datetime, event: dict, *, cap_cents: int, pending_ttl: timedelta) -> Outcome:
    """Apply one verified event; the caller commits (or rolls back on a duplicate-key error)."""
    if session.get(StripeEvent, event["id"]) is not None:
        return Outcome("duplicate")
    kind = event["type"]
    obj = (event.get("data") or {}).get("object") or {}
    if not isinstance(obj, dict):
        obj = {}
    intent_id = obj.get("payment_intent") if kind.startswith("charge.") else obj.get("id")
    donation = _donation_for_intent(session, intent_id) if kind.startswith(("payment_intent.", "charge.")) else None

    if donation is None:
        outcome = Outcome("ignored")
    elif event.get("account") and event["account"] != donation.candidacy.stripe_account_id:
        outcome = Outcome("account_mismatch", donation.id)
    elif kind == "payment_intent.succeeded":
        outcome = _succeeded(session, now, donation, obj, cap_cents=cap_cents, pending_ttl=pending_ttl)
    elif kind == "payment_intent.payment_failed":
        outcome = _failed(session, now, donation, rules.FAILED)
    elif kind == "payment_intent.canceled":
        outcome = _failed(session, now, donation, rules.EXPIRED)
    elif kind == "charge.refunded":
        outcome = _refunded(session, now, donation, obj)
    else:
        outcome = Outcome("ignored", donation.id)

    session.add(
        StripeEvent(
            id=event["id"][:255],
            type=kind[:80],
            received_at=now,
            donation_id=outcome.donation_id,
            outcome=outcome.outcome,
        )
    )
    session.flush()
    log.info("stripe event %s (%s): donation=%s outcome=%s", event["id"], kind, outcome.donation_id, outcome.outcome)
    return outcome
