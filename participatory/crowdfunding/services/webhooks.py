"""Applying verified Stripe events to donations, exactly once and never backwards.

Each event id is inserted into `stripe_event` (primary key) in the same transaction as the
change it causes: a replay is recognised and changes nothing; two concurrent deliveries of
one event collide on the key and the loser rolls back. The donation row is locked while
its state moves along rules.TRANSITIONS, so a late failure cannot undo a success.

Stripe does not promise order. An event that comes before the one it follows is kept
(outcome "deferred", with the few fields it needs) instead of being dropped: a refund
before the success it undoes, or any event before our donation row was committed. Each
later event of the same PaymentIntent (and the donation page, once the row is committed)
first applies the waiting ones, oldest first, so the donation ends in the same state
whatever the order of delivery.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

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


HANDLED = ("payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled", "charge.refunded")
# What a waiting event keeps of its object: enough to apply it, nothing about the payer.
_KEPT_FIELDS = ("amount", "currency", "refunded", "amount_refunded")


def _intent_of(kind: str, obj: dict) -> str | None:
    intent_id = obj.get("payment_intent") if kind.startswith("charge.") else obj.get("id")
    return intent_id[:255] if isinstance(intent_id, str) and intent_id else None


def _apply(
    session: Session, now: datetime, donation: Donation, kind: str, account: object, obj: dict, **limits
) -> Outcome:
    if account and account != donation.candidacy.stripe_account_id:
        return Outcome("account_mismatch", donation.id)
    if kind == "payment_intent.succeeded":
        return _succeeded(session, now, donation, obj, **limits)
    if kind == "payment_intent.payment_failed":
        return _failed(session, now, donation, rules.FAILED)
    if kind == "payment_intent.canceled":
        return _failed(session, now, donation, rules.EXPIRED)
    if kind == "charge.refunded":
        if donation.status in (rules.PENDING, rules.FAILED, rules.EXPIRED):
            return Outcome("deferred", donation.id)  # a refund of a success not seen yet
        return _refunded(session, now, donation, obj)
    return Outcome("ignored", donation.id)


def apply_deferred(
    session: Session, now: datetime, donation: Donation, *, cap_cents: int, pending_ttl: timedelta
) -> bool:
    """Apply the events of this donation's PaymentIntent that were waiting, oldest first; True if one applied.

    A success releases a waiting refund, so the pass repeats until nothing more applies."""
    if not donation.payment_intent_id:
        return False
    applied_any = False
    while True:
        waiting = sorted(  # in Stripe's order (its `created`), then ours
            session.scalars(
                select(StripeEvent).where(
                    StripeEvent.payment_intent_id == donation.payment_intent_id, StripeEvent.outcome == "deferred"
                )
            ),
            key=lambda e: (str((e.deferred or {}).get("created", "")).zfill(12), e.received_at, e.id),
        )
        progressed = False
        for event in waiting:
            kept = event.deferred or {}
            outcome = _apply(
                session,
                now,
                donation,
                event.type,
                kept.get("account"),
                kept.get("object") or {},
                cap_cents=cap_cents,
                pending_ttl=pending_ttl,
            )
            if outcome.outcome == "deferred":
                continue
            event.outcome, event.donation_id, event.deferred = outcome.outcome, donation.id, None
            log.info("stripe event %s (%s) applied late: outcome=%s", event.id, event.type, outcome.outcome)
            progressed = applied_any = True
        if not progressed:
            session.flush()
            return applied_any


def apply_waiting(session: Session, now: datetime, *, cap_cents: int, pending_ttl: timedelta) -> int:
    """Apply every waiting event whose donation now exists (cron, before expiring unpaid donations):
    a success that came before our row was committed is recorded instead of lost. How many applied."""
    donations = session.scalars(
        select(Donation)
        .where(
            Donation.payment_intent_id.in_(
                select(StripeEvent.payment_intent_id).where(StripeEvent.outcome == "deferred")
            )
        )
        .order_by(Donation.id)
        .with_for_update()
    ).all()
    return sum(
        apply_deferred(session, now, donation, cap_cents=cap_cents, pending_ttl=pending_ttl) for donation in donations
    )


def handle_event(session: Session, now: datetime, event: dict, *, cap_cents: int, pending_ttl: timedelta) -> Outcome:
    """Apply one verified event; the caller commits (or rolls back on a duplicate-key error)."""
    if session.get(StripeEvent, event["id"]) is not None:
        return Outcome("duplicate")
    kind = event["type"]
    obj = (event.get("data") or {}).get("object") or {}
    if not isinstance(obj, dict):
        obj = {}
    intent_id = _intent_of(kind, obj) if kind in HANDLED else None
    donation = _donation_for_intent(session, intent_id)
    limits: dict[str, Any] = {"cap_cents": cap_cents, "pending_ttl": pending_ttl}

    if intent_id is None:
        outcome = Outcome("ignored")
    elif donation is None:
        outcome = Outcome("deferred")  # our donation row may not be committed yet; kept, never dropped
    else:
        apply_deferred(session, now, donation, **limits)
        outcome = _apply(session, now, donation, kind, event.get("account"), obj, **limits)
        if outcome.outcome != "deferred" and apply_deferred(session, now, donation, **limits):
            # A waiting refund followed this success: the money went back, no receipt is due.
            outcome = Outcome(outcome.outcome, donation.id, receipt_due=donation.status == rules.SUCCEEDED)

    waiting = outcome.outcome == "deferred"
    session.add(
        StripeEvent(
            id=event["id"][:255],
            type=kind[:80],
            received_at=now,
            donation_id=outcome.donation_id,
            outcome=outcome.outcome,
            payment_intent_id=intent_id,
            deferred={
                "account": event.get("account"),
                "created": event.get("created") if isinstance(event.get("created"), int) else None,
                "object": {k: obj.get(k) for k in _KEPT_FIELDS},
            }
            if waiting
            else None,
        )
    )
    session.flush()
    log.info("stripe event %s (%s): donation=%s outcome=%s", event["id"], kind, outcome.donation_id, outcome.outcome)
    return outcome
