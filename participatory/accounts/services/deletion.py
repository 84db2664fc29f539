"""Deleting an account: the person disappears, their ballots stay counted, unlinked from the account
(keyed by the person's voter key until publication: coming back cannot add a ballot)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from participatory.accounts.errors import AccountError
from participatory.accounts.models import AccountToken, ResidenceLetter, User, UserSession
from participatory.accounts.rules import LETTER_OPEN, LETTER_VOID, RECENT_FRANCECONNECT, utc
from participatory.accounts.services.franceconnect import forget as forget_franceconnect
from participatory.accounts.services.identity import password_matches
from participatory.accounts.signals import account_deleted
from participatory.audit.services import actor_of, record


def delete_account(session: Session, user: User, *, password: str | None, now: datetime) -> None:
    """Anonymise the user row (kept so that the audit log's pseudonym and grant history stay whole).

    Other domains unlink their rows through the `account_deleted` signal, in this transaction.
    """
    if user.password_hash is None and user.franceconnect is not None:
        if utc(now) - utc(user.franceconnect.verified_at) > RECENT_FRANCECONNECT:
            raise AccountError("franceconnect_reauthenticate")
    elif not password_matches(user, password or ""):
        raise AccountError("password_wrong", field="password")
    erase_account(session, user, now=now)


def erase_account(session: Session, user: User, *, now: datetime) -> None:
    if user.deleted_at is not None:
        raise AccountError("account_already_deleted")
    account_deleted.send(session, user=user, now=now)
    for grant in user.active_grants():
        grant.revoked_at, grant.revoked_by_id = now, user.id
    session.execute(delete(AccountToken).where(AccountToken.user_id == user.id))
    session.execute(delete(UserSession).where(UserSession.user_id == user.id))  # every session ends, no trace kept
    # The identity's names and hash go; the ballots keyed on it stay keyed until publication (voter_keys).
    forget_franceconnect(session, user)
    for letter in session.scalars(select(ResidenceLetter).where(ResidenceLetter.user_id == user.id)):
        letter.erase_address()
        if letter.status in LETTER_OPEN:
            letter.status = LETTER_VOID
    user.email = None
    user.password_hash = None
    user.display_name = ""
    user.home_lat = user.home_lon = None
    user.residence_country = None
    user.constituency_code = None
    user.residence_declared_at = user.residence_verified_at = user.residence_verified_by = None
    user.deleted_at = now
    record(
        session, now=now, actor=actor_of(user), action="account.deleted", object_type="user", object_id=user.pseudonym
    )
    session.flush()
