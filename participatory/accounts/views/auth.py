"""Registration, email confirmation, sign-in and sign-out, password reset."""

from __future__ import annotations

import time

from flask import current_app, flash, redirect, render_template, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from participatory import clock
from participatory.accounts import franceconnect, jobs, mail, signin
from participatory.accounts.errors import AccountError, TokenError
from participatory.accounts.forms import EmailForm, LoginForm, NewPasswordForm, RegisterForm
from participatory.accounts.policy import authorize
from participatory.accounts.ratelimits import (
    login_account_limit,
    login_limit,
    login_pair_limit,
    register_limit,
    reset_limit,
    trust_this_browser,
)
from participatory.accounts.rules import RESET
from participatory.accounts.services import identity, tokens
from participatory.accounts.views import bp, next_page, show
from participatory.accounts.views.franceconnect import end_session_url
from participatory.extensions import db
from participatory.jobs import enqueue
from participatory.pages import refused


@bp.route("/compte/inscription", methods=["GET", "POST"])
@register_limit
def register():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.home"))
    form = RegisterForm()
    if not form.validate_on_submit():
        return show("accounts/register.html", form)
    try:
        result = identity.register(
            db.session,
            email=form.email.data,
            password=form.password.data,
            display_name=form.display_name.data,
            now=clock.now(),
        )
    except AccountError as error:
        return refused(error, "accounts/register.html", form=form)
    # The same answer whether the address was free or not: nobody learns who has an account.
    if result.already_registered:
        mail.promise(mail.already_registered(result.user.email))
    else:
        mail.promise(mail.confirmation(result.user.email, result.token))
    db.session.commit()
    mail.sent()
    flash(
        _(
            "Un message vient d'être envoyé à %(email)s : ouvrez le lien qu'il contient pour confirmer votre adresse, "
            "puis connectez-vous.",
            email=form.email.data,
        ),
        "success",
    )
    return redirect(url_for("accounts.login"))


@bp.get("/compte/confirmer/<token>")
def confirm_email(token: str):
    try:
        identity.confirm_email(db.session, token=token, now=clock.now())
    except TokenError as error:
        db.session.rollback()
        return render_template(
            "accounts/message.html", title=_("Confirmation impossible"), message=error.message, resend=True
        ), 400
    db.session.commit()
    flash(_("Votre adresse électronique est confirmée."), "success")
    return redirect(url_for("accounts.home" if current_user.is_authenticated else "accounts.login"))


@bp.route("/compte/connexion", methods=["GET", "POST"])
@login_limit
@login_pair_limit
@login_account_limit
def login():
    if current_user.is_authenticated:
        return redirect(next_page())
    form = LoginForm()
    if not form.validate_on_submit():
        return show("accounts/login.html", form)
    try:
        user = identity.authenticate(db.session, email=form.email.data, password=form.password.data, now=clock.now())
    except AccountError as error:
        return refused(error, "accounts/login.html", form=form)
    signin.sign_in(user)
    db.session.commit()
    response = redirect(next_page())
    trust_this_browser(response, user.email)  # the owner's own browser is never locked out by others' failures
    return response


@bp.post("/compte/deconnexion")
def logout():
    authorize("account")  # the CSRF token is checked by CSRFProtect before any POST view
    id_token = session.get(franceconnect.ID_TOKEN_KEY)
    signin.sign_out()  # every copy of this session's cookie stops working
    db.session.commit()
    flash(_("Vous êtes déconnecté."), "info")
    # Signed in through FranceConnect: its session ends too (end-session, then back to us).
    return redirect(end_session_url(id_token) or url_for("constituencies.home"))


@bp.route("/compte/mot-de-passe-oublie", methods=["GET", "POST"])
@reset_limit
def forgot_password():
    started = time.monotonic()
    form = EmailForm()
    if not form.validate_on_submit():
        return show("accounts/forgot.html", form)
    link_pattern = url_for("accounts.reset_password", token=jobs.TOKEN_PLACEHOLDER, _external=True)
    if not enqueue(jobs.send_password_reset, form.email.data, link_pattern, str(get_locale())):
        # Run here (no Redis): the answer waits ACCOUNT_ANSWER_MIN_MS in all, so that sending or not
        # sending the link does not show in its delay.
        time.sleep(max(0.0, current_app.config["ACCOUNT_ANSWER_MIN_MS"] / 1000 - (time.monotonic() - started)))
    flash(
        _(
            "Si un compte a cette adresse, un lien pour choisir un nouveau mot de passe vient d'y être envoyé "
            "(valable une heure)."
        ),
        "info",
    )
    return redirect(url_for("accounts.login"))


@bp.route("/compte/reinitialiser/<token>", methods=["GET", "POST"])
@reset_limit
def reset_password(token: str):
    try:
        tokens.check(db.session, token, RESET, clock.now())
    except TokenError as error:
        return render_template(
            "accounts/message.html", title=_("Lien non valable"), message=error.message, forgot=True
        ), 400
    form = NewPasswordForm()
    if not form.validate_on_submit():
        return show("accounts/reset.html", form, token=token)
    try:
        user = identity.reset_password(db.session, token=token, password=form.password.data, now=clock.now())
    except AccountError as error:
        return refused(error, "accounts/reset.html", form=form, token=token)
    db.session.commit()
    if current_user.is_authenticated:
        logout_user()
    session.clear()
    flash(_("Votre mot de passe est changé. Connectez-vous avec le nouveau."), "success")
    response = redirect(url_for("accounts.login"))
    trust_this_browser(response, user.email)  # the link proved the mailbox: this browser may sign in
    return response
