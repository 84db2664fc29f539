"""Fixtures of the calls tests: a fresh outbox and upload folder per test, and signing in through the session."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in  # noqa: F401  (the one sign-in helper; this folder's tests import it from here)


@pytest.fixture
def outbox(app, tmp_path, monkeypatch):
    folder = tmp_path / "outbox"
    monkeypatch.setitem(app.config, "OUTBOX_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(folder))
    return folder
