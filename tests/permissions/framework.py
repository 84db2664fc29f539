"""The role x route table: every route of the app, requested as every role.

Each domain adds a module `tests/permissions/routes_<domain>.py` defining
  - `build(world)`: optional; creates the objects its routes need (store ids in world.ids)
  - `CASES`: a list of `Case`s
`test_routes.py` fails when a route of the app has no case, so new routes must be added.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from participatory import clock
from participatory.accounts.models import RoleGrant, User
from participatory.accounts.rules import ADMIN, AUDITOR, CANDIDATE, FINANCIAL_AGENT, MP

HERE = "33-04"
OTHER = "75-18"
ROLES = (
    "anonymous",
    "resident_here",
    "resident_other",
    "mp_here",
    "mp_other",
    "candidate",
    "financial_agent",
    "auditor",
    "admin",
)


@dataclass
class World:
    session: object
    now: datetime
    users: dict[str, User] = field(default_factory=dict)
    ids: dict[str, object] = field(default_factory=dict)
    here: str = HERE
    other: str = OTHER


@dataclass
class Case:
    endpoint: str
    method: str
    path: str | Callable[[World], str]
    expect: dict[str, int]  # role -> status; roles not named get `default`
    default: int | None = None
    data: dict | Callable[[World], dict] | None = None  # form or JSON body for POST-like methods
    json: bool = False

    def status_for(self, role: str) -> int:
        if role in self.expect:
            return self.expect[role]
        if self.default is None:
            raise AssertionError(f"{self.endpoint} {self.method}: no expected status for {role}")
        return self.default

    def url(self, world: World) -> str:
        return self.path(world) if callable(self.path) else self.path

    def body(self, world: World) -> dict | None:
        return self.data(world) if callable(self.data) else self.data


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def signed_in(status: int, anonymous: int = 302) -> dict[str, int]:
    """Any signed-in user gets `status`; anonymous visitors are sent to the login page."""
    return {role: (anonymous if role == "anonymous" else status) for role in ROLES}


def _user(world: World, key: str, constituency: str | None, *grants: tuple[str, str | None]) -> User:
    user = User(
        email=f"{key}@example.test",
        display_name=key.replace("_", " ").title(),
        created_at=world.now,
        email_confirmed_at=world.now,
        constituency_code=constituency,
        residence_declared_at=world.now if constituency else None,
        residence_verified_at=world.now if constituency else None,
        home_lat=None,
        home_lon=None,
    )
    world.session.add(user)
    world.session.flush()
    for role, scope in grants:
        world.session.add(RoleGrant(user_id=user.id, role=role, constituency_code=scope, granted_at=world.now))
    world.users[key] = user
    return user


def build_users(world: World) -> None:
    _user(world, "resident_here", HERE)
    _user(world, "resident_other", OTHER)
    _user(world, "mp_here", HERE, (MP, HERE))
    _user(world, "mp_other", OTHER, (MP, OTHER))
    _user(world, "candidate", HERE, (CANDIDATE, None))
    _user(world, "financial_agent", HERE, (FINANCIAL_AGENT, None))
    _user(world, "auditor", OTHER, (AUDITOR, None))
    _user(world, "admin", OTHER, (ADMIN, None))
    world.session.flush()


def route_modules():
    import tests.permissions as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("routes_"):
            yield importlib.import_module(f"tests.permissions.{info.name}")


def build_world(session) -> World:
    world = World(session=session, now=clock.now())
    build_users(world)
    for module in route_modules():
        builder = getattr(module, "build", None)
        if builder:
            builder(world)
    session.commit()
    return world


def all_cases() -> list[Case]:
    return [case for module in route_modules() for case in module.CASES]
