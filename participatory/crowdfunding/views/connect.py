"""Stripe Connect: the mandataire connects the campaign's account (creation, Account Links, return),
the admin's override, and the Connect webhook endpoint (`account.updated`, and the donation events
Stripe sends there for direct charges on connected accounts)."""

from __future__ import annotations

import logging
from functools import partial

from flask import flash, jsonify, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from participatory import clock
from participatory.accounts.policy import authorize
from participatory.crowdfunding import forms, rules
from participatory.crowdfunding.errors import CrowdfundingError
from participatory.crowdfunding.gateway import MalformedEvent
from participatory.crowdfunding.models import Candidacy
from participatory.crowdfunding.services import campaigns, connect
from participatory.crowdfunding.services.webhooks import HANDLED
from participatory.crowdfunding.views import bp, gateway, get_or_404, refused
from participatory.crowdfunding.views.public import apply_payment_event, verified_event
from participatory.extensions import csrf, db
from participatory.forms import Form

log = logging.getLogger(__name__)

# What the mandataire reads after coming back from Stripe.
AFTER_RETURN = {
    rules.ACCOUNT_READY: _l("Compte de paiement actif : les dons sont ouverts."),
    rules.ACCOUNT_ONBOARDING: _l("Inscription auprès de Stripe non terminée : reprenez-la quand vous voulez."),
    rules.ACCOUNT_MORE_INFO: _l("Stripe demande encore des informations pour activer les paiements."),
    rules.ACCOUNT_REVIEW: _l("Informations transmises : Stripe les vérifie, les dons ouvriront ensuite."),
    rules.ACCOUNT_DISABLED: _l("Stripe a désactivé les paiements sur ce compte."),
}


def _finance_candidacy(candidacy_id: int) -> Candidacy:
    """Only the campaign's own mandataire connects its account (L52-4): not the candidate, nor an admin."""
    candidacy = get_or_404(Candidacy, candidacy_id)
    authorize("campaign.finance", owner_ids=campaigns.agent_ids(candidacy))
    return candidacy


def _dashboard(candidacy: Candidacy):
    return redirect(url_for("crowdfunding.dashboard", candidacy_id=candidacy.id))


def _to_stripe(candidacy: Candidacy, *, create: bool):
    """Create the account when asked and none exists, then send the mandataire to a fresh Account Link."""
    now = clock.now()
    payments = gateway()
    try:
        if create:
            connect.create_account(db.session, current_user, now, payments, candidacy)
            db.session.commit()  # the account exists at Stripe: keep it even if the link fails
        url = connect.issue_link(
            db.session,
            current_user,
            now,
            payments,
            candidacy,
            return_url=url_for("crowdfunding.connect_return", candidacy_id=candidacy.id, _external=True),
            refresh_url=url_for("crowdfunding.connect_refresh", candidacy_id=candidacy.id, _external=True),
        )
    except CrowdfundingError as error:
        return refused(error, partial(_dashboard, candidacy))
    db.session.commit()
    return redirect(url, code=303)


@bp.post("/mandataire/campagnes/<int:candidacy_id>/stripe")
def connect_start(candidacy_id: int):
    candidacy = _finance_candidacy(candidacy_id)
    if not Form().validate_on_submit():
        flash(_("La page a expiré : recommencez."), "error")
        return _dashboard(candidacy)
    return _to_stripe(candidacy, create=True)


@bp.get("/mandataire/campagnes/<int:candidacy_id>/stripe/nouveau-lien")
def connect_refresh(candidacy_id: int):
    """Stripe's refresh_url: the link expired or was already used; a new one (Stripe's documented flow)."""
    return _to_stripe(_finance_candidacy(candidacy_id), create=False)


@bp.get("/mandataire/campagnes/<int:candidacy_id>/stripe/retour")
def connect_return(candidacy_id: int):
    """Stripe's return_url: nothing in the URL is trusted; the account is re-read from Stripe."""
    candidacy = _finance_candidacy(candidacy_id)
    try:
        state = connect.refresh(db.session, clock.now(), gateway(), candidacy)
    except CrowdfundingError as error:
        return refused(error, partial(_dashboard, candidacy))
    db.session.commit()
    flash(str(AFTER_RETURN.get(state, "")), "success" if state == rules.ACCOUNT_READY else "info")
    return _dashboard(candidacy)


@bp.post("/admin/candidatures/<int:candidacy_id>/compte-stripe")
def connect_override(candidacy_id: int):
    """Admin override: link an account already connected to the platform; its status is read from Stripe."""
    authorize("admin")
    candidacy = get_or_404(Candidacy, candidacy_id)
    form = forms.AccountForm()
    back = redirect(url_for("crowdfunding.applications"))
    if not form.validate_on_submit():
        flash(_("Identifiant de compte Stripe invalide (acct_…)."), "error")
        return back
    try:
        state = connect.link_existing(db.session, current_user, clock.now(), gateway(), candidacy, form.account_id.data)
    except CrowdfundingError as error:
        return refused(error, back)
    db.session.commit()
    flash(_("Compte relié ; état lu chez Stripe : %(state)s", state=AFTER_RETURN.get(state, state)), "success")
    return back


@bp.post("/stripe/connect/webhook")
@csrf.exempt  # authenticated by its Stripe signature instead
def connect_webhook():
    event = verified_event("STRIPE_CONNECT_WEBHOOK_SECRET", "connect webhook")
    if event["type"] in HANDLED:
        return apply_payment_event(event)
    if event["type"] not in connect.HANDLED:
        return jsonify({"received": True, "outcome": "ignored"})
    try:
        outcome = connect.handle_account_event(db.session, clock.now(), event)
        db.session.commit()
    except MalformedEvent as error:
        db.session.rollback()
        log.warning("connect webhook refused: %s", error)
        return jsonify({"error": f"malformed event: {error}"}), 400
    except IntegrityError:  # the same event, delivered twice at once: the other delivery applied it
        db.session.rollback()
        outcome = "duplicate"
    return jsonify({"received": True, "outcome": outcome})
