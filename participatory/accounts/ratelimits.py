"""Named rate limits (Flask-Limiter), read from the configuration at request time.

Storage is Redis when REDIS_URL is set, memory otherwise (participatory.extensions).
Other domains apply the shared ones, e.g. the ballot route:

    from participatory.accounts.ratelimits import vote_limit

    @bp.post("/appels/<code>/bulletin")
    @vote_limit
    def vote(code): ...

Each limit is a config key (RATELIMIT_LOGIN, RATELIMIT_VOTE, ...; see config.py),
counted per client address, and per account where it matters.
"""

from __future__ import annotations

from flask import current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from participatory.extensions import limiter


def _config(key: str):
    return lambda: current_app.config[key]


def account_or_address() -> str:
    """The signed-in user, or the client address when signed out."""
    if current_user.is_authenticated:
        return f"user:{current_user.get_id()}"
    return f"ip:{get_remote_address()}"


def submitted_email() -> str:
    """The email typed in the form: slows down guessing one account's password from many addresses."""
    return "email:" + (request.form.get("email") or "").strip().lower()[:254]


def _failed(response) -> bool:
    return response.status_code >= 400


login_limit = limiter.limit(_config("RATELIMIT_LOGIN"), methods=["POST"], scope="login")
login_account_limit = limiter.limit(
    _config("RATELIMIT_LOGIN_ACCOUNT"),
    methods=["POST"],
    key_func=submitted_email,
    deduct_when=_failed,
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
