"""Settings read from the environment, with an embedded default for every one.

The embedded default runs with no other server: SQLite under instance/, rate
limits in memory, email written to instance/outbox/.
"""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SECRET_KEY = "dev-only-not-secret"
# The official, current boundaries (data.gouv.fr, "Contours géographiques des
# circonscriptions législatives"), downloaded once and cached under instance/.
OFFICIAL_GEOJSON_URL = (
    "https://static.data.gouv.fr/resources/contours-geographiques-des-circonscriptions-legislatives/"
    "20240613-191520/circonscriptions-legislatives-p10.geojson"
)


class ConfigError(RuntimeError):
    """The configuration cannot run safely (e.g. production without a secret key)."""


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return f"sqlite:///{instance_path / 'participatory.sqlite3'}"
    # psycopg 3 is the PostgreSQL driver; accept the usual short spellings.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def from_environment(instance_path: Path) -> dict:
    env = os.environ.get("PARTICIPATORY_ENV", "development")
    return {
        "ENV_NAME": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "CONSTITUENCIES_GEOJSON": os.environ.get("CONSTITUENCIES_GEOJSON", ""),
        "CONSTITUENCIES_GEOJSON_URL": os.environ.get("CONSTITUENCIES_GEOJSON_URL", OFFICIAL_GEOJSON_URL),
        # Optional background tiles for the map; empty means the shapes alone.
        "MAP_TILE_URL": os.environ.get("MAP_TILE_URL", ""),
        "MAP_TILE_ATTRIBUTION": os.environ.get("MAP_TILE_ATTRIBUTION", ""),
        "STRIPE_API_KEY": os.environ.get("STRIPE_API_KEY", ""),
        "STRIPE_PUBLISHABLE_KEY": os.environ.get("STRIPE_PUBLISHABLE_KEY", ""),
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE", ""),
        "SMTP_URL": os.environ.get("SMTP_URL", ""),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "noreply@participatory.localhost"),
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
        "LANGUAGES": ("fr", "en"),
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env != "development",
        "REMEMBER_COOKIE_SECURE": env != "development",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "MAX_CONTENT_LENGTH": 6 * 1024 * 1024,
        "JSON_SORT_KEYS": False,
    }


def check(config: dict) -> None:
    """Refuse settings that would be unsafe outside development."""
    if config.get("ENV_NAME") == "production" and config.get("SECRET_KEY") in ("", DEFAULT_SECRET_KEY, None):
        raise ConfigError("SECRET_KEY must be set to a random value in production")
