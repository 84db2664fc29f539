"""The mandate's tables: organisations met, the agenda's meetings and their revisions, consultations on
bills (articles, paragraphs, written contributions), citizens' comments and amendments.

Times in UTC. Nothing is deleted: a meeting is corrected (a new revision) or withdrawn with a public
reason; a comment is hidden with a public reason. People appear only under the public name they chose.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participatory.extensions import Model

_USER = "user_account.id"

meeting_organisation = Table(
    "meeting_organisation",
    Model.metadata,
    Column("meeting_id", ForeignKey("meeting.id"), primary_key=True),
    Column("organisation_id", ForeignKey("organisation.id"), primary_key=True, index=True),
)


class Organisation(Model):
    """An organisation met by MPs, shared across the agendas; `hatvp_id` is its `identifiantNational`
    in the HATVP register of interest representatives, when known."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), index=True)  # rules.name_key(name)
    hatvp_id: Mapped[str | None] = mapped_column(String(10), unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Meeting(Model):
    """A meeting of the constituency's MP with interest representatives; the columns are its current text."""

    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    constituency_code: Mapped[str] = mapped_column(ForeignKey("constituency.code"), index=True)
    mp_id: Mapped[int | None] = mapped_column(ForeignKey(_USER, ondelete="SET NULL"), nullable=True, index=True)
    mp_name: Mapped[str] = mapped_column(String(80))  # the MP's public name when published
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(200))
    people_roles: Mapped[str] = mapped_column(Text, default="")  # one role a line, never a private person's name
    bill: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    withdrawal_reason: Mapped[str] = mapped_column(Text, default="")

    organisations: Mapped[list[Organisation]] = relationship(
        secondary=meeting_organisation, order_by="Organisation.name", lazy="selectin"
    )
    revisions: Mapped[list[MeetingRevision]] = relationship(back_populates="meeting", order_by="MeetingRevision.number")

    @property
    def roles(self) -> list[str]:
        return [line for line in self.people_roles.splitlines() if line.strip()]


class MeetingRevision(Model):
    """What a meeting said at each publication or correction (a JSON snapshot), and why it was corrected."""

    __tablename__ = "meeting_revision"
    __table_args__ = (UniqueConstraint("meeting_id", "number", name="uq_meeting_revision_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    meeting: Mapped[Meeting] = relationship(back_populates="revisions")


class Consultation(Model):
    """A consultation on a bill, opened by the constituency's MP or an admin."""

    __tablename__ = "consultation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    constituency_code: Mapped[str] = mapped_column(ForeignKey("constituency.code"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    assemblee_ref: Mapped[str] = mapped_column(String(40), default="")  # e.g. PIONANR5L17B0123
    opens_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closes_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey(_USER, ondelete="SET NULL"), nullable=True)

    articles: Mapped[list[Article]] = relationship(back_populates="consultation", order_by="Article.position")
    contributions: Mapped[list[WrittenContribution]] = relationship(
        back_populates="consultation", order_by="WrittenContribution.id"
    )


class Article(Model):
    __tablename__ = "bill_article"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(80))  # "Article 1er"

    consultation: Mapped[Consultation] = relationship(back_populates="articles")
    paragraphs: Mapped[list[Paragraph]] = relationship(back_populates="article", order_by="Paragraph.position")


class Paragraph(Model):
    """An alinéa of an article: numbered from 1 within the article."""

    __tablename__ = "bill_paragraph"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("bill_article.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)

    article: Mapped[Article] = relationship(back_populates="paragraphs")
    comments: Mapped[list[BillComment]] = relationship(back_populates="paragraph", order_by="BillComment.id")


class WrittenContribution(Model):
    """A written contribution received on the bill (an organisation's), published with its summary and file."""

    __tablename__ = "written_contribution"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    summary: Mapped[str] = mapped_column(Text)
    stored_name: Mapped[str | None] = mapped_column(String(80), nullable=True)  # under UPLOAD_DIR/contributions
    size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey(_USER, ondelete="SET NULL"), nullable=True)

    consultation: Mapped[Consultation] = relationship(back_populates="contributions")
    organisation: Mapped[Organisation] = relationship(lazy="joined")


class BillComment(Model):
    __tablename__ = "bill_comment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    paragraph_id: Mapped[int] = mapped_column(ForeignKey("bill_paragraph.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey(_USER, ondelete="SET NULL"), nullable=True, index=True)
    author_name: Mapped[str] = mapped_column(String(80))  # the public name the author chose
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    hidden_reason: Mapped[str] = mapped_column(Text, default="")

    paragraph: Mapped[Paragraph] = relationship(back_populates="comments")


class BillCommentReport(Model):
    __tablename__ = "bill_comment_report"
    __table_args__ = (UniqueConstraint("comment_id", "reporter_id", name="uq_bill_comment_report"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("bill_comment.id"), index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey(_USER))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Amendment(Model):
    """A citizen amendment on one paragraph; `dispositif` and `expose` are its current version."""

    __tablename__ = "citizen_amendment"
    __table_args__ = (UniqueConstraint("consultation_id", "number", name="uq_citizen_amendment_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id"), index=True)
    paragraph_id: Mapped[int] = mapped_column(ForeignKey("bill_paragraph.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # numero, from 1 within the consultation
    author_id: Mapped[int | None] = mapped_column(ForeignKey(_USER, ondelete="SET NULL"), nullable=True, index=True)
    author_name: Mapped[str] = mapped_column(String(80))
    dispositif: Mapped[str] = mapped_column(Text)
    expose: Mapped[str] = mapped_column(Text)  # exposé sommaire
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(20))  # rules.STATUSES
    status_reason: Mapped[str] = mapped_column(Text, default="")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("citizen_amendment.id"), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    tabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    paragraph: Mapped[Paragraph] = relationship(lazy="joined")
    versions: Mapped[list[AmendmentVersion]] = relationship(
        back_populates="amendment", order_by="AmendmentVersion.number"
    )


class AmendmentVersion(Model):
    """Each wording of an amendment: the author's first, then the MP team's rewordings."""

    __tablename__ = "citizen_amendment_version"
    __table_args__ = (UniqueConstraint("amendment_id", "number", name="uq_citizen_amendment_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    amendment_id: Mapped[int] = mapped_column(ForeignKey("citizen_amendment.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    dispositif: Mapped[str] = mapped_column(Text)
    expose: Mapped[str] = mapped_column(Text)
    by_team: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    amendment: Mapped[Amendment] = relationship(back_populates="versions")


class AmendmentSupport(Model):
    """One support per person and amendment (unique), also under concurrent clicks."""

    __tablename__ = "citizen_amendment_support"
    __table_args__ = (UniqueConstraint("amendment_id", "user_id", name="uq_citizen_amendment_support"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    amendment_id: Mapped[int] = mapped_column(ForeignKey("citizen_amendment.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey(_USER, ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
