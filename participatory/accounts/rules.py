"""Pure decisions about accounts: roles, verification, tokens, letter codes, input text (table-tested).

A problem is a code (its message is in errors.py, translated when shown); nothing here
touches the database, the request, the clock or the translations.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import overload
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email

PARIS = ZoneInfo("Europe/Paris")

RESIDENT = "resident"
MP = "mp"
CANDIDATE = "candidate"
FINANCIAL_AGENT = "financial_agent"
AUDITOR = "auditor"
ADMIN = "admin"

# Every signed-in user is a resident; the others are granted.
GRANTABLE_ROLES = (MP, CANDIDATE, FINANCIAL_AGENT, AUDITOR, ADMIN)
# Roles that only make sense bound to one constituency.
SCOPED_ROLES = (MP,)


def grant_problem(role: str, constituency_code: str | None) -> str | None:
    """Why a grant is not well-formed, or None when it is."""
    if role not in GRANTABLE_ROLES:
        return "unknown_role"
    if role in SCOPED_ROLES and not constituency_code:
        return "role_needs_constituency"
    if role not in SCOPED_ROLES and constituency_code:
        return "role_not_scoped"
    return None


# Verification a call can require to vote, weakest first. A new method (a census list uploaded
# by the MP) either proves an existing level -- add it to VERIFICATION_METHODS and call
# services.residence.mark_residence_verified -- or adds a level here with the evidence that meets it.
EMAIL_CONFIRMED = "email"
RESIDENCE_DECLARED = "residence"
RESIDENCE_VERIFIED = "letter"
# The person's identity verified with FranceConnect, and a declared residence (FranceConnect gives no
# address). It does not include the letter: one proves a person, the other an address. Its ballots are
# keyed on the FranceConnect identity (voter_keys.kinds_for), not on the email.
IDENTITY_VERIFIED = "franceconnect"
VERIFICATION_LEVELS = (EMAIL_CONFIRMED, RESIDENCE_DECLARED, RESIDENCE_VERIFIED, IDENTITY_VERIFIED)
# Methods that verify a residence -> the level they prove.
LETTER_METHOD = "letter"
VERIFICATION_METHODS = {LETTER_METHOD: RESIDENCE_VERIFIED}
# The evidence each level needs (the first three each include the ones before).
_EVIDENCE_NEEDED = {
    EMAIL_CONFIRMED: ("email",),
    RESIDENCE_DECLARED: ("email", "residence"),
    RESIDENCE_VERIFIED: ("email", "residence", "letter"),
    IDENTITY_VERIFIED: ("email", "residence", "identity"),
}


def verification_met(
    level: str,
    *,
    email_confirmed: bool,
    residence_declared: bool,
    residence_verified: bool,
    identity_verified: bool = False,
) -> bool:
    """Whether a user's evidence meets a call's required level."""
    if level not in VERIFICATION_LEVELS:
        raise ValueError(f"unknown verification level {level!r}")
    held = {
        "email": email_confirmed,
        "residence": residence_declared,
        "letter": residence_verified,
        "identity": identity_verified,
    }
    return all(held[evidence] for evidence in _EVIDENCE_NEEDED[level])


@overload
def utc(moment: datetime) -> datetime: ...
@overload
def utc(moment: None) -> None: ...
def utc(moment: datetime | None) -> datetime | None:
    """An aware UTC datetime (SQLite hands back naive values that were stored as UTC)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# --- Passwords and text fields --------------------------------------------------------

PASSWORD_MIN = 12
PASSWORD_MAX = 256  # argon2 hashes any length; a bound keeps hashing cheap to refuse
EMAIL_MAX = 254
DISPLAY_NAME_MAX = 80


def password_problem(password: str, email: str = "") -> str | None:
    if len(password) < PASSWORD_MIN:
        return "password_too_short"
    if len(password) > PASSWORD_MAX:
        return "password_too_long"
    if "\x00" in password:
        return "password_forbidden_character"
    if password.strip() == "" or len(set(password)) < 4:
        return "password_too_simple"
    if email and password.casefold() == email.casefold():
        return "password_is_email"
    return None


