"""Server-side sessions: opened at sign-in, revoked at sign-out, password change or reset, deletion.

The browser's cookie holds a random token; only its SHA-256 is stored, so the table alone
opens nothing. A revoked row stays until the user's next sign-in clears their dead rows.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, update
from sqlalchemy.orm import Session

from participatory.accounts.models import User, UserSession


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, user: User, now: datetime, *, max_age: timedelta) -> str:
    """A new session for `user`; returns the token for the cookie. The user's dead sessions are cleared."""
    session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id,
            or_(UserSession.revoked_at.is_not(None), UserSession.created_at <= now - max_age),
        )
    )
    token = secrets.token_urlsafe(32)
    session.add(UserSession(id=digest(token), user_id=user.id, created_at=now, last_seen_at=now))
    session.flush()
    return token


def revoke(session: Session, token: str, now: datetime) -> None:
    """End one session (sign-out): every copy of its cookie stops working."""
    session.execute(
        update(UserSession)
        .where(UserSession.id == digest(token), UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def revoke_all(session: Session, user: User, now: datetime, *, keep: str | None = None) -> int:
    """End every session of `user` but the one of token `keep`; returns how many ended."""
    query = update(UserSession).where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
    if keep:
        query = query.where(UserSession.id != digest(keep))
    return session.execute(query.values(revoked_at=now)).rowcount  # type: ignore[attr-defined]  # DML executes to a CursorResult
