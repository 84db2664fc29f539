"""Signing in, registering, linking and unlinking with FranceConnect; 404 everywhere when it is off."""

from __future__ import annotations

import logging

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from participatory import clock
from participatory.accounts import franceconnect, signin
from participatory.accounts.errors import AccountError
from participatory.accounts.policy import authorize
from participatory.accounts.rules import subject_digest
from participatory.accounts.services import franceconnect as services
from participatory.accounts.views import bp
from participatory.extensions import db
from participatory.pages import refused

log = logging.getLogger(__name__)


@bp.app_context_processor
def franceconnect_button() -> dict:
    return {"franceconnect_enabled": franceconnect.enabled()}


def _required() -> None:
    if not franceconnect.enabled():
        abort(404)


def _callback_url() -> str:
    return url_for("accounts.franceconnect_callback", _external=True)


def _refused(error: AccountError):
    db.session.rollback()
    log.info("FranceConnect refused: %s", getattr(error, "reason", "account"))  # a code, never a claim
    return render_template(
        "accounts/message.html",
        title=_("Connexion avec FranceConnect impossible"),
        message=error.message,
        franceconnect_retry=True,
    ), 400


def _go(purpose: str, user_id: int | None):
    try:
        return redirect(franceconnect.begin(purpose, _callback_url(), user_id))
    except AccountError as error:
        return _refused(error)


@bp.post("/compte/franceconnect/connexion")
def franceconnect_login():
    """Sign in, or register, with FranceConnect (a form, so the start is CSRF-protected too)."""
    _required()
    if current_user.is_authenticated:
        return redirect(url_for("accounts.home"))
    return _go(franceconnect.LOGIN, None)


@bp.post("/compte/franceconnect/lier")
def franceconnect_link():
    _required()
    authorize("account")
    return _go(franceconnect.LINK, current_user.id)


@bp.get("/compte/franceconnect/retour")
def franceconnect_callback():
    _required()
    now = clock.now()
    try:
        verified = franceconnect.finish(request.args, now)
        subject_hash = subject_digest(verified.subject, franceconnect.subject_secret())
        if verified.purpose == franceconnect.LINK:
            if not current_user.is_authenticated or current_user.id != verified.user_id:
                raise franceconnect.FranceConnectError(franceconnect.REFUSED, "link_other_session")
            services.link(db.session, current_user, subject_hash=subject_hash, claims=verified.claims, now=now)
            session[franceconnect.ID_TOKEN_KEY] = verified.id_token
            db.session.commit()
            flash(_("Votre compte est lié à votre identité FranceConnect."), "success")
            return redirect(url_for("accounts.home"))
        user, created = services.sign_in(db.session, subject_hash=subject_hash, claims=verified.claims, now=now)
    except AccountError as error:
        return _refused(error)
    signin.sign_in(user)
    session[franceconnect.ID_TOKEN_KEY] = verified.id_token  # for the end-session request at sign-out
    db.session.commit()
    if created:
        flash(_("Votre compte est créé avec votre identité FranceConnect."), "success")
    return redirect(url_for("accounts.home"))


@bp.post("/compte/franceconnect/delier")
def franceconnect_unlink():
    _required()
    authorize("account")
    try:
        services.unlink(db.session, current_user, now=clock.now())
    except AccountError as error:
        return refused(error, redirect(url_for("accounts.home")))
    session.pop(franceconnect.ID_TOKEN_KEY, None)
    db.session.commit()
    flash(_("Votre compte n'est plus lié à FranceConnect."), "success")
    return redirect(url_for("accounts.home"))


@bp.get("/compte/franceconnect/deconnecte")
def franceconnect_logged_out():
    """Where FranceConnect's end-session sends the browser back; our own session already ended."""
    _required()
    if franceconnect.logout_returned(request.args.get("state")):
        flash(_("Vous êtes déconnecté, de FranceConnect aussi."), "info")
    return redirect(url_for("constituencies.home"))


def end_session_url(id_token: object) -> str | None:
    """After our sign-out: FranceConnect's end-session URL when the session came through it, else None."""
    if not isinstance(id_token, str) or not id_token or not franceconnect.enabled():
        return None
    return franceconnect.logout_url(id_token, url_for("accounts.franceconnect_logged_out", _external=True))
