"""The FranceConnect client: OpenID Connect with Authlib, every answer checked before it is believed.

Authlib's Flask client discovers the provider (`<issuer>/.well-known/openid-configuration`), makes
the authorization URL with a random `state` and `nonce` (kept in the signed session cookie with
what the flow is for), exchanges the code (client_secret_post) and builds the end-session URL.
The checks are made here, against the platform's clock (`now`, never the machine's):

- the ID token: signed (ES256 or RS256 only: `none` and HMAC are refused) by a key of the
  provider's JWKS; `iss` the configured issuer, `aud` our client id, `nonce` the one of this
  flow, `exp`/`iat` valid now, `acr` the level asked for (eidas1);
- the userinfo: answered as a JWT (FranceConnect v2), signed by a key of the same JWKS, with our
  issuer and audience and the ID token's `sub`; then every claim is validated
  (rules.identity_claims_problem) before anything is stored.

Any failure raises FranceConnectError: a clear message for the person, a content-free reason
for the log; nothing is changed. Without FRANCECONNECT_CLIENT_ID and _SECRET the feature is off.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import FlaskOAuth2App
from authlib.integrations.flask_client.integration import FlaskIntegration
from authlib.oauth2.claims import JWTClaims
from authlib.oidc.core import CodeIDToken
from flask import Flask, current_app, session
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError
from joserfc.errors import JoseError as JoseRfcError
from joserfc.jwk import KeySet

from participatory.accounts import rules
from participatory.accounts.errors import AccountError
from participatory.config import FRANCECONNECT_ISSUERS

log = logging.getLogger(__name__)
NAME = "franceconnect"
SIGNING_ALGORITHMS = ["ES256", "RS256"]  # what FranceConnect v2 signs with; never "none" nor HS*
LEEWAY_SECONDS = 60  # clocks of two servers
LOGIN, LINK = "login", "link"
ID_TOKEN_KEY = "fc_id_token"  # in the session, for the end-session request's id_token_hint


class FranceConnectError(AccountError):
    """The FranceConnect flow failed; `reason` is a content-free code for the log."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(code)
        self.reason = reason


# Codes of the failures (their messages: errors.MESSAGES).
REFUSED = "franceconnect_refused"
UNAVAILABLE = "franceconnect_unavailable"
CANCELLED = "franceconnect_cancelled"
BAD_CLAIMS = "franceconnect_bad_claims"


@dataclass(frozen=True)
class VerifiedIdentity:
    """What a checked FranceConnect answer proves, and what the flow was started for."""

    subject: str
    claims: dict
    id_token: str
    purpose: str
    user_id: int | None


def issuer(config) -> str:
    return (config.get("FRANCECONNECT_ISSUER") or FRANCECONNECT_ISSUERS[config["FRANCECONNECT_ENV"]]).rstrip("/")


def enabled(config=None) -> bool:
    config = config if config is not None else current_app.config
    return bool(config.get("FRANCECONNECT_CLIENT_ID") and config.get("FRANCECONNECT_CLIENT_SECRET"))


def subject_secret(config=None) -> str:
    config = config if config is not None else current_app.config
    return config.get("FRANCECONNECT_SUBJECT_SECRET") or config["SECRET_KEY"]


def _client():
    """Authlib's client for the current settings, built once per app (and again if the settings change)."""
    config = current_app.config
    settings = (
        issuer(config),
        config["FRANCECONNECT_CLIENT_ID"],
        config["FRANCECONNECT_CLIENT_SECRET"],
        config["FRANCECONNECT_SCOPES"],
        config["FRANCECONNECT_TIMEOUT"],
    )
    cached = current_app.extensions.get(NAME)
    if cached is not None and cached[0] == settings:
        return cached[1]
    remote = FlaskOAuth2App(
        FlaskIntegration(NAME),
        name=NAME,
        client_id=settings[1],
        client_secret=settings[2],
        server_metadata_url=settings[0] + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": settings[3],
            "token_endpoint_auth_method": "client_secret_post",
            "default_timeout": settings[4],
        },
    )
    current_app.extensions[NAME] = (settings, remote)
    return remote


def begin(purpose: str, redirect_uri: str, user_id: int | None = None) -> str:
    """The authorization URL to send the browser to; state and nonce wait in the session."""
    remote = _client()
    try:
        started = remote.create_authorization_url(redirect_uri, acr_values=current_app.config["FRANCECONNECT_ACR"])
    except (requests.RequestException, ValueError, RuntimeError) as error:
        raise FranceConnectError(UNAVAILABLE, "discovery:" + type(error).__name__) from None
    remote.framework.set_state_data(
        session,
        started["state"],
        {"redirect_uri": redirect_uri, "nonce": started["nonce"], "purpose": purpose, "user_id": user_id},
    )
    return started["url"]


