"""Starting a donation under the per-donor cap, and expiring the ones never paid.

The cap (L52-8) is 4,600 EUR per donor per election, across every candidate. A donation
counts while pending (reserved, younger than the pending lifetime) and once received.
Concurrent donations by one donor are serialised on their `donor_cap` row: an upsert
that always writes, so PostgreSQL row-locks it until commit and SQLite takes its write
lock; the sum is read only after the lock is held.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from participatory.accounts.models import User
from participatory.audit.services import actor_of, record
from participatory.crowdfunding import rules
from participatory.crowdfunding.errors import CrowdfundingError, PaymentUnavailable, raise_if
from participatory.crowdfunding.gateway import GatewayError, StripeGateway
from participatory.crowdfunding.models import SIGNED_AMOUNT, AccountEntry, Candidacy, Donation, DonorCap
from participatory.crowdfunding.services.campaigns import window_of
from participatory.crowdfunding.services.connect import donor_refusal


@dataclass(frozen=True)
class Donor:
    first_name: str
    last_name: str
    email: str
    address: str
    postal_code: str
    city: str
    country: str  # ISO 3166-1 alpha-2
    eligibility: str  # "nationality" (French national) or "residence" (resides in France)
    natural_person: bool
    own_funds: bool
    # The keyed hash of the donor's FranceConnect identity when they gave signed in with it (then the
    # names are FranceConnect's too): the cap is keyed on the person rather than on how a name is written.
    verified_identity: str | None = None

    @property
    def key(self) -> str:
        if self.verified_identity:
            return rules.verified_donor_key(self.verified_identity)
        return rules.donor_identity_key(self.first_name, self.last_name, self.postal_code, self.country)


@dataclass(frozen=True)
class Started:
    donation: Donation
    client_secret: str | None


def lock_donor(session: Session, election_id: int, donor_key: str, now: datetime) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(DonorCap).values(election_id=election_id, donor_key=donor_key, touched_at=now)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["election_id", "donor_key"], set_={"touched_at": stmt.excluded.touched_at}
        )
    )


def counted_cents(session: Session, election_id: int, donor_key: str, now: datetime, pending_ttl: timedelta) -> int:
    """What already counts against this donor's cap; stale pending donations are released lazily."""
    live_pending = and_(Donation.status == rules.PENDING, Donation.created_at >= now - pending_ttl)
    received = Donation.status.in_([s for s in rules.CAP_COUNTED if s != rules.PENDING])
    given = session.scalar(
        select(func.coalesce(func.sum(Donation.amount_cents), 0)).where(
            Donation.election_id == election_id, Donation.donor_key == donor_key, or_(live_pending, received)
        )
    )
    # Donations the mandataires typed into their campaign accounts (cheques, transfers, cash) count
    # too; a reversal (a correction after filing) gives its amount back.
    typed = session.scalar(
        select(func.coalesce(func.sum(SIGNED_AMOUNT), 0)).where(
            AccountEntry.election_id == election_id, AccountEntry.donor_key == donor_key
        )
    )
    return int(given) + int(typed)


def idempotency_key(donation: Donation, purpose: str) -> str:
    # Derived from the unguessable ref (never reused, unlike SQLite ids after a rollback), without exposing it.
    return f"donation-{purpose}-" + hashlib.sha256(donation.ref.encode()).hexdigest()[:32]


def payment_metadata(donation: Donation) -> dict[str, str]:
    """Ids only: never a name, email or address in Stripe."""
    return {
        "platform": "participatory",
        "donation": str(donation.id),
        "candidacy": str(donation.candidacy_id),
        "election": str(donation.election_id),
    }


def _check_donor(donor: Donor) -> None:
    raise_if("attestations_required" if not (donor.natural_person and donor.own_funds) else None)
    raise_if(rules.donor_identity_problem(donor.first_name, donor.last_name, donor.postal_code, donor.country))
    raise_if("bad_eligibility" if donor.eligibility not in rules.ELIGIBILITY else None)
    residence_abroad = rules.cap_country(rules.country_code(donor.country) or "") != "FR"
    raise_if("residence_needs_france" if donor.eligibility == "residence" and residence_abroad else None)


