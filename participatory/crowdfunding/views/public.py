"""Public pages: elections, campaign pages, the donation form and payment, the Stripe webhook."""

from __future__ import annotations

import logging

from flask import abort, current_app, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from participatory import clock, outbox
from participatory.accounts.policy import allowed
from participatory.crowdfunding import forms, receipts, rules
from participatory.crowdfunding.errors import CrowdfundingError
from participatory.crowdfunding.gateway import GatewayError, InvalidSignature, MalformedEvent, verify_webhook
from participatory.crowdfunding.models import Candidacy, Donation, Election
from participatory.crowdfunding.services import campaigns, webhooks
from participatory.crowdfunding.services.donations import Donor, start_donation
from participatory.crowdfunding.views import (
    bp,
    campaign_context,
    gateway,
    get_or_404,
    pending_ttl,
    refused,
    visible_candidacy,
)
from participatory.extensions import csrf, db, limiter

log = logging.getLogger(__name__)


@bp.get("/elections")
def elections():
    rows = db.session.execute(
        select(Election, func.count(Candidacy.id))
        .outerjoin(Candidacy, (Candidacy.election_id == Election.id) & (Candidacy.status == rules.APPROVED))
        .group_by(Election.id)
        .order_by(Election.first_round.desc())
    ).all()
    items = [(e, count, campaigns.window_of(e)) for e, count in rows]
    return render_template(
        "crowdfunding/elections.html",
        items=items,
        now=clock.now(),
        paris=rules.PARIS,
        is_admin=allowed(current_user, "admin"),
    )


@bp.get("/elections/<int:election_id>")
def election(election_id: int):
    item = get_or_404(Election, election_id)
    candidacies = db.session.scalars(
        select(Candidacy)
        .where(Candidacy.election_id == item.id, Candidacy.status == rules.APPROVED)
        .order_by(Candidacy.constituency_code, Candidacy.candidate_name)
    ).all()
    return render_template(
        "crowdfunding/election.html",
        election=item,
        candidacies=candidacies,
        window=campaigns.window_of(item),
        now=clock.now(),
        paris=rules.PARIS,
        is_admin=allowed(current_user, "admin"),
    )


@bp.get("/candidats/<int:candidacy_id>")
def campaign(candidacy_id: int):
    return render_template("crowdfunding/campaign.html", **campaign_context(visible_candidacy(candidacy_id)))


def _verified_identity():
    """The FranceConnect identity of the signed-in donor, if any: they give under it."""
    return current_user.franceconnect if current_user.is_authenticated else None


def _lock_names(form: forms.DonationForm, identity) -> None:
    """Names from FranceConnect, shown read-only; whatever was submitted for them is ignored."""
    form.first_name.data, form.last_name.data = identity.given_name, identity.family_name
    for name_field in (form.first_name, form.last_name):
        name_field.render_kw = {"readonly": True}


def _donor(form: forms.DonationForm) -> Donor:
    identity = _verified_identity()
    return Donor(
        first_name=form.first_name.data,
        last_name=form.last_name.data,
        email=form.email.data,
        address=form.address.data,
        postal_code=form.postal_code.data,
        city=form.city.data,
        country=form.country.data,
        eligibility=form.eligibility.data,
        natural_person=bool(form.natural_person.data),
        own_funds=bool(form.own_funds.data),
        verified_identity=identity.subject_hash if identity is not None else None,
    )


@bp.route("/candidats/<int:candidacy_id>/don", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])  # slows probing of someone else's remaining cap
def donate(candidacy_id: int):
    candidacy = visible_candidacy(candidacy_id)
    form = forms.DonationForm()
    identity = _verified_identity()
    if identity is not None:
        _lock_names(form, identity)
    context = campaign_context(candidacy) | {"form": form, "verified_identity": identity is not None}
    if not form.validate_on_submit():
        return render_template("crowdfunding/donate.html", **context), (400 if form.is_submitted() else 200)
    amount = form.amount_cents()
    if amount is None:
        form.amount_other.errors = [*form.amount_other.errors, _("Indiquez le montant de votre don.")]
        return render_template("crowdfunding/donate.html", **context), 400
    user = current_user if current_user.is_authenticated else None
    try:
        started = start_donation(
            db.session,
            clock.now(),
            gateway(),
            candidacy=candidacy,
            donor=_donor(form),
            amount_cents=amount,
            cap_cents=current_app.config["DONATION_CAP_CENTS"],
            pending_ttl=pending_ttl(),
            user=user,
        )
    except CrowdfundingError as error:
        return refused(error, "crowdfunding/donate.html", **context)
    db.session.commit()
    return redirect(url_for("crowdfunding.pay", ref=started.donation.ref))


