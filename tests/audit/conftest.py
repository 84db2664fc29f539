"""Helpers for tampering with the audit log the way an attacker with database access would."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from participatory.extensions import db


@contextmanager
def append_only_guard_off():
    """Yield a connection on which UPDATE/DELETE of audit_event work (the trigger is off), then restore it."""
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
            yield conn
            conn.execute(sa.text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only"))
        else:
            ddl = conn.scalar(
                sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'audit_event_append_only'")
            )
            conn.execute(sa.text("DROP TRIGGER audit_event_append_only"))
            try:
                yield conn
            finally:
                conn.execute(sa.text(ddl))


@pytest.fixture
def tamper():
    return append_only_guard_off
