"""Consultations on bills: the list and page (articles, paragraphs, comments, amendments, written
contributions), opening one (MP or admin), contributions, comments and their moderation, amendments,
supports, the MP team's answers and rewordings."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from constituencies.models import Constituency
from participatory import clock
from participatory.accounts.policy import allowed, authorize
from participatory.extensions import db
from participatory.mandate import forms, queries, rules
from participatory.mandate.errors import MandateError
from participatory.mandate.models import Amendment, BillComment, Consultation, Paragraph, WrittenContribution
from participatory.mandate.services import amendments as services
from participatory.mandate.services import consultations as consultation_services
from participatory.mandate.views import bp, get_or_404
from participatory.pages import refused
from participatory.uploads import upload_dir


def manages(consultation: Consultation) -> bool:
    return allowed(current_user, "consultation.manage", consultation.constituency_code)


@bp.get("/circonscriptions/<code>/consultations")
def consultations(code: str):
    constituency = db.session.get(Constituency, code.upper())
    if constituency is None:
        abort(404)
    return render_template(
        "mandate/consultations.html",
        constituency=constituency,
        consultations=queries.consultations_of(db.session, constituency.code),
        now=clock.now(),
    )


@bp.route("/circonscriptions/<code>/consultations/nouvelle", methods=["GET", "POST"])
def open_consultation(code: str):
    constituency = db.session.get(Constituency, code.upper())
    if constituency is None:
        abort(404)
    authorize("consultation.manage", constituency_code=constituency.code)
    form = forms.ConsultationForm()
    context = {"form": form, "constituency": constituency}
    if not form.validate_on_submit():
        return render_template("mandate/consultation_form.html", **context), 400 if request.method == "POST" else 200
    data = consultation_services.ConsultationInput(
        title=form.title.data.strip(),
        assemblee_ref=(form.assemblee_ref.data or "").strip(),
        text=form.text.data,
        opens_at=forms.utc(form.opens_at.data),
        closes_at=forms.utc(form.closes_at.data),
    )
    try:
        item = consultation_services.open_consultation(db.session, current_user, clock.now(), constituency.code, data)
    except MandateError as error:
        return refused(error, "mandate/consultation_form.html", **context)
    db.session.commit()
    return redirect(url_for("mandate.consultation", consultation_id=item.id))


def _page_context(consultation: Consultation, **extra) -> dict:
    now = clock.now()
    amendments = queries.amendments_of(db.session, consultation)
    by_paragraph: dict[int, list[Amendment]] = {}
    for amendment in amendments:
        by_paragraph.setdefault(amendment.paragraph_id, []).append(amendment)
    managing = manages(consultation)
    return {
        "consultation": consultation,
        "constituency": db.session.get(Constituency, consultation.constituency_code),
        "is_open": rules.is_open(consultation.opens_at, consultation.closes_at, now),
        "amendments": amendments,
        "by_paragraph": by_paragraph,
        "supports": queries.support_counts(db.session, consultation.id),
        "manages": managing,
        "reports": services.report_counts(db.session, consultation) if managing else {},
        "comment_form": forms.CommentForm(author_name=getattr(current_user, "display_name", "")),
        "action_form": forms.ActionForm(),
        "hide_form": forms.ReasonForm(),
        **extra,
    }


@bp.get("/consultations/<int:consultation_id>")
def consultation(consultation_id: int):
    return render_template("mandate/consultation.html", **_page_context(get_or_404(Consultation, consultation_id)))


@bp.route("/consultations/<int:consultation_id>/contributions/nouvelle", methods=["GET", "POST"])
def add_contribution(consultation_id: int):
    item = get_or_404(Consultation, consultation_id)
    authorize("consultation.manage", constituency_code=item.constituency_code)
    form = forms.ContributionForm()
    context = {"form": form, "consultation": item}
    if not form.validate_on_submit():
        return render_template("mandate/contribution_form.html", **context), 400 if request.method == "POST" else 200
    upload = form.document.data
    body = upload.stream.read(consultation_services.MAX_FILE_BYTES + 1) if upload and upload.filename else None
    organisation = rules.OrganisationInput(
        " ".join(form.organisation.data.split()), rules.clean_identifier(form.identifier.data or "")
    )
    try:
        consultation_services.add_contribution(
            db.session, current_user, clock.now(), item, organisation, form.summary.data, body, upload_dir()
        )
    except MandateError as error:
        return refused(error, "mandate/contribution_form.html", **context)
    db.session.commit()
    return redirect(url_for("mandate.consultation", consultation_id=item.id) + "#contributions")


@bp.get("/contributions/<int:contribution_id>/fichier")
def contribution_file(contribution_id: int):
    item = get_or_404(WrittenContribution, contribution_id)
    path = consultation_services.contribution_path(upload_dir(), item)
    if path is None or not path.is_file():
        abort(404)
    return send_file(path, mimetype="application/pdf", as_attachment=True, download_name=f"contribution-{item.id}.pdf")


@bp.post("/alineas/<int:paragraph_id>/commentaires")
def comment(paragraph_id: int):
    paragraph = get_or_404(Paragraph, paragraph_id)
    authorize("account")
    consultation = paragraph.article.consultation
    form = forms.CommentForm()
    if not form.validate_on_submit():
        return render_template("mandate/consultation.html", **_page_context(consultation, comment_form=form)), 400
    try:
        item = services.post_comment(
            db.session, current_user, clock.now(), paragraph, form.author_name.data, form.body.data
        )
    except MandateError as error:
        return refused(error, "mandate/consultation.html", **_page_context(consultation))
    db.session.commit()
    return redirect(url_for("mandate.consultation", consultation_id=consultation.id) + f"#commentaire-{item.id}")


@bp.post("/consultations/commentaires/<int:comment_id>/signaler")
def report_comment(comment_id: int):
    item = get_or_404(BillComment, comment_id)
    authorize("account")
    consultation = item.paragraph.article.consultation
    try:
        services.report_comment(db.session, current_user, clock.now(), item)
    except MandateError as error:
        return refused(error, "mandate/consultation.html", **_page_context(consultation))
    db.session.commit()
    return redirect(url_for("mandate.consultation", consultation_id=consultation.id) + f"#commentaire-{item.id}")


@bp.post("/consultations/commentaires/<int:comment_id>/masquer")
def hide_comment(comment_id: int):
    item = get_or_404(BillComment, comment_id)
    consultation = item.paragraph.article.consultation
    authorize("consultation.manage", constituency_code=consultation.constituency_code)
    form = forms.ReasonForm()
    if not form.validate_on_submit():
        return render_template("mandate/consultation.html", **_page_context(consultation, hide_form=form)), 400
    try:
        services.hide_comment(db.session, current_user, clock.now(), item, form.reason.data)
    except MandateError as error:
        return refused(error, "mandate/consultation.html", **_page_context(consultation))
    db.session.commit()
    return redirect(url_for("mandate.consultation", consultation_id=consultation.id) + f"#commentaire-{item.id}")


@bp.route("/alineas/<int:paragraph_id>/amendement", methods=["GET", "POST"])
def propose(paragraph_id: int):
    paragraph = get_or_404(Paragraph, paragraph_id)
    authorize("account")
    consultation = paragraph.article.consultation
    form = forms.AmendmentForm()
    if request.method == "GET":
        form.author_name.data = current_user.display_name
        form.dispositif.data = paragraph.text
    context = {
        "form": form,
        "paragraph": paragraph,
        "consultation": consultation,
        "is_open": rules.is_open(consultation.opens_at, consultation.closes_at, clock.now()),
    }
    if not form.validate_on_submit():
        return render_template("mandate/amendment_form.html", **context), 400 if request.method == "POST" else 200
    try:
        item = services.propose_amendment(
            db.session,
            current_user,
            clock.now(),
            paragraph,
            form.author_name.data,
            form.dispositif.data,
            form.expose.data,
        )
    except MandateError as error:
        return refused(error, "mandate/amendment_form.html", **context)
    db.session.commit()
    return redirect(url_for("mandate.amendment", amendment_id=item.id))


def _amendment_context(item: Amendment, **extra) -> dict:
    consultation = db.session.get_one(Consultation, item.consultation_id)
    merged_into = db.session.get(Amendment, item.merged_into_id) if item.merged_into_id else None
    answer = forms.AnswerForm(status=item.status, reason=item.status_reason)
    reword = forms.RewordForm(dispositif=item.dispositif, expose=item.expose)
    return {
        "amendment": item,
        "consultation": consultation,
        "merged_into": merged_into,
        "diff": rules.word_diff_html(item.paragraph.text, item.dispositif),
        "version_diffs": [rules.word_diff_html(item.paragraph.text, v.dispositif) for v in item.versions],
        "supports": queries.supports_of(db.session, item),
        "is_open": rules.is_open(consultation.opens_at, consultation.closes_at, clock.now()),
        "manages": manages(consultation),
        "action_form": forms.ActionForm(),
        "answer_form": answer,
        "reword_form": reword,
        **extra,
    }


@bp.get("/amendements/<int:amendment_id>")
def amendment(amendment_id: int):
    return render_template("mandate/amendment.html", **_amendment_context(get_or_404(Amendment, amendment_id)))


@bp.post("/amendements/<int:amendment_id>/soutenir")
def support(amendment_id: int):
    item = get_or_404(Amendment, amendment_id)
    authorize("account")
    try:
        services.support_amendment(db.session, current_user, clock.now(), item)
    except MandateError as error:
        return refused(error, "mandate/amendment.html", **_amendment_context(item))
    db.session.commit()
    return redirect(url_for("mandate.amendment", amendment_id=item.id))


@bp.post("/amendements/<int:amendment_id>/reponse")
def answer(amendment_id: int):
    def act(item: Amendment, form) -> None:
        reason = form.reason.data or ""
        services.answer_amendment(
            db.session, current_user, clock.now(), item, form.status.data, reason, form.merged_into.data
        )

    return _team_acts(amendment_id, forms.AnswerForm, "answer_form", act)


@bp.post("/amendements/<int:amendment_id>/version")
def reword(amendment_id: int):
    def act(item: Amendment, form) -> None:
        texts = (form.dispositif.data, form.expose.data or "", form.note.data or "")
        services.reword_amendment(db.session, current_user, clock.now(), item, *texts)

    return _team_acts(amendment_id, forms.RewordForm, "reword_form", act, "#versions")


def _team_acts(amendment_id: int, form_class, form_name: str, act, anchor: str = ""):
    """The MP's team acts on an amendment (answer, new wording): the amendment's page again on a refusal."""
    item = get_or_404(Amendment, amendment_id)
    consultation = db.session.get_one(Consultation, item.consultation_id)
    authorize("consultation.manage", constituency_code=consultation.constituency_code)
    form = form_class()
    if not form.validate_on_submit():
        return render_template("mandate/amendment.html", **_amendment_context(item, **{form_name: form})), 400
    try:
        act(item, form)
    except MandateError as error:
        return refused(error, "mandate/amendment.html", **_amendment_context(item, **{form_name: form}))
    db.session.commit()
    return redirect(url_for("mandate.amendment", amendment_id=item.id) + anchor)
