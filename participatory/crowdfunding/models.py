"""Elections, candidacies, donations and the records that make payments auditable.

Money is integer cents (EUR). Donor identity lives only in `donation` (and goes to the
mandataire and auditors); the cap is enforced through `donor_key`, a hash of the
normalized identity (see rules.donor_identity_key).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    case,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participatory.crowdfunding.rules import ACCOUNT_UNVERIFIED, APPLIED, PENDING
from participatory.crowdfunding.rules.campaign_account import DRAFT
from participatory.extensions import Model


class Election(Model):
    __tablename__ = "election"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    first_round: Mapped[date] = mapped_column(Date)
    second_round: Mapped[date | None] = mapped_column(Date, nullable=True)
    # Set by hand for an early election (dissolution); otherwise the L52-4 window applies.
    collection_opens_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    collection_closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    candidacies: Mapped[list[Candidacy]] = relationship(back_populates="election")


class Candidacy(Model):
    """A candidate's campaign for one election in one constituency, with its mandataire."""

    __tablename__ = "candidacy"
    __table_args__ = (UniqueConstraint("election_id", "user_id", name="uq_candidacy_election_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("election.id"), index=True)
    constituency_code: Mapped[str] = mapped_column(ForeignKey("constituency.code"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    candidate_name: Mapped[str] = mapped_column(String(120))  # public: as on the ballot
    party_label: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(20), default=APPLIED)
    # L52-4: a mandataire financier (natural person) or a financing association.
    agent_kind: Mapped[str] = mapped_column(String(20))
    agent_name: Mapped[str] = mapped_column(String(160))
    agent_designated_on: Mapped[date] = mapped_column(Date)
    agent_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True, index=True)
    # The mandataire's own Stripe connected account: donations are direct charges on it.
    stripe_account_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)

    election: Mapped[Election] = relationship(back_populates="candidacies")
    connect_account: Mapped[ConnectAccount | None] = relationship(back_populates="candidacy", uselist=False)


class ConnectAccount(Model):
    """What Stripe last said of a campaign's connected account (retrieved or from `account.updated`),
    never what a form said. Donations open only when rules.account_state says ready."""

    __tablename__ = "connect_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(ForeignKey("candidacy.id"), unique=True)
    # The same as candidacy.stripe_account_id. Not unique: campaigns linked by hand before 0015 may share one;
    # the services refuse a new sharing.
    account_id: Mapped[str] = mapped_column(String(64), index=True)
    origin: Mapped[str] = mapped_column(String(20))  # "created" by the platform, or "admin" (override)
    state: Mapped[str] = mapped_column(String(20), default=ACCOUNT_UNVERIFIED)
    charges_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    payouts_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    card_payments: Mapped[str | None] = mapped_column(String(20), nullable=True)
    details_submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    requirements_due: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled_reason: Mapped[str | None] = mapped_column(String(80), nullable=True)
    # Stripe time (epoch seconds) of the newest state stored: an event created before it is stale.
    stripe_as_of: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    candidacy: Mapped[Candidacy] = relationship(back_populates="connect_account")


class Donation(Model):
    __tablename__ = "donation"
    __table_args__ = (
        UniqueConstraint("candidacy_id", "receipt_number", name="uq_donation_candidacy_receipt"),
        Index("ix_donation_election_donor", "election_id", "donor_key"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Unguessable reference: the donor's pages and the Stripe idempotency keys use it.
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    candidacy_id: Mapped[int] = mapped_column(ForeignKey("candidacy.id"), index=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("election.id"))
    donor_key: Mapped[str] = mapped_column(String(64))  # sha256 of the normalized identity
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True, index=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="eur")
    status: Mapped[str] = mapped_column(String(20), default=PENDING, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    succeeded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)  # failed/expired
    # R39-1: identity, nationality or residence, tax address.
    first_name: Mapped[str] = mapped_column(String(80))
    last_name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(12))
    city: Mapped[str] = mapped_column(String(80))
    country: Mapped[str] = mapped_column(String(2))
    eligibility: Mapped[str] = mapped_column(String(20))  # "nationality" or "residence"
    attested_natural_person: Mapped[bool] = mapped_column(Boolean)
    attested_own_funds: Mapped[bool] = mapped_column(Boolean)
    payment_intent_id: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    receipt_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    receipt_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Set when a late success took the donor past the cap: the mandataire must refund.
    over_cap: Mapped[bool] = mapped_column(Boolean, default=False)
    anomaly: Mapped[str | None] = mapped_column(String(200), nullable=True)  # e.g. amount mismatch
    refund_reason: Mapped[str | None] = mapped_column(String(20), nullable=True)
    refund_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    refund_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    refund_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    refunded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    candidacy: Mapped[Candidacy] = relationship()


class DonorCap(Model):
    """One row per (election, donor): locked while a donation is reserved, so the cap holds under concurrency."""

    __tablename__ = "donor_cap"

    election_id: Mapped[int] = mapped_column(ForeignKey("election.id"), primary_key=True)
    donor_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    touched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StripeEvent(Model):
    """Every webhook event processed, stored in the transaction of its effect: a replay changes nothing."""

    __tablename__ = "stripe_event"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)  # evt_…
    type: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    donation_id: Mapped[int | None] = mapped_column(ForeignKey("donation.id"), nullable=True, index=True)
    outcome: Mapped[str] = mapped_column(String(40))
    # An event that came before the one it follows (a refund before the success, a success before our
    # donation row was committed) waits here, with the few fields it needs, until it can be applied.
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), nullable=True, index=True)
    deferred: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class LegalText(Model):
    """Editable legal notices (L52-9, L52-8, L113-1, receipt notice); defaults in legal.py."""

    __tablename__ = "legal_text"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)


