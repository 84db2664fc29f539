"""Declaring a home and verifying it.

The constituency is always derived on the server: from the map point through the
boundary lookup, or from the country for residents abroad. The exact point is
private: stored for the user's own form, never shown to others nor exported.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from constituencies.models import Constituency
from participatory.accounts.abroad import constituency_for_country
from participatory.accounts.errors import AccountError
from participatory.accounts.models import ResidenceLetter, User
from participatory.accounts.rules import (
    LETTER_OPEN,
    LETTER_VOID,
    VERIFICATION_METHODS,
    coordinates_problem,
    residence_change_problem,
)
from participatory.audit.services import actor_of, record

Locate = Callable[[float, float], "str | None"]
OUTSIDE = "point_outside"


def declare_point(
    session: Session, user: User, *, lat: float | None, lon: float | None, now: datetime, locate: Locate
) -> str:
    """Set the home from a map point; returns the constituency code. Refuses a point outside every constituency."""
    problem = coordinates_problem(lat, lon)
    if problem:
        raise AccountError(problem, field="lat")
    code = locate(lat, lon)
    if code is None:
        raise AccountError(OUTSIDE, field="lat")
    _move(session, user, code, now, method="map")
    user.home_lat, user.home_lon, user.residence_country = round(lat, 6), round(lon, 6), None
    session.flush()
    return code


def declare_abroad(session: Session, user: User, *, country: str, now: datetime) -> str:
    """Set the home abroad from the country of residence; returns its ZZ-NN constituency."""
    code = constituency_for_country(country)
    if code is None or session.get(Constituency, code) is None:
        raise AccountError("country_required", field="country")
    _move(session, user, code, now, method="abroad")
    user.home_lat = user.home_lon = None
    user.residence_country = country.upper()
    session.flush()
    return code


def _move(session: Session, user: User, code: str, now: datetime, *, method: str) -> None:
    problem = residence_change_problem(
        current=user.constituency_code, wanted=code, declared_at=user.residence_declared_at, now=now
    )
    if problem:
        raise AccountError(problem)
    changed = user.constituency_code != code
    if changed:
        # A verification and pending letters are about the old constituency.
        user.residence_verified_at = user.residence_verified_by = None
        for letter in session.scalars(
            select(ResidenceLetter).where(ResidenceLetter.user_id == user.id, ResidenceLetter.status.in_(LETTER_OPEN))
        ):
            letter.status = LETTER_VOID
            letter.erase_address()
        user.residence_declared_at = now
    elif user.residence_declared_at is None:
        user.residence_declared_at = now
    user.constituency_code = code
    # No constituency in the details: the log is public to auditors and must not place a person.
    record(
        session,
        now=now,
        actor=actor_of(user),
        action="residence.declared",
        object_type="user",
        object_id=user.pseudonym,
        details={"method": method, "changed": changed},
    )


def mark_residence_verified(
    session: Session, user: User, *, method: str, now: datetime, actor: User | None = None
) -> None:
    """The single entry point of every verification method (letter today; census list or FranceConnect later)."""
    if method not in VERIFICATION_METHODS:
        raise ValueError(f"unknown verification method {method!r}")
    if user.constituency_code is None or user.residence_declared_at is None:
        raise AccountError("residence_first")
    user.residence_verified_at = now
    user.residence_verified_by = method
    record(
        session,
        now=now,
        actor=actor_of(actor or user),
        action="residence.verified",
        object_type="user",
        object_id=user.pseudonym,
        details={"method": method},
    )
    session.flush()
