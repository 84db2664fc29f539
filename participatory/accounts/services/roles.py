"""Granting and revoking roles; the MP of each constituency (one at a time, history kept)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from constituencies.models import Constituency
from participatory.accounts.errors import ROLE_LABELS, AccountError
from participatory.accounts.models import RoleGrant, User
from participatory.accounts.rules import ADMIN, GRANTABLE_ROLES, MP, grant_problem
from participatory.accounts.services.identity import find_by_email, normalise_email, register
from participatory.audit.services import actor_of, record


def user_by_email(session: Session, email: str) -> User:
    user = find_by_email(session, email)
    if user is None:
        raise AccountError("no_account_for_email", field="email", email=normalise_email(email))
    return user


def _active(session: Session, **where) -> list[RoleGrant]:
    query = select(RoleGrant).where(RoleGrant.revoked_at.is_(None))
    for column, value in where.items():
        query = query.where(getattr(RoleGrant, column) == value)
    return list(session.scalars(query.order_by(RoleGrant.id)))


def grant_role(
    session: Session, actor: User | None, user: User, *, role: str, constituency_code: str | None, now: datetime
) -> RoleGrant:
    """Give a role. Granting `mp` makes the user the MP of that constituency: the previous MP's grant is revoked."""
    constituency_code = (constituency_code or "").strip().upper() or None
    problem = grant_problem(role, constituency_code)
    if problem:
        raise AccountError(problem, field="role", role=role, roles=", ".join(GRANTABLE_ROLES))
    if user.deleted_at is not None:
        raise AccountError("account_deleted")
    if constituency_code is not None and session.get(Constituency, constituency_code) is None:
        raise AccountError("unknown_constituency", field="constituency", code=constituency_code)
    held = next(iter(_active(session, user_id=user.id, role=role)), None)
    if held is not None:
        if role == MP and held.constituency_code != constituency_code:
            raise AccountError("already_mp_elsewhere", field="email", code=held.constituency_code)
        raise AccountError("role_already_held", field="role", role=ROLE_LABELS[role])
    if role == MP:
        for previous in _active(session, role=MP, constituency_code=constituency_code):
            _revoke(session, actor, previous, now)
    grant = RoleGrant(
        user_id=user.id,
        role=role,
        constituency_code=constituency_code,
        granted_at=now,
        granted_by_id=actor.id if actor else None,
    )
    session.add(grant)
    try:
        session.flush()
    except IntegrityError:  # a concurrent assignment won the unique index; the caller rolls back
        raise AccountError("roles_changed_meanwhile", field="role") from None
    session.refresh(user, ["grants"])
    record(
        session,
        now=now,
        actor=actor_of(actor),
        action="role.granted",
        object_type="user",
        object_id=user.pseudonym,
        details={"role": role, "constituency": constituency_code},
    )
    return grant


def _revoke(session: Session, actor: User | None, grant: RoleGrant, now: datetime) -> None:
    grant.revoked_at = now
    grant.revoked_by_id = actor.id if actor else None
    user = session.get(User, grant.user_id)
    record(
        session,
        now=now,
        actor=actor_of(actor),
        action="role.revoked",
        object_type="user",
        object_id=user.pseudonym if user else grant.user_id,
        details={"role": grant.role, "constituency": grant.constituency_code},
    )


def _last_admin(session: Session, grant: RoleGrant) -> bool:
    return grant.role == ADMIN and [g.id for g in _active(session, role=ADMIN)] == [grant.id]


def revoke_grant(
    session: Session, actor: User | None, grant_id: int, *, now: datetime, user_id: int | None = None
) -> RoleGrant:
    grant = session.get(RoleGrant, grant_id)
    if grant is None or (user_id is not None and grant.user_id != user_id):
        raise AccountError("grant_not_found")
    if grant.revoked_at is not None:
        raise AccountError("grant_already_revoked")
    if _last_admin(session, grant):
        raise AccountError("last_admin")
    _revoke(session, actor, grant, now)
    session.flush()
    session.refresh(grant.user, ["grants"])
    return grant


def revoke_role(
    session: Session, actor: User | None, user: User, *, role: str, constituency_code: str | None, now: datetime
) -> RoleGrant:
    """Revoke the user's active grant of `role` (for `constituency_code` when given)."""
    constituency_code = (constituency_code or "").strip().upper() or None
    grants = [
        g
        for g in _active(session, user_id=user.id, role=role)
        if constituency_code is None or g.constituency_code == constituency_code
    ]
    if not grants:
        raise AccountError("role_not_held", field="role")
    return revoke_grant(session, actor, grants[0].id, now=now)


def assign_mp(session: Session, actor: User | None, *, constituency_code: str, email: str, now: datetime) -> RoleGrant:
    """Make the account of `email` the MP of the constituency (the previous MP's grant is revoked, kept in history)."""
    user = user_by_email(session, email)
    return grant_role(session, actor, user, role=MP, constituency_code=constituency_code, now=now)


def mp_history(session: Session, constituency_code: str) -> list[RoleGrant]:
    return list(
        session.scalars(
            select(RoleGrant)
            .where(RoleGrant.role == MP, RoleGrant.constituency_code == constituency_code)
            .order_by(RoleGrant.granted_at.desc(), RoleGrant.id.desc())
        )
    )


def current_mps(session: Session) -> dict[str, User]:
    rows = session.execute(
        select(RoleGrant.constituency_code, User)
        .join(User, User.id == RoleGrant.user_id)
        .where(RoleGrant.role == MP, RoleGrant.revoked_at.is_(None))
    )
    return {code: user for code, user in rows}


def create_admin(session: Session, *, email: str, password: str | None, now: datetime) -> tuple[User, bool]:
    """The account of `email` with the admin role, created (email confirmed) when missing; returns (user, created)."""
    user = find_by_email(session, email)
    created = user is None
    if created:
        if not password:
            raise AccountError("password_required", field="password")
        user = register(session, email=email, password=password, display_name="", now=now).user
        user.email_confirmed_at = now
    if not user.has_role(ADMIN):  # running the command twice is harmless
        grant_role(session, None, user, role=ADMIN, constituency_code=None, now=now)
    return user, created
