"""Admin pages: users and their roles, the MP of each constituency (history kept)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from constituencies import queries as constituency_queries
from participatory import clock
from participatory.accounts import queries
from participatory.accounts.errors import ROLE_LABELS, AccountError
from participatory.accounts.forms import AssignMPForm, GrantForm
from participatory.accounts.models import User
from participatory.accounts.policy import authorize
from participatory.accounts.rules import text_problem
from participatory.accounts.services import roles
from participatory.accounts.views import bp, show
from participatory.extensions import db
from participatory.pages import refused

PAGE_SIZE = 50


@bp.get("/admin/utilisateurs")
def admin_users():
    authorize("admin")
    q = (request.args.get("q") or "").strip()[:100]
    if text_problem(q, max_length=100):
        q = ""
    page = request.args.get("page", "1")
    found = queries.search_users(
        db.session, q, int(page) if page.isascii() and page.isdigit() and len(page) < 7 else 1, PAGE_SIZE
    )
    return render_template("accounts/admin_users.html", found=found, q=q, role_labels=ROLE_LABELS)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        abort(404)
    return user


def _user_context(user: User) -> dict:
    grants = queries.grants_of(db.session, user)
    people = queries.users_by_id(db.session, {g.granted_by_id for g in grants} | {g.revoked_by_id for g in grants})
    return {"user": user, "grants": grants, "people": people, "role_labels": ROLE_LABELS}


@bp.get("/admin/utilisateurs/<int:user_id>")
def admin_user(user_id: int):
    authorize("admin")
    user = _user_or_404(user_id)
    return render_template("accounts/admin_user.html", form=GrantForm(), **_user_context(user))


@bp.post("/admin/utilisateurs/<int:user_id>/roles")
def admin_grant(user_id: int):
    authorize("admin")
    user = _user_or_404(user_id)
    form = GrantForm()
    if not form.validate_on_submit():
        return show("accounts/admin_user.html", form, **_user_context(user))
    try:
        roles.grant_role(
            db.session,
            current_user,
            user,
            role=form.role.data,
            constituency_code=form.constituency.data,
            now=clock.now(),
        )
    except AccountError as error:
        return refused(error, "accounts/admin_user.html", form=form, **_user_context(user))
    db.session.commit()
    flash(_("Rôle attribué."), "success")
    return redirect(url_for("accounts.admin_user", user_id=user.id))


@bp.post("/admin/utilisateurs/<int:user_id>/roles/<int:grant_id>/retrait")
def admin_revoke(user_id: int, grant_id: int):
    authorize("admin")
    user = _user_or_404(user_id)
    try:
        roles.revoke_grant(db.session, current_user, grant_id, user_id=user.id, now=clock.now())
    except AccountError as error:
        return refused(error, redirect(url_for("accounts.admin_user", user_id=user.id)))
    db.session.commit()
    flash(_("Rôle retiré."), "success")
    return redirect(url_for("accounts.admin_user", user_id=user.id))


@bp.get("/admin/deputes")
def admin_mps():
    authorize("admin")
    current = roles.current_mps(db.session)
    rows = [(c, current.get(c.code)) for c in constituency_queries.all_constituencies(db.session)]
    return render_template("accounts/admin_mps.html", rows=rows)


def _mp_context(constituency) -> dict:
    history = roles.mp_history(db.session, constituency.code)
    people = queries.users_by_id(db.session, {g.user_id for g in history})
    current = next((g for g in history if g.revoked_at is None), None)
    return {"constituency": constituency, "history": history, "people": people, "current": current}


@bp.route("/admin/deputes/<code>", methods=["GET", "POST"])
def admin_mp(code: str):
    authorize("admin")
    constituency = constituency_queries.get(db.session, code.upper())
    if constituency is None:
        abort(404)
    form = AssignMPForm()
    if not form.validate_on_submit():
        return show("accounts/admin_mp.html", form, **_mp_context(constituency))
    try:
        roles.assign_mp(
            db.session, current_user, constituency_code=constituency.code, email=form.email.data, now=clock.now()
        )
    except AccountError as error:
        return refused(error, "accounts/admin_mp.html", form=form, **_mp_context(constituency))
    db.session.commit()
    flash(_("Le député de %(name)s est enregistré.", name=constituency.name), "success")
    return redirect(url_for("accounts.admin_mp", code=constituency.code))
