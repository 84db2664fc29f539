"""Pages of the crowdfunding domain: one blueprint, routes split into public pages (elections,
campaigns, donating, the Stripe webhook) and management (admin, candidate, mandataire).
Views are thin: parse, call one service, commit once, redirect or render."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app
from flask_login import current_user

from constituencies.models import Constituency
from participatory import clock
from participatory.accounts.policy import allowed
from participatory.crowdfunding import queries, rules
from participatory.crowdfunding.errors import MESSAGES
from participatory.crowdfunding.gateway import GatewayError, StripeGateway
from participatory.crowdfunding.models import Candidacy
from participatory.crowdfunding.services import campaigns, opendata
from participatory.crowdfunding.services.connect import donor_refusal
from participatory.extensions import db
from participatory.pages import refused  # noqa: F401  (re-exported to the view modules)

bp = Blueprint("crowdfunding", __name__)


def get_or_404(model, ident):
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


def gateway() -> StripeGateway | None:
    """The payment gateway from the configuration, or None when payments are not configured."""
    try:
        return StripeGateway.from_config(current_app.config)
    except GatewayError:
        return None


def pending_ttl() -> timedelta:
    return timedelta(minutes=current_app.config["DONATION_PENDING_MINUTES"])


def population() -> dict[str, int]:
    """Inhabitants per constituency when configured (CAMPAIGN_POPULATION or a CSV), loaded once."""
    if current_app.config.get("CAMPAIGN_POPULATION"):
        return current_app.config["CAMPAIGN_POPULATION"]
    path = current_app.config.get("CAMPAIGN_POPULATION_CSV")
    if not path:
        return {}
    return current_app.extensions.setdefault("campaign_population", campaigns.population_table(path))


def visible_candidacy(candidacy_id: int) -> Candidacy:
    """Approved campaigns are public; others only for the candidate, the mandataire and admins."""
    candidacy = get_or_404(Candidacy, candidacy_id)
    if candidacy.status != rules.APPROVED and not allowed(
        current_user, "campaign.manage", owner_ids=campaigns.owner_ids(candidacy)
    ):
        abort(404)
    return candidacy


def campaign_context(candidacy: Candidacy) -> dict:
    constituency = db.session.get(Constituency, candidacy.constituency_code)
    window = campaigns.window_of(candidacy.election)
    refusal = donor_refusal(candidacy)
    return {
        "candidacy": candidacy,
        "election": candidacy.election,
        "constituency": constituency,
        "window": window,
        "collecting": candidacy.status == rules.APPROVED and refusal is None and window.is_open(clock.now()),
        # Why donations are closed on the payment side, in words a donor understands.
        "payment_refusal": MESSAGES[refusal] if refusal and candidacy.status == rules.APPROVED else None,
        "ceiling": campaigns.spending_ceiling(constituency, current_app.config, population()),
        "notices": campaigns.notices(db.session, candidacy, constituency),
        "summary": opendata.candidacy_summary(db.session, candidacy.id),
        "cap_cents": current_app.config["DONATION_CAP_CENTS"],
        "paris": rules.PARIS,
        "account_published": queries.published(db.session, candidacy),
    }


from participatory.crowdfunding import personal_data  # noqa: E402,F401  (registers the donations part)
from participatory.crowdfunding.views import campaign_account, connect, manage, public  # noqa: E402,F401  (routes on bp)
