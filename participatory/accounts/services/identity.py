"""Registration, sign-in, email confirmation, passwords and profile."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from participatory.accounts.errors import AccountError
from participatory.accounts.models import User
from participatory.accounts.rules import CONFIRM, RESET, password_problem
from participatory.accounts.services import sessions, tokens
from participatory.audit.services import actor_of, record

hasher = PasswordHasher()  # argon2id with the library's (RFC 9106 "low memory") parameters
# Checked when the email is unknown, so that a wrong address takes as long as a wrong password.
_DUMMY_HASH = hasher.hash("not a real password, only for timing")
BAD_CREDENTIALS = "bad_credentials"


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_by_email(session: Session, email: str) -> User | None:
    email = normalise_email(email)
    if not email:
        return None
    return session.scalar(select(User).where(User.email == email, User.deleted_at.is_(None)))  # stored lower-cased


def hash_password(password: str, email: str = "") -> str:
    problem = password_problem(password, email)
    if problem:
        raise AccountError(problem, field="password")
    return hasher.hash(password)


def password_matches(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    try:
        return hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Registration:
    """Either a new user with a confirmation token, or the existing account the email belongs to.

    The page says the same thing in both cases (no account enumeration); the existing
    owner gets an email telling them someone tried to register with their address.
    """

    user: User
    token: str | None
    already_registered: bool


def register(session: Session, *, email: str, password: str, display_name: str, now: datetime) -> Registration:
    email = normalise_email(email)
    # Judged and hashed before looking the address up: a taken address gets the same checks and
    # costs the same argon2 time as a free one, so neither the answer nor its delay tells them apart.
    password_hash = hash_password(password, email)
    existing = find_by_email(session, email)
    if existing is not None:
        return Registration(existing, None, True)
    user = User(email=email, password_hash=password_hash, display_name=display_name, created_at=now)
    session.add(user)
    try:
        session.flush()
    except IntegrityError:  # registered a moment ago by a concurrent request; the caller rolls back
        raise AccountError("email_just_registered", field="email") from None
    token = tokens.issue(session, user, CONFIRM, now)
    record(
        session,
        now=now,
        actor=actor_of(user),
        action="account.registered",
        object_type="user",
        object_id=user.pseudonym,
    )
    return Registration(user, token, False)


def authenticate(session: Session, *, email: str, password: str, now: datetime) -> User:
    user = find_by_email(session, email)
    if user is None or not user.password_hash:
        with contextlib.suppress(VerificationError):
            hasher.verify(_DUMMY_HASH, password or "x")
        raise AccountError(BAD_CREDENTIALS)
    if not password_matches(user, password):
        raise AccountError(BAD_CREDENTIALS)
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    session.flush()
    return user


def issue_confirmation(session: Session, user: User, now: datetime) -> str:
    if user.email_confirmed_at is not None:
        raise AccountError("email_already_confirmed")
    return tokens.issue(session, user, CONFIRM, now)


def confirm_email(session: Session, *, token: str, now: datetime) -> User:
    user = tokens.consume(session, token, CONFIRM, now)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now
        record(
            session,
            now=now,
            actor=actor_of(user),
            action="account.email_confirmed",
            object_type="user",
            object_id=user.pseudonym,
        )
    session.flush()
    return user


def request_password_reset(session: Session, *, email: str, now: datetime) -> tuple[User, str] | None:
    """A reset link for the account of this email, or None (the page answers the same either way)."""
    user = find_by_email(session, email)
    if user is None:
        return None
    return user, tokens.issue(session, user, RESET, now)


def reset_password(session: Session, *, token: str, password: str, now: datetime) -> User:
    owner = session.get(User, tokens.check(session, token, RESET, now).user_id)  # a bad link is reported first
    password_hash = hash_password(password, owner.email or "")
    user = tokens.consume(session, token, RESET, now)
    user.password_hash = password_hash
    sessions.revoke_all(session, user, now)  # every session signs out
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now  # the link proved the mailbox
    record(
        session,
        now=now,
        actor=actor_of(user),
        action="account.password_reset",
        object_type="user",
        object_id=user.pseudonym,
    )
    session.flush()
    return user


def change_password(
    session: Session, user: User, *, current: str, new: str, now: datetime, keep_session: str | None = None
) -> None:
    """A new password; every session of the user ends but the one of token `keep_session`."""
    if not password_matches(user, current):
        raise AccountError("current_password_wrong", field="current_password")
    user.password_hash = hash_password(new, user.email or "")
    sessions.revoke_all(session, user, now, keep=keep_session)
    record(
        session,
        now=now,
        actor=actor_of(user),
        action="account.password_changed",
        object_type="user",
        object_id=user.pseudonym,
    )
    session.flush()


def update_profile(session: Session, user: User, *, display_name: str, now: datetime) -> None:
    user.display_name = display_name
    session.flush()
