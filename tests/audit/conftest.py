"""Helpers for tampering with the audit log the way an attacker with database access would."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from participatory.extensions import db
from tests.conftest import triggers_off


@contextmanager
def append_only_guard_off():
    """Yield a connection on which UPDATE/DELETE/TRUNCATE of the audit tables work (triggers off), then commit."""
    with db.engine.begin() as conn, triggers_off(conn):
        yield conn


@pytest.fixture
def tamper():
    return append_only_guard_off
