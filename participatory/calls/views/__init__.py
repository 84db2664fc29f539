"""Pages of the calls domain: one blueprint, routes split by subject (calls, proposals,
ballots, results). Views are thin: parse, call one service, commit once, redirect or render."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from babel.numbers import format_currency as babel_currency
from flask import Blueprint, abort
from flask_babel import format_percent, get_locale
from flask_login import current_user

from participatory import clock
from participatory.accounts.policy import allowed
from participatory.calls import (
    forms,
    queries,
    subjects,  # noqa: F401  (registers calls and proposals as subjects of discussion)
)
from participatory.calls.models import Call, Proposal
from participatory.extensions import db
from participatory.pages import refused  # noqa: F401  (re-exported to the view modules)

bp = Blueprint("calls", __name__)


def call_or_404(call_id: int) -> Call:
    call = db.session.get(Call, call_id)
    if call is None:
        abort(404)
    return call


def proposal_or_404(proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        abort(404)
    return proposal


def manages(call: Call) -> bool:
    return allowed(current_user, "call.manage", call.constituency_code)


def moderates(call: Call) -> bool:
    return allowed(current_user, "proposal.moderate", call.constituency_code)


@bp.app_template_filter("money")
def money(amount_cents: int | float | None) -> str:
    if amount_cents is None:
        return "—"
    return _money(str(get_locale()), int(amount_cents))


@lru_cache(maxsize=4096)
def _money(locale: str, cents: int) -> str:
    """Babel's formatting costs more than the rest of a receipt page: the amounts of a call's projects are
    formatted once per language."""
    return babel_currency(Decimal(cents) / 100, "EUR", locale=locale)


@bp.app_template_filter("percent")
def percent(value: float) -> str:
    return format_percent(value, format="#,##0.0\xa0%")


@bp.app_context_processor
def call_helpers() -> dict:
    def call_summary(code: str):
        return queries.summary(db.session, code, clock.now())

    def may_manage_calls(code: str) -> bool:
        return allowed(current_user, "call.manage", code)

    return {
        "call_summary": call_summary,
        "may_manage_calls": may_manage_calls,
        "phase_labels": forms.PHASE_LABELS,
        "date_labels": forms.DATE_LABELS,
        "category_labels": forms.CATEGORY_LABELS,
        "rule_labels": forms.RULE_LABELS,
        "level_labels": forms.LEVEL_LABELS,
        "status_labels": forms.STATUS_LABELS,
    }


from participatory.calls import personal_data  # noqa: E402,F401  (registers the calls' parts of the download)
from participatory.calls.views import ballots, calls, desk, proposals, results  # noqa: E402,F401  (routes on bp)
