"""Management pages: elections and applications (admin), applying (candidate), the mandataire's dashboard."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from participatory import clock
from participatory.accounts.policy import allowed, authorize
from participatory.accounts.ratelimits import account_lookup_limit
from participatory.accounts.rules import utc
from participatory.crowdfunding import forms, legal, rules
from participatory.crowdfunding.errors import CrowdfundingError
from participatory.crowdfunding.models import Candidacy, Donation, Election
from participatory.crowdfunding.services import campaigns, connect, ledger
from participatory.crowdfunding.views import bp, campaign_context, gateway, get_or_404, refused
from participatory.extensions import db
from participatory.forms import Form


def _paris_to_utc(value: datetime | None) -> datetime | None:
    """Form datetimes are wall-clock Paris time; stored in UTC."""
    return value.replace(tzinfo=rules.PARIS).astimezone(UTC) if value else None


def _utc_to_paris(value: datetime | None) -> datetime | None:
    return utc(value).astimezone(rules.PARIS).replace(tzinfo=None) if value else None


# --- Elections (admin) ---------------------------------------------------------------------


@bp.route("/elections/nouvelle", methods=["GET", "POST"])
def new_election():
    authorize("admin")
    form = forms.ElectionForm()
    if not form.validate_on_submit():
        return render_template("crowdfunding/election_form.html", form=form), (400 if form.is_submitted() else 200)
    try:
        item = campaigns.create_election(
            db.session,
            current_user,
            clock.now(),
            name=form.name.data,
            first_round=form.first_round.data,
            second_round=form.second_round.data,
            opens_at=_paris_to_utc(form.opens_at.data),
            closes_at=_paris_to_utc(form.closes_at.data),
        )
    except CrowdfundingError as error:
        return refused(error, "crowdfunding/election_form.html", form=form)
    db.session.commit()
    flash(_("Élection créée."), "success")
    return redirect(url_for("crowdfunding.election", election_id=item.id))


@bp.route("/elections/<int:election_id>/modifier", methods=["GET", "POST"])
def edit_election(election_id: int):
    authorize("admin")
    item = get_or_404(Election, election_id)
    form = forms.ElectionForm(obj=None if request.method == "POST" else item)
    if request.method == "GET":
        form.opens_at.data = _utc_to_paris(item.collection_opens_at)
        form.closes_at.data = _utc_to_paris(item.collection_closes_at)
    if not form.validate_on_submit():
        return render_template("crowdfunding/election_form.html", form=form, election=item), (
            400 if form.is_submitted() else 200
        )
    try:
        campaigns.update_election(
            db.session,
            current_user,
            clock.now(),
            item,
            name=form.name.data,
            first_round=form.first_round.data,
            second_round=form.second_round.data,
            opens_at=_paris_to_utc(form.opens_at.data),
            closes_at=_paris_to_utc(form.closes_at.data),
        )
    except CrowdfundingError as error:
        return refused(error, "crowdfunding/election_form.html", form=form, election=item)
    db.session.commit()
    flash(_("Élection modifiée."), "success")
    return redirect(url_for("crowdfunding.election", election_id=item.id))


# --- Applying (any signed-in user) and deciding (admin) ---------------------------------------


@bp.route("/elections/<int:election_id>/candidater", methods=["GET", "POST"])
@account_lookup_limit  # it names another person's account: per account, few an hour
def apply(election_id: int):
    authorize("campaign.apply")
    item = get_or_404(Election, election_id)
    form = forms.ApplicationForm()
    if not form.validate_on_submit():
        return render_template("crowdfunding/apply.html", form=form, election=item), (
            400 if form.is_submitted() else 200
        )
    try:
        candidacy = campaigns.apply(
            db.session,
            current_user,
            clock.now(),
            election=item,
            constituency_code=form.constituency_code.data.upper(),
            candidate_name=form.candidate_name.data,
            party_label=form.party_label.data,
            agent_kind=form.agent_kind.data,
            agent_name=form.agent_name.data,
            agent_designated_on=form.agent_designated_on.data,
            agent_email=form.agent_email.data,
        )
    except CrowdfundingError as error:
        return refused(error, "crowdfunding/apply.html", form=form, election=item)
    db.session.commit()
    flash(_("Candidature envoyée : un administrateur va l'examiner."), "success")
    return redirect(url_for("crowdfunding.campaign", candidacy_id=candidacy.id))


@bp.get("/admin/candidatures")
def applications():
    authorize("admin")
    items = db.session.scalars(
        select(Candidacy).order_by(Candidacy.status != rules.APPLIED, Candidacy.created_at.desc())
    ).all()
    return render_template("crowdfunding/applications.html", items=items, form=forms.DecisionForm())


@bp.post("/admin/candidatures/<int:candidacy_id>/decision")
def decide(candidacy_id: int):
    authorize("admin")
    candidacy = get_or_404(Candidacy, candidacy_id)
    form = forms.DecisionForm()
    if not form.validate_on_submit():
        flash(_("Décision inconnue."), "error")
        return redirect(url_for("crowdfunding.applications"))
    try:
        campaigns.decide(db.session, current_user, clock.now(), candidacy, approve=form.decision.data == "approve")
    except CrowdfundingError as error:
        return refused(error, redirect(url_for("crowdfunding.applications")))
    db.session.commit()
    flash(_("Décision enregistrée."), "success")
    return redirect(url_for("crowdfunding.applications"))


# --- Legal texts (admin) ----------------------------------------------------------------------


@bp.get("/admin/textes-legaux")
def legal_texts():
    authorize("admin")
    texts = {key: campaigns.legal_text(db.session, key) for key in legal.DEFAULTS}
    return render_template(
        "crowdfunding/legal_texts.html", texts=texts, titles=legal.TITLES, legifrance=legal.LEGIFRANCE
    )


@bp.route("/admin/textes-legaux/<key>", methods=["GET", "POST"])
def edit_legal_text(key: str):
    authorize("admin")
    if key not in legal.DEFAULTS:
        abort(404)
    form = forms.LegalTextForm(body=campaigns.legal_text(db.session, key) if request.method == "GET" else None)
    context = {"form": form, "key": key, "title": legal.TITLES[key], "legifrance": legal.LEGIFRANCE}
    if not form.validate_on_submit():
        return render_template("crowdfunding/legal_text_form.html", **context), (400 if form.is_submitted() else 200)
    try:
        campaigns.set_legal_text(db.session, current_user, clock.now(), key, form.body.data)
    except CrowdfundingError as error:
        return refused(error, "crowdfunding/legal_text_form.html", **context)
    db.session.commit()
    flash(_("Texte enregistré."), "success")
    return redirect(url_for("crowdfunding.legal_texts"))


# --- The mandataire's dashboard -----------------------------------------------------------------


@bp.get("/mandataire")
def my_campaigns():
    authorize("campaign.apply")
    items = db.session.scalars(
        select(Candidacy)
        .where(or_(Candidacy.user_id == current_user.id, Candidacy.agent_user_id == current_user.id))
        .order_by(Candidacy.created_at.desc())
    ).all()
    return render_template(
        "crowdfunding/my_campaigns.html",
        items=items,
        can_read={c.id: allowed(current_user, "ledger.read", owner_ids=campaigns.agent_ids(c)) for c in items},
    )


def _ledger_candidacy(candidacy_id: int) -> Candidacy:
    candidacy = get_or_404(Candidacy, candidacy_id)
    authorize("ledger.read", owner_ids=campaigns.agent_ids(candidacy))
    return candidacy


def _cents_arg(name: str) -> int | None:
    raw = request.args.get(name, "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        abort(400, description=_("Montant invalide."))
    if not value.is_finite() or value < 0 or value > 10_000_000:
        abort(400, description=_("Montant invalide."))
    return int(value * 100)


def _date_arg(name: str):
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return datetime.strptime(raw, "%Y-%m-%d").date()
    except ValueError:
        abort(400, description=_("Date invalide (AAAA-MM-JJ)."))


def _filters() -> ledger.Filters:
    status = request.args.get("status") or None
    if status is not None and status not in rules.DONATION_STATES:
        abort(400, description=_("Statut inconnu."))
    return ledger.Filters(
        status=status,
        since=_date_arg("since"),
        until=_date_arg("until"),
        min_cents=_cents_arg("min"),
        max_cents=_cents_arg("max"),
        over_cap_only=request.args.get("over_cap") == "1",
    )


@bp.get("/mandataire/campagnes/<int:candidacy_id>")
def dashboard(candidacy_id: int):
    candidacy = _ledger_candidacy(candidacy_id)
    filters = _filters()
    return render_template(
        "crowdfunding/dashboard.html",
        **campaign_context(candidacy),
        filters=filters,
        donations=ledger.donations(db.session, candidacy, filters),
        totals=ledger.totals(db.session, candidacy),
        states=rules.DONATION_STATES,
        refund_form=forms.RefundForm(),
        connect_form=Form(),
        account_state=connect.state_of(candidacy),
        can_finance=allowed(current_user, "campaign.finance", owner_ids=campaigns.agent_ids(candidacy)),
    )


@bp.get("/mandataire/campagnes/<int:candidacy_id>/registre.csv")
def ledger_export(candidacy_id: int):
    candidacy = _ledger_candidacy(candidacy_id)
    body = ledger.ledger_csv(candidacy, ledger.donations(db.session, candidacy, _filters()))
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="registre-dons-{candidacy.id}.csv"'
    response.cache_control.no_store = True
    return response


@bp.get("/mandataire/campagnes/<int:candidacy_id>/rapprochement")
def reconciliation(candidacy_id: int):
    candidacy = _ledger_candidacy(candidacy_id)
    payments, report, problem = gateway(), None, None
    if payments is None or not candidacy.stripe_account_id:
        problem = _("Aucun compte de paiement relié, ou paiements non configurés : rien à rapprocher.")
    else:
        try:
            report = ledger.reconcile(db.session, payments, candidacy)
        except CrowdfundingError as error:
            problem = error.message
    return render_template("crowdfunding/reconciliation.html", candidacy=candidacy, report=report, problem=problem)


@bp.post("/mandataire/dons/<int:donation_id>/rembourser")
def refund(donation_id: int):
    donation = get_or_404(Donation, donation_id)
    authorize("campaign.finance", owner_ids=campaigns.agent_ids(donation.candidacy))
    form = forms.RefundForm()
    back = redirect(url_for("crowdfunding.dashboard", candidacy_id=donation.candidacy_id))
    if not form.validate_on_submit():
        flash(_("Motif de remboursement inconnu."), "error")
        return back
    try:
        ledger.approve_refund(db.session, current_user, clock.now(), gateway(), donation, form.reason.data)
    except CrowdfundingError as error:
        return refused(error, back)
    db.session.commit()
    flash(_("Remboursement demandé à Stripe ; le don passera à « remboursé » à sa confirmation."), "success")
    return back
