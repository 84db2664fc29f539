"""The open agenda: a constituency's agenda, an MP's page, organisations across MPs, a meeting and its
history; publishing, correcting and withdrawing (the constituency's MP only)."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from constituencies.models import Constituency
from participatory import clock
from participatory.accounts.policy import authorize
from participatory.extensions import db
from participatory.mandate import forms, queries, rules
from participatory.mandate.errors import Conflict, MandateError
from participatory.mandate.models import Meeting, Organisation
from participatory.mandate.services import agenda as services
from participatory.mandate.views import bp, get_or_404, page_number
from participatory.pages import refused


def _constituency_or_404(code: str) -> Constituency:
    constituency = db.session.get(Constituency, code.upper())
    if constituency is None:
        abort(404)
    return constituency


@bp.get("/circonscriptions/<code>/agenda")
def agenda(code: str):
    constituency = _constituency_or_404(code)
    page = queries.paginate(db.session, queries.meetings_query(constituency_code=constituency.code), page_number())
    return render_template(
        "mandate/agenda.html",
        constituency=constituency,
        page=page,
        mps=queries.mps_of(db.session, constituency.code),
        consultations=queries.consultations_of(db.session, constituency.code),
    )


@bp.get("/deputes/<int:mp_id>")
def mp_page(mp_id: int):
    page = queries.paginate(db.session, queries.meetings_query(mp_id=mp_id), page_number())
    first = db.session.scalar(queries.meetings_query(mp_id=mp_id).limit(1))
    if first is None:
        abort(404)
    return render_template(
        "mandate/mp.html",
        mp_id=mp_id,
        mp_name=first.mp_name,
        constituency=db.session.get(Constituency, first.constituency_code),
        page=page,
    )


@bp.get("/organisations")
def organisations():
    text = request.args.get("q", "")[:200]
    return render_template(
        "mandate/organisations.html", page=queries.organisations_page(db.session, page_number(), text), text=text
    )


@bp.get("/organisations/<int:organisation_id>")
def organisation(organisation_id: int):
    item = get_or_404(Organisation, organisation_id)
    page = queries.paginate(db.session, queries.meetings_query(organisation_id=item.id), page_number())
    return render_template("mandate/organisation.html", organisation=item, page=page)


@bp.get("/agenda/rendez-vous/<int:meeting_id>")
def meeting(meeting_id: int):
    item = get_or_404(Meeting, meeting_id)
    return render_template(
        "mandate/meeting.html",
        meeting=item,
        constituency=db.session.get(Constituency, item.constituency_code),
        withdraw_form=forms.ReasonForm(),
    )


def _input(form: forms.MeetingForm) -> services.MeetingInput:
    return services.MeetingInput(
        starts_at=forms.utc(form.starts_at.data),
        duration_minutes=form.duration_minutes.data,
        subject=form.subject.data.strip(),
        organisations=rules.parse_organisations(form.organisations.data or ""),
        roles=rules.split_lines(form.roles.data or ""),
        bill=(form.bill.data or "").strip(),
        note=(form.note.data or "").strip(),
    )


@bp.route("/circonscriptions/<code>/agenda/nouveau", methods=["GET", "POST"])
def publish(code: str):
    constituency = _constituency_or_404(code)
    authorize("agenda.publish", constituency_code=constituency.code)
    form = forms.MeetingForm()
    context = {"form": form, "constituency": constituency, "meeting": None}
    if not form.validate_on_submit():
        return render_template("mandate/meeting_form.html", **context), 400 if request.method == "POST" else 200
    try:
        item = services.publish_meeting(db.session, current_user, clock.now(), constituency.code, _input(form))
    except MandateError as error:
        return refused(error, "mandate/meeting_form.html", **context)
    db.session.commit()
    return redirect(url_for("mandate.meeting", meeting_id=item.id))


def _organisation_lines(item: Meeting) -> str:
    return "\n".join(f"{o.name} ; {o.hatvp_id}" if o.hatvp_id else o.name for o in item.organisations)


@bp.route("/agenda/rendez-vous/<int:meeting_id>/corriger", methods=["GET", "POST"])
def correct(meeting_id: int):
    item = get_or_404(Meeting, meeting_id)
    authorize("agenda.publish", constituency_code=item.constituency_code)
    form = forms.CorrectionForm()
    if request.method == "GET":
        form.starts_at.data = forms.paris(item.starts_at)
        form.duration_minutes.data = item.duration_minutes
        form.subject.data = item.subject
        form.organisations.data = _organisation_lines(item)
        form.roles.data = item.people_roles
        form.bill.data = item.bill
        form.note.data = item.note
    context = {
        "form": form,
        "constituency": db.session.get(Constituency, item.constituency_code),
        "meeting": item,
    }
    if item.withdrawn_at is not None:
        return refused(Conflict("withdrawn"), "mandate/meeting_form.html", **context)
    if not form.validate_on_submit():
        return render_template("mandate/meeting_form.html", **context), 400 if request.method == "POST" else 200
    try:
        services.correct_meeting(db.session, current_user, clock.now(), item, _input(form), form.reason.data)
    except MandateError as error:
        return refused(error, "mandate/meeting_form.html", **context)
    db.session.commit()
    return redirect(url_for("mandate.meeting", meeting_id=item.id))


@bp.post("/agenda/rendez-vous/<int:meeting_id>/retirer")
def withdraw(meeting_id: int):
    item = get_or_404(Meeting, meeting_id)
    authorize("agenda.publish", constituency_code=item.constituency_code)
    form = forms.ReasonForm()
    context = {
        "meeting": item,
        "constituency": db.session.get(Constituency, item.constituency_code),
        "withdraw_form": form,
    }
    if not form.validate_on_submit():
        return render_template("mandate/meeting.html", **context), 400
    try:
        services.withdraw_meeting(db.session, current_user, clock.now(), item, form.reason.data)
    except MandateError as error:
        return refused(error, "mandate/meeting.html", **context)
    db.session.commit()
    return redirect(url_for("mandate.meeting", meeting_id=item.id))
