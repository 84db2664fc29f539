"""Voter keys: one pseudonymous key per person, so that one person casts one ballot per call.

A ballot is tied to its account (`voter_id`, unlinked when the account is deleted) and to
a voter key: HMAC-SHA256 of the person's strongest verified identity, keyed by a secret
of the platform. The key survives the account: someone who deletes their account and
registers again with the same identity gets the same key, and the unique
(call_id, voter_key) of the ballot table gives them back the ballot already counted
instead of a second one. Only the hash is stored; without the secret it cannot be
recomputed from a list of email addresses.

An identity is a *person*, never a place: a residence verified by letter proves an
address that a household shares, so it never makes a key (two people of one home both
vote). Identities, strongest first:

- FRANCECONNECT: the OpenID Connect `sub` FranceConnect gives a person for this service, as
  the platform stores it (its keyed hash, `FranceConnectIdentity.subject_hash`);
- EMAIL: the confirmed email address, trimmed, lower-cased, its domain in IDNA (ASCII).

Which identity keys a call's ballots is the call's choice, fixed for the whole vote: a call
requiring "identity verified with FranceConnect" keys every ballot on FranceConnect, every
other call on the email (`kinds_for`). Never the strongest the account happens to hold: an
account linking FranceConnect during a vote would otherwise change key half-way and get a
second ballot (or be refused its change). So in a FranceConnect call one person is one
ballot whatever their accounts (an identity is linked to one account at a time, and the
ballot follows the identity when it moves to another account); in the other calls one
confirmed address is one ballot, as before.

The secret is VOTER_KEY_SECRET, or, when it is unset, a key derived from SECRET_KEY. It
must not change while a vote is open: the voters who already voted would get new keys.

Pure functions (no database, no clock) but `configured_key`, which reads the app's config.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
from functools import lru_cache

from flask import current_app

from participatory.accounts.rules import IDENTITY_VERIFIED

FRANCECONNECT = "franceconnect"
EMAIL = "email"
IDENTITY_KINDS = (FRANCECONNECT, EMAIL)  # strongest first
KEY_LENGTH = 64  # hex of a SHA-256


class NoVerifiedIdentity(ValueError):
    """The account has no verified identity to key a ballot on (e.g. an unconfirmed email)."""


def normalise_email(email: str) -> str:
    """The address as a key sees it: trimmed, lower-cased, the domain in IDNA ASCII (xn--…),
    so that "Anne@Élysée.fr " and "anne@xn--lyse-9oad.fr" are one person."""
    email = (email or "").strip().lower()
    local, at, domain = email.rpartition("@")
    if not at:
        return email
    if not domain.isascii():  # ASCII needs no encoding (and the codec costs tens of microseconds)
        with contextlib.suppress(UnicodeError):  # not a valid IDNA name: the lower-cased domain as typed
            domain = domain.encode("idna").decode("ascii")
    return f"{local}@{domain}"


def normalise(kind: str, value: str) -> str:
    if kind == EMAIL:
        return normalise_email(value)
    if kind == FRANCECONNECT:
        return (value or "").strip()  # an opaque, case-sensitive identifier
    raise ValueError(f"unknown identity kind {kind!r}")


def derive(secret: str) -> bytes:
    """The HMAC key: its own derivation, so a voter key never equals another HMAC keyed by the same secret."""
    return hmac.new(secret.encode("utf-8"), b"participatory voter key v1", hashlib.sha256).digest()


def voter_key(kind: str, value: str, key: bytes) -> str:
    """HMAC-SHA256(key, kind ":" normalised value), hex. The kind is part of the message: an email
    and a FranceConnect subject that happened to be spelled alike never share a key."""
    normalised = normalise(kind, value)
    if not normalised:
        raise NoVerifiedIdentity(kind)
    return hmac.digest(key, f"{kind}:{normalised}".encode(), "sha256").hex()  # one-shot: the demo keys millions


def kinds_for(verification_level: str | None) -> tuple[str, ...]:
    """The identity that keys the ballots of a call requiring `verification_level`."""
    return (FRANCECONNECT,) if verification_level == IDENTITY_VERIFIED else (EMAIL,)


def identity_of(user, kinds: tuple[str, ...] = (EMAIL,)) -> tuple[str, str]:
    """The first of `kinds` the account holds as a verified identity: (kind, value)."""
    for kind in kinds:
        if kind == FRANCECONNECT and getattr(user, "franceconnect", None) is not None:
            return FRANCECONNECT, user.franceconnect.subject_hash
        if kind == EMAIL and user.email and user.email_confirmed_at is not None:
            return EMAIL, user.email
    raise NoVerifiedIdentity("no verified identity of kind " + "/".join(kinds))


def key_of(user, key: bytes, kinds: tuple[str, ...] = (EMAIL,)) -> str:
    return voter_key(*identity_of(user, kinds), key)


@lru_cache(maxsize=4)
def _derived(secret: str) -> bytes:
    return derive(secret)


def configured_key(config=None) -> bytes:
    """The HMAC key of the running app: VOTER_KEY_SECRET, or SECRET_KEY when that is unset."""
    config = config if config is not None else current_app.config
    return _derived(config.get("VOTER_KEY_SECRET") or config["SECRET_KEY"])
