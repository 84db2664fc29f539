"""Named rate limits (Flask-Limiter), read from the configuration at request time.

Storage is Redis when REDIS_URL is set, memory otherwise (participatory.extensions).
Other domains apply the shared ones, e.g. the ballot route:

    from participatory.accounts.ratelimits import vote_limit

    @bp.post("/appels/<code>/bulletin")
    @vote_limit
    def vote(code): ...

Each limit is a config key (RATELIMIT_LOGIN, RATELIMIT_VOTE, ...; see config.py). What a signed-in
person does is counted per account (voters behind one address do not share a budget); what an
anonymous visitor does, per address.

Sign-in is throttled so that an attacker is slowed down without anyone being able to lock the
owner out (device cookies, as OWASP's "Slow Down Online Guessing Attacks with Device Cookies"
describes). Only failed attempts count. A browser is *trusted* for an account when it signed in
to it before (a signed cookie, LOGIN_DEVICE_DAYS) or when the account signed in from its address
before (LOGIN_KNOWN_ADDRESS_DAYS, kept as an HMAC in the rate-limit storage, never the address):

  - per address (RATELIMIT_LOGIN): guessing many accounts from one place; trusted browsers exempt;
  - per account and browser (RATELIMIT_LOGIN_PAIR): the browser's cookie when trusted, its
    address otherwise: guessing one account from one place;
  - per account (RATELIMIT_LOGIN_ACCOUNT): guessing one account from many addresses; only
    untrusted browsers count and are held back, so the owner's own browsers still get in
    (and a password reset makes the browser that completed it trusted).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from flask import current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer

from participatory.extensions import limiter

log = logging.getLogger(__name__)
DEVICE_COOKIE = "login_device"
DEVICE_COOKIE_PATH = "/compte"  # sent to the sign-in and reset pages only
MAX_DEVICE_ENTRIES = 5  # accounts remembered per browser


def _config(key: str):
    return lambda: current_app.config[key]


def account_or_address() -> str:
    """The signed-in user, or the client address when signed out."""
    if current_user.is_authenticated:
        return f"user:{current_user.get_id()}"
    return f"ip:{get_remote_address()}"


def _failed(response) -> bool:
    return response.status_code >= 400


# --- Who is trying to sign in ---------------------------------------------------------------


def _typed_email() -> str:
    return (request.form.get("email") or "").strip().lower()[:254]


def _tag(*parts: str) -> str:
    """A keyed digest: the cookie and the storage hold neither emails nor addresses."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()[:32]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="login-device")


def _device_entries() -> list[list[str]]:
    raw = request.cookies.get(DEVICE_COOKIE, "")
    if not raw or len(raw) > 2000:
        return []
    try:
        entries = _serializer().loads(raw)
    except BadSignature:
        return []
    if not isinstance(entries, list):
        return []
    return [e for e in entries if isinstance(e, list) and len(e) == 2 and all(isinstance(x, str) for x in e)][
        :MAX_DEVICE_ENTRIES
    ]


def _known_address_key(email: str) -> str:
    return "pb-login-known/" + _tag("address", email, get_remote_address() or "")


def _attempt() -> tuple[str, str | None, bool]:
    """(typed email, this browser's device id for that account or None, address known for it); once per request."""
    # Kept on the request (not `g`, which requests made inside one app context share).
    if not hasattr(request, "_login_attempt"):
        email = _typed_email()
        account = _tag("account", email)
        device = next((nonce for tag, nonce in _device_entries() if hmac.compare_digest(tag, account)), None)
        known = False
        if email and device is None and limiter.enabled:
            try:
                known = limiter.storage.get(_known_address_key(email)) > 0
            except Exception as exc:  # storage unreachable: the address is simply not known (never a 500)
                log.warning("known-address lookup failed: %s", type(exc).__name__)
        # Memoised on the request itself (one per request); Request declares no such attribute.
        request._login_attempt = (email, device, known)  # type: ignore[attr-defined]
    return request._login_attempt  # type: ignore[attr-defined]


def trusted_browser() -> bool:
    """This browser, or its address, signed in to the typed account before."""
    _email, device, known = _attempt()
    return device is not None or known


def account_key() -> str:
    return "email:" + _tag("account", _attempt()[0])


def account_and_browser_key() -> str:
    email, device, _known = _attempt()
    return f"{account_key()}|" + (f"device:{device}" if device else f"ip:{get_remote_address()}")


def trust_this_browser(response, email: str) -> None:
    """After a sign-in (or a password reset) to `email`: remember this browser and address for it."""
    email = email.strip().lower()
    config = current_app.config
    account = _tag("account", email)
    entries = [e for e in _device_entries() if e[0] != account]
    entries.insert(0, [account, secrets.token_urlsafe(12)])
    response.set_cookie(
        DEVICE_COOKIE,
        _serializer().dumps(entries[:MAX_DEVICE_ENTRIES]),
        max_age=int(timedelta(days=config["LOGIN_DEVICE_DAYS"]).total_seconds()),
        path=DEVICE_COOKIE_PATH,
        secure=config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    if limiter.enabled:
        days = timedelta(days=config["LOGIN_KNOWN_ADDRESS_DAYS"])
        try:
            limiter.storage.incr(_known_address_key(email), int(days.total_seconds()))
        except Exception as exc:  # the sign-in itself went through; only the address is not remembered
            log.warning("known address not stored: %s", type(exc).__name__)


# --- The limits ---------------------------------------------------------------------------------

login_limit = limiter.limit(
    _config("RATELIMIT_LOGIN"), methods=["POST"], deduct_when=_failed, exempt_when=trusted_browser, scope="login"
)
login_pair_limit = limiter.limit(
    _config("RATELIMIT_LOGIN_PAIR"),
    methods=["POST"],
    key_func=account_and_browser_key,
    deduct_when=_failed,
    scope="login-pair",
)
login_account_limit = limiter.limit(
    _config("RATELIMIT_LOGIN_ACCOUNT"),
    methods=["POST"],
    key_func=account_key,
    deduct_when=_failed,
    exempt_when=trusted_browser,
    scope="login-account",
)
register_limit = limiter.limit(_config("RATELIMIT_REGISTER"), methods=["POST"], scope="register")
reset_limit = limiter.shared_limit(_config("RATELIMIT_RESET"), scope="password-reset", methods=["POST"])
email_limit = limiter.shared_limit(
    _config("RATELIMIT_EMAIL"), scope="email", methods=["POST"], key_func=account_or_address
)
letter_code_limit = limiter.limit(
    _config("RATELIMIT_LETTER_CODE"), methods=["POST"], key_func=account_or_address, scope="letter-code"
)
vote_limit = limiter.shared_limit(
    _config("RATELIMIT_VOTE"), scope="vote", methods=["POST"], key_func=account_or_address
)
# Naming another account (the candidacy form's mandataire): per account, so that nobody probes many emails.
account_lookup_limit = limiter.shared_limit(
    _config("RATELIMIT_ACCOUNT_LOOKUP"), scope="account-lookup", methods=["POST"], key_func=account_or_address
)
