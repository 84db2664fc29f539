"""Settings read from the environment, with an embedded default for every one.

The embedded default runs with no other server: SQLite under instance/, rate
limits in memory, email written to instance/outbox/.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SECRET_KEY = "dev-only-not-secret"
MIN_SECRET_KEY_LENGTH = 32  # e.g. python -c "import secrets; print(secrets.token_urlsafe(48))"
# The official, current boundaries (data.gouv.fr, "Contours géographiques des
# circonscriptions législatives"), downloaded once and cached under instance/.
OFFICIAL_GEOJSON_URL = (
    "https://static.data.gouv.fr/resources/contours-geographiques-des-circonscriptions-legislatives/"
    "20240613-191520/circonscriptions-legislatives-p10.geojson"
)


# FranceConnect v2 issuers (the discovery document is at <issuer>/.well-known/openid-configuration).
FRANCECONNECT_ISSUERS = {
    "integration": "https://fcp-low.integ01.dev-franceconnect.fr/api/v2",
    "production": "https://oidc.franceconnect.gouv.fr/api/v2",
}

JOBS_QUEUE_PATTERN = re.compile(r"[A-Za-z0-9_-]+")  # it prefixes RQ job ids, which allow only these


# Plan IGN (IGN Géoplateforme, open licence), WMTS in the Web Mercator grid, read as XYZ tiles.
DEFAULT_TILE_URL = (
    "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2"
    "&STYLE=normal&TILEMATRIXSET=PM&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&FORMAT=image/png"
)
DEFAULT_TILE_ATTRIBUTION = "© IGN – Plan IGN"
DEFAULT_GEOCODER_URL = "https://api-adresse.data.gouv.fr/search/"


def _optional_url(name: str, default: str) -> str:
    value = os.environ.get(name, default).strip()
    return "" if value.lower() in ("", "none", "off") else value


def _tiles_url() -> str:
    # MAP_TILES_URL is accepted as another spelling of MAP_TILE_URL.
    name = "MAP_TILE_URL" if "MAP_TILE_URL" in os.environ else "MAP_TILES_URL"
    return _optional_url(name, DEFAULT_TILE_URL)


class ConfigError(RuntimeError):
    """The configuration cannot run safely (e.g. production without a secret key)."""


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return f"sqlite:///{instance_path / 'participatory.sqlite3'}"
    # psycopg 3 is the PostgreSQL driver; accept the usual short spellings.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def from_environment(instance_path: Path) -> dict:
    env = os.environ.get("PARTICIPATORY_ENV", "development")
    return {
        "ENV_NAME": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY),
        # Keys the voter keys (participatory/accounts/voter_keys.py); empty: derived from SECRET_KEY.
        # Set it once for good: changing it while a vote is open gives its voters new keys.
        "VOTER_KEY_SECRET": os.environ.get("VOTER_KEY_SECRET", ""),
        # Ed25519 key signing the audit log's checkpoints (participatory/audit/signing.py): base64 of the
        # raw 32-byte seed or a PEM; required in production, elsewhere derived from SECRET_KEY.
        "AUDIT_SIGNING_KEY": os.environ.get("AUDIT_SIGNING_KEY", ""),
        # Public keys (base64, comma separated) of earlier signing keys, whose checkpoints still verify.
        "AUDIT_RETIRED_PUBLIC_KEYS": os.environ.get("AUDIT_RETIRED_PUBLIC_KEYS", ""),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        # /readyz answers 503 when Redis is down only if set (participatory/health.py says why not by default).
        "READYZ_REQUIRES_REDIS": os.environ.get("READYZ_REQUIRES_REDIS", "") == "1",
        # Background jobs (participatory/jobs.py): on the RQ queue JOBS_QUEUE when REDIS_URL is set, unless
        # JOBS_INLINE=1 runs them in the request as without Redis. Failed jobs (mail content included) stay
        # in Redis JOBS_FAILURE_TTL seconds for `rq requeue`, then expire.
        "JOBS_INLINE": os.environ.get("JOBS_INLINE", "") == "1",
        "JOBS_QUEUE": os.environ.get("JOBS_QUEUE", "participatory"),
        "JOBS_FAILURE_TTL": int(os.environ.get("JOBS_FAILURE_TTL", str(3 * 24 * 3600))),
        # A running job holds a lease in Redis, renewed every third of JOBS_LEASE_SECONDS by its worker; a job
        # whose worker died (SIGKILL, power) is put back on the queue by the next worker maintenance, which
        # runs every JOBS_MAINTENANCE_SECONDS: recovered within their sum (participatory/jobs.py).
        "JOBS_LEASE_SECONDS": int(os.environ.get("JOBS_LEASE_SECONDS", "15")),
        "JOBS_MAINTENANCE_SECONDS": int(os.environ.get("JOBS_MAINTENANCE_SECONDS", "15")),
        "CONSTITUENCIES_GEOJSON": os.environ.get("CONSTITUENCIES_GEOJSON", ""),
        # How often the cached lookup index and map shapes check for a newer boundary import.
        "BOUNDARY_CHECK_SECONDS": float(os.environ.get("BOUNDARY_CHECK_SECONDS", "5")),
        "CONSTITUENCIES_GEOJSON_URL": os.environ.get("CONSTITUENCIES_GEOJSON_URL", OFFICIAL_GEOJSON_URL),
        # Background tiles of every map (XYZ template; its origin joins the CSP's img-src); "" or "none": shapes alone.
        "MAP_TILE_URL": _tiles_url(),
        "MAP_TILE_ATTRIBUTION": os.environ.get("MAP_TILE_ATTRIBUTION", DEFAULT_TILE_ATTRIBUTION),
        # The geocoder (constituencies/geocoding.py): the national address service, or a self-hosted addok's
        # /search/; pages reach it only through /api/v1/geocode. "" or "none": address search off.
        "GEOCODER_URL": _optional_url("GEOCODER_URL", DEFAULT_GEOCODER_URL),
        "GEOCODER_TIMEOUT": float(os.environ.get("GEOCODER_TIMEOUT", "5")),
        "RATELIMIT_GEOCODE": os.environ.get("RATELIMIT_GEOCODE", "30 per minute;600 per day"),
        # FranceConnect (participatory/accounts/franceconnect.py): off unless a client id and secret are set.
        # FRANCECONNECT_ENV picks the issuer ("integration" or "production"); FRANCECONNECT_ISSUER overrides it.
        "FRANCECONNECT_CLIENT_ID": os.environ.get("FRANCECONNECT_CLIENT_ID", ""),
        "FRANCECONNECT_CLIENT_SECRET": os.environ.get("FRANCECONNECT_CLIENT_SECRET", ""),
        "FRANCECONNECT_ENV": os.environ.get("FRANCECONNECT_ENV", "integration"),
        "FRANCECONNECT_ISSUER": os.environ.get("FRANCECONNECT_ISSUER", ""),
        # Claims asked for (FranceConnect's scopes are claim names): only what a feature needs.
        "FRANCECONNECT_SCOPES": os.environ.get("FRANCECONNECT_SCOPES", "openid given_name family_name email"),
        "FRANCECONNECT_ACR": os.environ.get("FRANCECONNECT_ACR", "eidas1"),
        # Keys the stored hash of FranceConnect's `sub`; empty: derived from SECRET_KEY. Never change it:
        # every linked identity would be lost (and its ballots in open FranceConnect calls re-keyed).
        "FRANCECONNECT_SUBJECT_SECRET": os.environ.get("FRANCECONNECT_SUBJECT_SECRET", ""),
        "FRANCECONNECT_TIMEOUT": float(os.environ.get("FRANCECONNECT_TIMEOUT", "10")),
        "STRIPE_API_KEY": os.environ.get("STRIPE_API_KEY", ""),
        "STRIPE_PUBLISHABLE_KEY": os.environ.get("STRIPE_PUBLISHABLE_KEY", ""),
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
        # The Connect endpoint (/stripe/connect/webhook): `account.updated` and the events of the connected accounts.
        "STRIPE_CONNECT_WEBHOOK_SECRET": os.environ.get("STRIPE_CONNECT_WEBHOOK_SECRET", ""),
        # Where Account Links send the mandataire (allowed as a form target by the Content-Security-Policy).
        "STRIPE_CONNECT_ONBOARDING_URL": os.environ.get("STRIPE_CONNECT_ONBOARDING_URL", "https://connect.stripe.com/"),
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE", ""),
        # Stripe.js: js.stripe.com in production; localstripe serves a stand-in at <base>/js.stripe.com/v3/.
        "STRIPE_JS_URL": os.environ.get("STRIPE_JS_URL", "https://js.stripe.com/v3/"),
        # "1" only against localstripe, whose Stripe.js stand-in can confirm a PaymentIntent only
        # once it waits for 3-D Secure (see participatory/crowdfunding/gateway.py); refused in production.
        "STRIPE_LOCALSTRIPE": os.environ.get("STRIPE_LOCALSTRIPE", "") == "1",
        "STRIPE_WEBHOOK_TOLERANCE": int(os.environ.get("STRIPE_WEBHOOK_TOLERANCE", "300")),
        # Campaign finance (Code électoral): cap per donor and election (L52-8), pending reservation
        # lifetime, spending ceiling L52-11 = (base + per inhabitant) x coefficient set by decree.
        "DONATION_CAP_CENTS": int(os.environ.get("DONATION_CAP_CENTS", "460000")),
        "DONATION_PENDING_MINUTES": int(os.environ.get("DONATION_PENDING_MINUTES", "30")),
        "CAMPAIGN_CEILING_BASE_CENTS": int(os.environ.get("CAMPAIGN_CEILING_BASE_CENTS", "3800000")),
        "CAMPAIGN_CEILING_PER_INHABITANT_CENTS": int(os.environ.get("CAMPAIGN_CEILING_PER_INHABITANT_CENTS", "15")),
        "CAMPAIGN_CEILING_COEFFICIENT": os.environ.get("CAMPAIGN_CEILING_COEFFICIENT", "1.26"),
        # Inhabitants per constituency (CSV code,inhabitants); otherwise estimated from registered voters.
        "CAMPAIGN_POPULATION_CSV": os.environ.get("CAMPAIGN_POPULATION_CSV", ""),
        "CAMPAIGN_INHABITANTS_PER_VOTER": os.environ.get("CAMPAIGN_INHABITANTS_PER_VOTER", "1.41"),
        # Shortest vote a call may set (days, from its opening to its close); see calls/rules.py.
        "VOTING_MIN_DAYS": int(os.environ.get("VOTING_MIN_DAYS", "7")),
        "SMTP_URL": os.environ.get("SMTP_URL", ""),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "noreply@participatory.localhost"),
        # Where .eml files go without SMTP (empty: instance/outbox/), e.g. a scratch folder for benchmarks.
        "OUTBOX_DIR": os.environ.get("OUTBOX_DIR", ""),
        # Where proposal images are stored (empty: instance/uploads/); shared storage with several servers.
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR", ""),
        # Proposals one person may have in one call (withdrawn ones do not count); bounds image storage too.
        "PROPOSALS_PER_AUTHOR": int(os.environ.get("PROPOSALS_PER_AUTHOR", "5") or 5),
        # Rate limits (Flask-Limiter syntax, ";" separates several); see participatory/accounts/ratelimits.py.
        # Sign-in counts failures only, and spares the browsers that signed in to the account before
        # (see the scheme in participatory/accounts/ratelimits.py and the README).
        "RATELIMIT_LOGIN": os.environ.get("RATELIMIT_LOGIN", "10 per minute;100 per day"),  # per address
        "RATELIMIT_LOGIN_PAIR": os.environ.get("RATELIMIT_LOGIN_PAIR", "5 per 15 minutes"),  # account x browser
        "RATELIMIT_LOGIN_ACCOUNT": os.environ.get("RATELIMIT_LOGIN_ACCOUNT", "10 per hour"),  # unknown browsers
        # Without Redis, the password-reset request is answered no sooner than this (milliseconds), so that
        # sending the link or not does not show in the delay; with Redis the sending is queued.
        "ACCOUNT_ANSWER_MIN_MS": int(os.environ.get("ACCOUNT_ANSWER_MIN_MS", "300")),
        "LOGIN_DEVICE_DAYS": int(os.environ.get("LOGIN_DEVICE_DAYS", "180")),
        "LOGIN_KNOWN_ADDRESS_DAYS": int(os.environ.get("LOGIN_KNOWN_ADDRESS_DAYS", "90")),
        "RATELIMIT_REGISTER": os.environ.get("RATELIMIT_REGISTER", "10 per hour"),
        "RATELIMIT_RESET": os.environ.get("RATELIMIT_RESET", "5 per 15 minutes;20 per day"),
        "RATELIMIT_EMAIL": os.environ.get("RATELIMIT_EMAIL", "5 per hour"),  # confirmation resent, letter asked
        "RATELIMIT_LETTER_CODE": os.environ.get("RATELIMIT_LETTER_CODE", "10 per hour"),
        "RATELIMIT_VOTE": os.environ.get("RATELIMIT_VOTE", "10 per minute"),  # per account: the ballot routes
        "RATELIMIT_ACCOUNT_LOOKUP": os.environ.get("RATELIMIT_ACCOUNT_LOOKUP", "10 per hour"),  # naming a mandataire
        # Number of reverse proxies in front of the app whose X-Forwarded-For/-Proto to trust (0: none).
        "PROXY_FIX_HOPS": int(os.environ.get("PROXY_FIX_HOPS", "0") or 0),
        # Seconds the map and results pages are kept rendered for visitors without a session (0: off);
        # see participatory/page_cache.py.
        "PAGE_CACHE_SECONDS": int(os.environ.get("PAGE_CACHE_SECONDS", "30") or 0),
        # A Unicode TrueType font for the letter PDFs (empty: DejaVu Sans if installed).
        "LETTER_FONT": os.environ.get("LETTER_FONT", ""),
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
        "LANGUAGES": ("fr", "en"),
        "WTF_CSRF_TIME_LIMIT": None,
        # Server-side sessions (participatory/accounts/signin.py): a session unused for SESSION_IDLE_MINUTES,
        # or opened more than SESSION_MAX_HOURS ago, ends; signing out ends it on the server at once.
        "SESSION_IDLE_MINUTES": int(os.environ.get("SESSION_IDLE_MINUTES", "120")),
        "SESSION_MAX_HOURS": int(os.environ.get("SESSION_MAX_HOURS", "24")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env != "development",
        "REMEMBER_COOKIE_SECURE": env != "development",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "MAX_CONTENT_LENGTH": 6 * 1024 * 1024,
        "JSON_SORT_KEYS": False,
    }


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
        if int(config.get(key, 1)) <= 0:
            raise ConfigError(f"{key} must be a positive number")
    if not JOBS_QUEUE_PATTERN.fullmatch(config.get("JOBS_QUEUE", "participatory")):
        raise ConfigError("JOBS_QUEUE may hold only letters, digits, '-' and '_'")
    if int(config.get("VOTING_MIN_DAYS", 7)) < 1:
        raise ConfigError("VOTING_MIN_DAYS must be at least 1 (a call's vote lasts at least a day)")
    if int(config.get("JOBS_FAILURE_TTL", 1)) <= 0:
        raise ConfigError("JOBS_FAILURE_TTL must be a positive number of seconds (failed jobs must expire)")
    for key in ("JOBS_LEASE_SECONDS", "JOBS_MAINTENANCE_SECONDS"):
        if not 1 <= int(config.get(key, 15)) <= 3600:
            raise ConfigError(f"{key} must be 1-3600 seconds")
    if config.get("FRANCECONNECT_ENV", "integration") not in FRANCECONNECT_ISSUERS:
        raise ConfigError("FRANCECONNECT_ENV must be 'integration' or 'production'")
    issuer = config.get("FRANCECONNECT_ISSUER") or ""
    if config.get("ENV_NAME") == "production" and issuer and not issuer.startswith("https://"):
        raise ConfigError("FRANCECONNECT_ISSUER must be an https:// address in production")
