"""Shared fixtures: one app and one migrated database per test session.

The database is SQLite (a temporary file) unless TEST_DATABASE_URL points at a
PostgreSQL server, in which case a fresh database is created for the session and
dropped at the end, so parallel runs never share state.
"""

from __future__ import annotations

import os
import socket
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from participatory import clock, create_app
from participatory.extensions import db
from tests.servers import OwnRedis
from tests.shifted_date import shift_from_environment

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SHARED_GEOJSON = SHARED / "data" / "constituencies" / "france-circonscriptions-legislatives-2012.geojson"
REFERENCE_TABLES = {"constituency", "boundary_import", "alembic_version"}

requires_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="../shared (reference data) is absent")


def redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


requires_redis = pytest.mark.skipif(not redis_up(), reason="no Redis on 127.0.0.1:6379 (the claim is about Redis)")


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test's own (see tests/servers.py), killed at the end."""
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.kill()


@pytest.fixture(scope="module")
def module_redis(tmp_path_factory):
    """A redis-server shared by one module's tests, never by the other pass running beside this one."""
    server = OwnRedis(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.kill()


def _postgres_database(url: str):
    """Create a throw-away database on the server of `url`; return its URL and a cleanup."""
    base = sa.make_url(url)
    name = f"pb_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgres"):
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        created, drop = _postgres_database(url)
        yield created
        drop()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    application = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,  # the CSRF tests switch it back on
            "RATELIMIT_ENABLED": False,  # the rate-limit tests switch it back on
            "RATELIMIT_STORAGE_URI": "memory://",
            "SERVER_NAME": "localhost",
            "BOUNDARY_CHECK_SECONDS": 0,  # imports in a test show at once
            "OUTBOX_DIR": str(tmp_path_factory.mktemp("outbox")),
            "JOBS_INLINE": True,  # even with REDIS_URL in the environment; tests/test_jobs.py switches to RQ
            "CONSTITUENCIES_GEOJSON": str(SHARED_GEOJSON) if SHARED_GEOJSON.is_file() else "",
            # Offline: no background tiles, no public geocoder (tests/constituencies/addok.py starts a local one).
            "MAP_TILE_URL": "",
            "GEOCODER_URL": "",
        }
    )
    with application.app_context():
        upgrade(revision="head")
        from constituencies.services import import_boundaries, sync_catalogue

        sync_catalogue(db.session)
        if SHARED_GEOJSON.is_file():
            import_boundaries(db.session, SHARED_GEOJSON.read_bytes(), str(SHARED_GEOJSON), clock.now())
        db.session.commit()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@contextmanager
def triggers_off(conn):
    """Run with the append-only triggers off on `conn`, as the database's owner can (the tests' cleanup,
    and the tests that play an attacker with database access); production code never does this.

    PostgreSQL: `session_replication_role = replica` for this transaction only (SET LOCAL) skips
    ordinary triggers, TRUNCATE ones included. SQLite has no such switch: the triggers are dropped
    and created again from their own DDL, even when the body fails.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        yield conn
        conn.execute(sa.text("SET LOCAL session_replication_role = origin"))
        return
    triggers = conn.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
    for name, _ in triggers:
        conn.execute(sa.text(f'DROP TRIGGER "{name}"'))
    try:
        yield conn
    finally:
        for _, ddl in triggers:
            conn.execute(sa.text(ddl))


def _with_rows(conn, tables: list[sa.Table]) -> list[sa.Table]:
    """The tables that hold rows, in one query: most tests touch a handful of the ~70 tables."""
    holds_rows = [sa.exists(sa.select(sa.literal(1)).select_from(t)) for t in tables]
    probes = sa.union_all(*(sa.select(sa.literal(i)).where(rows) for i, rows in enumerate(holds_rows)))
    return [tables[i] for i in sorted(conn.scalars(probes))]


# The sequences the tables own (serial and identity columns), back to 1 as TRUNCATE … RESTART IDENTITY would.
_RESTART_SEQUENCES = sa.text(
    "SELECT setval(s.oid, 1, false) FROM pg_class s"
    " JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')"
    " JOIN pg_class t ON t.oid = d.refobjid"
    " WHERE s.relkind = 'S' AND t.relname = ANY(CAST(:names AS text[]))"
)


def empty_tables(application) -> None:
    """Empty every non-reference table (the audit log too, past its append-only triggers: see
    triggers_off) and restart its ids.

    Only the tables that hold rows, by DELETE: a TRUNCATE of every table cost PostgreSQL about 0.25 s
    a test, most of the PostgreSQL pass."""
    with application.app_context():
        db.session.remove()
        tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
        with db.engine.begin() as conn:
            dirty = _with_rows(conn, tables)
            if not dirty:
                return
            with triggers_off(conn):  # on PostgreSQL, foreign keys' triggers too: any order deletes
                for table in dirty:
                    conn.execute(table.delete())
                if conn.dialect.name == "postgresql":  # SQLite's rowids restart by themselves
                    conn.execute(_RESTART_SEQUENCES, {"names": [t.name for t in dirty]})


@pytest.fixture(autouse=True)
def _clean_tables(request):
    """After each test that used the database, the next one starts from empty tables."""
    yield
    if "app" in request.fixturenames:
        empty_tables(request.getfixturevalue("app"))


def open_session(client, user_id: int) -> None:
    """Sign `user_id` in on `client` as the sign-in form does: a server-side session and its cookie."""
    from participatory.accounts import signin
    from participatory.accounts.models import User
    from participatory.accounts.services import sessions

    application = client.application
    with application.app_context():  # its own database session: the caller's is left alone
        user = db.session.get(User, user_id)
        max_age = timedelta(hours=application.config["SESSION_MAX_HOURS"])
        token = sessions.open_session(db.session, user, clock.now(), max_age=max_age)
        db.session.commit()
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = str(user_id)
        flask_session["_fresh"] = True
        flask_session[signin.SESSION_KEY] = token


def sign_in(client, user) -> None:
    """A signed-in session for `user` without going through the form (the form has its own tests): the one
    helper every domain's tests use (tests/accounts, calls and crowdfunding re-export it from their conftest)."""
    open_session(client, sa.inspect(user).identity[0])  # readable even when the instance is expired and detached


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def session(app_ctx):
    return db.session


@pytest.fixture
def client(app):
    return app.test_client()


# The one time of the whole suite: the platform's clock is frozen here for every test, so the
# suite gives the same answers whatever the machine's date (`.ci/run` proves it with faketime).
# When the run asks for it, the machine's date is moved years ahead first (tests/shifted_date.py).
SHIFTED_DAYS = shift_from_environment()
# Frozen at import, before the test modules are collected (some compute times at module level).
FROZEN_NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
clock.freeze(FROZEN_NOW)


@pytest.fixture(autouse=True)
def _clock_back_to_frozen_now():
    """A test may move the clock (clock.freeze); the next one starts at FROZEN_NOW again."""
    yield
    clock.freeze(FROZEN_NOW)


@pytest.fixture
def now():
    return FROZEN_NOW


@pytest.fixture(autouse=True, scope="session")
def _load_user_per_request():
    """Each request signs in its own user and speaks its own language, even when a test holds an app
    context across requests.

    Requests made inside an outer app context (the `session` fixture, the permission
    world) share its `g`, where Flask-Login caches the user and Flask-Babel the locale of the
    first request; in production every request has its own app context. Forget both when a
    request starts.
    """
    from flask import g, request_started

    def forget(sender, **extra):
        g.pop("_login_user", None)
        g.pop("_flask_babel", None)

    request_started.connect(forget)
    yield
    request_started.disconnect(forget)
