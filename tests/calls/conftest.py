"""Fixtures of the calls tests: a fresh outbox and upload folder per test, and signing in through the session."""

from __future__ import annotations

import pytest

from tests.conftest import open_session


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


def sign_in(client, user) -> None:
    open_session(client, user.id)
