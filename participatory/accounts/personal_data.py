"""The personal-data download: the account's own part plus what other domains register.

A domain adds its part without accounts importing it:

    from participatory.accounts.personal_data import register

    @register("ballots")
    def ballots_of(session, user) -> dict | list: ...

Register in a module the app always imports (your models.py or services), so the part is
there before the first download. Each part must hold only data about that user, as
JSON-serialisable values. The exact
home point is never exported (it is shown only on the user's own residence form).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from participatory.accounts.models import ResidenceLetter, User, UserSession
from participatory.accounts.rules import utc

Part = Callable[[Session, User], object]
_parts: dict[str, Part] = {}
FORMAT_VERSION = 1


def register(name: str) -> Callable[[Part], Part]:
    def add(function: Part) -> Part:
        if name in _parts and _parts[name] is not function:
            raise ValueError(f"personal data part {name!r} is already registered")
        _parts[name] = function
        return function

    return add


def registered() -> dict[str, Part]:
    return dict(_parts)


def when(moment: datetime | None) -> str | None:
    """A moment of a personal-data part, in UTC ISO 8601 (None stays None): every part writes dates so."""
    return utc(moment).isoformat() if moment else None


@register("account")
def account_part(session: Session, user: User) -> dict:
    return {
        "pseudonym": user.pseudonym,
        "email": user.email,
        "display_name": user.display_name,
        "created_at": when(user.created_at),
        "email_confirmed_at": when(user.email_confirmed_at),
        "roles": [
            {
                "role": g.role,
                "constituency": g.constituency_code,
                "granted_at": when(g.granted_at),
                "revoked_at": when(g.revoked_at),
            }
            for g in sorted(user.grants, key=lambda g: g.id)
        ],
        "residence": {
            "constituency": user.constituency_code,
            "country": user.residence_country,
            "declared_at": when(user.residence_declared_at),
            "verified_at": when(user.residence_verified_at),
            "verified_by": user.residence_verified_by,
            "exact_point": "not exported" if user.home_lat is not None else None,
        },
    }


@register("franceconnect")
def franceconnect_part(session: Session, user: User) -> dict | None:
    """What FranceConnect vouched for and the platform kept; the hash of `sub` identifies no one without
    the platform's secret, and is not the person's data as they know it."""
    identity = user.franceconnect
    if identity is None:
        return None
    return {
        "given_name": identity.given_name,
        "family_name": identity.family_name,
        "linked_at": when(identity.linked_at),
        "verified_at": when(identity.verified_at),
    }


@register("residence_letters")
def letters_part(session: Session, user: User) -> list:
    letters = session.scalars(
        select(ResidenceLetter).where(ResidenceLetter.user_id == user.id).order_by(ResidenceLetter.id)
    )
    return [
        {
            "constituency": letter.constituency_code,
            "status": letter.status,
            "requested_at": when(letter.requested_at),
            "address_kept": letter.street is not None,
            "sent_at": when(letter.sent_at),
            "expires_at": when(letter.expires_at),
            "used_at": when(letter.used_at),
        }
        for letter in letters
    ]


@register("sessions")
def sessions_part(session: Session, user: User) -> list:
    """When the account signed in and was last used (no token, no address is kept)."""
    rows = session.scalars(select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.created_at))
    return [
        {
            "signed_in_at": when(row.created_at),
            "last_seen_at": when(row.last_seen_at),
            "signed_out_at": when(row.revoked_at),
        }
        for row in rows
    ]


def collect(session: Session, user: User, now: datetime) -> dict:
    """Every registered part for this user, under its name."""
    document: dict[str, object] = {"format_version": FORMAT_VERSION, "exported_at": when(now)}
    for name, part in sorted(_parts.items()):
        document[name] = part(session, user)
    return document