def email_problem(email: str) -> str | None:
    """Syntax only (no DNS): ASCII addresses, which every mail system delivers."""
    if not email:
        return "email_required"
    if len(email) > EMAIL_MAX:
        return "email_too_long"
    try:
        validate_email(email, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return "email_invalid"
    return None


_ALLOWED_CONTROLS = {"\n", "\r", "\t"}


def clean_text(value: str) -> str:
    """Unicode NFC form without surrounding spaces (what is stored and compared)."""
    return unicodedata.normalize("NFC", value).strip()


def text_problem(value: str, *, max_length: int, multiline: bool = False, allow_markup: bool = False) -> str | None:
    """Why free text cannot be stored: control, invisible or direction characters, markup, length."""
    for char in value:
        category = unicodedata.category(char)
        if category == "Cc" and not (multiline and char in _ALLOWED_CONTROLS):
            return "text_control_character"
        if category == "Cf":  # zero-width, bidirectional overrides, BOM, soft hyphen...
            return "text_invisible_character"
        if category in ("Co", "Cs", "Cn"):
            return "text_invalid_character"
    if not allow_markup and ("<" in value or ">" in value):
        return "text_markup"
    if len(value) > max_length:
        return "text_too_long"  # its message needs n=max_length
    return None


# --- Single-use email tokens (confirmation, password reset) ---------------------------

CONFIRM = "confirm"
RESET = "reset"
TOKEN_LIFETIMES = {CONFIRM: timedelta(hours=48), RESET: timedelta(hours=1)}
TOKEN_VALID, TOKEN_EXPIRED, TOKEN_USED = "valid", "expired", "used"
TOKEN_UNKNOWN = "unknown"  # no such link (or its account is deleted)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Only the digest is stored: a database leak yields no usable link (tokens are 256-bit random)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_state(*, used_at: datetime | None, expires_at: datetime, now: datetime) -> str:
    if used_at is not None:
        return TOKEN_USED
    if utc(now) >= utc(expires_at):
        return TOKEN_EXPIRED
    return TOKEN_VALID


# --- Residence ------------------------------------------------------------------------

# Moving one's residence to another constituency is allowed once per period, so that
# nobody hops from call to call to vote in several; the first declaration is free.
RESIDENCE_CHANGE_COOLDOWN = timedelta(days=30)
# An account made with FranceConnect has no password: a FranceConnect sign-in this recent stands for it.
RECENT_FRANCECONNECT = timedelta(minutes=10)


def residence_change_problem(
    *, current: str | None, wanted: str, declared_at: datetime | None, now: datetime
) -> str | None:
    if current is None or current == wanted or declared_at is None:
        return None
    if utc(now) - utc(declared_at) < RESIDENCE_CHANGE_COOLDOWN:
        return "residence_change_too_soon"
    return None


def coordinates_problem(lat: float | None, lon: float | None) -> str | None:
    if lat is None or lon is None:
        return "coordinates_missing"
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or lat != lat or lon != lon:
        return "coordinates_invalid"
    return None


# Postcode prefixes of the departments whose code is not the postcode prefix.
_POSTCODE_PREFIXES = {
    "2A": ("20",),
    "2B": ("20",),
    "ZA": ("971",),
    "ZB": ("972",),
    "ZC": ("973",),
    "ZD": ("974",),
    "ZM": ("976",),
    "ZN": ("988",),
    "ZP": ("987",),
    "ZS": ("975",),
    "ZW": ("986",),
    "ZX": ("97133", "97150"),
}
FRENCH_POSTCODE = re.compile(r"^\d{5}$")


def postcode_matches_department(postcode: str, department_code: str) -> bool:
    """A hint for the MP's team checking an address (the postcode is in the constituency's department)."""
    if not FRENCH_POSTCODE.match(postcode):
        return False
    return postcode.startswith(_POSTCODE_PREFIXES.get(department_code, (department_code,)))


# --- Letter codes (residence verified by post) ----------------------------------------

LETTER_REQUESTED = "requested"  # waiting to be printed; the postal address is kept only in this state
LETTER_SENT = "sent"  # printed; the code is live until expires_at
LETTER_USED = "used"
LETTER_REJECTED = "rejected"  # the MP's team could not verify the address
LETTER_VOID = "void"  # replaced by a newer request, residence moved, or account deleted
LETTER_LOCKED = "locked"  # too many wrong codes
LETTER_OPEN = (LETTER_REQUESTED, LETTER_SENT)
LETTER_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0, 1: easy to read and type
LETTER_CODE_LENGTH = 10  # 32**10 = 2**50 codes, bound to one account, 5 tries each
LETTER_MAX_ATTEMPTS = 5
LETTER_VALIDITY_DAYS = (7, 90)  # what the MP's team may choose
LETTER_DEFAULT_VALIDITY_DAYS = 45
LETTER_BATCH_MAX = 500
LETTER_FORMATS = ("pdf", "csv")


def new_letter_code() -> str:
    return "".join(secrets.choice(LETTER_CODE_ALPHABET) for _ in range(LETTER_CODE_LENGTH))


def format_letter_code(code: str) -> str:
    half = LETTER_CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def normalise_letter_code(text: str) -> str | None:
    """The code as stored, from what a person typed (case, spaces and dashes ignored), or None."""
    compact = re.sub(r"[\s\-]", "", text).upper()
    if len(compact) != LETTER_CODE_LENGTH or any(c not in LETTER_CODE_ALPHABET for c in compact):
        return None
    return compact


def letter_code_digest(code: str, secret: str) -> str:
    """HMAC-SHA256 keyed by the app secret: a stolen table does not let anyone test codes offline."""
    key = hashlib.sha256(("letter-code:" + secret).encode("utf-8")).digest()
    return hmac.new(key, code.encode("ascii"), hashlib.sha256).hexdigest()


def letter_expiry(now: datetime, days: int) -> datetime:
    """The end (23:59:59, Paris time) of the day `days` days from now, in UTC: the date printed on the letter."""
    day = (utc(now).astimezone(PARIS) + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=PARIS).astimezone(UTC)


def letter_redeem_problem(*, status: str, expires_at: datetime | None, now: datetime) -> str | None:
    """Why a letter whose code matched cannot verify the residence now."""
    if status == LETTER_USED:
        return "letter_code_used"
    if status == LETTER_LOCKED:
        return "letter_code_locked"
    if status != LETTER_SENT:
        return "letter_code_void"
    if expires_at is None or utc(now) > utc(expires_at):
        return "letter_code_expired"
    return None


# --- FranceConnect identity claims --------------------------------------------------------

# What FranceConnect sends is input from outside like any form: every claim is checked for its
# type, length and characters before anything is stored or shown. Names are bounded well above
# the civil-status lengths; `sub` is FranceConnect's opaque per-service identifier (a hex string
# of 64 characters in v2), bounded and printable ASCII.
CLAIM_NAME_MAX = 200
SUBJECT_MAX = 255
_SUBJECT = re.compile(r"^[\x21-\x7e]{1,255}$")
_BIRTHDATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_COG_CODE = re.compile(r"^[0-9][0-9AB][0-9]{3}$")  # INSEE commune or country code (2A/2B: Corsica)
GENDERS = ("male", "female")
_STRING_CLAIMS = ("given_name", "family_name", "birthdate", "birthplace", "birthcountry", "gender", "email")
REQUIRED_CLAIMS = ("sub", "given_name", "family_name")


def _name_claim_problem(value: str) -> bool:
    return bool(text_problem(value, max_length=CLAIM_NAME_MAX)) or not any(c.isalpha() for c in value)


def identity_claims_problem(claims: object) -> str | None:
    """Why the claims of an identity cannot be accepted (a code naming the claim), or None.

    The code goes to the logs (content-free); the person sees errors.MESSAGES["franceconnect_bad_claims"].
    """
    if not isinstance(claims, dict):
        return "not_an_object"
    for name in REQUIRED_CLAIMS:
        if not isinstance(claims.get(name), str) or not claims[name].strip():
            return f"missing_{name}"
    if not _SUBJECT.match(claims["sub"]):
        return "bad_sub"
    for name in _STRING_CLAIMS:
        if name in claims and claims[name] is not None and not isinstance(claims[name], str):
            return f"type_{name}"
    for name in ("given_name", "family_name"):
        if _name_claim_problem(unicodedata.normalize("NFC", claims[name]).strip()):
            return f"bad_{name}"
    preferred = claims.get("preferred_username")
    if preferred not in (None, "") and (not isinstance(preferred, str) or _name_claim_problem(preferred.strip())):
        return "bad_preferred_username"
    email = claims.get("email")
    if email not in (None, "") and email_problem(email.strip()):
        return "bad_email"
    birthdate = claims.get("birthdate")
    if birthdate not in (None, ""):
        match = _BIRTHDATE.match(birthdate)
        # FranceConnect sends 00 for an unknown month or day (people born abroad).
        if not match or not (1850 <= int(match[1]) <= 2200 and int(match[2]) <= 12 and int(match[3]) <= 31):
            return "bad_birthdate"
    for name in ("birthplace", "birthcountry"):
        value = claims.get(name)
        if value not in (None, "") and not _COG_CODE.match(value):
            return f"bad_{name}"
    if claims.get("gender") not in (None, "", *GENDERS):
        return "bad_gender"
    return None


def clean_claim_name(value: str) -> str:
    """A name claim as stored and shown: NFC, inner runs of spaces collapsed."""
    return " ".join(unicodedata.normalize("NFC", value).split())


def subject_digest(subject: str, secret: str) -> str:
    """HMAC-SHA256 of FranceConnect's `sub`, keyed by a secret of the platform: the only form of it stored.

    The same person always gets the same digest (it is what links them to one account and keys their
    ballots in FranceConnect calls); a stolen table cannot be matched with another service's subjects.
    """
    key = hashlib.sha256(("franceconnect-subject:" + secret).encode("utf-8")).digest()
    return hmac.new(key, subject.encode("ascii"), hashlib.sha256).hexdigest()
