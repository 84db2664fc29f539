"""Registration, email confirmation, sign-in and sign-out, password reset."""

from __future__ import annotations

from flask import flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from participatory import clock
from participatory.accounts import emails
from participatory.accounts.errors import AccountError, TokenError
from participatory.accounts.forms import EmailForm, LoginForm, NewPasswordForm, RegisterForm
from participatory.accounts.policy import authorize
from participatory.accounts.ratelimits import login_account_limit, login_limit, register_limit, reset_limit
from participatory.accounts.rules import RESET
from participatory.accounts.services import identity, tokens
from participatory.accounts.views import SESSION_VERSION_KEY, bp, next_page, refuse, show
from participatory.extensions import db


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
        return refuse("accounts/register.html", form, error)
    # The same answer whether the address was free or not: nobody learns who has an account.
    if result.already_registered:
        emails.promise(emails.already_registered(result.user.email))
    else:
        emails.promise(emails.confirmation(result.user.email, result.token))
    db.session.commit()
    emails.sent()
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
            "accounts/message.html", title=_("Confirmation impossible"), message=str(error), resend=True
        ), 400
    db.session.commit()
    flash(_("Votre adresse électronique est confirmée."), "success")
    return redirect(url_for("accounts.home" if current_user.is_authenticated else "accounts.login"))


@bp.route("/compte/connexion", methods=["GET", "POST"])
@login_limit
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
        return refuse("accounts/login.html", form, error)
    db.session.commit()
    session.clear()  # nothing from before the sign-in carries over (session fixation)
    login_user(user)
    session[SESSION_VERSION_KEY] = user.session_version
    return redirect(next_page())


@bp.post("/compte/deconnexion")
def logout():
    authorize("account")  # the CSRF token is checked by CSRFProtect before any POST view
    logout_user()
    session.clear()
    flash(_("Vous êtes déconnecté."), "info")
    return redirect(url_for("constituencies.home"))


@bp.route("/compte/mot-de-passe-oublie", methods=["GET", "POST"])
@reset_limit
def forgot_password():
    form = EmailForm()
    if not form.validate_on_submit():
        return show("accounts/forgot.html", form)
    found = identity.request_password_reset(db.session, email=form.email.data, now=clock.now())
    if found is not None:
        user, token = found
        emails.promise(emails.password_reset(user.email, token))
    db.session.commit()
    emails.sent()
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
            "accounts/message.html", title=_("Lien non valable"), message=str(error), forgot=True
        ), 400
    form = NewPasswordForm()
    if not form.validate_on_submit():
        return show("accounts/reset.html", form, token=token)
    try:
        identity.reset_password(db.session, token=token, password=form.password.data, now=clock.now())
    except AccountError as error:
        return refuse("accounts/reset.html", form, error, token=token)
    db.session.commit()
    if current_user.is_authenticated:
        logout_user()
    session.clear()
    flash(_("Votre mot de passe est changé. Connectez-vous avec le nouveau."), "success")
    return redirect(url_for("accounts.login"))