# --- The campaign account (compte de campagne) ---
# Tables of the campaign account. Money in integer cents; identities of donors and lenders stay here,


class CampaignAccount(Model):
    __tablename__ = "campaign_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(ForeignKey("candidacy.id"), unique=True)
    state: Mapped[str] = mapped_column(String(20), default=DRAFT)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    filed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    filed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    decision_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # date of the CNCCFP's decision
    refund_cents: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the State's refund (L52-11-1)

    candidacy: Mapped[Candidacy] = relationship()
    entries: Mapped[list[AccountEntry]] = relationship(
        back_populates="account", order_by="AccountEntry.id", foreign_keys="AccountEntry.account_id"
    )


class AccountEntry(Model):
    """One receipt or expense entered by hand. Never edited once the account is filed: a correction
    is a new entry that reverses it (`reverses_id`), counted negatively."""

    __tablename__ = "campaign_account_entry"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="entry_amount_positive"),
        CheckConstraint("amount_cents <= 100000000", name="entry_amount_bounded"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("campaign_account.id"), index=True)
    election_id: Mapped[int] = mapped_column(ForeignKey("election.id"))
    kind: Mapped[str] = mapped_column(String(10))  # receipt or expense
    category: Mapped[str] = mapped_column(String(40))
    entry_date: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200))  # what it is (private: the public data has categories only)
    origin: Mapped[str | None] = mapped_column(String(30), nullable=True)  # rules.ORIGINS
    counterparty: Mapped[str | None] = mapped_column(String(160), nullable=True)  # lender, party, supplier
    reference: Mapped[str | None] = mapped_column(String(60), nullable=True)  # invoice or reçu-don number
    # A person's donation (R39-1): identity for the receipt and the cap's key, never published.
    means: Mapped[str | None] = mapped_column(String(10), nullable=True)
    donor_first_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    donor_last_name: Mapped[str | None] = mapped_column(String(80), nullable=True)
    donor_address: Mapped[str | None] = mapped_column(String(200), nullable=True)
    donor_postal_code: Mapped[str | None] = mapped_column(String(12), nullable=True)
    donor_city: Mapped[str | None] = mapped_column(String(80), nullable=True)
    donor_country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    donor_key: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_account_entry.id"), nullable=True, unique=True)
    after_filing: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    account: Mapped[CampaignAccount] = relationship(back_populates="entries", foreign_keys=[account_id])
    attachments: Mapped[list[AccountAttachment]] = relationship(back_populates="entry", order_by="AccountAttachment.id")


# An entry's amount as it counts in sums: a reversal (a correction after filing) gives its amount back.
SIGNED_AMOUNT = case((AccountEntry.reverses_id.is_(None), AccountEntry.amount_cents), else_=-AccountEntry.amount_cents)


class AccountAttachment(Model):
    """A supporting document, stored under UPLOAD_DIR with a random name; served only to those who
    read the ledger."""

    __tablename__ = "campaign_account_attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("campaign_account_entry.id"), index=True)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    mimetype: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    entry: Mapped[AccountEntry] = relationship(back_populates="attachments")
