"""The app's configuration: the settings declared in settings.py, read from the environment, and fixed values.

The embedded default runs with no other server: SQLite under instance/, rate
limits in memory, email written to instance/outbox/.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from participatory import settings
from participatory.settings import (
    DEFAULT_GEOCODER_URL,
    DEFAULT_SECRET_KEY,
    DEFAULT_TILE_URL,
    OFFICIAL_GEOJSON_URL,
    ConfigError,
)

__all__ = [
    "DEFAULT_GEOCODER_URL",
    "DEFAULT_SECRET_KEY",
    "DEFAULT_TILE_URL",
    "OFFICIAL_GEOJSON_URL",
    "ConfigError",
    "check",
    "from_environment",
]

PROJECT_ROOT = Path(__file__).resolve().parents[1]
MIN_SECRET_KEY_LENGTH = 32  # e.g. python -c "import secrets; print(secrets.token_urlsafe(48))"


# FranceConnect v2 issuers (the discovery document is at <issuer>/.well-known/openid-configuration).
FRANCECONNECT_ISSUERS = {
    "integration": "https://fcp-low.integ01.dev-franceconnect.fr/api/v2",
    "production": "https://oidc.franceconnect.gouv.fr/api/v2",
}

JOBS_QUEUE_PATTERN = re.compile(r"[A-Za-z0-9_-]+")  # it prefixes RQ job ids, which allow only these


def _database_url(url: str, instance_path: Path) -> str:
    if not url:
        return f"sqlite:///{instance_path / 'participatory.sqlite3'}"
    # psycopg 3 is the PostgreSQL driver; accept the usual short spellings.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def from_environment(instance_path: Path, environ: Mapping[str, str] | None = None) -> dict:
    """The app's configuration: every declared setting (settings.py) read from the environment, typed,
    and the fixed values below. A bad value stops the start (ConfigError naming the variable)."""
    values = settings.read(os.environ if environ is None else environ)
    env = values["ENV_NAME"]
    database_url = values.pop("DATABASE_URL")
    for name in ("MAP_TILE_URL", "GEOCODER_URL"):  # a public service by default: "none" turns it off
        if values[name].strip().lower() in ("none", "off"):
            values[name] = ""
    return {
        **values,
        "SQLALCHEMY_DATABASE_URI": _database_url(database_url, instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
        "LANGUAGES": ("fr", "en"),
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env != "development",
        "REMEMBER_COOKIE_SECURE": env != "development",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": 6 * 1024 * 1024,
        "JSON_SORT_KEYS": False,
        # `flask demo seed`'s sign-ins with printed passwords: off in production unless set (a public demo).
        "DEMO_ACCOUNTS_ALLOWED": env != "production"
        if values["DEMO_ACCOUNTS_ALLOWED"] is None
        else values["DEMO_ACCOUNTS_ALLOWED"],
    }


def _get(config: dict, key: str):
    """A setting's value in `config`, or its declared default (a partial config, as the tests build)."""
    return config[key] if key in config else settings.BY_NAME[key].default


def check(config: dict) -> None:
    """Refuse settings that would be unsafe outside development."""
    if config.get("ENV_NAME") == "production" and config.get("SECRET_KEY") in ("", DEFAULT_SECRET_KEY, None):
        raise ConfigError("SECRET_KEY must be set to a random value in production")
    if config.get("ENV_NAME") == "production" and len(config["SECRET_KEY"]) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(f"SECRET_KEY must be at least {MIN_SECRET_KEY_LENGTH} characters in production")
    if config.get("ENV_NAME") == "production" and 0 < len(config.get("VOTER_KEY_SECRET") or "") < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(f"VOTER_KEY_SECRET must be at least {MIN_SECRET_KEY_LENGTH} characters in production")
    if config.get("ENV_NAME") == "production" and not (
        config.get("SESSION_COOKIE_SECURE") and config.get("SESSION_COOKIE_HTTPONLY")
    ):
        raise ConfigError("session cookies must be Secure and HttpOnly in production")
    if config.get("ENV_NAME") == "production" and config.get("STRIPE_LOCALSTRIPE"):
        raise ConfigError("STRIPE_LOCALSTRIPE is for development against localstripe only")
    for key in ("SESSION_IDLE_MINUTES", "SESSION_MAX_HOURS"):
        if int(_get(config, key)) <= 0:
            raise ConfigError(f"{key} must be a positive number")
    if not JOBS_QUEUE_PATTERN.fullmatch(_get(config, "JOBS_QUEUE")):
        raise ConfigError("JOBS_QUEUE may hold only letters, digits, '-' and '_'")
    if int(_get(config, "VOTING_MIN_DAYS")) < 1:
        raise ConfigError("VOTING_MIN_DAYS must be at least 1 (a call's vote lasts at least a day)")
    if int(_get(config, "JOBS_FAILURE_TTL")) <= 0:
        raise ConfigError("JOBS_FAILURE_TTL must be a positive number of seconds (failed jobs must expire)")
    for key in ("JOBS_LEASE_SECONDS", "JOBS_MAINTENANCE_SECONDS"):
        if not 1 <= int(_get(config, key)) <= 3600:
            raise ConfigError(f"{key} must be 1-3600 seconds")
    if _get(config, "FRANCECONNECT_ENV") not in FRANCECONNECT_ISSUERS:
        raise ConfigError("FRANCECONNECT_ENV must be 'integration' or 'production'")
    issuer = config.get("FRANCECONNECT_ISSUER") or ""
    if config.get("ENV_NAME") == "production" and issuer and not issuer.startswith("https://"):
        raise ConfigError("FRANCECONNECT_ISSUER must be an https:// address in production")
