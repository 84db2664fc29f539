"""The signed-in person's own pages: overview, profile, password, personal data, deletion."""

from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from constituencies import queries
from participatory import clock
from participatory.accounts import mail, signin
from participatory.accounts.errors import ROLE_LABELS, VERIFICATION_LABELS, AccountError
from participatory.accounts.forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    DeleteFranceConnectAccountForm,
    EmptyForm,
    ProfileForm,
)
from participatory.accounts.personal_data import collect
from participatory.accounts.policy import authorize
from participatory.accounts.ratelimits import email_limit
from participatory.accounts.rules import VERIFICATION_LEVELS
from participatory.accounts.services import deletion, identity, sessions
from participatory.accounts.views import bp, show
from participatory.extensions import db
from participatory.pages import refused


@bp.get("/compte")
def home():
    authorize("account")
    user = current_user
    constituency = queries.get(db.session, user.constituency_code) if user.constituency_code else None
    levels = [(level, VERIFICATION_LABELS[level], user.meets_verification(level)) for level in VERIFICATION_LEVELS]
    return render_template(
        "accounts/home.html",
        user=user,
        constituency=constituency,
        levels=levels,
        role_labels=ROLE_LABELS,
        empty_form=EmptyForm(),
    )


@bp.post("/compte/confirmation")
@email_limit
def resend_confirmation():
    authorize("account")  # the CSRF token is checked by CSRFProtect before any POST view
    try:
        token = identity.issue_confirmation(db.session, current_user, clock.now())
    except AccountError as error:
        return refused(error, redirect(url_for("accounts.home")))
    mail.promise(mail.confirmation(current_user.email, token))
    db.session.commit()
    if mail.sent():
        flash(_("Un nouveau lien de confirmation vous a été envoyé."), "success")
    else:
        flash(_("Le message n'a pas pu être envoyé : réessayez plus tard."), "warning")
    return redirect(url_for("accounts.home"))


@bp.route("/compte/profil", methods=["GET", "POST"])
def profile():
    authorize("account")
    form = ProfileForm(obj=current_user if request.method == "GET" else None)  # a POST is judged on what it sends
    if not form.validate_on_submit():
        return show("accounts/profile.html", form)
    identity.update_profile(db.session, current_user, display_name=form.display_name.data, now=clock.now())
    db.session.commit()
    flash(_("Votre profil est enregistré."), "success")
    return redirect(url_for("accounts.home"))


@bp.route("/compte/mot-de-passe", methods=["GET", "POST"])
def change_password():
    authorize("account")
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return show("accounts/password.html", form)
    try:
        identity.change_password(
            db.session,
            current_user,
            current=form.current_password.data,
            new=form.password.data,
            now=clock.now(),
            keep_session=signin.current_token(),  # this session stays, the others end
        )
    except AccountError as error:
        return refused(error, "accounts/password.html", form=form)
    db.session.commit()
    flash(_("Votre mot de passe est changé ; vos autres sessions sont fermées."), "success")
    return redirect(url_for("accounts.home"))


@bp.post("/compte/deconnexion-partout")
def sign_out_everywhere():
    """End every session of the account (other browsers, a forgotten public computer), this one too."""
    authorize("account")  # the CSRF token is checked by CSRFProtect before any POST view
    sessions.revoke_all(db.session, current_user, clock.now())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Toutes vos sessions sont fermées, y compris celle-ci."), "info")
    return redirect(url_for("accounts.login"))


@bp.get("/compte/mes-donnees.json")
def personal_data():
    authorize("account")
    document = collect(db.session, current_user, clock.now())
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="mes-donnees.json"'},
    )


@bp.route("/compte/suppression", methods=["GET", "POST"])
def delete_account():
    authorize("account")
    form = DeleteFranceConnectAccountForm() if current_user.password_hash is None else DeleteAccountForm()
    if not form.validate_on_submit():
        return show("accounts/delete.html", form)
    try:
        password = getattr(form, "password", None)
        deletion.delete_account(db.session, current_user, password=password and password.data, now=clock.now())
    except AccountError as error:
        return refused(error, "accounts/delete.html", form=form)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Votre compte est supprimé. Vos votes restent comptés, sans lien avec vous."), "success")
    return redirect(url_for("constituencies.home"))
