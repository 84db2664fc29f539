"""Tables of the campaign account. Money in integer cents; identities of donors and lenders stay here,
for the mandataire and auditors only (the published data is computed from categories and amounts)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participatory.crowdfunding.campaign_account.rules import DRAFT
from participatory.crowdfunding.models import Candidacy
from participatory.extensions import Model


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
