"""Declaring one's residence (map point or country abroad) and verifying it by post."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from constituencies import queries
from constituencies.lookup import shared_index
from constituencies.services import boundaries_loaded
from participatory import clock
from participatory.accounts.abroad import country_choices, country_name
from participatory.accounts.errors import VERIFICATION_LABELS, AccountError
from participatory.accounts.forms import ABROAD, LetterCodeForm, LetterRequestForm, ResidenceForm
from participatory.accounts.policy import authorize
from participatory.accounts.ratelimits import email_limit, letter_code_limit
from participatory.accounts.rules import VERIFICATION_LEVELS
from participatory.accounts.services import letters, residence
from participatory.accounts.views import bp, show
from participatory.extensions import db
from participatory.forms import options
from participatory.i18n import safe_next
from participatory.pages import refused


def _residence_form() -> ResidenceForm:
    form = ResidenceForm()
    form.country.choices = options([("", _("— Choisissez un pays —")), *country_choices(str(get_locale()))])
    return form


def _residence_context() -> dict:
    constituency = queries.get(db.session, current_user.constituency_code) if current_user.constituency_code else None
    return {
        "constituency": constituency,
        "boundaries_loaded": boundaries_loaded(db.session),
        "tile_url": current_app.config["MAP_TILE_URL"],
        "tile_attribution": current_app.config["MAP_TILE_ATTRIBUTION"],
        "next_url": _next_url(),
    }


def _next_url() -> str | None:
    """Where to go back after declaring (a local path, e.g. the call that asked for a residence), or None."""
    target = request.args.get("next")
    return safe_next(target) if target else None


@bp.route("/compte/residence", methods=["GET", "POST"])
def residence_page():
    authorize("account")
    form = _residence_form()
    if not form.is_submitted():  # the person's own point goes back to them, on this form only
        form.country.data = current_user.residence_country or ""
        if current_user.home_lat is not None:
            form.lat.data, form.lon.data = f"{current_user.home_lat:.6f}", f"{current_user.home_lon:.6f}"
    if not form.validate_on_submit():
        return show("accounts/residence.html", form, **_residence_context())
    try:
        if form.mode.data == ABROAD:
            code = residence.declare_abroad(db.session, current_user, country=form.country.data, now=clock.now())
        else:
            index = shared_index(db.session)
            code = residence.declare_point(
                db.session, current_user, lat=form.lat.number, lon=form.lon.number, now=clock.now(), locate=index.find
            )
    except AccountError as error:
        return refused(error, "accounts/residence.html", form=form, **_residence_context())
    db.session.commit()
    flash(_("Votre résidence est enregistrée : %(name)s.", name=queries.get(db.session, code).name), "success")
    # On to what the resident came for: the page that asked (a call), else their constituency's call,
    # which links to the postal letter when its vote asks for a verified residence.
    return redirect(_next_url() or url_for("calls.mine"))


def _verification_context() -> dict:
    user = current_user
    return {
        "user": user,
        "constituency": queries.get(db.session, user.constituency_code) if user.constituency_code else None,
        "levels": [
            (level, VERIFICATION_LABELS[level], user.meets_verification(level)) for level in VERIFICATION_LEVELS
        ],
        "letter": letters.current_letter(db.session, user),
        "country": country_name(user.residence_country, str(get_locale())) if user.residence_country else None,
    }


def _letter_form() -> LetterRequestForm:
    return LetterRequestForm(prefix="letter", abroad=current_user.residence_country is not None)


@bp.get("/compte/verification")
def verification():
    authorize("account")
    return render_template(
        "accounts/verification.html",
        letter_form=_letter_form(),
        code_form=LetterCodeForm(prefix="code"),
        **_verification_context(),
    )


@bp.post("/compte/verification/courrier")
@email_limit
def request_letter():
    authorize("account")
    form, code_form = _letter_form(), LetterCodeForm(prefix="code", formdata=None)
    if not form.validate_on_submit():
        return show(
            "accounts/verification.html", form, letter_form=form, code_form=code_form, **_verification_context()
        )
    address = letters.Address(
        recipient=form.recipient.data,
        street=form.street.data,
        complement=form.complement.data or "",
        postcode=form.postcode.data,
        city=form.city.data,
    )
    try:
        letters.request_letter(db.session, current_user, address=address, now=clock.now())
    except AccountError as error:
        return refused(
            error,
            "accounts/verification.html",
            form=form,
            letter_form=form,
            code_form=code_form,
            **_verification_context(),
        )
    db.session.commit()
    flash(_("Votre demande est enregistrée : l'équipe de votre député vous enverra un code par courrier."), "success")
    return redirect(url_for("accounts.verification"))


@bp.post("/compte/verification/code")
@letter_code_limit
def enter_code():
    authorize("account")
    form, letter_form = LetterCodeForm(prefix="code"), LetterRequestForm(prefix="letter", formdata=None)
    if not form.validate_on_submit():
        return show(
            "accounts/verification.html", form, letter_form=letter_form, code_form=form, **_verification_context()
        )
    try:
        letters.redeem_code(
            db.session, current_user, code=form.code.data, secret=current_app.config["SECRET_KEY"], now=clock.now()
        )
    except AccountError as error:
        return refused(
            error,
            "accounts/verification.html",
            form=form,
            letter_form=letter_form,
            code_form=form,
            **_verification_context(),
        )
    db.session.commit()
    flash(_("Votre résidence est vérifiée."), "success")
    return redirect(url_for("accounts.verification"))
