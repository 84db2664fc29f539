"""Fixtures of the mandate tests: an upload folder per test, users in 33-04 and the one sign-in helper."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in  # noqa: F401  (the one sign-in helper)
from tests.mandate import builders


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(folder))
    return folder


@pytest.fixture
def people(session, now):
    found = builders.people(session, now)
    session.commit()
    return found