def donation_by_ref(ref: str) -> Donation:
    donation = db.session.scalar(select(Donation).where(Donation.ref == ref)) if len(ref) <= 32 else None
    if donation is None:
        abort(404)
    return donation


@bp.get("/dons/<ref>/paiement")
def pay(ref: str):
    donation = donation_by_ref(ref)
    if donation.status != rules.PENDING:
        return redirect(url_for("crowdfunding.donation_status_page", ref=ref))
    payments = gateway()
    try:
        if payments is None:
            raise GatewayError("payments are not configured")
        intent = payments.retrieve_intent(donation.payment_intent_id, account=donation.candidacy.stripe_account_id)
    except GatewayError:
        abort(503, description=_("Le paiement est momentanément indisponible."))
    return render_template(
        "crowdfunding/pay.html",
        donation=donation,
        candidacy=donation.candidacy,
        client_secret=intent.client_secret,
        stripe_js=current_app.config["STRIPE_JS_URL"],
        publishable_key=current_app.config["STRIPE_PUBLISHABLE_KEY"],
    )


@bp.get("/dons/<ref>")
def donation_status_page(ref: str):
    donation = donation_by_ref(ref)
    return render_template("crowdfunding/thanks.html", donation=donation, candidacy=donation.candidacy)


@bp.get("/dons/<ref>/statut")
def donation_status(ref: str):
    response = jsonify({"status": donation_by_ref(ref).status})
    response.cache_control.no_store = True
    return response


def verified_event(secret_setting: str, endpoint: str) -> dict:
    """The event of a Stripe webhook request, its signature checked with the secret of `secret_setting`;
    a bad or stale signature, or a malformed event, ends the request with a 400 and changes nothing."""
    config = current_app.config
    try:
        return verify_webhook(
            request.get_data(),
            request.headers.get("Stripe-Signature"),
            config[secret_setting],
            config["STRIPE_WEBHOOK_TOLERANCE"],
        )
    except InvalidSignature:
        log.warning("%s refused: bad or stale signature", endpoint)
        abort(make_response(jsonify({"error": "invalid signature"}), 400))
    except MalformedEvent as error:
        log.warning("%s refused: %s", endpoint, error)
        abort(make_response(jsonify({"error": f"malformed event: {error}"}), 400))


@bp.post("/stripe/webhook")
@csrf.exempt  # authenticated by its Stripe signature instead
def stripe_webhook():
    return apply_payment_event(verified_event("STRIPE_WEBHOOK_SECRET", "stripe webhook"))


def apply_payment_event(event: dict):
    """A verified donation event (from this endpoint, or the Connect one where Stripe sends the events of
    direct charges): applied once, then the receipt sent."""
    config = current_app.config
    now = clock.now()
    try:
        outcome = webhooks.handle_event(
            db.session, now, event, cap_cents=config["DONATION_CAP_CENTS"], pending_ttl=pending_ttl()
        )
        db.session.commit()
    except IntegrityError:  # the same event, delivered twice at once: the other delivery applied it
        db.session.rollback()
        return jsonify({"received": True, "outcome": "duplicate"})
    if outcome.receipt_due:
        try:
            if receipts.deliver_receipt(db.session, outcome.donation_id, now):
                db.session.commit()
                outbox.dispatch()
        except Exception:  # the success is committed; `flask donations send-receipts` retries the email
            db.session.rollback()
            log.exception("receipt for donation %s failed", outcome.donation_id)
    return jsonify({"received": True, "outcome": outcome.outcome})
