"""The call: national list, call page, creation and settings (MP or admin), moderation dashboard."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from constituencies.models import Constituency
from participatory import clock
from participatory.accounts.policy import authorize
from participatory.calls import forms, queries, rules
from participatory.calls.errors import CallError
from participatory.calls.jobs import close_if_due
from participatory.calls.services import calls as call_services
from participatory.calls.services import proposals as proposal_services
from participatory.calls.services.ballots import ballot_of
from participatory.calls.views import bp, call_or_404, manages, moderates, refused
from participatory.extensions import db


@bp.get("/appels")
def index():
    now = clock.now()
    rows = queries.overview(db.session, now)
    phase = request.args.get("phase", "")
    department = request.args.get("departement", "").strip().upper()
    text = request.args.get("q", "").strip().lower()
    if phase in rules.PHASES:
        rows = [r for r in rows if r.phase == phase]
    if department:
        rows = [r for r in rows if r.department_code == department]
    if text:
        rows = [r for r in rows if text in f"{r.title} {r.constituency_name} {r.code}".lower()]
    return render_template(
        "calls/index.html",
        rows=rows,
        phase=phase,
        department=department,
        text=request.args.get("q", ""),
        phases=rules.PHASES,
    )


@bp.get("/circonscriptions/<code>/appel")
def for_constituency(code: str):
    call = call_services.latest_call(db.session, code.upper())
    if call is None:
        abort(404)
    return redirect(url_for("calls.show", call_id=call.id))


@bp.get("/mon-appel")
def mine():
    """The signed-in resident's call: their constituency's latest one, else its page, else where to declare a home."""
    authorize("account")
    code = current_user.constituency_code
    if code is None:
        flash(_("Déclarez votre lieu de résidence pour trouver l'appel de votre circonscription."), "info")
        return redirect(url_for("accounts.residence_page"))
    call = call_services.latest_call(db.session, code)
    if call is None:
        flash(_("Votre circonscription n'a pas encore d'appel à projets."), "info")
        return redirect(url_for("constituencies.detail", code=code))
    return redirect(url_for("calls.show", call_id=call.id))


@bp.get("/appels/<int:call_id>")
def show(call_id: int):
    call = call_or_404(call_id)
    now = clock.now()
    close_if_due(call, now)
    constituency = db.session.get(Constituency, call.constituency_code)
    return render_template(
        "calls/show.html",
        call=call,
        constituency=constituency,
        phase=call_services.phase_of(call, now),
        proposals=proposal_services.visible_proposals(db.session, call),
        ballot=ballot_of(db.session, call, current_user),
        manages=manages(call),
        moderates=moderates(call),
        ballots=queries.ballot_count(db.session, call),
        schedule_history=call_services.schedule_history(db.session, call),
    )


def _min_voting() -> timedelta:
    return timedelta(days=current_app.config["VOTING_MIN_DAYS"])


def _settings(form: forms.CallForm) -> call_services.CallSettings:
    return call_services.CallSettings(
        year=form.year.data,
        title=form.title.data.strip(),
        description=(form.description.data or "").strip(),
        budget_cents=forms.cents(form.budget.data),
        proposals_open_at=forms.utc(form.proposals_open_at.data),
        review_open_at=forms.utc(form.review_open_at.data),
        voting_open_at=forms.utc(form.voting_open_at.data),
        voting_close_at=forms.utc(form.voting_close_at.data),
        min_projects=form.min_projects.data,
        max_projects=form.max_projects.data,
        knapsack=bool(form.knapsack.data),
        rule=form.rule.data,
        verification_level=form.verification_level.data,
        min_supports=form.min_supports.data or 0,
    )


@bp.route("/circonscriptions/<code>/appel/nouveau", methods=["GET", "POST"])
def create(code: str):
    constituency = db.session.get(Constituency, code.upper())
    if constituency is None:
        abort(404)
    authorize("call.manage", constituency_code=constituency.code)
    form = forms.CallForm()
    if request.method == "GET":
        # A sensible default calendar: proposals from tomorrow, four weeks per phase.
        start = forms.paris(clock.now()).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=1)
        form.year.data = start.year
        form.title.data = _("Budget participatif %(year)s – %(name)s", year=start.year, name=constituency.name)
        form.proposals_open_at.data = start
        form.review_open_at.data = start + timedelta(weeks=4)
        form.voting_open_at.data = start + timedelta(weeks=8)
        form.voting_close_at.data = start + timedelta(weeks=8) + max(timedelta(weeks=4), _min_voting())
    context = {"form": form, "constituency": constituency, "call": None, "min_days": _min_voting().days}
    if not form.validate_on_submit():
        return render_template("calls/form.html", **context), 400 if request.method == "POST" else 200
    try:
        call = call_services.create_call(
            db.session, current_user, clock.now(), constituency.code, _settings(form), min_voting=_min_voting()
        )
    except CallError as error:
        return refused(error, "calls/form.html", **context)
    db.session.commit()
    flash(_("L'appel est créé."), "success")
    return redirect(url_for("calls.show", call_id=call.id))


@bp.route("/appels/<int:call_id>/modifier", methods=["GET", "POST"])
def edit(call_id: int):
    call = call_or_404(call_id)
    authorize("call.manage", constituency_code=call.constituency_code)
    constituency = db.session.get(Constituency, call.constituency_code)
    form = forms.CallForm(obj=call)
    if request.method == "GET":
        form.budget.data = forms.euros(call.budget_cents)
        for name in ("proposals_open_at", "review_open_at", "voting_open_at", "voting_close_at"):
            getattr(form, name).data = forms.paris(getattr(call, name))
    context = {
        "form": form,
        "constituency": constituency,
        "call": call,
        "phase": call_services.phase_of(call, clock.now()),
        "min_days": _min_voting().days,
    }
    if not form.validate_on_submit():
        return render_template("calls/form.html", **context), 400 if request.method == "POST" else 200
    try:
        call_services.update_call(
            db.session, current_user, clock.now(), call, _settings(form), min_voting=_min_voting()
        )
    except CallError as error:
        return refused(error, "calls/form.html", **context)
    db.session.commit()
    flash(_("Les paramètres de l'appel sont enregistrés."), "success")
    return redirect(url_for("calls.show", call_id=call.id))


@bp.get("/appels/<int:call_id>/gestion")
def manage(call_id: int):
    call = call_or_404(call_id)
    authorize("proposal.moderate", constituency_code=call.constituency_code)
    return render_template(
        "calls/manage.html",
        call=call,
        phase=call_services.phase_of(call, clock.now()),
        proposals=proposal_services.visible_proposals(db.session, call, include_hidden=True),
        reports=proposal_services.report_counts(db.session, call),
        supports=proposal_services.support_counts(
            db.session, proposal_services.visible_proposals(db.session, call, include_hidden=True)
        ),
        hide_form=forms.ReasonForm(),
    )
