"""Fixtures of the discussion tests: a fresh outbox folder per test, and signing in through the session."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in  # noqa: F401  (the one sign-in helper)


@pytest.fixture
def outbox(app, tmp_path, monkeypatch):
    folder = tmp_path / "outbox"
    monkeypatch.setitem(app.config, "OUTBOX_DIR", str(folder))
    return folder
