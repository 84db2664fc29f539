"""Participatory calls: the call, its proposals, ballots, results and implementation updates.

Money in integer cents, times in UTC. Ballots are designed for the transparency
exports (issue 7): a ballot names its voter only through `voter_id` (nulled when
the account is deleted) and its `voter_key` (a keyed hash of the person's
identity, erased at publication), and is exported under its random `public_id`;
the receipt code itself is never stored, only its SHA-256.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participatory.calls.rules import aware
from participatory.extensions import Model


class Call(Model):
    """One edition of a constituency's participatory budget (one per constituency and year)."""

    __tablename__ = "call"
    __table_args__ = (UniqueConstraint("constituency_code", "year", name="uq_call_constituency_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    constituency_code: Mapped[str] = mapped_column(ForeignKey("constituency.code"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    budget_cents: Mapped[int] = mapped_column(Integer)
    # Phase boundaries (see rules.phase_at): each phase runs from its date to the next one.
    proposals_open_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    review_open_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    voting_open_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    voting_close_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # Ballot rules.
    min_projects: Mapped[int] = mapped_column(Integer, default=1)
    max_projects: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: no maximum
    knapsack: Mapped[bool] = mapped_column(Boolean, default=True)  # ballot total within the budget
    rule: Mapped[str] = mapped_column(String(30))
    verification_level: Mapped[str] = mapped_column(String(20))
    # Supports a proposal needs during the proposals phase to be reviewed and reach the ballot (0: none).
    min_supports: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)

    proposals: Mapped[list[Proposal]] = relationship(back_populates="call", order_by="Proposal.id")
    result: Mapped[CallResult | None] = relationship(back_populates="call", uselist=False)


class Proposal(Model):
    __tablename__ = "proposal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True, index=True
    )
    title: Mapped[str] = mapped_column(String(120))
    summary: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(20))
    estimated_cost_cents: Mapped[int] = mapped_column(Integer)
    # Where the project would be built (public); None where the constituency has no polygon.
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    image_name: Mapped[str | None] = mapped_column(String(80), nullable=True)  # re-encoded file in UPLOAD_DIR
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Review: None (not yet), "feasible" (with the final cost) or "infeasible" (with a public reason).
    feasibility: Mapped[str | None] = mapped_column(String(12), nullable=True)
    final_cost_cents: Mapped[int | None] = mapped_column(Integer, nullable=True)
    review_reason: Mapped[str] = mapped_column(Text, default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True
    )
    # Moderation: hidden with a public reason.
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    hidden_reason: Mapped[str] = mapped_column(Text, default="")
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)

    call: Mapped[Call] = relationship(back_populates="proposals")
    updates: Mapped[list[ImplementationUpdate]] = relationship(
        back_populates="proposal", order_by=lambda: (ImplementationUpdate.happened_on, ImplementationUpdate.id)
    )

    @property
    def on_ballot(self) -> bool:
        """Whether residents can vote (or could, once the vote closed) for it: feasible, neither withdrawn
        nor hidden before the vote closed."""
        return self.feasibility == "feasible" and self.withdrawn_at is None and not self.hidden_during_call

    @property
    def hidden_during_call(self) -> bool:
        """Hidden before the vote closed: off the ballot, its text withheld from the public."""
        return self.hidden_at is not None and aware(self.hidden_at) < aware(self.call.voting_close_at)

    @property
    def moderation_note(self) -> str | None:
        """The public reason of a moderation after the vote closed: shown beside the project, which
        stays counted and published as it was (published results are never edited)."""
        if self.hidden_at is None or self.hidden_during_call:
            return None
        return self.hidden_reason

    @property
    def cost_cents(self) -> int:
        """The cost that counts: the reviewed final cost once known, else the author's estimate."""
        return self.final_cost_cents if self.final_cost_cents is not None else self.estimated_cost_cents


class ProposalReport(Model):
    """A signed-in user's report of a proposal to the moderators (one per user and proposal)."""

    __tablename__ = "proposal_report"
    __table_args__ = (UniqueConstraint("proposal_id", "reporter_id", name="uq_proposal_report_proposal_reporter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Ballot(Model):
    """A voter's ballot. The unique (call_id, voter_key) is the one-ballot-per-person guarantee: the key
    outlives the account (accounts/voter_keys.py); (call_id, voter_id) stays unique per account too."""

    __tablename__ = "ballot"
    __table_args__ = (
        UniqueConstraint("call_id", "voter_id", name="uq_ballot_call_voter"),
        UniqueConstraint("call_id", "voter_key", name="uq_ballot_call_voter_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), index=True)
    voter_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # HMAC of the person's verified identity, kept while it protects the vote: erased (NULL) when the
    # call's results are published. Never exported, never shown.
    voter_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)  # pseudonymous voter id in exports
    receipt_hash: Mapped[str] = mapped_column(String(64), index=True)  # sha256 hex of the receipt code
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    items: Mapped[list[BallotItem]] = relationship(
        back_populates="ballot", cascade="all, delete-orphan", order_by="BallotItem.proposal_id"
    )

    @property
    def proposal_ids(self) -> list[int]:
        return sorted(item.proposal_id for item in self.items)


class BallotItem(Model):
    __tablename__ = "ballot_item"

    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballot.id", ondelete="CASCADE"), primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), primary_key=True, index=True)

    ballot: Mapped[Ballot] = relationship(back_populates="items")


class CallResult(Model):
    """The results of a call, computed once when voting closes (call_id unique)."""

    __tablename__ = "call_result"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"), unique=True)
    rule: Mapped[str] = mapped_column(String(30))
    engine_version: Mapped[str] = mapped_column(String(40))
    ballots_digest: Mapped[str] = mapped_column(String(64))  # rules.ballots_digest
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    selected: Mapped[list] = mapped_column(JSON)  # proposal ids, in the order the rule selected them
    spent_cents: Mapped[int] = mapped_column(Integer)
    budget_cents: Mapped[int] = mapped_column(Integer)
    ballots: Mapped[int] = mapped_column(Integer)
    registered_voters: Mapped[int] = mapped_column(Integer)
    projects: Mapped[list] = mapped_column(JSON)  # per-project explanations from the engine
    alternatives: Mapped[dict] = mapped_column(JSON)  # other rules: {rule: {"selected": [...], "spent_cents": n}}

    call: Mapped[Call] = relationship(back_populates="result")


class ImplementationUpdate(Model):
    """A dated status update the MP posts on a winning project (the public timeline)."""

    __tablename__ = "implementation_update"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    happened_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)

    proposal: Mapped[Proposal] = relationship(back_populates="updates")
