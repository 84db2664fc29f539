"""Read-only queries of the accounts pages (admin lists)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from participatory.accounts.models import RoleGrant, User


@dataclass(frozen=True)
class UserPage:
    users: list[User]
    total: int
    page: int
    pages: int


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_users(session: Session, text: str, page: int, size: int = 50) -> UserPage:
    """Active accounts whose email, display name or pseudonym contains `text`, by id."""
    query = select(User).where(User.deleted_at.is_(None))
    if text:
        pattern = _like(text)
        query = query.where(
            or_(
                User.email.like(pattern, escape="\\"),
                func.lower(User.display_name).like(pattern, escape="\\"),
                User.pseudonym.like(pattern, escape="\\"),
            )
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // size))
    page = min(max(page, 1), pages)
    users = list(session.scalars(query.order_by(User.id).limit(size).offset((page - 1) * size)))
    return UserPage(users, total, page, pages)


def grants_of(session: Session, user: User) -> list[RoleGrant]:
    return list(session.scalars(select(RoleGrant).where(RoleGrant.user_id == user.id).order_by(RoleGrant.id.desc())))


def users_by_id(session: Session, ids: set[int | None]) -> dict[int, User]:
    ids = {i for i in ids if i is not None}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
