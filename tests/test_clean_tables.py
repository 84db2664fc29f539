"""The cleanup between tests (conftest.empty_tables): every test starts from empty tables and ids from 1,
on SQLite and PostgreSQL, the append-only audit log included, the reference tables kept."""

from __future__ import annotations

import sqlalchemy as sa

from participatory import clock
from participatory.accounts.models import User
from participatory.audit.services import record
from participatory.extensions import db
from tests.builders import make_user
from tests.conftest import REFERENCE_TABLES, empty_tables


def _counts() -> dict[str, int]:
    return {
        t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
        for t in db.metadata.sorted_tables
        if t.name not in REFERENCE_TABLES
    }


def test_every_table_is_emptied_and_ids_restart(app, session):
    now = clock.now()
    for key, code in (("anna", "33-04"), ("bruno", "75-01"), ("chloe", "13-01")):
        make_user(session, now, key, code, ("mp", code))
    record(session, now=now, actor="system", action="test.cleanup", object_type="test", object_id=1)
    session.commit()
    references = db.session.scalar(sa.select(sa.func.count()).select_from(db.metadata.tables["constituency"]))
    assert sum(_counts().values()) > 4

    empty_tables(app)

    assert {name: n for name, n in _counts().items() if n} == {}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(db.metadata.tables["constituency"])) == references
    fresh = make_user(session, now, "denise")
    session.commit()
    assert session.get(User, fresh.id) is not None and fresh.id == 1


def test_nothing_to_empty_is_a_no_op(app, session):
    empty_tables(app)
    empty_tables(app)
    assert not any(_counts().values())