def start_donation(
    session: Session,
    now: datetime,
    gateway: StripeGateway | None,
    *,
    candidacy: Candidacy,
    donor: Donor,
    amount_cents: int,
    cap_cents: int,
    pending_ttl: timedelta,
    user: User | None = None,
    payment_method: str | None = None,
) -> Started:
    """Check window, candidate and cap, record the donation as pending and create its PaymentIntent."""
    raise_if("not_approved" if candidacy.status != rules.APPROVED else None)
    raise_if(donor_refusal(candidacy))  # the account must take card payments and pay out (Stripe says)
    raise_if("window_closed" if not window_of(candidacy.election).is_open(now) else None)
    _check_donor(donor)
    raise_if("below_minimum" if amount_cents < rules.MIN_DONATION_CENTS else None)
    if gateway is None:
        raise PaymentUnavailable("payment_unavailable")

    key = donor.key
    lock_donor(session, candidacy.election_id, key, now)
    counted = counted_cents(session, candidacy.election_id, key, now, pending_ttl)
    problem = rules.donation_problem(amount_cents, counted, cap_cents)
    if problem:
        raise CrowdfundingError(problem, remaining_cents=rules.remaining_cap_cents(counted, cap_cents))

    donation = Donation(
        ref=secrets.token_urlsafe(16),
        candidacy_id=candidacy.id,
        election_id=candidacy.election_id,
        donor_key=key,
        user_id=user.id if user is not None else None,
        amount_cents=amount_cents,
        currency="eur",
        status=rules.PENDING,
        created_at=now,
        first_name=donor.first_name.strip(),
        last_name=donor.last_name.strip(),
        email=donor.email.strip(),
        address=donor.address.strip(),
        postal_code=rules.postal_code(donor.postal_code, rules.country_code(donor.country) or "") or "",
        city=donor.city.strip(),
        country=rules.country_code(donor.country) or "",  # as checked: the receipt's tax address
        eligibility=donor.eligibility,
        attested_natural_person=donor.natural_person,
        attested_own_funds=donor.own_funds,
        over_cap=False,
    )
    session.add(donation)
    session.flush()
    try:
        intent = gateway.create_intent(
            account=candidacy.stripe_account_id,
            amount_cents=amount_cents,
            idempotency_key=idempotency_key(donation, "create"),
            metadata=payment_metadata(donation),
            payment_method=payment_method,
        )
    except GatewayError as exc:
        raise PaymentUnavailable("payment_unavailable") from exc
    donation.payment_intent_id = intent.id
    session.flush()
    # Last, so the audit log's global lock is never held during the call to Stripe.
    record(
        session,
        now=now,
        actor=actor_of(user),
        action="donation.pending",
        object_type="donation",
        object_id=donation.id,
        details={"candidacy": candidacy.id, "amount_cents": amount_cents},
    )
    return Started(donation, intent.client_secret)


@dataclass
class ExpiryReport:
    expired: int = 0
    paid_meanwhile: int = 0
    errors: int = 0


def expire_pending(
    session: Session, now: datetime, gateway: StripeGateway | None, pending_ttl: timedelta
) -> ExpiryReport:
    """Cancel the PaymentIntents of donations never paid and mark them expired (the cap is already released)."""
    report = ExpiryReport()
    stale = session.scalars(
        select(Donation)
        .where(Donation.status == rules.PENDING, Donation.created_at < now - pending_ttl)
        .order_by(Donation.id)
        .with_for_update(skip_locked=True)
    ).all()
    for donation in stale:
        if donation.payment_intent_id:
            if gateway is None:
                report.errors += 1
                continue
            account = donation.candidacy.stripe_account_id
            try:
                gateway.cancel_intent(donation.payment_intent_id, account=account)
            except GatewayError:
                try:
                    status = gateway.retrieve_intent(donation.payment_intent_id, account=account).status
                except GatewayError:
                    report.errors += 1
                    continue
                if status in ("succeeded", "processing", "requires_capture"):
                    report.paid_meanwhile += 1  # its webhook will record the success
                    continue
        donation.status, donation.closed_at = rules.EXPIRED, now
        report.expired += 1
        record(
            session,
            now=now,
            actor="system",
            action="donation.expired",
            object_type="donation",
            object_id=donation.id,
            details={"candidacy": donation.candidacy_id, "amount_cents": donation.amount_cents},
        )
    session.flush()
    return report