def finish(args, now: datetime) -> VerifiedIdentity:
    """Check the provider's answer to our authorization request (the callback's query arguments)."""
    remote = _client()
    state = args.get("state")
    flow = remote.framework.get_state_data(session, state) if isinstance(state, str) and state else None
    if state:
        remote.framework.clear_state_data(session, state)  # single use, whatever happens next
    if args.get("error"):
        error = str(args.get("error"))
        reason = "provider:" + (error if re.fullmatch(r"[a-z_]{1,40}", error) else "other")  # logged: no free text
        raise FranceConnectError(CANCELLED if error == "access_denied" else REFUSED, reason)
    if not flow:
        raise FranceConnectError(REFUSED, "state")
    code = args.get("code")
    if not isinstance(code, str) or not code or len(code) > 2048:
        raise FranceConnectError(REFUSED, "code_missing")
    try:
        token = remote.fetch_access_token(redirect_uri=flow["redirect_uri"], code=code)
    except OAuthError as error:
        code = str(error.error)
        raise FranceConnectError(
            REFUSED, "token:" + (code if re.fullmatch(r"[a-z_]{1,40}", code) else "other")
        ) from None
    except (requests.RequestException, ValueError) as error:
        raise FranceConnectError(UNAVAILABLE, "token:" + type(error).__name__) from None
    id_token = token.get("id_token")
    if not isinstance(id_token, str) or not isinstance(token.get("access_token"), str):
        raise FranceConnectError(REFUSED, "token_incomplete")
    config = current_app.config
    id_claims = _verified(
        remote,
        id_token,
        CodeIDToken,
        options={
            "iss": {"essential": True, "value": issuer(config)},
            "aud": {"essential": True, "value": config["FRANCECONNECT_CLIENT_ID"]},
            "acr": {"essential": True, "value": config["FRANCECONNECT_ACR"]},
            "nonce": {"essential": True},
        },
        params={"nonce": flow["nonce"], "client_id": config["FRANCECONNECT_CLIENT_ID"]},
        now=now,
        what="id_token",
    )
    userinfo = _userinfo(remote, token, id_claims["sub"], now)
    problem = rules.identity_claims_problem(userinfo)
    if problem:
        raise FranceConnectError(BAD_CLAIMS, "claims:" + problem)
    return VerifiedIdentity(id_claims["sub"], userinfo, id_token, flow["purpose"], flow.get("user_id"))


def _userinfo(remote, token: dict, subject: str, now: datetime) -> dict:
    try:
        metadata = remote.load_server_metadata()
        response = remote.get(metadata["userinfo_endpoint"], token=token)
    except (requests.RequestException, KeyError, OAuthError) as error:
        raise FranceConnectError(UNAVAILABLE, "userinfo:" + type(error).__name__) from None
    if response.status_code != 200:
        raise FranceConnectError(REFUSED, f"userinfo:{response.status_code}")
    # FranceConnect v2 answers a signed JWT; plain JSON would be unsigned, hence not believed.
    if response.headers.get("Content-Type", "").split(";")[0].strip() != "application/jwt":
        raise FranceConnectError(REFUSED, "userinfo_not_jwt")
    config = current_app.config
    claims = _verified(
        remote,
        response.text.strip(),
        JWTClaims,
        options={
            "iss": {"essential": True, "value": issuer(config)},
            "aud": {"essential": True, "value": config["FRANCECONNECT_CLIENT_ID"]},
            "sub": {"essential": True, "value": subject},
        },
        params={},
        now=now,
        what="userinfo",
    )
    return dict(claims)


def _verified(remote, value: str, claims_cls, *, options: dict, params: dict, now: datetime, what: str) -> dict:
    """Decode a JWS with the provider's keys (fetched again once for an unknown key id), then check its claims."""
    try:
        try:
            decoded = jwt.decode(value, KeySet.import_key_set(remote.fetch_jwk_set()), algorithms=SIGNING_ALGORITHMS)
        except InvalidKeyIdError:
            decoded = jwt.decode(
                value, KeySet.import_key_set(remote.fetch_jwk_set(force=True)), algorithms=SIGNING_ALGORITHMS
            )
    except requests.RequestException as error:
        raise FranceConnectError(UNAVAILABLE, f"{what}_jwks:" + type(error).__name__) from None
    except (JoseRfcError, ValueError, TypeError, KeyError) as error:
        raise FranceConnectError(REFUSED, f"{what}_signature:" + type(error).__name__) from None
    if not isinstance(decoded.claims, dict):
        raise FranceConnectError(REFUSED, f"{what}_claims")
    claims = claims_cls(decoded.claims, decoded.header, options, params)
    try:
        claims.validate(now=int(now.timestamp()), leeway=LEEWAY_SECONDS)
    except (JoseRfcError, ValueError, TypeError) as error:
        raise FranceConnectError(REFUSED, f"{what}_claims:" + type(error).__name__) from None
    return claims


def logout_url(id_token: str, post_logout_redirect_uri: str) -> str | None:
    """FranceConnect's end-session URL (id_token_hint, state, post_logout_redirect_uri), or None if unreachable."""
    remote = _client()
    try:
        ended = remote.create_logout_url(post_logout_redirect_uri=post_logout_redirect_uri, id_token_hint=id_token)
    except (requests.RequestException, ValueError, RuntimeError) as error:
        log.warning("FranceConnect end-session URL not available: %s", type(error).__name__)
        return None
    remote.framework.set_state_data(session, ended["state"], {"post_logout_redirect_uri": post_logout_redirect_uri})
    return ended["url"]


def logout_returned(state: object) -> bool:
    """Whether the browser came back from FranceConnect's end-session with the state we gave it."""
    if not isinstance(state, str) or not state or len(state) > 200:
        return False
    remote = _client()
    known = remote.framework.get_state_data(session, state) is not None
    remote.framework.clear_state_data(session, state)
    return known


def init_app(app: Flask) -> None:
    """Nothing to do before the first use (the client is built lazily); logs whether the feature is on."""
    if enabled(app.config):
        log.info("FranceConnect on, issuer %s", issuer(app.config))
