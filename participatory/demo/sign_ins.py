"""One sign-in per role for the demo (`flask demo seed`), so that anyone can try each side.

The accounts are demo accounts (addresses at example.org, removed by `--reset`) with a random password,
hashed with argon2 like every real account and printed once by the command. They are created only when
DEMO_ACCOUNTS_ALLOWED is on: by default everywhere but in production (PARTICIPATORY_ENV=production), where
a public demo instance sets it explicitly (see rules.sign_ins_refusal).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from participatory.accounts.models import User
from participatory.accounts.rules import ADMIN, AUDITOR, MP
from participatory.accounts.services.identity import hash_password
from participatory.accounts.services.roles import grant_role
from participatory.audit.services import SYSTEM, record
from participatory.calls import rules as call_rules
from participatory.calls.models import Call
from participatory.calls.services.calls import phase_of
from participatory.crowdfunding.models import Candidacy
from participatory.demo import builders

# The preferred phase of the demo call the resident and the MP get: one where both have something to do.
PHASE_PREFERENCE = (call_rules.VOTING, call_rules.REVIEW, call_rules.PROPOSALS, call_rules.RESULTS, call_rules.UPCOMING)


@dataclass(frozen=True)
class SignIn:
    role: str  # resident, mp, candidate, financial_agent, auditor, admin
    email: str
    password: str
    where: str  # the constituency or campaign it acts on, for the printed table


def _password() -> str:
    return secrets.token_urlsafe(12)  # 16 characters, 96 bits


def _new_account(session: Session, now: datetime, local: str, constituency: str | None) -> User:
    user = User(
        email=f"{local}@{builders.DEMO_EMAIL_DOMAIN}",
        display_name="",
        created_at=now,
        email_confirmed_at=now,
        constituency_code=constituency,
        residence_declared_at=now if constituency else None,
        residence_verified_at=now if constituency else None,
        residence_verified_by="demo" if constituency else None,
    )
    session.add(user)
    session.flush()
    return user


def create(session: Session, now: datetime, password: Callable[[], str] = _password) -> list[SignIn]:
    """The sign-ins of a freshly seeded demo (in the session's transaction; the caller commits)."""
    calls = list(
        session.scalars(
            select(Call)
            .join(User, User.id == Call.created_by_id)
            .where(User.email.like(f"%@{builders.DEMO_EMAIL_DOMAIN}"))
            .order_by(Call.id)
        )
    )
    if not calls:
        return []
    call = min(calls, key=lambda c: (PHASE_PREFERENCE.index(phase_of(c, now)), c.id))
    code = call.constituency_code
    made: list[SignIn] = []

    def give(user: User, role: str, where: str) -> None:
        secret = password()
        user.password_hash = hash_password(secret, user.email or "")
        user.email_confirmed_at = user.email_confirmed_at or now
        made.append(SignIn(role, user.email or "", secret, where))

    give(_new_account(session, now, "demo-habitant", code), "resident", code)
    give(_new_account(session, now, "demo-depute", code), "mp", code)
    grant_role(
        session,
        None,
        session.scalars(select(User).where(User.email == made[-1].email)).one(),
        role=MP,
        constituency_code=code,
        now=now,
    )
    candidacy = session.scalar(
        select(Candidacy).order_by((Candidacy.constituency_code == code).desc(), Candidacy.id).limit(1)
    )
    if candidacy is not None:
        give(session.get_one(User, candidacy.user_id), "candidate", candidacy.candidate_name)
        if candidacy.agent_user_id is not None:
            give(session.get_one(User, candidacy.agent_user_id), "financial_agent", candidacy.candidate_name)
    auditor = _new_account(session, now, "demo-auditeur", None)
    grant_role(session, None, auditor, role=AUDITOR, constituency_code=None, now=now)
    give(auditor, "auditor", "")
    admin = _new_account(session, now, "demo-admin", None)
    grant_role(session, None, admin, role=ADMIN, constituency_code=None, now=now)
    give(admin, "admin", "")
    record(
        session,
        now=now,
        actor=SYSTEM,
        action="demo.sign_ins_created",
        object_type="demo",
        object_id="demo",
        details={"roles": [s.role for s in made], "constituency": code},  # no address, no password
    )
    return made
