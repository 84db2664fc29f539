"""Pure decisions about roles (table-tested)."""
from __future__ import annotations

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
        return f"unknown role {role!r} (expected one of {', '.join(GRANTABLE_ROLES)})"
    if role in SCOPED_ROLES and not constituency_code:
        return f"the {role} role needs a constituency"
    if role not in SCOPED_ROLES and constituency_code:
        return f"the {role} role is not bound to a constituency"
    return None

# Verification a call can require to vote, weakest first. New methods (FranceConnect,
# a census list uploaded by the MP) add a level here and the evidence that meets it.
EMAIL_CONFIRMED = "email"
RESIDENCE_DECLARED = "residence"
RESIDENCE_VERIFIED = "letter"
VERIFICATION_LEVELS = (EMAIL_CONFIRMED, RESIDENCE_DECLARED, RESIDENCE_VERIFIED)


def verification_met(level: str, *, email_confirmed: bool, residence_declared: bool, residence_verified: bool) -> bool:
    """Whether a user's evidence meets a call's required level (each level includes the weaker ones)."""
    if level not in VERIFICATION_LEVELS:
        raise ValueError(f"unknown verification level {level!r}")
    needed = VERIFICATION_LEVELS.index(level)
    held = [email_confirmed, email_confirmed and residence_declared, email_confirmed and residence_declared and residence_verified]
    return held[needed]
