"""Pages of the campaign account, on the crowdfunding blueprint: the mandataire's account (entries,
attachments, filing, exports), the CNCCFP's decision, and the published account of a candidate."""

from __future__ import annotations

from functools import partial

from flask import Response, abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from participatory import clock
from participatory.accounts.policy import allowed, authorize
from participatory.crowdfunding import forms, queries
from participatory.crowdfunding.errors import CrowdfundingError
from participatory.crowdfunding.models import AccountAttachment, AccountEntry, Candidacy
from participatory.crowdfunding.rules import campaign_account as rules
from participatory.crowdfunding.services import campaign_account as services
from participatory.crowdfunding.services import campaigns
from participatory.crowdfunding.views import bp, campaign_context, get_or_404, pending_ttl, refused, visible_candidacy
from participatory.extensions import db
from participatory.uploads import upload_dir

BASE = "/mandataire/campagnes/<int:candidacy_id>/compte-de-campagne"


def _candidacy(candidacy_id: int, permission: str) -> Candidacy:
    candidacy = get_or_404(Candidacy, candidacy_id)
    authorize(permission, owner_ids=campaigns.agent_ids(candidacy))
    return candidacy


def _back(candidacy: Candidacy):
    return redirect(url_for("crowdfunding.account", candidacy_id=candidacy.id))


def _form_errors(form) -> None:
    for field_name, errors in form.errors.items():
        field = getattr(form, field_name, None)
        name = field.label.text if field is not None else field_name
        for message in errors:
            flash(f"{name} : {message}", "error")


def _ceiling_cents(context: dict) -> int | None:
    """The spending ceiling of a campaign_context, in cents (None: not known)."""
    ceiling = context["ceiling"]
    return ceiling.cents if ceiling else None


def _page(candidacy: Candidacy, receipt_form=None, expense_form=None, status: int = 200):
    view = queries.view_of(db.session, candidacy)
    context = campaign_context(candidacy)
    start, end = services.period(candidacy)
    owner = campaigns.agent_ids(candidacy)
    missing = {e.id for e in services.missing_proofs(view.account)}
    return render_template(
        "crowdfunding/account/manage.html",
        **context,
        view=view,
        period=(start, end),
        missing=missing,
        reversed_ids={e.reverses_id for e in (view.account.entries if view.account else []) if e.reverses_id},
        filing_problems=rules.filing_problems(view.totals, len(missing), view.state),
        over_ceiling_cents=rules.ceiling_excess_cents(view.totals, _ceiling_cents(context)),
        platform=services.platform_donations(db.session, candidacy),
        receipt_form=receipt_form or forms.ReceiptForm(),
        expense_form=expense_form or forms.ExpenseForm(),
        attachment_form=forms.AttachmentForm(),
        confirm_form=forms.ConfirmForm(),
        decision_form=forms.CnccfpDecisionForm(),
        can_edit=allowed(current_user, "campaign.finance", owner_ids=owner),
        can_decide=allowed(current_user, "campaign_account.decide", owner_ids=owner),
        rules=rules,
        category_label=forms.category_label,
        label=forms.label,
    ), status


@bp.get(BASE)
def account(candidacy_id: int):
    return _page(_candidacy(candidacy_id, "ledger.read"))


def _add(candidacy_id: int, kind: str):
    candidacy = _candidacy(candidacy_id, "campaign.finance")
    form = forms.ReceiptForm() if kind == rules.RECEIPT else forms.ExpenseForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return _page(
            candidacy, **({"receipt_form": form} if kind == rules.RECEIPT else {"expense_form": form}), status=400
        )
    donor = None
    if kind == rules.RECEIPT:
        donor = services.Donor(
            first_name=form.donor_first_name.data or "",
            last_name=form.donor_last_name.data or "",
            address=form.donor_address.data or "",
            postal_code=form.donor_postal_code.data or "",
            city=form.donor_city.data or "",
            country=form.donor_country.data or "",
        )
    data = services.EntryInput(
        kind=kind,
        category=form.category.data,
        entry_date=form.entry_date.data,
        amount_cents=form.amount_cents(),
        label=form.label.data,
        origin=form.origin.data if kind == rules.RECEIPT else None,
        counterparty=form.counterparty.data,
        reference=form.reference.data,
        means=(form.means.data or None) if kind == rules.RECEIPT else None,
        donor=donor,
    )
    try:
        services.add_entry(
            db.session,
            current_user,
            clock.now(),
            candidacy,
            data,
            cap_cents=current_app.config["DONATION_CAP_CENTS"],
            pending_ttl=pending_ttl(),
            ceiling_cents=_ceiling_cents(campaign_context(candidacy)),
        )
    except CrowdfundingError as error:
        forms_shown = {"receipt_form": form} if kind == rules.RECEIPT else {"expense_form": form}
        return refused(error, partial(_page, candidacy, **forms_shown, status=error.status))
    db.session.commit()
    flash(_("Opération enregistrée."), "success")
    return _back(candidacy)


@bp.post(BASE + "/recettes")
def account_add_receipt(candidacy_id: int):
    return _add(candidacy_id, rules.RECEIPT)


@bp.post(BASE + "/depenses")
def account_add_expense(candidacy_id: int):
    return _add(candidacy_id, rules.EXPENSE)


def _entry(candidacy: Candidacy, entry_id: int) -> AccountEntry:
    entry = get_or_404(AccountEntry, entry_id)
    if entry.account.candidacy_id != candidacy.id:
        abort(404)
    return entry


