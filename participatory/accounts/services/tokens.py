"""Single-use, expiring email links: only the SHA-256 of a token is stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from participatory.accounts.errors import TokenError
from participatory.accounts.models import AccountToken, User
from participatory.accounts.rules import (
    TOKEN_LIFETIMES,
    TOKEN_UNKNOWN,
    TOKEN_USED,
    TOKEN_VALID,
    new_token,
    token_digest,
    token_state,
)


def issue(session: Session, user: User, purpose: str, now: datetime) -> str:
    """A new link for `purpose`; the user's earlier unused links for it stop working."""
    session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose == purpose, AccountToken.used_at.is_(None))
        .values(used_at=now)
    )
    raw = new_token()
    session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=token_digest(raw),
            created_at=now,
            expires_at=now + TOKEN_LIFETIMES[purpose],
        )
    )
    session.flush()
    return raw


def check(session: Session, raw: str, purpose: str, now: datetime) -> AccountToken:
    """The token row if the link can be used now; TokenError otherwise (nothing changes)."""
    token = None
    if raw and len(raw) <= 100:
        token = session.scalar(
            select(AccountToken).where(AccountToken.token_hash == token_digest(raw), AccountToken.purpose == purpose)
        )
    if token is None:
        raise TokenError(TOKEN_UNKNOWN)
    user = session.get(User, token.user_id)
    if user is None or user.deleted_at is not None:
        raise TokenError(TOKEN_UNKNOWN)
    state = token_state(used_at=token.used_at, expires_at=token.expires_at, now=now)
    if state != TOKEN_VALID:
        raise TokenError(state)
    return token


def consume(session: Session, raw: str, purpose: str, now: datetime) -> User:
    """Use the link once: a concurrent second use finds it already used (conditional update)."""
    token = check(session, raw, purpose, now)
    used = session.execute(
        update(AccountToken).where(AccountToken.id == token.id, AccountToken.used_at.is_(None)).values(used_at=now)
    ).rowcount  # type: ignore[attr-defined]  # DML executes to a CursorResult
    if used != 1:
        raise TokenError(TOKEN_USED)
    session.expire(token)
    return session.get(User, token.user_id)
