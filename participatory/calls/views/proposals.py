"""Proposals: submit, read, edit, withdraw, report, hide, review, and the implementation timeline."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from constituencies.models import Constituency
from participatory import clock, outbox
from participatory.accounts.models import User
from participatory.accounts.policy import authorize
from participatory.calls import forms, images, queries, rules
from participatory.calls.errors import CallError, Forbidden
from participatory.calls.jobs import close_if_due
from participatory.calls.mail import review_notice
from participatory.calls.models import ProposalReport
from participatory.calls.services import implementation as implementation_services
from participatory.calls.services import proposals as services
from participatory.calls.services.calls import phase_of
from participatory.calls.views import (
    bp,
    call_or_404,
    manages,
    moderates,
    proposal_or_404,
    refused,
)
from participatory.extensions import db
from participatory.uploads import upload_dir


def _input(form: forms.ProposalForm) -> services.ProposalInput:
    return services.ProposalInput(
        title=form.title.data.strip(),
        summary=form.summary.data.strip(),
        description=form.description.data.strip(),
        category=form.category.data,
        estimated_cost_cents=forms.cents(form.estimated_cost.data),
        lat=form.lat.data,
        lon=form.lon.data,
    )


def _image(form: forms.ProposalForm) -> images.CleanImage | None:
    """The uploaded image, re-encoded; None when there is none. Adds a form error when it is refused."""
    upload = form.image.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    raw = upload.read(images.MAX_BYTES + 1)
    try:
        return images.reencode(raw)
    except images.ImageError as error:
        messages = {
            "too_large": _("L'image dépasse 5 Mo."),
            "too_many_pixels": _("L'image a trop de pixels : 24 mégapixels au plus pour un JPEG, 12 pour un PNG."),
            "not_an_image": _("Le fichier n'est pas une image lisible."),
            "bad_format": _("Seules les images JPEG et PNG sont acceptées."),
        }
        form.image.errors = [messages[str(error)]]
        raise


def _form_context(call, form, proposal=None) -> dict:
    constituency = db.session.get(Constituency, call.constituency_code)
    return {"call": call, "form": form, "proposal": proposal, "constituency": constituency}


@bp.route("/appels/<int:call_id>/proposer", methods=["GET", "POST"])
def propose(call_id: int):
    call = call_or_404(call_id)
    authorize("account")
    form = forms.ProposalForm()
    context = _form_context(call, form)
    refusal = rules.proposal_refusal(
        phase_of(call, clock.now()),
        call.constituency_code,
        current_user.constituency_code,
        current_user.meets_verification(services.RESIDENCE),
    )
    if refusal:
        return refused(Forbidden(refusal), "calls/refused.html", call=call, refusal=refusal)
    if not form.validate_on_submit():
        return render_template("calls/proposal_form.html", **context), 400 if request.method == "POST" else 200
    try:
        image = _image(form)
    except images.ImageError:
        return render_template("calls/proposal_form.html", **context), 400
    try:
        proposal = services.submit(
            db.session,
            current_user,
            clock.now(),
            call,
            _input(form),
            max_per_author=current_app.config["PROPOSALS_PER_AUTHOR"],
        )
    except CallError as error:
        return refused(error, "calls/proposal_form.html", **context)
    if image is not None:
        proposal.image_name = images.store(upload_dir(), image)
    db.session.commit()
    flash(_("Votre projet est déposé."), "success")
    return redirect(url_for("calls.proposal", proposal_id=proposal.id))


@bp.get("/propositions/<int:proposal_id>")
def proposal(proposal_id: int):
    item = proposal_or_404(proposal_id)
    call = item.call
    now = clock.now()
    close_if_due(call, now)
    result = call.result
    line = next((p for p in result.projects if p["proposal_id"] == item.id), None) if result else None
    reported = (
        current_user.is_authenticated
        and db.session.scalar(
            select(ProposalReport.id).where(
                ProposalReport.proposal_id == item.id, ProposalReport.reporter_id == current_user.id
            )
        )
        is not None
    )
    return render_template(
        "calls/proposal.html",
        proposal=item,
        call=call,
        phase=phase_of(call, now),
        result_line=line,
        is_author=current_user.is_authenticated and item.author_id == current_user.id,
        manages=manages(call),
        moderates=moderates(call),
        reported=reported,
        winner=bool(result and item.id in result.selected),
        report_form=forms.ReasonForm(prefix="report"),
        hide_form=forms.ReasonForm(prefix="hide"),
        action_form=forms.ActionForm(),
    )


@bp.get("/propositions/<int:proposal_id>/image")
def proposal_image(proposal_id: int):
    item = proposal_or_404(proposal_id)
    if not item.image_name or not images.valid_name(item.image_name):
        abort(404)
    if item.hidden_during_call and not moderates(item.call):
        abort(404)
    response = send_from_directory(upload_dir(), item.image_name, max_age=3600)
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.route("/propositions/<int:proposal_id>/modifier", methods=["GET", "POST"])
def edit_proposal(proposal_id: int):
    item = proposal_or_404(proposal_id)
    authorize("proposal.author", owner_ids=(item.author_id,) if item.author_id else ())
    form = forms.ProposalForm(obj=item)
    if request.method == "GET":
        form.estimated_cost.data = forms.euros(item.estimated_cost_cents)
    context = _form_context(item.call, form, item)
    if not form.validate_on_submit():
        return render_template("calls/proposal_form.html", **context), 400 if request.method == "POST" else 200
    try:
        image = _image(form)
    except images.ImageError:
        return render_template("calls/proposal_form.html", **context), 400
    try:
        services.edit(db.session, current_user, clock.now(), item, _input(form))
    except CallError as error:
        return refused(error, "calls/proposal_form.html", **context)
    if image is not None:
        item.image_name = images.store(upload_dir(), image)
    db.session.commit()
    flash(_("Votre projet est modifié."), "success")
    return redirect(url_for("calls.proposal", proposal_id=item.id))


def _back(item):
    return redirect(url_for("calls.proposal", proposal_id=item.id))


def _act_and_back(item, action, done: str):
    """Run one service action on a proposal: commit and flash `done`, or roll back and flash why not."""
    try:
        action()
    except CallError as error:
        return refused(error, _back(item))
    db.session.commit()
    flash(done, "success")
    return _back(item)


@bp.post("/propositions/<int:proposal_id>/retirer")
def withdraw_proposal(proposal_id: int):
    item = proposal_or_404(proposal_id)
    authorize("proposal.author", owner_ids=(item.author_id,) if item.author_id else ())
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    return _act_and_back(
        item, lambda: services.withdraw(db.session, current_user, clock.now(), item), _("Votre projet est retiré.")
    )


@bp.post("/propositions/<int:proposal_id>/signaler")
def report_proposal(proposal_id: int):
    item = proposal_or_404(proposal_id)
    authorize("account")
    form = forms.ReasonForm(prefix="report")
    if not form.validate_on_submit():
        flash(_("Indiquez le motif du signalement."), "error")
        return _back(item)
    return _act_and_back(
        item,
        lambda: services.report(db.session, current_user, clock.now(), item, form.reason.data),
        _("Merci : le signalement est transmis à la modération."),
    )


@bp.post("/propositions/<int:proposal_id>/masquer")
def hide_proposal(proposal_id: int):
    item = proposal_or_404(proposal_id)
    authorize("proposal.moderate", constituency_code=item.call.constituency_code)
    form = forms.ReasonForm(prefix="hide")
    if not form.validate_on_submit():
        flash(str(CallError("reason_required").message), "error")
        return _back(item)
    services.hide(db.session, current_user, clock.now(), item, form.reason.data)
    db.session.commit()
    if item.moderation_note is not None:
        flash(_("La note de modération est publiée à côté du projet ; le projet reste compté."), "success")
    else:
        flash(_("Le projet est masqué ; le motif est publié."), "success")
    return _back(item)


@bp.route("/propositions/<int:proposal_id>/examen", methods=["GET", "POST"])
def review_proposal(proposal_id: int):
    item = proposal_or_404(proposal_id)
    authorize("proposal.moderate", constituency_code=item.call.constituency_code)
    form = forms.ReviewForm(obj=item if request.method == "GET" else None)
    if request.method == "GET":
        form.decision.data = item.feasibility
        form.final_cost.data = forms.euros(
            item.final_cost_cents if item.final_cost_cents is not None else item.estimated_cost_cents
        )
        form.reason.data = item.review_reason
    context = {"proposal": item, "call": item.call, "form": form}
    if not form.validate_on_submit():
        return render_template("calls/review.html", **context), 400 if request.method == "POST" else 200
    try:
        services.review(
            db.session,
            current_user,
            clock.now(),
            item,
            form.decision.data,
            forms.cents(form.final_cost.data),
            form.reason.data or "",
        )
    except CallError as error:
        return refused(error, "calls/review.html", **context)
    author = db.session.get(User, item.author_id) if item.author_id else None
    if author is not None and author.email and author.deleted_at is None:
        outbox.add(db.session, review_notice(author.email, item), clock.now())  # committed with the decision
    db.session.commit()
    outbox.dispatch()
    flash(_("L'examen est enregistré ; l'auteur est prévenu par courriel."), "success")
    return redirect(url_for("calls.manage", call_id=item.call_id))


@bp.route("/propositions/<int:proposal_id>/suivi", methods=["GET", "POST"])
def implementation(proposal_id: int):
    item = proposal_or_404(proposal_id)
    authorize("call.manage", constituency_code=item.call.constituency_code)
    form = forms.ImplementationForm()
    if request.method == "GET":
        form.happened_on.data = forms.paris(clock.now()).date()
    context = {"proposal": item, "call": item.call, "form": form}
    if not form.validate_on_submit():
        return render_template("calls/implementation.html", **context), 400 if request.method == "POST" else 200
    try:
        implementation_services.post_update(
            db.session, current_user, clock.now(), item, form.status.data, form.note.data or "", form.happened_on.data
        )
    except CallError as error:
        return refused(error, "calls/implementation.html", **context)
    db.session.commit()
    outbox.dispatch()  # followers told at once (discussion)
    flash(_("La mise à jour est publiée."), "success")
    return _back(item)


@bp.get("/appels/<int:call_id>/projets")
def browse(call_id: int):
    """The call's proposals as a list: filters (category, status), sorting, thumbnails, pages, a map."""
    call = call_or_404(call_id)
    query, bad = rules.browse_query(request.args)
    listing = queries.browse(db.session, call, query)
    markers = [
        {"id": p.id, "title": p.title, "lat": p.lat, "lon": p.lon, "url": url_for("calls.proposal", proposal_id=p.id)}
        for p in listing.proposals
        if p.lat is not None and p.lon is not None and not p.hidden_during_call
    ]
    return render_template(
        "calls/browse.html",
        call=call,
        phase=phase_of(call, clock.now()),
        query=query,
        listing=listing,
        bad=bad,
        markers=markers,
        statuses=rules.BROWSE_STATUSES,
        sorts=rules.BROWSE_SORTS,
    ), (400 if bad else 200)