@bp.post(BASE + "/operations/<int:entry_id>/supprimer")
def account_delete_entry(candidacy_id: int, entry_id: int):
    candidacy = _candidacy(candidacy_id, "campaign.finance")
    entry = _entry(candidacy, entry_id)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    try:
        names = services.delete_entry(db.session, current_user, clock.now(), candidacy, entry)
    except CrowdfundingError as error:
        return refused(error, _back(candidacy))
    db.session.commit()
    folder = upload_dir() / services.ATTACHMENT_FOLDER
    for name in names:  # after the commit: a rollback must not lose a document still referenced
        (folder / name).unlink(missing_ok=True)
    flash(_("Opération supprimée."), "success")
    return _back(candidacy)


@bp.post(BASE + "/operations/<int:entry_id>/annuler")
def account_reverse_entry(candidacy_id: int, entry_id: int):
    candidacy = _candidacy(candidacy_id, "campaign.finance")
    entry = _entry(candidacy, entry_id)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.reverse_entry(db.session, current_user, clock.now(), candidacy, entry)
    except CrowdfundingError as error:
        return refused(error, _back(candidacy))
    db.session.commit()
    flash(_("Opération annulée par une écriture de correction."), "success")
    return _back(candidacy)


@bp.post(BASE + "/operations/<int:entry_id>/pieces")
def account_attach(candidacy_id: int, entry_id: int):
    candidacy = _candidacy(candidacy_id, "campaign.finance")
    entry = _entry(candidacy, entry_id)
    form = forms.AttachmentForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return _page(candidacy, status=400)
    body = form.document.data.stream.read(rules.MAX_ATTACHMENT_BYTES + 1)
    try:
        services.add_attachment(db.session, current_user, clock.now(), candidacy, entry, body, upload_dir())
    except CrowdfundingError as error:
        return refused(error, partial(_page, candidacy, status=error.status))
    db.session.commit()
    flash(_("Pièce justificative jointe."), "success")
    return _back(candidacy)


@bp.get(BASE + "/pieces/<int:attachment_id>")
def account_attachment(candidacy_id: int, attachment_id: int):
    candidacy = _candidacy(candidacy_id, "ledger.read")
    attachment = get_or_404(AccountAttachment, attachment_id)
    if attachment.entry.account.candidacy_id != candidacy.id:
        abort(404)
    path = services.attachment_path(upload_dir(), attachment)
    if not path.is_file():
        abort(404)
    extension = attachment.stored_name.rsplit(".", 1)[-1]
    response = send_file(
        path,
        mimetype=attachment.mimetype,
        as_attachment=True,
        download_name=f"piece-{attachment.entry_id}-{attachment.id}.{extension}",
    )
    response.cache_control.no_store = True
    response.cache_control.private = True
    return response


@bp.post(BASE + "/depot")
def account_file(candidacy_id: int):
    candidacy = _candidacy(candidacy_id, "campaign.finance")
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.file_account(db.session, current_user, clock.now(), candidacy)
    except CrowdfundingError as error:
        return refused(error, _back(candidacy))
    db.session.commit()
    flash(_("Compte marqué déposé : il est publié et ses opérations sont figées."), "success")
    return _back(candidacy)


@bp.post(BASE + "/decision")
def account_decision(candidacy_id: int):
    candidacy = _candidacy(candidacy_id, "campaign_account.decide")
    form = forms.CnccfpDecisionForm()
    if not form.validate_on_submit():
        _form_errors(form)
        return _page(candidacy, status=400)
    try:
        services.record_decision(
            db.session,
            current_user,
            clock.now(),
            candidacy,
            decision=form.decision.data,
            decision_on=form.decision_on.data,
            refund_cents=form.refund_cents(),
            ceiling_cents=_ceiling_cents(campaign_context(candidacy)),
        )
    except CrowdfundingError as error:
        return refused(error, _back(candidacy))
    db.session.commit()
    flash(_("Décision de la CNCCFP enregistrée."), "success")
    return _back(candidacy)


@bp.get("/mandataire/campagnes/<int:candidacy_id>/compte-de-campagne.csv")
def account_csv(candidacy_id: int):
    candidacy = _candidacy(candidacy_id, "ledger.read")
    body = queries.filing_csv(db.session, queries.view_of(db.session, candidacy))
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="compte-de-campagne-{candidacy.id}.csv"'
    response.cache_control.no_store = True
    return response


@bp.get(BASE + "/impression")
def account_print(candidacy_id: int):
    candidacy = _candidacy(candidacy_id, "ledger.read")
    view = queries.view_of(db.session, candidacy)
    response = Response(
        render_template(
            "crowdfunding/account/print.html",
            **campaign_context(candidacy),
            view=view,
            platform=services.platform_donations(db.session, candidacy),
            rules=rules,
            category_label=forms.category_label,
            label=forms.label,
        )
    )
    response.cache_control.no_store = True
    return response


@bp.get("/candidats/<int:candidacy_id>/compte-de-campagne")
def public_account(candidacy_id: int):
    candidacy = visible_candidacy(candidacy_id)
    view = queries.view_of(db.session, candidacy)
    if not view.published:
        abort(404)  # a draft is never public, not even to its mandataire on this page
    return render_template(
        "crowdfunding/account/public.html",
        candidacy=candidacy,
        view=view,
        data=queries.public_dict(view),
        rules=rules,
        category_label=forms.category_label,
        label=forms.label,
    )
