"""Accounts and FranceConnect identities: sign in (or register) with one, link one, unlink it.

One identity belongs to at most one account (unique subject_hash) and an account holds at most
one (unique user_id): the database says so, also under concurrent requests. Only the keyed hash
of `sub`, the names and the dates are stored (models.FranceConnectIdentity). Linking and
unlinking are audit events naming the account's pseudonym only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from participatory.accounts import rules
from participatory.accounts.errors import AccountError
from participatory.accounts.models import FranceConnectIdentity, User
from participatory.accounts.services.identity import find_by_email, normalise_email
from participatory.audit.services import actor_of, record

# Codes of the refusals (their messages: errors.MESSAGES).
LINKED_ELSEWHERE = "franceconnect_linked_elsewhere"
ALREADY_LINKED = "franceconnect_already_linked"
EMAIL_TAKEN = "franceconnect_email_taken"
NO_EMAIL = "franceconnect_no_email"
KEEP_A_WAY_IN = "franceconnect_keep_a_way_in"
NOT_LINKED = "franceconnect_not_linked"


def find(session: Session, subject_hash: str) -> FranceConnectIdentity | None:
    return session.scalar(select(FranceConnectIdentity).where(FranceConnectIdentity.subject_hash == subject_hash))


def _names(claims: dict) -> tuple[str, str]:
    return rules.clean_claim_name(claims["given_name"]), rules.clean_claim_name(claims["family_name"])


def _vouched(identity: FranceConnectIdentity, claims: dict, now: datetime) -> None:
    identity.given_name, identity.family_name = _names(claims)
    identity.verified_at = now


def _attach(session: Session, user: User, subject_hash: str, claims: dict, now: datetime) -> FranceConnectIdentity:
    given, family = _names(claims)
    identity = FranceConnectIdentity(
        user_id=user.id, subject_hash=subject_hash, given_name=given, family_name=family, linked_at=now, verified_at=now
    )
    session.add(identity)
    try:
        with session.begin_nested():  # the unique indexes decide between concurrent links
            session.flush()
    except IntegrityError:
        raise AccountError(LINKED_ELSEWHERE) from None
    return identity


def sign_in(session: Session, *, subject_hash: str, claims: dict, now: datetime) -> tuple[User, bool]:
    """The account this identity is linked to, or a new one made from the claims: (user, created).

    A new account takes the email FranceConnect transmits, confirmed (the identity provider vouches
    for it) and no password. If that address already has an account, nothing is created: the person
    signs in there with their password and links FranceConnect (no silent merge of two accounts).
    """
    identity = find(session, subject_hash)
    if identity is not None:
        user = session.get(User, identity.user_id)
        _vouched(identity, claims, now)
        session.flush()
        return user, False
    email = normalise_email(claims.get("email") or "")
    if not email:
        raise AccountError(NO_EMAIL)
    if find_by_email(session, email) is not None:
        raise AccountError(EMAIL_TAKEN)
    user = User(email=email, password_hash=None, display_name="", created_at=now, email_confirmed_at=now)
    session.add(user)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # the address was registered a moment ago
        raise AccountError(EMAIL_TAKEN) from None
    _attach(session, user, subject_hash, claims, now)
    record(
        session,
        now=now,
        actor=actor_of(user),
        action="account.registered",
        object_type="user",
        object_id=user.pseudonym,
    )
    record(
        session,
        now=now,
        actor=actor_of(user),
        action="account.franceconnect_linked",
        object_type="user",
        object_id=user.pseudonym,
    )
    session.flush()
    return user, True


def link(session: Session, user: User, *, subject_hash: str, claims: dict, now: datetime) -> FranceConnectIdentity:
    """Link the identity to the signed-in account; refused when either already has a link."""
    existing = find(session, subject_hash)
    if existing is not None and existing.user_id == user.id:
        _vouched(existing, claims, now)
        session.flush()
        return existing
    if existing is not None:
        raise AccountError(LINKED_ELSEWHERE)
    if user.franceconnect is not None:
        raise AccountError(ALREADY_LINKED)
    identity = _attach(session, user, subject_hash, claims, now)
    record(
        session,
        now=now,
        actor=actor_of(user),
        action="account.franceconnect_linked",
        object_type="user",
        object_id=user.pseudonym,
    )
    session.flush()
    session.refresh(user)
    return identity


def unlink(session: Session, user: User, *, now: datetime) -> None:
    """Remove the link, only if the account keeps a way to sign in (a password)."""
    if user.franceconnect is None:
        raise AccountError(NOT_LINKED)
    if not user.password_hash:
        raise AccountError(KEEP_A_WAY_IN)
    forget(session, user)
    record(
        session,
        now=now,
        actor=actor_of(user),
        action="account.franceconnect_unlinked",
        object_type="user",
        object_id=user.pseudonym,
    )
    session.flush()


def forget(session: Session, user: User) -> None:
    """Delete the account's FranceConnect identity, if any (unlinking, deleting the account)."""
    identity = user.franceconnect
    if identity is not None:
        session.delete(identity)
        session.flush()
        session.expire(user, ["franceconnect"])
