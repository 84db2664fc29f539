"""The settings read from the environment, declared once: name, type, default, meaning.

config.py reads them through `read` (typed: a bad value stops the start with a clear message; an empty
variable is the default), and the README's configuration table is generated from this list
(`python scripts/settings_table.py`; tests/test_settings.py checks it is up to date). A new setting is
one line here, then the script.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any


class ConfigError(RuntimeError):
    """The configuration cannot run safely (e.g. production without a secret key)."""


# The official, current boundaries (data.gouv.fr, "Contours géographiques des
# circonscriptions législatives"), downloaded once and cached under instance/.
OFFICIAL_GEOJSON_URL = (
    "https://static.data.gouv.fr/resources/contours-geographiques-des-circonscriptions-legislatives/"
    "20240613-191520/circonscriptions-legislatives-p10.geojson"
)
DEFAULT_SECRET_KEY = "dev-only-not-secret"
# Plan IGN (IGN Géoplateforme, open licence), WMTS in the Web Mercator grid, read as XYZ tiles.
DEFAULT_TILE_URL = (
    "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2"
    "&STYLE=normal&TILEMATRIXSET=PM&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&FORMAT=image/png"
)
DEFAULT_GEOCODER_URL = "https://api-adresse.data.gouv.fr/search/"


@dataclass(frozen=True)
class Setting:
    """One environment variable. `type` is str, int, float, bool (`1`/`0`, `true`/`false`, `yes`/`no`)
    or Decimal (kept as the text, checked to be a number); `shown` is the README's default when the
    value alone would not say it (a derived or computed default); `key` the config key when it differs."""

    name: str
    type: type
    default: Any
    meaning: str
    shown: str = ""
    key: str = ""

    @property
    def config_key(self) -> str:
        return self.key or self.name

    def parse(self, raw: str) -> Any:
        """The typed value of `raw` (the variable's text); an empty variable is the default."""
        text = raw.strip()
        if text == "":
            return self.default
        if self.type is bool:
            if text.lower() in ("1", "true", "yes", "on"):
                return True
            if text.lower() in ("0", "false", "no", "off"):
                return False
            raise ConfigError(f"{self.name} must be 1 or 0 (or empty), not {raw!r}")
        if self.type is int:
            if not re.fullmatch(r"[+-]?\d+", text):
                raise ConfigError(f"{self.name} must be a whole number, not {raw!r}")
            return int(text)
        if self.type is float:
            try:
                return float(text)
            except ValueError:
                raise ConfigError(f"{self.name} must be a number, not {raw!r}") from None
        if self.type is Decimal:
            try:
                Decimal(text)
            except InvalidOperation:
                raise ConfigError(f"{self.name} must be a decimal number, not {raw!r}") from None
            return text
        return raw


def _s(name: str, type_: type, default: Any, meaning: str, shown: str = "", key: str = "") -> Setting:
    return Setting(name, type_, default, meaning, shown, key)


RATE_LIMIT = "Flask-Limiter syntax (`;` separates several); see [Accounts](#accounts-roles-and-security)"

SETTINGS: tuple[Setting, ...] = (
    _s("DATABASE_URL", str, "", "e.g. `postgresql://user@host/db` (psycopg 3)", "SQLite under `instance/`"),
    _s(
        "SECRET_KEY",
        str,
        DEFAULT_SECRET_KEY,
        "required (and not the default) when `PARTICIPATORY_ENV=production`",
        "a development value",
    ),
    _s(
        "VOTER_KEY_SECRET",
        str,
        "",
        "keys the voter keys ([one person, one ballot](#one-person-one-ballot)); set it once (≥ 32 characters in "
        "production) and never change it while a vote is open",
        "empty: derived from `SECRET_KEY`",
    ),
    _s(
        "AUDIT_SIGNING_KEY",
        str,
        "",
        "the Ed25519 key that signs the audit log's checkpoints: base64 of a 32-byte seed "
        '(`python -c "import base64, os; print(base64.b64encode(os.urandom(32)).decode())"`) or a PKCS#8 PEM; '
        "required when `PARTICIPATORY_ENV=production`; a malformed key stops the start",
        "derived from `SECRET_KEY` (a warning is logged)",
    ),
    _s(
        "AUDIT_RETIRED_PUBLIC_KEYS",
        str,
        "",
        "public keys (base64, comma separated) of earlier signing keys, so their checkpoints still verify after a "
        "key change",
    ),
    _s(
        "PARTICIPATORY_ENV",
        str,
        "development",
        "any other value turns on Secure cookies and HSTS; `production` also refuses a weak `SECRET_KEY`",
        key="ENV_NAME",
    ),
    _s(
        "REDIS_URL",
        str,
        "",
        "rate-limit storage and background jobs (while it is unreachable: limits in each process's memory, jobs "
        "in the request)",
        "empty (memory)",
    ),
    _s(
        "READYZ_REQUIRES_REDIS",
        bool,
        False,
        "`1`: `/readyz` answers 503 while Redis is down too (by default only the database makes it fail: the app "
        "serves without Redis)",
    ),
    _s(
        "JOBS_INLINE",
        bool,
        False,
        "`1` runs background jobs in the request even when `REDIS_URL` is set (as without Redis)",
    ),
    _s(
        "JOBS_QUEUE",
        str,
        "participatory",
        "the RQ queue (letters, digits, `-`, `_`); it also prefixes job ids, so deployments sharing a Redis stay apart",
    ),
    _s(
        "JOBS_FAILURE_TTL",
        int,
        3 * 24 * 3600,
        "seconds a job that failed every attempt (a message with its content) stays in Redis for `rq requeue`, "
        "then expires",
        "`259200` (3 days)",
    ),
    _s(
        "JOBS_LEASE_SECONDS",
        int,
        15,
        "a running job's lease in Redis, renewed by its worker every third of it; once it expired (the worker "
        "died: SIGKILL, out of memory, power) any worker puts the job back on the queue (1-3600)",
    ),
    _s(
        "JOBS_MAINTENANCE_SECONDS",
        int,
        15,
        "how often each worker, busy or idle, looks for such jobs (and cleans RQ's registries, takes over a dead "
        "worker's scheduler); a killed worker's job runs again within about the sum of the two (1-3600)",
    ),
    _s("CONSTITUENCIES_GEOJSON", str, "", "boundary file loaded at start"),
    _s(
        "CONSTITUENCIES_GEOJSON_URL",
        str,
        OFFICIAL_GEOJSON_URL,
        "downloaded once when no file is configured",
        "the data.gouv.fr p10 file",
    ),
    _s(
        "BOUNDARY_CHECK_SECONDS",
        float,
        5.0,
        "how often the cached lookup index and map shapes look for a newer boundary import",
        "`5`",
    ),
    _s(
        "MAP_TILE_URL",
        str,
        DEFAULT_TILE_URL,
        "background tiles of every map (XYZ template; its origin joins the CSP's `img-src`); `none`: the shapes alone",
        "Plan IGN (IGN Géoplateforme)",
    ),
    _s("MAP_TILE_ATTRIBUTION", str, "© IGN – Plan IGN", "the attribution shown with the background tiles"),
    _s(
        "GEOCODER_URL",
        str,
        DEFAULT_GEOCODER_URL,
        "address search (constituencies/geocoding.py): the national address service, or a self-hosted addok's "
        "`/search/` (see [Address search](#address-search)); pages reach it only through `/api/v1/geocode`; "
        "`none`: off",
    ),
    _s("GEOCODER_TIMEOUT", float, 5.0, "seconds to wait for the geocoder"),
    _s("RATELIMIT_GEOCODE", str, "30 per minute;600 per day", "address searches per client address"),
    _s(
        "FRANCECONNECT_CLIENT_ID",
        str,
        "",
        "the platform's FranceConnect client; with the secret, turns the \"S'identifier avec FranceConnect\" button "
        "and its routes on (see [FranceConnect](#franceconnect))",
        "empty (FranceConnect off)",
    ),
    _s("FRANCECONNECT_CLIENT_SECRET", str, "", "the secret of that client", "empty (FranceConnect off)"),
    _s(
        "FRANCECONNECT_ENV",
        str,
        "integration",
        "`integration` (`https://fcp-low.integ01.dev-franceconnect.fr/api/v2`) or `production` "
        "(`https://oidc.franceconnect.gouv.fr/api/v2`)",
    ),
    _s(
        "FRANCECONNECT_ISSUER",
        str,
        "",
        "overrides the issuer of `FRANCECONNECT_ENV` (https in production); its discovery document is "
        "`<issuer>/.well-known/openid-configuration`",
    ),
    _s(
        "FRANCECONNECT_SCOPES",
        str,
        "openid given_name family_name email",
        "the claims asked for: only what a feature uses",
    ),
    _s("FRANCECONNECT_ACR", str, "eidas1", "the `acr_values` asked for, and the `acr` the ID token must carry"),
    _s(
        "FRANCECONNECT_SUBJECT_SECRET",
        str,
        "",
        "keys the stored hash of FranceConnect's `sub`; set it once and never change it (every link would be lost)",
        "empty: `SECRET_KEY`",
    ),
    _s("FRANCECONNECT_TIMEOUT", float, 10.0, "seconds to wait for FranceConnect's answers", "`10`"),
    _s("STRIPE_API_KEY", str, "", "payments (Stripe or localstripe): the secret API key"),
    _s("STRIPE_PUBLISHABLE_KEY", str, "", "the publishable key Stripe.js uses in the donor's browser"),
    _s("STRIPE_WEBHOOK_SECRET", str, "", "signing secret of the payment events' endpoint"),
    _s(
        "STRIPE_CONNECT_WEBHOOK_SECRET",
        str,
        "",
        "signing secret of the Connect endpoint `/stripe/connect/webhook` (`account.updated` and the connected "
        "accounts' payment events); empty refuses every event there",
    ),
    _s(
        "STRIPE_CONNECT_ONBOARDING_URL",
        str,
        "https://connect.stripe.com/",
        "where Account Links send the mandataire; its origin is allowed as a form target in the "
        "Content-Security-Policy (`form-action`)",
    ),
    _s("STRIPE_API_BASE", str, "", "another Stripe API address (localstripe in development)"),
    _s(
        "STRIPE_JS_URL",
        str,
        "https://js.stripe.com/v3/",
        "Stripe.js; its origin is added to the Content-Security-Policy (localstripe serves a stand-in at "
        "`<base>/js.stripe.com/v3/`)",
    ),
    _s(
        "STRIPE_LOCALSTRIPE",
        bool,
        False,
        "`1` only against localstripe, whose Stripe.js stand-in confirms a payment only once it waits for 3-D "
        "Secure; refused in production",
    ),
    _s("STRIPE_WEBHOOK_TOLERANCE", int, 300, "seconds a webhook's signature stays valid (older: 400, nothing stored)"),
    _s("DONATION_CAP_CENTS", int, 460000, "cap per donor and election, in cents (article L52-8)"),
    _s("DONATION_PENDING_MINUTES", int, 30, "how long a started donation reserves its part of the cap"),
    _s("CAMPAIGN_CEILING_BASE_CENTS", int, 3800000, "spending ceiling (L52-11): the base, in cents"),
    _s("CAMPAIGN_CEILING_PER_INHABITANT_CENTS", int, 15, "spending ceiling: cents per inhabitant"),
    _s("CAMPAIGN_CEILING_COEFFICIENT", Decimal, "1.26", "spending ceiling: the coefficient set by decree"),
    _s(
        "CAMPAIGN_POPULATION_CSV",
        str,
        "",
        "inhabitants per constituency (CSV `code,inhabitants`); otherwise estimated from registered voters",
    ),
    _s(
        "CAMPAIGN_INHABITANTS_PER_VOTER",
        Decimal,
        "1.41",
        "the estimate's inhabitants per registered voter, without that file",
    ),
    _s(
        "VOTING_MIN_DAYS",
        int,
        7,
        "shortest vote a call may set, in days from its opening to its close (at least 1); see "
        "[the schedule rules](#participatory-calls)",
    ),
    _s("SMTP_URL", str, "", "email; without SMTP, `.eml` files go to `OUTBOX_DIR`"),
    _s("MAIL_FROM", str, "noreply@participatory.localhost", "the sender of the platform's email"),
    _s(
        "OUTBOX_DIR",
        str,
        "",
        "where `.eml` files go without SMTP (e.g. a scratch folder for benchmarks)",
        "`instance/outbox/`",
    ),
    _s(
        "UPLOAD_DIR",
        str,
        "",
        "where proposal images are written and served from (and, under `campaign-accounts/`, the campaign "
        "accounts' supporting documents, never public); shared storage (NFS, a mounted object store) when there "
        "are several app servers",
        "`instance/uploads/`",
    ),
    _s(
        "DEMO_ACCOUNTS_ALLOWED",
        bool,
        None,
        "whether `flask demo seed` may create its sign-ins (one account per role with a printed password); "
        "a public demo instance in production sets it to `1`",
        "`1`, but `0` when `PARTICIPATORY_ENV=production`",
    ),
    _s(
        "PUBLIC_URL",
        str,
        "http://127.0.0.1:5000",
        "the platform's address for links in mail sent outside a request (digests, timers): the unsubscribe "
        "link must reach the site",
    ),
    _s("PROPOSALS_PER_AUTHOR", int, 5, "proposals one person may have in one call (withdrawn ones do not count)"),
    _s("RATELIMIT_LOGIN", str, "10 per minute;100 per day", "failed sign-ins per address; " + RATE_LIMIT),
    _s("RATELIMIT_LOGIN_PAIR", str, "5 per 15 minutes", "failed sign-ins per account and browser; " + RATE_LIMIT),
    _s("RATELIMIT_LOGIN_ACCOUNT", str, "10 per hour", "failed sign-ins per account from unknown browsers"),
    _s("RATELIMIT_REGISTER", str, "10 per hour", "registrations per address"),
    _s("RATELIMIT_RESET", str, "5 per 15 minutes;20 per day", "password-reset requests per address"),
    _s("RATELIMIT_EMAIL", str, "5 per hour", "confirmations resent and letters asked, per account"),
    _s("RATELIMIT_LETTER_CODE", str, "10 per hour", "letter codes entered, per account"),
    _s("RATELIMIT_VOTE", str, "10 per minute", "ballots cast or cancelled, per account"),
    _s("RATELIMIT_COMMENT", str, "5 per minute;60 per day", "comments posted, edited and reported, per account"),
    _s("RATELIMIT_SUPPORT", str, "30 per minute", "supports and follows given or withdrawn, per account"),
    _s("RATELIMIT_ACCOUNT_LOOKUP", str, "10 per hour", "accounts looked up (naming a mandataire), per account"),
    _s(
        "ACCOUNT_ANSWER_MIN_MS",
        int,
        300,
        "without Redis, the password-reset request is answered no sooner than this, so the sending of the link "
        "does not show in the delay",
    ),
    _s(
        "LOGIN_DEVICE_DAYS",
        int,
        180,
        "how long a browser that signed in to an account stays exempt from that account's lock-out",
    ),
    _s(
        "LOGIN_KNOWN_ADDRESS_DAYS",
        int,
        90,
        "how long an address that signed in to an account stays exempt from that account's lock-out",
    ),
    _s(
        "PROXY_FIX_HOPS",
        int,
        0,
        "number of reverse proxies whose `X-Forwarded-For`/`-Proto`/`-Host` to trust (rate limits count the real "
        "client address)",
    ),
    _s(
        "PAGE_CACHE_SECONDS",
        int,
        30,
        "how long the map and results pages stay rendered in memory for visitors without a session (`0`: off)",
    ),
    _s("LETTER_FONT", str, "", "a Unicode TrueType font for the letter PDFs", "DejaVu Sans if installed"),
    _s(
        "SESSION_IDLE_MINUTES",
        int,
        120,
        "a signed-in session unused this long ends (server-side: every copy of its cookie)",
    ),
    _s(
        "SESSION_MAX_HOURS",
        int,
        24,
        "a signed-in session ends this long after the sign-in, however busy (the cookie itself is refused after it "
        "too)",
    ),
)
BY_NAME = {setting.name: setting for setting in SETTINGS}


def read(environ: Mapping[str, str]) -> dict[str, Any]:
    """Every declared setting, typed, under its config key; ConfigError names the first bad one."""
    return {setting.config_key: setting.parse(environ.get(setting.name, "")) for setting in SETTINGS}


def shown_default(setting: Setting) -> str:
    if setting.shown:
        return setting.shown
    if setting.default in ("", False):
        return "empty"
    return f"`{setting.default}`"


def readme_table() -> str:
    """The README's configuration table (scripts/settings_table.py writes it between its markers)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    rows += [f"| `{s.name}` | {shown_default(s)} | {s.meaning} |" for s in SETTINGS]
    return "\n".join(rows) + "\n"
