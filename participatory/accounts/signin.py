"""The signed-in browser: Flask-Login's user loader checks the server-side session on every request.

The signed cookie carries the user id and a session token (SESSION_KEY); the user is loaded
only through a live `user_session` row (not revoked, used within SESSION_IDLE_MINUTES, opened
less than SESSION_MAX_HOURS ago), in one prebuilt statement. `last_seen_at` is written at most
once a minute per session, after the view, on a connection of its own.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask, current_app, g, session
from flask_login import current_user, login_user, logout_user
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError

from participatory import clock
from participatory.accounts.models import SIGNED_IN_USER, User, UserSession
from participatory.accounts.rules import utc
from participatory.accounts.services import sessions
from participatory.extensions import db

log = logging.getLogger(__name__)
SESSION_KEY = "_sid"
TOUCH_EVERY = timedelta(minutes=1)


def idle_limit() -> timedelta:
    return timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])


def max_age() -> timedelta:
    return timedelta(hours=current_app.config["SESSION_MAX_HOURS"])


def load_user(user_id: str) -> User | None:
    token = session.get(SESSION_KEY)
    if not user_id.isdigit() or len(user_id) > 18 or not isinstance(token, str) or len(token) > 100:
        return None
    now = clock.now()
    row = (
        db.session.execute(
            SIGNED_IN_USER,
            {
                "session_id": sessions.digest(token),
                "user_id": int(user_id),
                "idle_since": now - idle_limit(),
                "opened_since": now - max_age(),
            },
        )
        .unique()
        .one_or_none()
    )
    if row is None:
        return None
    user, last_seen_at = row
    if now - utc(last_seen_at) >= TOUCH_EVERY:
        g._session_seen = sessions.digest(token)
    return user


def sign_in(user: User) -> None:
    """Open a server-side session for `user` and put its token in a fresh cookie (the caller commits)."""
    token = sessions.open_session(db.session, user, clock.now(), max_age=max_age())
    session.clear()  # nothing from before the sign-in carries over (session fixation)
    login_user(user)
    session[SESSION_KEY] = token


def current_token() -> str | None:
    token = session.get(SESSION_KEY)
    return token if isinstance(token, str) else None


def sign_out() -> None:
    """Revoke this browser's session on the server (the caller commits), then empty the cookie."""
    token = current_token()
    if token:
        sessions.revoke(db.session, token, clock.now())
    logout_user()
    session.clear()


def init_app(app: Flask) -> None:
    @app.before_request
    def forget_dead_session() -> None:
        # A revoked, idle or expired session: the cookie is emptied, the visitor is anonymous.
        if "_user_id" in session and not current_user.is_authenticated:
            session.clear()

    @app.after_request
    def note_last_seen(response):
        session_id = g.pop("_session_seen", None)
        if session_id is not None:
            try:
                with db.engine.begin() as connection:
                    connection.execute(
                        update(UserSession)
                        .where(UserSession.id == session_id, UserSession.revoked_at.is_(None))
                        .values(last_seen_at=clock.now())
                    )
            except SQLAlchemyError as exc:  # the next request tries again; the page itself is fine
                log.warning("session last-seen not written: %s", type(exc).__name__)
        return response
