"""The mandataire's side: the donation ledger, its totals and export, refunds and reconciliation with Stripe."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from participatory import csvfiles
from participatory.accounts.models import User
from participatory.accounts.rules import utc
from participatory.audit.services import actor_of, record
from participatory.crowdfunding import rules
from participatory.crowdfunding.errors import PaymentUnavailable, raise_if
from participatory.crowdfunding.gateway import GatewayError, StripeGateway
from participatory.crowdfunding.models import Candidacy, Donation
from participatory.crowdfunding.services.donations import idempotency_key, payment_metadata


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    since: date | None = None
    until: date | None = None
    min_cents: int | None = None
    max_cents: int | None = None
    over_cap_only: bool = False


def donations(session: Session, candidacy: Candidacy, filters: Filters = Filters()) -> list[Donation]:
    query = select(Donation).where(Donation.candidacy_id == candidacy.id)
    if filters.status:
        query = query.where(Donation.status == filters.status)
    if filters.since:
        query = query.where(Donation.created_at >= datetime.combine(filters.since, time(0), rules.PARIS))
    if filters.until:
        query = query.where(
            Donation.created_at < datetime.combine(filters.until + timedelta(days=1), time(0), rules.PARIS)
        )
    if filters.min_cents is not None:
        query = query.where(Donation.amount_cents >= filters.min_cents)
    if filters.max_cents is not None:
        query = query.where(Donation.amount_cents <= filters.max_cents)
    if filters.over_cap_only:
        query = query.where(Donation.over_cap.is_(True))
    return list(session.scalars(query.order_by(Donation.created_at.desc(), Donation.id.desc())))


@dataclass(frozen=True)
class Totals:
    received_cents: int
    received_count: int
    pending_cents: int
    refunded_cents: int
    to_refund: int  # over the cap, still to be refunded


def totals(session: Session, candidacy: Candidacy) -> Totals:
    rows = dict(
        (status, (count, cents))
        for status, count, cents in session.execute(
            select(Donation.status, func.count(), func.coalesce(func.sum(Donation.amount_cents), 0))
            .where(Donation.candidacy_id == candidacy.id)
            .group_by(Donation.status)
        )
    )
    received = [rows.get(s, (0, 0)) for s in rules.RECEIVED]
    to_refund = session.scalar(
        select(func.count()).where(
            Donation.candidacy_id == candidacy.id, Donation.over_cap.is_(True), Donation.status == rules.SUCCEEDED
        )
    )
    return Totals(
        sum(c for _, c in received),
        sum(n for n, _ in received),
        rows.get(rules.PENDING, (0, 0))[1],
        rows.get(rules.REFUNDED, (0, 0))[1],
        to_refund or 0,
    )


def approve_refund(
    session: Session, agent: User, now: datetime, gateway: StripeGateway | None, donation: Donation, reason: str
) -> None:
    """R39-1-1: only the mandataire approves a refund; the donation is refunded once Stripe confirms it."""
    raise_if("bad_refund_reason" if reason not in rules.REFUND_REASONS else None)
    raise_if("not_refundable" if not rules.can_transition(donation.status, rules.REFUND_REQUESTED) else None)
    if gateway is None:
        raise PaymentUnavailable("payment_unavailable")
    try:
        donation.refund_id = gateway.refund(
            donation.payment_intent_id,
            account=donation.candidacy.stripe_account_id,
            idempotency_key=idempotency_key(donation, "refund"),
            metadata=payment_metadata(donation),
        )
    except GatewayError as exc:
        raise PaymentUnavailable("payment_unavailable") from exc
    donation.status, donation.refund_reason = rules.REFUND_REQUESTED, reason
    donation.refund_requested_at, donation.refund_approved_by_id = now, agent.id
    session.flush()
    record(
        session,
        now=now,
        actor=actor_of(agent),
        action="donation.refund_approved",
        object_type="donation",
        object_id=donation.id,
        details={
            "candidacy": donation.candidacy_id,
            "amount_cents": donation.amount_cents,
            "reason": reason,
            "refund": donation.refund_id,
        },
    )


LEDGER_COLUMNS = (
    "receipt",
    "donation_id",
    "status",
    "created_at",
    "succeeded_at",
    "amount_eur",
    "currency",
    "payment_means",
    "last_name",
    "first_name",
    "eligibility",
    "address",
    "postal_code",
    "city",
    "country",
    "email",
    "payment_intent",
    "refund",
    "refund_reason",
    "over_cap",
    "anomaly",
)


def _when(moment: datetime | None) -> str:
    return utc(moment).astimezone(rules.PARIS).isoformat(timespec="seconds") if moment else ""


def ledger_csv(candidacy: Candidacy, rows: list[Donation]) -> str:
    """R39-1 data for the mandataire's receipts and the CNCCFP, with the Stripe ids to trace each payment."""
    out = io.StringIO()
    writer = csvfiles.writer(out, lineterminator="\n")
    writer.writerow(LEDGER_COLUMNS)
    for d in sorted(rows, key=lambda d: (d.receipt_number is None, d.receipt_number or 0, d.id)):
        writer.writerow(
            [
                rules.receipt_label(candidacy.id, d.receipt_number) if d.receipt_number else "",
                d.id,
                d.status,
                _when(d.created_at),
                _when(d.succeeded_at),
                f"{d.amount_cents / 100:.2f}",
                d.currency.upper(),
                "carte bancaire",
                d.last_name,
                d.first_name,
                d.eligibility,
                d.address,
                d.postal_code,
                d.city,
                d.country,
                d.email,
                d.payment_intent_id or "",
                d.refund_id or "",
                d.refund_reason or "",
                int(d.over_cap),
                d.anomaly or "",
            ]
        )
    return out.getvalue()


