"""Users, their role grants, single-use email tokens and residence letters."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String, bindparam, select, text
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from participatory.accounts.rules import MP, RESIDENT, verification_met
from participatory.extensions import Model


def new_pseudonym() -> str:
    return "u_" + secrets.token_hex(8)


class User(UserMixin, Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Lower-cased; None once the account is deleted (ballots stay, unlinked from the person).
    email: Mapped[str | None] = mapped_column(String(254), unique=True, nullable=True)
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    display_name: Mapped[str] = mapped_column(String(80), default="")
    # Stable random id used wherever an actor must be named without naming the person (audit log).
    pseudonym: Mapped[str] = mapped_column(String(20), unique=True, default=new_pseudonym)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    email_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Residence: the exact point is private, only the constituency is ever shown.
    constituency_code: Mapped[str | None] = mapped_column(ForeignKey("constituency.code"), nullable=True, index=True)
    home_lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    home_lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    residence_declared_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    residence_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Residents abroad: ISO 3166 country that gave their ZZ-NN constituency (private, like the point).
    residence_country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    # The method that verified the residence (rules.VERIFICATION_METHODS), e.g. "letter".
    residence_verified_by: Mapped[str | None] = mapped_column(String(20), nullable=True)

    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", foreign_keys="RoleGrant.user_id", lazy="selectin"
    )
    franceconnect: Mapped[FranceConnectIdentity | None] = relationship(
        back_populates="user", uselist=False, lazy="selectin"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login: deleted accounts cannot sign in
        return self.deleted_at is None

    def active_grants(self) -> list[RoleGrant]:
        return [g for g in self.grants if g.revoked_at is None]

    def has_role(self, role: str, constituency_code: str | None = None) -> bool:
        if role == RESIDENT:
            return self.deleted_at is None
        for grant in self.active_grants():
            if grant.role == role and (constituency_code is None or grant.constituency_code == constituency_code):
                return True
        return False

    def meets_verification(self, level: str) -> bool:
        return verification_met(
            level,
            email_confirmed=self.email_confirmed_at is not None,
            residence_declared=self.residence_declared_at is not None and self.constituency_code is not None,
            residence_verified=self.residence_verified_at is not None,
            identity_verified=self.franceconnect is not None,
        )

    def mp_constituencies(self) -> list[str]:
        return [g.constituency_code for g in self.active_grants() if g.role == MP and g.constituency_code]


_CURRENT = text("revoked_at IS NULL")


class RoleGrant(Model):
    """A role given to a user, optionally bound to one constituency; revoking keeps the row (history)."""

    __tablename__ = "role_grant"
    # Among current grants: one grant of a role per user, and one MP per constituency, even
    # under concurrent assignments (partial unique indexes, SQLite and PostgreSQL alike).
    __table_args__ = (
        Index(
            "uq_role_grant_current_user_role",
            "user_id",
            "role",
            unique=True,
            sqlite_where=_CURRENT,
            postgresql_where=_CURRENT,
        ),
        Index(
            "uq_role_grant_current_mp",
            "constituency_code",
            unique=True,
            sqlite_where=text("revoked_at IS NULL AND role = 'mp'"),
            postgresql_where=text("revoked_at IS NULL AND role = 'mp'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    constituency_code: Mapped[str | None] = mapped_column(ForeignKey("constituency.code"), nullable=True, index=True)
    granted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)

    user: Mapped[User] = relationship(back_populates="grants", foreign_keys=[user_id])


class FranceConnectIdentity(Model):
    """The FranceConnect identity linked to an account: at most one per account, and one account per identity.

    Only what a feature needs is kept: the keyed hash of `sub` (rules.subject_digest: the link and the
    voter and donor keys), the names (donations are given under them, R39-1), and when FranceConnect
    last vouched for them. The raw `sub`, the birth data, gender and the email claim are never stored.
    """

    __tablename__ = "franceconnect_identity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    subject_hash: Mapped[str] = mapped_column(String(64), unique=True)
    given_name: Mapped[str] = mapped_column(String(200))
    family_name: Mapped[str] = mapped_column(String(200))
    linked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    verified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(back_populates="franceconnect")

    @property
    def first_given_name(self) -> str:
        return self.given_name.split(" ")[0]


class UserSession(Model):
    """One signed-in browser: the cookie holds a random token, this row its SHA-256.

    Every request checks it (participatory.accounts.signin), so revoking it (sign-out, password
    change or reset, deletion) ends every copy of the cookie at once.
    """

    __tablename__ = "user_session"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


# Every request of a signed-in user runs it: one statement, built once, finds the user with their
# roles only through a live session (by primary key: not revoked, neither idle nor too old).
SIGNED_IN_USER = (
    select(User, UserSession.last_seen_at)
    .join(UserSession, UserSession.user_id == User.id)
    .options(joinedload(User.grants), joinedload(User.franceconnect))
    .where(
        UserSession.id == bindparam("session_id"),
        User.id == bindparam("user_id"),
        User.deleted_at.is_(None),
        UserSession.revoked_at.is_(None),
        UserSession.last_seen_at > bindparam("idle_since"),
        UserSession.created_at > bindparam("opened_since"),
    )
)


def current_mp_of(session, constituency_code: str) -> User | None:
    return session.scalar(
        select(User)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == MP, RoleGrant.constituency_code == constituency_code, RoleGrant.revoked_at.is_(None))
        .limit(1)
    )


class AccountToken(Model):
    """A single-use link sent by email (confirmation, password reset); only its SHA-256 is stored."""

    __tablename__ = "account_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class LetterBatch(Model):
    """One printing of letter codes by the MP's team or an admin (no personal data)."""

    __tablename__ = "letter_batch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    constituency_code: Mapped[str] = mapped_column(ForeignKey("constituency.code"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    letters: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    file_format: Mapped[str] = mapped_column(String(4))


class ResidenceLetter(Model):
    """A resident's request for a code by post, then the code's life (status in rules.LETTER_*).

    The postal address is kept only while the letter waits to be printed: printing
    (or rejecting) the request erases it, the code itself is stored as an HMAC.
    """

    __tablename__ = "residence_letter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    constituency_code: Mapped[str] = mapped_column(ForeignKey("constituency.code"), index=True)
    status: Mapped[str] = mapped_column(String(12), index=True)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recipient: Mapped[str | None] = mapped_column(String(120), nullable=True)
    street: Mapped[str | None] = mapped_column(String(200), nullable=True)
    complement: Mapped[str | None] = mapped_column(String(200), nullable=True)
    postcode: Mapped[str | None] = mapped_column(String(12), nullable=True)
    city: Mapped[str | None] = mapped_column(String(100), nullable=True)
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)  # None: France
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("letter_batch.id"), nullable=True, index=True)
    code_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)

    def erase_address(self) -> None:
        self.recipient = self.street = self.complement = self.postcode = self.city = self.country = None
