"""The app factory: configuration, registered parts, refusal of unsafe settings."""

from __future__ import annotations

import pytest

from participatory import create_app
from participatory.config import ConfigError

AUDIT_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="  # base64 of bytes 0..31: a well-formed seed


def test_factory_builds_from_overrides(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db", "TESTING": True})
    assert app.testing
    assert {"constituencies", "api", "i18n", "vendor"} <= set(app.blueprints)
    assert {"constituencies", "audit", "db"} <= set(app.cli.commands)
    assert app.config["BABEL_DEFAULT_LOCALE"] == "fr"


def test_database_url_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql://someone@db.example/pb")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://someone@db.example/pb"


def test_sqlite_under_instance_by_default(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/participatory.sqlite3")


@pytest.mark.parametrize("secret", [None, "", "dev-only-not-secret"])
def test_production_refuses_missing_or_default_secret(monkeypatch, secret):
    monkeypatch.setenv("PARTICIPATORY_ENV", "production")
    if secret is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigError):
        create_app()


def test_production_with_a_real_secret_uses_secure_cookies(monkeypatch):
    monkeypatch.setenv("PARTICIPATORY_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("AUDIT_SIGNING_KEY", AUDIT_KEY)
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PARTICIPATORY_ENV": "production", "AUDIT_SIGNING_KEY": ""}, "AUDIT_SIGNING_KEY must be set"),
        ({"AUDIT_SIGNING_KEY": "not base64!"}, "cannot be read"),
        ({"AUDIT_SIGNING_KEY": "AAEC"}, "32 bytes"),
        ({"AUDIT_SIGNING_KEY": "-----BEGIN PRIVATE KEY-----\nxx\n-----END PRIVATE KEY-----"}, "PEM"),
        ({"AUDIT_RETIRED_PUBLIC_KEYS": AUDIT_KEY + ",AAEC"}, "32 bytes"),
    ],
)
def test_audit_signing_key_is_required_in_production_and_checked_everywhere(monkeypatch, env, message):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match=message):
        create_app()


def test_upload_dir_and_proposal_limit_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path / "shared-uploads"))
    monkeypatch.setenv("PROPOSALS_PER_AUTHOR", "3")
    app = create_app()
    assert app.config["UPLOAD_DIR"] == str(tmp_path / "shared-uploads")
    assert app.config["PROPOSALS_PER_AUTHOR"] == 3
    from participatory.uploads import upload_dir

    with app.app_context():
        assert upload_dir() == tmp_path / "shared-uploads"
    monkeypatch.delenv("UPLOAD_DIR")
    with create_app().app_context():
        assert upload_dir().parts[-2:] == ("instance", "uploads")