# What Stripe should say for each ledger state (a refund leaves the PaymentIntent "succeeded").
EXPECTED_STRIPE = {
    rules.SUCCEEDED: {"succeeded"},
    rules.REFUND_REQUESTED: {"succeeded"},
    rules.REFUNDED: {"succeeded"},
    rules.FAILED: {"requires_payment_method", "canceled"},
    rules.EXPIRED: {"canceled", "requires_payment_method"},
    rules.PENDING: {"requires_payment_method", "requires_confirmation", "requires_action", "processing"},
}


@dataclass
class ReconciliationLine:
    donation_id: int | None
    payment_intent: str
    ledger_status: str | None
    ledger_cents: int | None
    stripe_status: str | None
    stripe_cents: int | None
    problem: str | None  # None when both sides agree


@dataclass
class Reconciliation:
    lines: list[ReconciliationLine] = field(default_factory=list)
    outside_platform: int = 0  # PaymentIntents on the account not created by the platform

    @property
    def problems(self) -> list[ReconciliationLine]:
        return [line for line in self.lines if line.problem]


def reconcile(session: Session, gateway: StripeGateway, candidacy: Candidacy) -> Reconciliation:
    """Compare the ledger with the PaymentIntents Stripe lists on the mandataire's account."""
    report = Reconciliation()
    try:
        intents = gateway.list_intents(account=candidacy.stripe_account_id)
    except GatewayError as exc:
        raise PaymentUnavailable("payment_unavailable") from exc
    ours = {}
    for intent in intents:
        if intent.metadata.get("platform") != "participatory":
            report.outside_platform += 1
        elif intent.metadata.get("candidacy") == str(candidacy.id):
            ours[intent.id] = intent
    ledger = {d.payment_intent_id: d for d in donations(session, candidacy) if d.payment_intent_id}
    for pi in sorted(set(ours) | set(ledger)):
        d, intent = ledger.get(pi), ours.get(pi)
        if d is None:
            problem = "unknown_to_ledger"
        elif intent is None:
            problem = "missing_at_stripe"
        elif intent.amount != d.amount_cents or intent.currency != d.currency:
            problem = "amount_differs"
        elif intent.status not in EXPECTED_STRIPE.get(d.status, set()):
            problem = "status_differs"
        else:
            problem = None
        report.lines.append(
            ReconciliationLine(
                d.id if d else None,
                pi,
                d.status if d else None,
                d.amount_cents if d else None,
                intent.status if intent else None,
                intent.amount if intent else None,
                problem,
            )
        )
    return report
